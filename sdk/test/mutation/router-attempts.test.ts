/**
 * The router's attempt loop (core/router.ts nextModel/afterFailure/callOptions/route/explain), observed through a
 * scripted in-process provider: which model each attempt reached, the waits the injected clock recorded, the
 * options each call carried, and what the caller got.
 *
 * Mutants of core/router.ts left alive by the router's mutation tests and the routing, failover, stream, budget, mesh,
 * middleware and usage suites, judged equivalent (line numbers of the source as of 2026-12-02, commit ed651f9):
 * - `reserving === true || (reserving !== false && (await reserving))` (L183, L244): `=== true` → false, `true` →
 *   false, `!== false` → true, `false` → true leave the same boolean; only a plain value is awaited (a microtask turn);
 * - `!right` (L129): addCounts' right is always an attemptUsage result, never undefined;
 * - `lastModel ?? ""` (L240, no coverage): text is delivered only after lastModel is set;
 * - `middleware.length > 0` (L295, L345, L599) and `hooks.length === 0` (L636): with no middleware the kept chunks,
 *   the context and afterStream are read by nothing, and runMiddleware over an empty list calls the provider directly;
 * - `typeof value === "number"` (L394): Number.isFinite refuses every non-number anyway;
 * - `!route.fitting` (L442) → true: fitting again gives the same list (features and providers are fixed per request);
 *   `fitting.length === 0` (L444, L770) → false: the same NoCapableModelError is built from the same empty list;
 * - `this.deps.budget?.` (L484, L516, L724): the mesh always passes a ledger;
 * - `observing()` guards (L498, L523, L528, L736, L863): when nothing observes, the sink is the null sink;
 * - `delay !== undefined` (L564, L565): an undefined delay leaves retryInMs undefined either way, and
 *   `cooldownUntil <= now + undefined` is false;
 * - `member.probing = false` → true on a key taken out (L691): a disabled model is unavailable whatever the flag,
 *   and thawKey clears it before the model can be picked again;
 * - the RateLimitError and retryAfter checks (L695, L805): only RateLimitError has retryAfter, `undefined > 0` is
 *   false, and retryDelay treats a NaN retry-after as none;
 * - `"failover"` → `""` for a non-ModelMesh error (L794): its code is provider_exception, so countsAgainstModel and
 *   recordFailure decide the same, and "" is neither fatal nor retry;
 * - `?.user` (L837): every caller passes an object body; `?.usage` (L202): a null answer (a middleware fallback of
 *   null) already fails in the chat route's usageOf before this line;
 * - isAsyncIterable's object and null checks (L879): a fallback that is not an object (null, a string) fails the
 *   attempt as provider_exception either way (in completionToChunks or at `in`); only the wrapped message differs;
 * - the empty-pool and missing-provider messages and `!provider`, `pool.members.length === 0` (L774, L775, L814, no
 *   coverage or survived): configuration refuses a pool no model offers and resolvePool refuses a target no pool
 *   serves, so a routed request never meets an empty pool; a provider dropped mid-request was not reached here.
 * The unit prices of costOf (L149, L150: characters, seconds, images) are killed by sdk/test/unit-pricing.test.ts.
 */
import { describe, expect, it } from "vitest";
import { AllProvidersExhaustedError, NoCapableModelError, ProviderError, RateLimitError } from "../../src/wire/errors.js";
import { InvalidRequestError } from "../../src/wire/error-base.js";
import { create } from "../../src/index.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const serverError = (providerId = "a") => new ProviderError("upstream exploded", { providerId, status: 500 }, { code: "server_error", retryable: true });
const ask = (mesh: ReturnType<typeof scriptedMesh>["mesh"], options?: Record<string, unknown>, body: Record<string, unknown> = {}) =>
  mesh.chat.completions.create({ model: "chat", messages: hello, ...body } as never, options as never) as unknown as Promise<{ model: string }>;
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
const models = (provider: ScriptedProvider) => provider.received.map((entry) => entry.request.model);

describe("same-model retries", () => {
  it("back off exponentially from base_delay_ms before each retry, then move on", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }, { error: serverError() }, { error: serverError() }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 2, base_delay_ms: 100, jitter: "none" }, deactivation: { failure_threshold: 10 } });
    expect((await ask(mesh)).model).toBe("beta");
    expect(models(a)).toEqual(["alpha", "alpha", "alpha"]);
    expect(clock.sleeps).toEqual([100, 200]);
    await mesh.close();
  });

  it("jitter draws from the injected random source", async () => {
    const clock = testClock();
    clock.random = () => 0.25;
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }, { error: serverError() }], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 2, base_delay_ms: 100, jitter: "full" }, deactivation: { failure_threshold: 10 } });
    await ask(mesh);
    expect(clock.sleeps).toEqual([25, 50]);
    await mesh.close();
  });

  it("a wait the server names within max_retry_after_ms is sat through on the same model", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new RateLimitError("slow", { providerId: "a", retryAfter: 2 }) }, { error: new RateLimitError("slow", { providerId: "a", retryAfter: 5 }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 2, max_retry_after_ms: 5_000 } });
    expect((await ask(mesh)).model).toBe("alpha");
    expect(models(a)).toEqual(["alpha", "alpha", "alpha"]);
    // Exactly the named waits: 2 s, then 5 s (the cap itself is still waited out).
    expect(clock.sleeps).toEqual([2_000, 5_000]);
    expect(b.received).toHaveLength(0);
    await mesh.close();
  });

  it("a longer named wait fails over at once", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new RateLimitError("slow", { providerId: "a", retryAfter: 6 }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 2, max_retry_after_ms: 5_000 } });
    expect((await ask(mesh)).model).toBe("beta");
    expect(clock.sleeps).toEqual([]);
    await mesh.close();
  });

  it("a model its failures took out is not waited for: the request moves on without sleeping", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, { retry: { max_retries: 2, base_delay_ms: 100, jitter: "none" }, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 5_000 } });
    expect((await ask(mesh)).model).toBe("beta");
    expect(model("alpha").status).toBe("cooldown");
    expect(clock.sleeps).toEqual([]);
    await mesh.close();
  });

  it("a failover error is never retried on the same model", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new ProviderError("too long", { providerId: "a", status: 400 }, { code: "context_length_exceeded" }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, { retry: { max_retries: 2 } });
    expect((await ask(mesh)).model).toBe("beta");
    expect(models(a)).toEqual(["alpha"]);
    expect(clock.sleeps).toEqual([]);
    // Too long for this model says nothing about its health.
    expect(model("alpha")).toMatchObject({ failures: 0, consecutiveFailures: 0 });
    await mesh.close();
  });

  it("attempts are capped at (max_retries + 1) × models, and by max_attempts", async () => {
    const clock = testClock();
    const failing = (id: string) => new ScriptedProvider(id, [`${id}-model`], Array.from({ length: 10 }, () => ({ error: serverError(id) })), clock);
    const [a, b] = [failing("a"), failing("b")];
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 1, base_delay_ms: 1 }, deactivation: { failure_threshold: 100 } });
    const error = (await failure(ask(mesh))) as AllProvidersExhaustedError;
    expect(error.failures).toHaveLength(4);
    expect(a.received.length + b.received.length).toBe(4);
    await mesh.close();
    const [c, d] = [failing("c"), failing("d")];
    const capped = scriptedMesh([c, d], clock, { retry: { max_retries: 5, max_attempts: 3, base_delay_ms: 1 }, deactivation: { failure_threshold: 100 } });
    expect(((await failure(ask(capped.mesh))) as AllProvidersExhaustedError).failures).toHaveLength(3);
    expect(c.received.length + d.received.length).toBe(3);
    await capped.mesh.close();
  });

  it("an abort during the backoff ends the request with the caller's reason and sends nothing more", async () => {
    const clock = testClock();
    const controller = new AbortController();
    clock.sleep = async (ms: number, signal?: AbortSignal) => {
      clock.sleeps.push(ms);
      controller.abort(new Error("caller left"));
      if (signal?.aborted) throw signal.reason;
    };
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }], clock);
    const { mesh, model } = scriptedMesh([a], clock, { retry: { max_retries: 2, base_delay_ms: 100 } });
    const error = await failure(ask(mesh, { signal: controller.signal }));
    expect(error).toEqual(new Error("caller left"));
    expect(a.received).toHaveLength(1);
    expect(model("alpha")).toMatchObject({ failures: 1 });
    await mesh.close();
  });

  it("a sleep that ignores the signal still stops the request before the next attempt", async () => {
    const clock = testClock();
    const controller = new AbortController();
    clock.sleep = async (ms: number) => {
      clock.sleeps.push(ms);
      controller.abort();
    };
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 2, base_delay_ms: 100 } });
    const error = (await failure(ask(mesh, { signal: controller.signal }))) as Error;
    expect(error.name).toBe("AbortError");
    expect(a.received).toHaveLength(1);
    await mesh.close();
  });

  it("an already aborted request sends nothing", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const { mesh } = scriptedMesh([a], clock);
    const error = (await failure(ask(mesh, { signal: AbortSignal.abort() }))) as Error;
    expect(error.name).toBe("AbortError");
    expect(a.received).toHaveLength(0);
    await mesh.close();
  });
});

describe("call options", () => {
  it("a plain request: the pool's timeout_ms or the call's timeout, and the call's headers", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const { mesh } = scriptedMesh([a], clock, { timeout_ms: 12_000 });
    await ask(mesh);
    await ask(mesh, { timeout: 3_000, headers: { "x-trace": "1" } });
    expect(a.received[0]!.options).toEqual({ timeoutMs: 12_000 });
    expect(a.received[1]!.options).toEqual({ timeoutMs: 3_000, headers: { "x-trace": "1" } });
    await mesh.close();
  });

  it("a plain request without any timeout configured leaves the provider's own", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const { mesh } = scriptedMesh([a], clock);
    await ask(mesh);
    expect(a.received[0]!.options).not.toHaveProperty("timeoutMs");
    expect(a.received[0]!.options).not.toHaveProperty("connectTimeoutMs");
    expect(a.received[0]!.options).not.toHaveProperty("headers");
    await mesh.close();
  });

  it("a stream: ten minutes overall unless configured, and the three stream timeouts from the pool or the call", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const { mesh } = scriptedMesh([a], clock, { connect_timeout_ms: 1_000, first_token_timeout_ms: 2_000, stall_timeout_ms: 3_000 });
    for await (const _ of await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) void _;
    for await (const _ of await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { timeout: 9_000, connectTimeout: 11, firstTokenTimeout: 22, stallTimeout: 33 })) void _;
    expect(a.received[0]!.options).toMatchObject({ timeoutMs: 600_000, connectTimeoutMs: 1_000, firstTokenTimeoutMs: 2_000, stallTimeoutMs: 3_000 });
    expect(a.received[1]!.options).toMatchObject({ timeoutMs: 9_000, connectTimeoutMs: 11, firstTokenTimeoutMs: 22, stallTimeoutMs: 33 });
    await mesh.close();
  });

  it("every attempt of a request carries the same options", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 1, base_delay_ms: 1 } });
    await ask(mesh, { timeout: 5_000 });
    expect(a.received[1]!.options).toBe(a.received[0]!.options);
    await mesh.close();
  });

  it("refuses timeouts that are not positive milliseconds and scopes that are empty or too long, before sending", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const { mesh } = scriptedMesh([a], clock);
    for (const name of ["timeout", "connectTimeout", "firstTokenTimeout", "stallTimeout"]) {
      for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, "100"]) {
        const error = (await failure(ask(mesh, { [name]: bad }))) as InvalidRequestError;
        expect(error, `${name} ${String(bad)}`).toBeInstanceOf(InvalidRequestError);
        expect(error.message).toBe(`the ${name} option must be a positive number of milliseconds, got ${String(bad)}`);
        expect(error.param).toBe(name);
      }
    }
    for (const scope of ["", "x".repeat(257), 42]) {
      const error = (await failure(ask(mesh, { scope }))) as InvalidRequestError;
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.message).toBe("the scope option must be a non-empty string of at most 256 characters");
      expect(error.param).toBe("scope");
    }
    await ask(mesh, { scope: "x".repeat(256), timeout: 0.5 });
    expect(a.received).toHaveLength(1);
    await mesh.close();
  });
});

describe("what the strategy is told", () => {
  it("the session is the call's session option, else the request's user", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha", "alpha-2", "alpha-3", "alpha-4"], [], clock);
    const { mesh } = scriptedMesh([a], clock, { strategy: "session-stickiness" });
    const picks = async (options: Record<string, unknown> | undefined, body: Record<string, unknown>) => {
      const seen = new Set<string>();
      for (let index = 0; index < 4; index += 1) seen.add((await ask(mesh, options, body)).model);
      return seen;
    };
    // The same session always lands on the same model; user stands in for a missing session.
    expect((await picks({ session: "s-1" }, {})).size).toBe(1);
    expect((await picks(undefined, { user: "u-1" })).size).toBe(1);
    const bySession = [...(await picks({ session: "same" }, { user: "other" }))][0];
    const byUser = [...(await picks(undefined, { user: "same" }))][0];
    expect(bySession).toBe(byUser);
    await mesh.close();
  });
});

describe("explain", () => {
  it("names the model the strategy would pick and why, without sending or changing anything", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }], clock);
    const b = new ScriptedProvider("b", ["beta", { id: "beta-no-tools", capabilities: ["generation.text-generation.chat-completion"], features: { tools: false } }], [], clock);
    const { mesh } = scriptedMesh([a, b], clock, { strategy: "round-robin", retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 4_000 } });
    await ask(mesh);
    const explained = mesh.explain({ model: "chat", messages: hello, tools: [{ type: "function", function: { name: "f", parameters: {} } }] });
    expect(explained).toMatchObject({
      state: "ready",
      pool: "chat",
      strategy: "modelmesh.round-robin.v1",
      selectedModel: "beta",
      selectedProvider: "b",
      reason: 'modelmesh.round-robin.v1 chose b/beta from 1 available of 3 in pool "chat"',
      candidates: [
        { model: "alpha", provider: "a", status: "cooldown", available: false, reason: "cooling down for 4s" },
        { model: "beta", provider: "b", status: "active", available: true },
        { model: "beta-no-tools", provider: "b", status: "active", available: false, reason: "no tool calling" },
      ],
    });
    expect(explained.candidates[1]!.reason).toBeUndefined();
    // Asking twice gives the same answer: explain restores the strategy's state.
    expect(mesh.explain({ model: "chat", messages: hello }).selectedModel).toBe(mesh.explain({ model: "chat", messages: hello }).selectedModel);
    expect(a.received.length + b.received.length).toBe(2);
    clock.advance(10_000);
    b.script({ error: serverError("b") });
    const none = mesh.explain({ model: "a/alpha", messages: hello });
    expect(none.selectedModel).toBe("alpha");
    await mesh.close();
  });

  it("says why nothing is available", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 2_500 } });
    await failure(ask(mesh));
    const explained = mesh.explain({ model: "chat", messages: hello });
    expect(explained.selectedModel).toBeNull();
    expect(explained.selectedProvider).toBeNull();
    expect(explained.reason).toBe('no model of pool "chat" is available: a/alpha (cooling down for 3s)');
    await mesh.close();
  });
});

describe("observability never breaks a request", () => {
  it("a sink that throws is ignored", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }], clock);
    const mesh = create({
      config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion", retry: { max_retries: 1, base_delay_ms: 1 } } } },
      clock,
      observability: { instance: { emit: () => { throw new Error("sink down"); }, flush: async () => {}, close: async () => {} } },
    } as never);
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toBe("alpha");
    await mesh.close();
  });
});

describe("nothing to try", () => {
  it("every model already unavailable: NoCapableModelError, not an exhausted error, and nothing sent", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 } });
    expect(await failure(ask(mesh))).toBeInstanceOf(AllProvidersExhaustedError);
    const error = await failure(ask(mesh));
    expect(error).toBeInstanceOf(NoCapableModelError);
    expect(a.received).toHaveLength(1);
    await mesh.close();
  });
});

describe("more of the attempt loop", () => {
  it("a backoff that draws zero is no sleep at all", async () => {
    const clock = testClock();
    clock.random = () => 0;
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }, { error: serverError() }], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 2, base_delay_ms: 100, jitter: "full" }, deactivation: { failure_threshold: 10 } });
    await ask(mesh);
    expect(models(a)).toEqual(["alpha", "alpha", "alpha"]);
    expect(clock.sleeps).toEqual([]);
    await mesh.close();
  });

  it("each attempt is announced and ended with its number, model and latency", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError(), latencyMs: 12 }, { latencyMs: 34 }], clock);
    const { mesh, ofType } = scriptedMesh([a], clock, { retry: { max_retries: 1, base_delay_ms: 1, jitter: "none" } });
    await ask(mesh);
    expect(ofType("attempt-start").map((event) => [event.attempt, event.provider, event.model, event.pool, event.severity, event.component])).toEqual([
      [1, "a", "alpha", "chat", "debug", "router"],
      [2, "a", "alpha", "chat", "debug", "router"],
    ]);
    expect(ofType("attempt-end").map((event) => [event.attempt, event.ok, event.latencyMs, event.severity, event.component])).toEqual([
      [1, false, 12, "warning", "router"],
      [2, true, 34, "debug", "router"],
    ]);
    await mesh.close();
  });

  it("a probe that fails for the request's own reason frees the model for the next request", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError() }, { error: new ProviderError("too long", { providerId: "a", status: 400 }, { code: "context_length_exceeded" }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh } = scriptedMesh([a, b], clock, { strategy: "priority", retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 1_000 } });
    await ask(mesh);
    clock.advance(1_000);
    expect((await ask(mesh)).model).toBe("beta");
    const alpha = mesh.explain({ model: "chat", messages: hello }).candidates.find((candidate) => candidate.model === "alpha")!;
    expect(alpha).toMatchObject({ available: true });
    expect((await ask(mesh)).model).toBe("alpha");
    await mesh.close();
  });

  it("while a cooling model is retried after its named wait, no other request may take it", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new RateLimitError("slow", { providerId: "a", retryAfter: 1 }) }], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 1, max_retry_after_ms: 5_000 } });
    const original = a.chat.bind(a);
    let seenDuringRetry: unknown;
    a.chat = async (request, options) => {
      if (a.received.length === 1) seenDuringRetry = mesh.explain({ model: "chat", messages: hello }).candidates[0];
      return original(request, options);
    };
    await ask(mesh);
    expect(seenDuringRetry).toMatchObject({ available: false, reason: "a recovery probe is in flight" });
    await mesh.close();
  });

  it("a failure that blames nobody books no failure, but the tokens a broken stream used are still billed", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new ProviderError("bad messages", { providerId: "a", status: 400 }, { code: "invalid_request" }) }], clock);
    const { mesh } = scriptedMesh([a], clock);
    await failure(ask(mesh));
    expect(mesh.usage.byModel["a/alpha"]).toBeUndefined();
    a.script({ pieces: ["Half"], breakWith: new ProviderError("context too long", { providerId: "a", status: 400 }, { code: "invalid_request" }) });
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as AsyncIterable<unknown>;
    await failure((async () => {
      for await (const _ of stream) void _;
    })());
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ requests: 0, failures: 1, completionTokens: 1 });
    await mesh.close();
  });
});
