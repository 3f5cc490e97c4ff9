/**
 * Smaller promises of core/router.ts, each observed from outside: the service's usage billed for a broken stream,
 * the order of afterResponse hooks on a stream, what model state is persisted after a cooldown
 * and without rate-limit headers, the session a strategy is told, and a hook that throws a bare undefined.
 */
import { describe, expect, it } from "vitest";
import { create } from "../../src/index.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { STATE_KEY, type PersistedState } from "../../src/core/model-state-snapshot.js";
import { ProviderError } from "../../src/wire/errors.js";
import type { ChatCompletionChunk, CompletionUsage } from "../../src/wire/types.js";
import { BaseRotationPolicy, type SelectionContext } from "../../src/rotation/rotation.js";
import { CallbackObservability } from "../../src/observability/callback.js";
import type { MeshEvent } from "../../src/wire/events.js";
import type { ModelState } from "../../src/wire/model-state.js";
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
  it("keeps the cooldown a model earned by its failures", async () => {
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
  });

  it("has no rate limit for a model whose answers carried none", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ text: "served" }], clock);
    const storage = new MemoryStorage();
    const mesh = create({ config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion" } } }, clock, storage: { instance: storage }, persistDelayMs: 0 } as never);
    expect((await mesh.chat.completions.create({ model: "chat", messages: hello })).choices[0]!.message.content).toBe("served");
    await mesh.close();
    const state = (await persisted(storage)).models["a/alpha"]!;
    expect(state).toMatchObject({ totalSuccesses: 1 });
    expect(state).not.toHaveProperty("rateLimit");
  });
});

describe("the session a strategy is told", () => {
  it("is the request's user when it is a string, and none when it is not", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const sessions: unknown[] = [];
    class Recording extends BaseRotationPolicy {
      select(candidates: ModelState[], _request: unknown, context: SelectionContext) {
        sessions.push(context.sessionId);
        return candidates[0] ?? null;
      }
    }
    const { mesh } = scriptedMesh([a], clock, { strategy_instance: new Recording() });
    await mesh.chat.completions.create({ model: "chat", messages: hello, user: "user-17" });
    await mesh.chat.completions.create({ model: "chat", messages: hello, user: 42 } as never);
    expect(sessions).toEqual(["user-17", undefined]);
    await mesh.close();
  });
});

describe("a stream's afterResponse hook that throws a bare undefined", () => {
  it("rejects the stream with exactly that, and the request-end event says so", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["ok"] }], clock);
    const ends: MeshEvent[] = [];
    const mesh = create({
      config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion" } } },
      clock,
      observability: { instance: new CallbackObservability({ callback: (event) => void (event.type === "request-end" && ends.push(event)), minSeverity: "debug" }) },
      middleware: [
        {
          afterResponse: () => {
            throw undefined;
          },
        },
      ],
    } as never);
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as unknown as AsyncIterable<ChatCompletionChunk>;
    let caught: unknown = "nothing thrown";
    try {
      for await (const _chunk of stream) void _chunk;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeUndefined();
    expect(ends).toEqual([expect.objectContaining({ ok: false, error: { name: "Error", code: "aborted", message: "undefined", retryable: false } })]);
    await mesh.close();
  });
});
