/**
 * Model state as the router changes it (core/router.ts recordSuccess/recordFailure/coolDown/thawKey), observed from
 * outside: describe(), the persisted state, client.usage, the events, and which model each request reached.
 */
import { describe, expect, it } from "vitest";
import { AllProvidersExhaustedError, AuthenticationError, NoCapableModelError, ProviderError, RateLimitError } from "../../src/wire/errors.js";
import { create } from "../../src/index.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { STATE_KEY, type PersistedState } from "../../src/core/model-state-snapshot.js";
import { BaseRotationPolicy } from "../../src/rotation/rotation.js";
import type { ModelState } from "../../src/wire/model-state.js";
import { CHAT, EMBEDDINGS, hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const serverError = (providerId = "a") => new ProviderError("upstream exploded", { providerId, status: 500 }, { code: "server_error", retryable: true });
const single = { retry: { max_retries: 0 } };
const ask = (mesh: ReturnType<typeof scriptedMesh>["mesh"], model = "chat") => mesh.chat.completions.create({ model, messages: hello });
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

async function persisted(storage: MemoryStorage): Promise<PersistedState> {
  const entry = (await storage.load(STATE_KEY)) as { data: PersistedState } | null;
  return entry!.data;
}

describe("a success", () => {
  it("counts the request and smooths latency (first sample as measured, then 30 % of each change)", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ latencyMs: 100 }, { latencyMs: 200 }, { latencyMs: 50 }], clock);
    const { mesh, model, ofType } = scriptedMesh([a], clock);
    const latencies: Array<number | null> = [];
    for (let index = 0; index < 3; index += 1) {
      await ask(mesh);
      latencies.push(model("alpha").latencyMs);
    }
    expect(latencies).toEqual([100, 130, 106]);
    // Serving while active is not a recovery.
    expect(ofType("model-recovered")).toEqual([]);
    expect(model("alpha")).toMatchObject({ status: "active", requests: 3, failures: 0, consecutiveFailures: 0 });
    await mesh.close();
  });

  it("persists successes, samples, last use and a cleared failure streak", async () => {
    const clock = testClock(1_700_000_000_000);
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError(), latencyMs: 5 }, { latencyMs: 40 }], clock);
    const storage = new MemoryStorage();
    const meshWithStorage = create({
      config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion", retry: { max_retries: 1, base_delay_ms: 10, jitter: "none" } } } },
      clock,
      storage: { instance: storage },
      persistDelayMs: 0,
    } as never);
    await meshWithStorage.chat.completions.create({ model: "chat", messages: hello });
    await meshWithStorage.close();
    const state = (await persisted(storage)).models["a/alpha"]!;
    // Failure at +5 ms, backoff 10 ms, success after 40 ms more.
    expect(state).toMatchObject({ status: "active", totalRequests: 2, totalFailures: 1, totalSuccesses: 1, consecutiveFailures: 0, latencySamples: 1, latencyMs: 40, totalTokens: 15, cooldownUntil: 0, cooldownMs: 0, lastUsedAt: 1_700_000_000_055 });
    expect(state.lastError).toEqual({ code: "server_error", message: "upstream exploded", at: 1_700_000_000_005 });
  });

  it("keeps the rate-limit headers a provider reported, merging later ones into earlier ones", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ rateLimit: { remainingRequests: 9, limitRequests: 10 } }, { rateLimit: { remainingTokens: 500 } }, {}], clock);
    const storage = new MemoryStorage();
    const mesh = create({ config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion" } } }, clock, storage: { instance: storage }, persistDelayMs: 0 } as never);
    for (let index = 0; index < 3; index += 1) await mesh.chat.completions.create({ model: "chat", messages: hello });
    await mesh.close();
    expect((await persisted(storage)).models["a/alpha"]!.rateLimit).toEqual({ remainingRequests: 9, limitRequests: 10, remainingTokens: 500 });
  });
});

describe("cooling down and coming back", () => {
  it("the threshold takes a model out for cooldown_ms; failed probes double it up to max_cooldown_ms; a good probe restores it", async () => {
    const clock = testClock(1_700_000_000_000);
    const steps = [{ error: serverError(), latencyMs: 3 }, { error: serverError(), latencyMs: 3 }, { error: serverError() }, { error: serverError() }, { error: serverError() }, {}];
    const a = new ScriptedProvider("a", ["alpha"], steps, clock);
    const { mesh, model, ofType } = scriptedMesh([a], clock, { ...single, deactivation: { failure_threshold: 2 }, recovery: { cooldown_ms: 1_000, backoff_multiplier: 3, max_cooldown_ms: 5_000 } });
    await failure(ask(mesh));
    expect(model("alpha")).toMatchObject({ status: "active", consecutiveFailures: 1, failures: 1, lastError: "upstream exploded" });
    await failure(ask(mesh));
    expect(model("alpha")).toMatchObject({ status: "cooldown", consecutiveFailures: 2, cooldownUntil: new Date(1_700_000_000_006 + 1_000).toISOString(), available: false });
    expect(ofType("model-deactivated").at(-1)).toMatchObject({ provider: "a", model: "alpha", reason: "2 consecutive failures: upstream exploded", cooldownUntil: 1_700_000_001_006, severity: "warning", component: "pool" });
    // While cooling: nothing is sent, and the error says why and that it is worth retrying.
    clock.advance(999);
    const resting = (await failure(ask(mesh))) as NoCapableModelError;
    expect(resting).toBeInstanceOf(NoCapableModelError);
    expect(resting.message).toContain('every model of pool "chat" is unavailable: a/alpha (cooling down for 1s)');
    expect(resting.retryable).toBe(true);
    expect(resting.retryAfter).toBe(1);
    expect(a.received).toHaveLength(2);
    clock.advance(1);
    await failure(ask(mesh));
    // A failed probe: 1 000 × 3.
    expect(ofType("model-deactivated").at(-1)).toMatchObject({ reason: "recovery probe failed: upstream exploded", cooldownUntil: clock.now() + 3_000 });
    clock.advance(3_000);
    await failure(ask(mesh));
    // 3 000 × 3 = 9 000, capped at 5 000.
    expect(ofType("model-deactivated").at(-1)).toMatchObject({ cooldownUntil: clock.now() + 5_000 });
    clock.advance(5_000);
    await failure(ask(mesh));
    expect(ofType("model-deactivated").at(-1)).toMatchObject({ cooldownUntil: clock.now() + 5_000 });
    expect(ofType("model-recovered")).toHaveLength(0);
    clock.advance(5_000);
    await ask(mesh);
    expect(model("alpha")).toMatchObject({ status: "active", consecutiveFailures: 0, available: true });
    expect(model("alpha")).not.toHaveProperty("cooldownUntil");
    expect(ofType("model-recovered")).toEqual([expect.objectContaining({ provider: "a", model: "alpha", severity: "info", component: "pool" })]);
    // Recovered means the cooldown starts from cooldown_ms again, not from where the probes left it.
    a.script({ error: serverError() }, { error: serverError() });
    await failure(ask(mesh));
    await failure(ask(mesh));
    expect(ofType("model-deactivated").at(-1)).toMatchObject({ reason: "2 consecutive failures: upstream exploded", cooldownUntil: clock.now() + 1_000 });
    await mesh.close();
  });

  it("a first failed probe after a rate-limit rest starts from cooldown_ms (the server's rest is not remembered)", async () => {
    const clock = testClock(1_700_000_000_000);
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new RateLimitError("slow down", { providerId: "a", retryAfter: 7 }) }, { error: serverError() }], clock);
    const { mesh, model, ofType } = scriptedMesh([a], clock, { ...single, recovery: { cooldown_ms: 1_000, backoff_multiplier: 2, max_cooldown_ms: 60_000 } });
    await failure(ask(mesh));
    expect(ofType("model-deactivated").at(-1)).toMatchObject({ reason: "rate limited (7s)", cooldownUntil: 1_700_000_007_000 });
    expect(model("alpha")).toMatchObject({ status: "cooldown", consecutiveFailures: 1 });
    clock.advance(7_000);
    await failure(ask(mesh));
    expect(ofType("model-deactivated").at(-1)).toMatchObject({ reason: "recovery probe failed: upstream exploded", cooldownUntil: clock.now() + 2_000 });
    await mesh.close();
  });

  it("a zero retry-after means retry now: the model is not rested (retry-after-zero.test.ts: it is retried)", async () => {
    const clock = testClock(1_700_000_000_000);
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new RateLimitError("slow down", { providerId: "a", retryAfter: 0 }) }], clock);
    const { mesh, ofType, model } = scriptedMesh([a], clock, single);
    await failure(ask(mesh));
    expect(ofType("model-deactivated")).toEqual([]);
    expect(model("alpha").status).toBe("active");
    await mesh.close();
  });

  it("a model that is not found or not allowed rests max_cooldown_ms, remembered for its next probe", async () => {
    for (const error of [
      new ProviderError("The model `alpha` does not exist", { providerId: "a", status: 404 }, { code: "model_not_found" }),
      new AuthenticationError("no access to alpha", { providerId: "a", status: 403 }, { code: "permission_denied" }),
    ]) {
      const clock = testClock(1_700_000_000_000);
      const a = new ScriptedProvider("a", ["alpha"], [{ error }, { error: serverError() }], clock);
      const b = new ScriptedProvider("b", ["beta"], [], clock);
      const { mesh, model, ofType } = scriptedMesh([a, b], clock, { ...single, strategy: "priority", recovery: { cooldown_ms: 1_000, backoff_multiplier: 2, max_cooldown_ms: 20_000 } });
      const response = await ask(mesh);
      expect(response.model).toBe("beta");
      expect(ofType("model-deactivated")[0]).toMatchObject({ model: "alpha", reason: error.message, cooldownUntil: 1_700_000_020_000 });
      expect(model("alpha").status).toBe("cooldown");
      clock.advance(20_000);
      await ask(mesh);
      // The failed probe grows from the remembered 20 s (× 2), capped at the same 20 s.
      expect(ofType("model-deactivated")[1]).toMatchObject({ reason: "recovery probe failed: upstream exploded", cooldownUntil: clock.now() + 20_000 });
      await mesh.close();
    }
  });

  it("a model_not_supported failover blames the model but does not rest it (below the threshold)", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new ProviderError("not for chat", { providerId: "a", status: 400 }, { code: "model_not_supported" }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model, ofType } = scriptedMesh([a, b], clock, single);
    expect((await ask(mesh)).model).toBe("beta");
    expect(model("alpha")).toMatchObject({ status: "active", failures: 1, consecutiveFailures: 1 });
    expect(ofType("model-deactivated")).toHaveLength(0);
    await mesh.close();
  });
});

describe("a rejected key", () => {
  it("takes every model of the key out until key_probe_ms, then a successful probe brings them all back", async () => {
    const clock = testClock(1_700_000_000_000);
    const a = new ScriptedProvider("a", ["alpha", "alpha-2", { id: "alpha-embed", capabilities: [EMBEDDINGS] }], [{ error: new AuthenticationError("Incorrect API key provided", { providerId: "a", status: 401 }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model, ofType } = scriptedMesh([a, b], clock, { ...single, strategy: "priority", recovery: { key_probe_ms: 60_000 } }, { pools: { chat: { capability: "chat-completion", strategy: "priority", retry: { max_retries: 0 }, recovery: { key_probe_ms: 60_000 } }, emb: { capability: "text-embeddings" } } });
    expect((await ask(mesh)).model).toBe("beta");
    for (const name of ["alpha", "alpha-2"]) expect(model(name), name).toMatchObject({ status: "disabled", available: false });
    // The key is out everywhere, in pools the failing request never touched too.
    expect(model("alpha-embed", "emb")).toMatchObject({ status: "disabled", available: false });
    expect(ofType("key-disabled")).toEqual([expect.objectContaining({ provider: "a", models: ["alpha", "alpha-2", "alpha-embed"], reason: "Incorrect API key provided", severity: "error", component: "pool" })]);
    // Until the probe time, only beta is asked; a request for alpha alone says why it cannot be served.
    clock.advance(59_000);
    expect((await ask(mesh)).model).toBe("beta");
    const refused = (await failure(ask(mesh, "a/alpha"))) as NoCapableModelError;
    expect(refused.message).toContain("a/alpha (its API key was rejected (probed again in 1s))");
    expect(refused.retryable).toBe(false);
    expect(a.received).toHaveLength(1);
    clock.advance(1_000);
    // Priority prefers alpha: once the wait is over it is probed, answers, and the key's other models come back.
    expect((await ask(mesh)).model).toBe("alpha");
    expect(model("alpha")).toMatchObject({ status: "active" });
    expect(model("alpha-2")).toMatchObject({ available: true });
    expect(model("alpha-embed", "emb")).toMatchObject({ status: "active", available: true });
    expect(model("alpha-embed", "emb")).not.toHaveProperty("cooldownUntil");
    expect(ofType("model-recovered")).toEqual([expect.objectContaining({ provider: "a", model: "alpha" })]);
    const embedded = await mesh.embeddings.create({ model: "emb", input: "x" });
    expect(embedded.model).toBe("alpha-embed");
    await mesh.close();
  });

  it("a failed key probe takes the key out again for key_probe_ms", async () => {
    const clock = testClock(1_700_000_000_000);
    const rejected = () => ({ error: new AuthenticationError("Incorrect API key provided", { providerId: "a", status: 401 }) });
    const a = new ScriptedProvider("a", ["alpha"], [rejected(), rejected()], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model, ofType } = scriptedMesh([a, b], clock, { ...single, strategy: "priority", recovery: { key_probe_ms: 60_000 } });
    await ask(mesh);
    clock.advance(60_000);
    expect((await ask(mesh)).model).toBe("beta");
    expect(model("alpha").status).toBe("disabled");
    expect(ofType("key-disabled")).toHaveLength(2);
    clock.advance(59_999);
    await ask(mesh);
    expect(a.received).toHaveLength(2);
    await mesh.close();
  });
});

describe("what a failure is", () => {
  it("a connector that throws something else is broken for this request only: typed, named, and the next model is tried", async () => {
    const clock = testClock();
    const cause = new TypeError("Cannot read properties of undefined");
    const a = new ScriptedProvider("a", ["alpha"], [{ error: cause }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model, ofType } = scriptedMesh([a, b], clock, single);
    expect((await ask(mesh)).model).toBe("beta");
    expect(model("alpha")).toMatchObject({ failures: 1, lastError: "a failed: Cannot read properties of undefined" });
    const ended = ofType("attempt-end").find((event) => !event.ok)!;
    expect(ended.error).toMatchObject({ name: "ProviderError", code: "provider_exception", message: "a failed: Cannot read properties of undefined" });
    await mesh.close();
  });

  it("what a connector throws is kept as the cause, strings included", async () => {
    const clock = testClock();
    const cause = new RangeError("bad");
    const a = new ScriptedProvider("a", ["alpha"], [{ error: cause }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ error: "plain string" }], clock);
    const { mesh } = scriptedMesh([a, b], clock, single);
    const error = (await failure(ask(mesh))) as AllProvidersExhaustedError;
    expect(error).toBeInstanceOf(AllProvidersExhaustedError);
    expect(error.failures.map((attempt) => [attempt.error.message, attempt.error.code])).toEqual([
      ["a failed: bad", "provider_exception"],
      ["b failed: plain string", "provider_exception"],
    ]);
    // Kept as a scrubbed copy (a connector's error may carry a key).
    expect((error.failures[0]!.error as ProviderError).cause).toMatchObject({ name: "RangeError", message: "bad" });
    await mesh.close();
  });

  it("a request the service rejects as malformed ends at once and blames nobody", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new ProviderError("bad messages", { providerId: "a", status: 400 }, { code: "invalid_request" }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, single);
    const error = (await failure(ask(mesh))) as ProviderError;
    expect(error.status).toBe(400);
    expect(b.received).toHaveLength(0);
    expect(model("alpha")).toMatchObject({ failures: 0, consecutiveFailures: 0, status: "active" });
    await mesh.close();
  });
});

describe("usage and cost", () => {
  const priced = { id: "alpha", capabilities: [CHAT], pricing: { input: 2, output: 4, perRequest: 0.01 } };

  it("a served request costs its tokens at the model's prices plus the per-request price", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", [priced], [{ usage: { prompt_tokens: 1_000, completion_tokens: 500, total_tokens: 1_500 } }, { usage: null }], clock);
    const { mesh, model, ofType } = scriptedMesh([a], clock);
    await ask(mesh);
    expect(model("alpha").cost).toBeCloseTo((2 * 1_000 + 4 * 500) / 1e6 + 0.01, 12);
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ requests: 1, promptTokens: 1_000, completionTokens: 500 });
    expect(ofType("request-end")[0]).toMatchObject({ ok: true, attempts: 1, usage: { promptTokens: 1_000, completionTokens: 500, totalTokens: 1_500 }, provider: "a", model: "alpha", pool: "chat" });
    expect((ofType("request-end")[0] as { cost: number }).cost).toBeCloseTo(0.01 + 0.004, 12);
    // No usage reported: only the per-request price is known.
    await ask(mesh);
    expect(model("alpha").cost).toBeCloseTo(0.014 + 0.01, 12);
    await mesh.close();
  });

  it("a model without prices costs nothing; a failed attempt without usage costs nothing", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", [priced], [{ error: serverError() }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, single);
    await ask(mesh);
    expect(model("alpha").cost).toBe(0);
    expect(model("beta").cost).toBe(0);
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ requests: 0, failures: 1 });
    await mesh.close();
  });

  it("request-end says how long the whole request took and how many attempts it made; a failure carries the error", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError(), latencyMs: 30 }, { latencyMs: 70 }], clock);
    const { mesh, ofType } = scriptedMesh([a], clock, { retry: { max_retries: 1, base_delay_ms: 100, jitter: "none" } });
    await ask(mesh);
    expect(ofType("request-end")[0]).toMatchObject({ ok: true, attempts: 2, latencyMs: 200, severity: "info", component: "router" });
    expect(ofType("request-start")[0]).toMatchObject({ pool: "chat", capability: CHAT, stream: false, severity: "debug", component: "router" });
    expect(ofType("request-start")[0]!.requestId).toBe(ofType("request-end")[0]!.requestId);
    a.script({ error: serverError(), latencyMs: 5 }, { error: serverError(), latencyMs: 5 });
    await failure(ask(mesh));
    expect(ofType("request-end")[1]).toMatchObject({ ok: false, attempts: 2, latencyMs: 110, severity: "error", error: { name: "AllProvidersExhaustedError", code: "all_providers_exhausted" } });
    await mesh.close();
  });
});

describe("what cannot be served", () => {
  it("names each model's reason when none can serve the request", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", [{ id: "alpha", capabilities: [CHAT], features: { tools: false } }], [], clock);
    const { mesh } = scriptedMesh([a], clock);
    const error = (await failure(mesh.chat.completions.create({ model: "chat", messages: hello, tools: [{ type: "function", function: { name: "f", parameters: {} } }] }))) as NoCapableModelError;
    expect(error).toBeInstanceOf(NoCapableModelError);
    expect(error.message).toContain('no model of pool "chat" can serve this request: a/alpha: no tool calling');
    expect(a.received).toHaveLength(0);
    await mesh.close();
  });

  it("says a probe is in flight while one request probes a cooling model", async () => {
    const clock = testClock();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }], clock);
    const { mesh } = scriptedMesh([a], clock, { ...single, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 1_000 } });
    await failure(ask(mesh));
    clock.advance(1_000);
    const original = a.chat.bind(a);
    a.chat = async (request, options) => {
      await gate;
      return original(request, options);
    };
    const probe = ask(mesh);
    const second = (await failure(ask(mesh))) as NoCapableModelError;
    expect(second.message).toContain("a/alpha (a recovery probe is in flight)");
    release();
    expect((await probe).model).toBe("alpha");
    await mesh.close();
  });
});

describe("more reasons a model is not available", () => {
  /** Serves the first candidate until told to decline. */
  class Declining extends BaseRotationPolicy {
    decline = false;
    select(candidates: ModelState[]) {
      return this.decline ? null : (candidates[0] ?? null);
    }
  }

  it("a strategy that declines every model is named as the reason, also for a model that has just served", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const strategy = new Declining();
    const { mesh } = scriptedMesh([a], clock, { strategy_instance: strategy });
    await ask(mesh);
    strategy.decline = true;
    const error = (await failure(ask(mesh))) as NoCapableModelError;
    expect(error.message).toContain('every model of pool "chat" is unavailable: a/alpha (declined by the strategy)');
    expect(error.retryable).toBe(false);
    await mesh.close();
  });

  it("worth retrying when any unavailable model is only cooling, even beside a rejected key", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new AuthenticationError("bad key", { providerId: "a", status: 401 }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ error: serverError("b") }], clock);
    const { mesh } = scriptedMesh([a, b], clock, { ...single, deactivation: { failure_threshold: 1 } });
    await failure(ask(mesh));
    const error = (await failure(ask(mesh))) as NoCapableModelError;
    expect(error.message).toContain("a/alpha (its API key was rejected (probed again in 300s)), b/beta (cooling down for 5s)");
    expect(error.retryable).toBe(true);
    // When to retry: the cooling model's return, not the rejected key's probe (300 s).
    expect(error.retryAfter).toBe(5);
    expect(NoCapableModelError.fromJSON(JSON.parse(JSON.stringify(error)))).toMatchObject({ retryAfter: 5, retryable: true });
    await mesh.close();
  });

  it("a key's recovery does not end another model's own cooldown", async () => {
    const clock = testClock(1_700_000_000_000);
    const a = new ScriptedProvider("a", ["alpha", "alpha-2"], [], clock);
    const { mesh, model } = scriptedMesh([a], clock, { ...single, strategy: "priority", deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 1_000, max_cooldown_ms: 60_000 } });
    // alpha-2 is not found (rests 60 s); alpha fails once (rests 1 s), then its probe succeeds.
    a.script({ error: new ProviderError("gone", { providerId: "a", status: 404 }, { code: "model_not_found" }) });
    await failure(ask(mesh, "a/alpha-2"));
    a.script({ error: serverError() });
    await failure(ask(mesh, "a/alpha"));
    clock.advance(1_000);
    await ask(mesh, "a/alpha");
    expect(model("alpha").status).toBe("active");
    expect(model("alpha-2")).toMatchObject({ status: "cooldown", available: false, cooldownUntil: new Date(1_700_000_060_000).toISOString() });
    await mesh.close();
  });

  it("a request the caller aborted ends with an aborted request-end, not a model failure", async () => {
    const clock = testClock();
    const controller = new AbortController();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    a.chat = async () => {
      controller.abort("caller went away");
      throw new DOMException("This operation was aborted", "AbortError");
    };
    const { mesh, model, ofType } = scriptedMesh([a], clock);
    const error = await failure(mesh.chat.completions.create({ model: "chat", messages: hello }, { signal: controller.signal }));
    expect(error).toBe("caller went away");
    expect(model("alpha")).toMatchObject({ failures: 0 });
    expect(ofType("request-end")).toEqual([expect.objectContaining({ ok: false, severity: "error", component: "router", error: { name: "Error", code: "aborted", message: "caller went away", retryable: false } })]);
    await mesh.close();
  });
});

describe("failures without their details", () => {
  it("a rate limit that names no wait counts towards the threshold instead of resting the model", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new RateLimitError("slow down", { providerId: "a" }) }], clock);
    const { mesh, model, ofType } = scriptedMesh([a], clock, { ...single, deactivation: { failure_threshold: 2 } });
    await failure(ask(mesh));
    expect(model("alpha")).toMatchObject({ status: "active", consecutiveFailures: 1, available: true });
    expect(ofType("model-deactivated")).toEqual([]);
    await mesh.close();
  });

  it("a connector's foreign error is attributed to its provider and model", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new TypeError("bug") }], clock);
    const { mesh } = scriptedMesh([a], clock, single);
    const error = (await failure(ask(mesh))) as AllProvidersExhaustedError;
    expect(error.failures[0]!.error).toMatchObject({ providerId: "a", modelId: "alpha" });
    await mesh.close();
  });

  it("every unfit model is named with its reason", async () => {
    const clock = testClock();
    const noTools = (id: string) => ({ id, capabilities: [CHAT], features: { tools: false } });
    const a = new ScriptedProvider("a", [noTools("alpha")], [], clock);
    const b = new ScriptedProvider("b", [noTools("beta")], [], clock);
    const { mesh } = scriptedMesh([a, b], clock);
    const error = (await failure(mesh.chat.completions.create({ model: "chat", messages: hello, tools: [{ type: "function", function: { name: "f", parameters: {} } }] }))) as NoCapableModelError;
    expect(error.message).toContain("a/alpha: no tool calling; b/beta: no tool calling");
    await mesh.close();
  });
});
