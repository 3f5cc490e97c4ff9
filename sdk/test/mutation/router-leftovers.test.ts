/**
 * Smaller promises of core/router.ts, each observed from outside: the service's usage billed for a broken stream,
 * the order of afterResponse hooks on a stream, and what model state is persisted after a
 * cooldown and without rate-limit headers.
 */
import { describe, expect, it } from "vitest";
import { create } from "../../src/index.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { STATE_KEY, type PersistedState } from "../../src/core/model-state-snapshot.js";
import { ProviderError } from "../../src/wire/errors.js";
import type { ChatCompletionChunk, CompletionUsage } from "../../src/wire/types.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const serverError = (providerId: string) => new ProviderError("upstream exploded", { providerId, status: 500 }, { code: "server_error", retryable: true });

async function persisted(storage: MemoryStorage): Promise<PersistedState> {
  const entry = (await storage.load(STATE_KEY)) as { data: PersistedState } | null;
  return entry!.data;
}

describe("a stream that breaks after the service reported its usage", () => {
  it("is billed at the service's usage, not at an estimate", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const usage: CompletionUsage = { prompt_tokens: 40, completion_tokens: 30, total_tokens: 70 };
    a.chatStream = async (request) => {
      a.received.push({ operation: "chat", request: request as never, options: undefined, at: clock.now() });
      const base = { id: "c", object: "chat.completion.chunk" as const, created: 1, model: "alpha" };
      return {
        body: (async function* () {
          yield { ...base, choices: [{ index: 0, delta: { role: "assistant" as const, content: "" }, finish_reason: null }] };
          yield { ...base, choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }], usage };
          throw serverError("a");
        })(),
      };
    };
    const b = new ScriptedProvider("b", ["beta"], [{ pieces: ["Hi", " there"] }], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as unknown as AsyncIterable<ChatCompletionChunk>;
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hi there");
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ failures: 1, promptTokens: 40, completionTokens: 30, totalTokens: 70 });
    await mesh.close();
  });
});

describe("afterResponse on a stream", () => {
  it("runs last-registered first, as for a plain answer", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["ok"] }], clock);
    const order: string[] = [];
    const mesh = create({
      config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion" } } },
      clock,
      middleware: [{ afterResponse: (completion: unknown) => (order.push("first"), completion) }, { afterResponse: (completion: unknown) => (order.push("second"), completion) }],
    } as never);
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as unknown as AsyncIterable<ChatCompletionChunk>;
    for await (const _chunk of stream) void _chunk;
    expect(order).toEqual(["second", "first"]);
    await mesh.close();
  });
});

describe("persisted model state", () => {
  it("keeps the cooldown a model earned by its failures, and no rate limit when no service reported one", async () => {
    const clock = testClock(1_700_000_000_000);
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError("a") }], clock);
    const storage = new MemoryStorage();
    const mesh = create({
      config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion", retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 4_000 } } } },
      clock,
      storage: { instance: storage },
      persistDelayMs: 0,
    } as never);
    await mesh.chat.completions.create({ model: "chat", messages: hello }).catch(() => undefined);
    await mesh.close();
    const state = (await persisted(storage)).models["a/alpha"]!;
    expect(state).toMatchObject({ status: "cooldown", cooldownMs: 4_000, cooldownUntil: 1_700_000_004_000 });
    expect(state).not.toHaveProperty("rateLimit");
  });
});
