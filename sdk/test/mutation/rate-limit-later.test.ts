/**
 * An answer's quota headers are parsed once the answer is on its way (core/rate-limit-notes.ts): not before the caller
 * has its answer, yet before anything reads the model's state — the next pick of any rotation strategy, the saved
 * state — and with reset times counted from when the answer arrived, not from when the headers were parsed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { create } from "../../src/index.js";
import { OpenAICompatibleProvider } from "../../src/provider/openai-compatible.js";
import type { ChatCompletionCreateParams } from "../../src/wire/types.js";
import type { ModelState } from "../../src/wire/model-state.js";
import type { RateLimitSnapshot } from "../../src/wire/models.js";
import type { ProviderCallOptions } from "../../src/provider/provider.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { STATE_KEY, type PersistedState } from "../../src/core/model-state-snapshot.js";
import { noteRateLimitLater, settleRateLimits } from "../../src/core/rate-limit-notes.js";
import { startFakeOpenAI } from "../fakes/openai.js";
import { hello, ScriptedProvider, testClock } from "./scripted.js";

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

/** Records when its quota hook runs and the arrival time it is handed. */
class Watched extends OpenAICompatibleProvider {
  readonly parsed: Array<{ at: number; now: number | undefined }> = [];
  protected override _parseRateLimitHeaders(headers: Headers, now?: number): RateLimitSnapshot | undefined {
    this.parsed.push({ at: Date.now(), now });
    return super._parseRateLimitHeaders(headers, now);
  }
}

const idleTurn = () => new Promise((resolve) => setImmediate(resolve));

async function persisted(storage: MemoryStorage): Promise<PersistedState> {
  const entry = (await storage.load(STATE_KEY)) as { data: PersistedState } | null;
  return entry!.data;
}

describe("an answer's quota, read later", () => {
  it("is parsed after the caller has the answer, with resets counted from the answer's arrival", async () => {
    const fake = await startFakeOpenAI({ rateLimit: { limitRequests: 10 } });
    open.push(fake);
    const provider = new Watched({ id: "a", baseUrl: fake.url, apiKey: "sk-test-later-0000000000", models: [{ id: "gpt-4o-mini" }] });
    const storage = new MemoryStorage();
    const mesh = create({ config: { providers: { a: { instance: provider } }, pools: { chat: { capability: "chat-completion" } } }, storage: { instance: storage }, persistDelayMs: 60_000 } as never);
    open.push(mesh);
    const sent = Date.now();
    const answer = await mesh.chat.completions.create({ model: "chat", messages: hello });
    const answered = Date.now();
    expect(answer.choices[0]?.message.content).toBeTruthy();
    expect(fake.requests).toHaveLength(1);
    // The caller has its answer and the headers are still unread.
    expect(provider.parsed).toEqual([]);
    // Time passes without an idle turn; the parse that follows still counts from the arrival.
    while (Date.now() < answered + 25) {
      /* busy: no turn of the event loop */
    }
    await idleTurn();
    expect(provider.parsed).toHaveLength(1);
    expect(provider.parsed[0]!.now).toBeGreaterThanOrEqual(sent);
    expect(provider.parsed[0]!.now).toBeLessThanOrEqual(answered);
    expect(provider.parsed[0]!.at).toBeGreaterThanOrEqual(answered + 25);
    await mesh.close();
    const saved = (await persisted(storage)).models["a/gpt-4o-mini"]!.rateLimit!;
    expect(saved).toMatchObject({ limitRequests: 10, remainingRequests: 9 });
    // The fake's window is a minute from the request it counted.
    expect(saved.resetRequestsAt).toBeGreaterThan(sent);
    expect(saved.resetRequestsAt).toBeLessThanOrEqual(answered + 60_000);
  });

  it("is merged before the next pick, so a strategy moves on at once when no idle turn came between", async () => {
    const clock = testClock();
    const empty = { remainingRequests: 0, limitRequests: 10, resetRequestsAt: clock.now() + 60_000 };
    const a = new ScriptedProvider("a", ["alpha"], [{ rateLimit: empty }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const mesh = create({
      config: { providers: { a: { instance: a }, b: { instance: b } }, pools: { chat: { capability: "chat-completion", strategy: "rate-limit-aware", strategy_config: { prefer: "order" }, models: ["alpha", "beta"] } } },
      clock,
    } as never);
    open.push(mesh);
    await mesh.chat.completions.create({ model: "chat", messages: hello });
    // The second request follows in the same turn (the scripted providers answer without I/O): A said it has none left.
    const second = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
    expect(second.model).toBe("beta");
  });

  it("is saved with the state even when the mesh closes before an idle turn", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ rateLimit: { remainingRequests: 7, limitRequests: 8 } }], clock);
    const storage = new MemoryStorage();
    const mesh = create({ config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion" } } }, clock, storage: { instance: storage }, persistDelayMs: 60_000 } as never);
    await mesh.chat.completions.create({ model: "chat", messages: hello });
    await mesh.close();
    expect((await persisted(storage)).models["a/alpha"]!.rateLimit).toEqual({ remainingRequests: 7, limitRequests: 8 });
  });

  it("costs the answer nothing when reading it throws", async () => {
    const clock = testClock();
    class Unreadable extends ScriptedProvider {
      override async chat(request: ChatCompletionCreateParams, options?: ProviderCallOptions) {
        const { body } = await super.chat(request, options);
        return {
          body,
          get rateLimit(): RateLimitSnapshot {
            throw new Error("unreadable quota header");
          },
        };
      }
    }
    const a = new Unreadable("a", ["alpha"], [], clock);
    const storage = new MemoryStorage();
    const mesh = create({ config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion" } } }, clock, storage: { instance: storage }, persistDelayMs: 0 } as never);
    open.push(mesh);
    const first = await mesh.chat.completions.create({ model: "chat", messages: hello });
    await idleTurn();
    const second = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect([first.model, second.model]).toEqual(["alpha", "alpha"]);
    expect(a.received).toHaveLength(2);
    await mesh.close();
    const saved = (await persisted(storage)).models["a/alpha"]!;
    expect(saved).toMatchObject({ status: "active", totalSuccesses: 2 });
    expect(saved.rateLimit).toBeUndefined();
  });

  it("merges notes in order, later fields over earlier ones, and all at once past 64 unread", () => {
    const state = { rateLimit: { limitTokens: 1_000 } } as unknown as ModelState;
    const other = {} as ModelState;
    noteRateLimitLater(state, () => ({ remainingRequests: 5, limitRequests: 10 }));
    noteRateLimitLater(other, () => ({ remainingRequests: 1 }));
    noteRateLimitLater(state, () => undefined);
    noteRateLimitLater(state, () => ({ remainingRequests: 4 }));
    expect(state.rateLimit).toEqual({ limitTokens: 1_000 });
    settleRateLimits();
    expect(state.rateLimit).toEqual({ limitTokens: 1_000, limitRequests: 10, remainingRequests: 4 });
    expect(other.rateLimit).toEqual({ remainingRequests: 1 });
    for (let index = 1; index < 64; index += 1) noteRateLimitLater(state, () => ({ remainingTokens: index }));
    expect(state.rateLimit?.remainingTokens).toBeUndefined();
    noteRateLimitLater(state, () => ({ remainingTokens: 64 }));
    expect(state.rateLimit).toEqual({ limitTokens: 1_000, limitRequests: 10, remainingRequests: 4, remainingTokens: 64 });
  });
});
