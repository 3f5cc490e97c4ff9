import { describe, expect, it } from "vitest";
import type { ModelState } from "../wire/model-state.js";
import { ConfigError } from "../wire/error-base.js";
import { TEST_NOW, makeContext, makeState, makeStates, recordSuccess } from "../../test/contracts/model-states.js";
import { RateLimitAwarePolicy } from "./rate-limit-aware.js";
import type { ConfiguredRateLimit, RateLimitAwareConfig } from "./rate-limit-aware.js";

const quota = (remainingRequests: number, resetRequestsAt = TEST_NOW + 30_000) => ({
  limitRequests: 100,
  remainingRequests,
  resetRequestsAt,
});

/** Pick, then record a success of `tokens` on the chosen model and tell the strategy. */
function serve(strategy: RateLimitAwarePolicy, states: readonly ModelState[], now = TEST_NOW, tokens = 0): string | undefined {
  const context = makeContext({ now, estimatedInputTokens: 10, estimatedOutputTokens: 10 });
  const chosen = strategy.pick(states, {}, context);
  if (chosen === null) return undefined;
  recordSuccess(chosen, { latencyMs: 100, tokens, now });
  strategy.onSuccess(chosen, context, 100);
  return chosen.key;
}

describe("RateLimitAwarePolicy", () => {
  it("is named modelmesh.rate-limit-aware.v1 / rate-limit-aware", () => {
    expect(new RateLimitAwarePolicy().id).toBe("modelmesh.rate-limit-aware.v1");
    expect(RateLimitAwarePolicy.connectorId).toBe("modelmesh.rate-limit-aware.v1");
    expect(RateLimitAwarePolicy.shortName).toBe("rate-limit-aware");
  });

  it("prefers the model with the most reported headroom, ties in pool order", () => {
    const strategy = new RateLimitAwarePolicy();
    const [a, b, c] = makeStates("p/a", "p/b", "p/c");
    a!.rateLimit = quota(50);
    b!.rateLimit = { ...quota(80), limitTokens: 10_000, remainingTokens: 9_000 };
    c!.rateLimit = quota(80);
    expect(strategy.pick([a!, b!, c!], {}, makeContext())).toBe(b);
    expect(strategy.pick([a!, c!, b!], {}, makeContext())).toBe(c);
    // The tightest quota counts: b's tokens now run lower than c's requests.
    b!.rateLimit = { ...quota(80), limitTokens: 10_000, remainingTokens: 2_000 };
    expect(strategy.pick([a!, b!, c!], {}, makeContext())).toBe(c);
  });

  it("switches before exhaustion and comes back once the reset time has passed", () => {
    const strategy = new RateLimitAwarePolicy({ prefer: "order" });
    const [primary, backup] = makeStates("p/primary", "p/backup");
    backup!.rateLimit = quota(90);
    primary!.rateLimit = quota(11, TEST_NOW + 5_000);
    expect(strategy.pick([primary!, backup!], {}, makeContext())).toBe(primary);
    // 9 of 100 left: below the 10 % threshold, though not exhausted.
    primary!.rateLimit = quota(9, TEST_NOW + 5_000);
    expect(strategy.pick([primary!, backup!], {}, makeContext())).toBe(backup);
    expect(strategy.pick([primary!, backup!], {}, makeContext({ now: TEST_NOW + 4_999 }))).toBe(backup);
    expect(strategy.pick([primary!, backup!], {}, makeContext({ now: TEST_NOW + 5_000 }))).toBe(primary);
  });

  it("skips a model with no request left even when its limit is unknown", () => {
    const strategy = new RateLimitAwarePolicy();
    const [empty, other] = makeStates("p/empty", "p/other");
    empty!.rateLimit = { remainingRequests: 0 };
    other!.rateLimit = quota(3);
    expect(strategy.pick([empty!, other!], {}, makeContext())).toBe(other);
  });

  it("a reported quota without a reset time keeps a model out for a minute from when it was first seen, not for good", () => {
    const strategy = new RateLimitAwarePolicy({ prefer: "order" });
    const [a, b] = makeStates("p/a", "p/b");
    a!.rateLimit = { limitRequests: 100, remainingRequests: 0 };
    expect(strategy.pick([a!, b!], {}, makeContext({ now: TEST_NOW }))).toBe(b);
    expect(strategy.pick([a!, b!], {}, makeContext({ now: TEST_NOW + 59_999 }))).toBe(b);
    expect(strategy.pick([a!, b!], {}, makeContext({ now: TEST_NOW + 60_000 }))).toBe(a);
    // A new report (a new snapshot) counts from when it is first seen.
    a!.rateLimit = { limitTokens: 1_000, remainingTokens: 0 };
    expect(strategy.pick([a!, b!], {}, makeContext({ now: TEST_NOW + 61_000 }))).toBe(b);
    expect(strategy.pick([a!, b!], {}, makeContext({ now: TEST_NOW + 121_000 }))).toBe(a);
  });

  it("skips a model with fewer tokens left than the request needs", () => {
    const strategy = new RateLimitAwarePolicy();
    const [short, roomy] = makeStates("p/short", "p/roomy");
    short!.rateLimit = { limitTokens: 100_000, remainingTokens: 20_000, resetTokensAt: TEST_NOW + 60_000 };
    roomy!.rateLimit = { limitTokens: 1_000_000, remainingTokens: 150_000, resetTokensAt: TEST_NOW + 60_000 };
    const bigRequest = makeContext({ estimatedInputTokens: 30_000, estimatedOutputTokens: 4_000 });
    expect(strategy.assess(short!, bigRequest).low).toBe(true);
    expect(strategy.pick([short!, roomy!], {}, bigRequest)).toBe(roomy);
  });

  it("uses the model with the most headroom when every model is low", () => {
    const strategy = new RateLimitAwarePolicy();
    const [a, b, c] = makeStates("p/a", "p/b", "p/c");
    a!.rateLimit = quota(0);
    b!.rateLimit = quota(4);
    c!.rateLimit = quota(7);
    expect(strategy.pick([a!, b!, c!], {}, makeContext())).toBe(c);
    c!.rateLimit = quota(0);
    expect(strategy.pick([a!, b!, c!], {}, makeContext())).toBe(b);
  });

  it("counts configured per-minute limits itself and restores them after the minute", () => {
    const config: RateLimitAwareConfig = { threshold: 0.2, prefer: "order", limits: { "p/primary": { requestsPerMinute: 10 } } };
    const strategy = new RateLimitAwarePolicy(config);
    const states = makeStates("p/primary", "p/backup");
    const served = Array.from({ length: 12 }, (_, index) => serve(strategy, states, TEST_NOW + index * 1_000));
    // 8 served leave 2 of 10 (20 %), the 9th leaves 1: switch with one request still in hand.
    expect(served).toEqual([...Array<string>(9).fill("p/primary"), "p/backup", "p/backup", "p/backup"]);
    expect(serve(strategy, states, TEST_NOW + 59_999)).toBe("p/backup");
    expect(serve(strategy, states, TEST_NOW + 60_000)).toBe("p/primary");
  });

  it("spreads load over configured limits by headroom", () => {
    const strategy = new RateLimitAwarePolicy({ limits: { p: { requestsPerMinute: 10 } } });
    const states = makeStates("p/a", "p/b");
    expect(Array.from({ length: 6 }, () => serve(strategy, states))).toEqual(["p/a", "p/b", "p/a", "p/b", "p/a", "p/b"]);
  });

  it("counts reported token usage, standing in the estimate until usage shows up", () => {
    const limits = { "p/a": { tokensPerMinute: 1_000 } };
    const context = makeContext({ estimatedInputTokens: 100, estimatedOutputTokens: 50 });

    // The router tells the strategy first and adds the usage to totalTokens afterwards.
    const strategy = new RateLimitAwarePolicy({ limits });
    const a = makeState({ providerId: "p", modelId: "a" });
    strategy.onSuccess(a, context, 100);
    expect(strategy.assess(a, context).headroom).toBe(0.85); // the estimate, 150
    recordSuccess(a, { latencyMs: 100, tokens: 600 });
    expect(strategy.assess(a, context).headroom).toBe(0.4); // the real 600 replaces it
    strategy.onSuccess(a, context, 100);
    expect(strategy.assess(a, context)).toEqual({ headroom: 0.25, low: false });
    // 250 left: a request estimated at 300 would not fit.
    expect(strategy.assess(a, makeContext({ estimatedInputTokens: 200, estimatedOutputTokens: 100 })).low).toBe(true);

    // The other order: usage already added when the strategy hears of the success.
    const other = new RateLimitAwarePolicy({ limits });
    const b = makeState({ providerId: "p", modelId: "a" });
    other.assess(b, context);
    recordSuccess(b, { latencyMs: 100, tokens: 600 });
    other.onSuccess(b, context, 100);
    expect(other.snapshot().windows["p/a"]).toEqual({ startedAt: TEST_NOW, requests: 1, tokens: 600, estimatedTokens: 0 });

    // A provider that never reports usage: the estimates count for good.
    const silent = new RateLimitAwarePolicy({ limits });
    const c = makeState({ providerId: "p", modelId: "a" });
    for (let index = 0; index < 4; index++) silent.onSuccess(c, context, 100);
    expect(silent.assess(c, context).headroom).toBe(0.4);
  });

  it("does not count usage from before it started or from a closed window", () => {
    const strategy = new RateLimitAwarePolicy({ limits: { "p/a": { tokensPerMinute: 1_000 } } });
    const a = makeState({ providerId: "p", modelId: "a", totalTokens: 50_000 });
    const context = makeContext({ estimatedInputTokens: 0, estimatedOutputTokens: 0 });
    expect(strategy.assess(a, context).headroom).toBe(1);
    strategy.onSuccess(a, context, 100);
    recordSuccess(a, { latencyMs: 100, tokens: 500 });
    const later = makeContext({ now: TEST_NOW + 60_000, estimatedInputTokens: 0, estimatedOutputTokens: 0 });
    expect(strategy.assess(a, later).headroom).toBe(1);
  });

  it("keeps its counters across a restore", () => {
    const config: RateLimitAwareConfig = { limits: { "p/a": { requestsPerMinute: 2 } } };
    const strategy = new RateLimitAwarePolicy(config);
    const states = makeStates("p/a", "p/b");
    serve(strategy, states);
    serve(strategy, states);
    const restored = new RateLimitAwarePolicy(config);
    restored.restore(JSON.parse(JSON.stringify(strategy.snapshot())));
    expect(restored.assess(states[0]!, makeContext()).headroom).toBe(0.5);
    expect(new RateLimitAwarePolicy(config).assess(states[0]!, makeContext()).headroom).toBe(1);
  });

  it("rejects a bad threshold, limit or preference", () => {
    expect(() => new RateLimitAwarePolicy({ threshold: 2 })).toThrow(ConfigError);
    expect(() => new RateLimitAwarePolicy({ limits: { openai: { requestsPerMinute: 0 } } })).toThrow(/limits\.openai\.requestsPerMinute/);
    expect(() => new RateLimitAwarePolicy({ prefer: "random" as "order" })).toThrow(/prefer/);
    expect(() => new RateLimitAwarePolicy({ limits: { openai: { rpm: 3 } as ConfiguredRateLimit } })).toThrow(/limits\.openai\.rpm/);
  });

  it("reads limits written in YAML's snake_case", () => {
    const limits = { "p/a": { requests_per_minute: 1 } } as unknown as Record<string, ConfiguredRateLimit>;
    const strategy = new RateLimitAwarePolicy({ limits });
    const states = makeStates("p/a", "p/b");
    expect([serve(strategy, states), serve(strategy, states)]).toEqual(["p/a", "p/b"]);
    const tokenLimits = { "p/a": { tokens_per_minute: 100 } } as unknown as Record<string, ConfiguredRateLimit>;
    // 20 tokens a request (see serve): the sixth no longer fits in a's 100 a minute.
    const byTokens = new RateLimitAwarePolicy({ prefer: "order", limits: tokenLimits });
    expect(Array.from({ length: 6 }, () => serve(byTokens, states))).toEqual(["p/a", "p/a", "p/a", "p/a", "p/a", "p/b"]);
  });

  it("names the setting and the value it refuses, and accepts the bounds", () => {
    expect(() => new RateLimitAwarePolicy({ prefer: "fastest" as "order" })).toThrow('prefer: must be "headroom" or "order", got fastest');
    expect(() => new RateLimitAwarePolicy({ prefer: "headroom" })).not.toThrow();
    expect(() => new RateLimitAwarePolicy({ threshold: 0 })).not.toThrow();
    expect(() => new RateLimitAwarePolicy({ threshold: 1 })).not.toThrow();
    expect(() => new RateLimitAwarePolicy({ threshold: -0.1 })).toThrow("threshold: must be a number from 0 to 1, got -0.1");
    expect(() => new RateLimitAwarePolicy({ threshold: "0.5" as unknown as number })).toThrow("threshold: must be a number from 0 to 1, got 0.5");
    const limitsError = "limits: must map model ids, provider/model keys or provider ids to { requestsPerMinute, tokensPerMinute }";
    for (const limits of ["openai", null, [{ requestsPerMinute: 1 }]]) {
      expect(() => new RateLimitAwarePolicy({ limits: limits as unknown as Record<string, ConfiguredRateLimit> }), JSON.stringify(limits)).toThrow(limitsError);
    }
    for (const entry of [5, null]) {
      expect(() => new RateLimitAwarePolicy({ limits: { openai: entry as unknown as ConfiguredRateLimit } })).toThrow("limits.openai: must be { requestsPerMinute, tokensPerMinute }");
    }
    expect(() => new RateLimitAwarePolicy({ limits: { openai: { rpm: 3 } as ConfiguredRateLimit } })).toThrow("limits.openai.rpm: unknown limit (use requestsPerMinute or tokensPerMinute)");
    expect(() => new RateLimitAwarePolicy({ limits: { openai: { tokensPerMinute: "9" as unknown as number } } })).toThrow("limits.openai.tokensPerMinute: must be a positive number, got 9");
  });

  it("counts a quota it knows only part of as full, not as unreadable", () => {
    const strategy = new RateLimitAwarePolicy();
    const [limitOnly, remainingOnly, half] = makeStates("p/limit-only", "p/remaining-only", "p/half");
    limitOnly!.rateLimit = { limitRequests: 100, resetRequestsAt: TEST_NOW + 30_000 };
    remainingOnly!.rateLimit = { remainingRequests: 5, resetRequestsAt: TEST_NOW + 30_000 };
    half!.rateLimit = quota(50);
    expect(strategy.pick([half!, limitOnly!], {}, makeContext())).toBe(limitOnly);
    expect(strategy.pick([half!, remainingOnly!], {}, makeContext())).toBe(remainingOnly);
  });

  it("forgets a token quota once its reset time has passed", () => {
    const strategy = new RateLimitAwarePolicy();
    const [drained, other] = makeStates("p/drained", "p/other");
    drained!.rateLimit = { limitTokens: 10_000, remainingTokens: 0, resetTokensAt: TEST_NOW + 1_000 };
    other!.rateLimit = quota(50);
    expect(strategy.pick([drained!, other!], {}, makeContext())).toBe(other);
    expect(strategy.pick([drained!, other!], {}, makeContext({ now: TEST_NOW + 1_000 }))).toBe(drained);
  });

  it("breaks a tie between equally exhausted models by pool order", () => {
    const strategy = new RateLimitAwarePolicy();
    const [first, second] = makeStates("p/first", "p/second");
    first!.rateLimit = quota(0);
    second!.rateLimit = quota(0);
    expect(strategy.pick([first!, second!], {}, makeContext())).toBe(first);
    expect(strategy.pick([second!, first!], {}, makeContext())).toBe(second);
  });

  it("keeps counters only for models with a configured limit", () => {
    const strategy = new RateLimitAwarePolicy({ prefer: "order", limits: { "p/a": { requestsPerMinute: 5 } } });
    const states = makeStates("p/a", "p/b");
    const context = makeContext();
    strategy.onSuccess(states[1]!, context, 100);
    strategy.onSuccess(states[0]!, context, 100);
    expect(Object.keys(strategy.snapshot().windows)).toEqual(["p/a"]);
  });

  it("restores only well-formed windows, defaulting a missing estimate to zero", () => {
    const limits = { "p/a": { requestsPerMinute: 2, tokensPerMinute: 1_000 } };
    const states = makeStates("p/a", "p/b");
    const context = makeContext({ estimatedInputTokens: 100, estimatedOutputTokens: 100 });
    const restoredWith = (window: Record<string, unknown>) => {
      const strategy = new RateLimitAwarePolicy({ prefer: "order", limits });
      strategy.restore({ windows: { "p/a": window }, tokenBaselines: {} });
      return strategy;
    };
    const full = restoredWith({ startedAt: TEST_NOW, requests: 2, tokens: 0 });
    expect(full.pick(states, {}, context)?.key).toBe("p/b");
    expect(full.snapshot().windows["p/a"]).toEqual({ startedAt: TEST_NOW, requests: 2, tokens: 0, estimatedTokens: 0 });
    expect(restoredWith({ startedAt: TEST_NOW, requests: 0, tokens: 0, estimatedTokens: 900 }).pick(states, {}, context)?.key).toBe("p/b");
    expect(restoredWith({ startedAt: TEST_NOW, requests: 0, tokens: 0, estimatedTokens: "900" }).pick(states, {}, context)?.key).toBe("p/a");
    for (const broken of [{ startedAt: "now", requests: 2, tokens: 0 }, { startedAt: TEST_NOW, requests: "2", tokens: 0 }, { startedAt: TEST_NOW, requests: 2 }]) {
      const strategy = restoredWith(broken);
      expect(strategy.pick(states, {}, context)?.key, JSON.stringify(broken)).toBe("p/a");
      expect(strategy.snapshot().windows).toEqual({});
    }
  });

  it("restores token baselines, so usage reported after the restore counts against the open window", () => {
    const limits = { "p/a": { tokensPerMinute: 1_000 } };
    const [a, b] = makeStates("p/a", "p/b");
    const context = makeContext({ estimatedInputTokens: 100, estimatedOutputTokens: 100 });
    const restoredWith = (tokenBaselines: unknown) => {
      const strategy = new RateLimitAwarePolicy({ prefer: "order", limits });
      strategy.restore({ windows: { "p/a": { startedAt: TEST_NOW, requests: 1, tokens: 0, estimatedTokens: 0 } }, tokenBaselines });
      return strategy;
    };
    a!.totalTokens = 1_000;
    // 900 tokens used since the baseline of 100 leave 100, less than the 200 this request needs.
    expect(restoredWith({ "p/a": 100 }).pick([a!, b!], {}, context)).toBe(b);
    expect(restoredWith({ "p/a": "100" }).pick([a!, b!], {}, context)).toBe(a);
    expect(restoredWith(7).pick([a!, b!], {}, context)).toBe(a);
    // Once counted, the growth is not counted again: the baseline moves up to what has been seen.
    const counted = restoredWith({ "p/a": 100 });
    counted.pick([a!, b!], {}, context);
    expect(counted.snapshot()).toEqual({ windows: { "p/a": { startedAt: TEST_NOW, requests: 1, tokens: 900, estimatedTokens: 0 } }, tokenBaselines: { "p/a": 1_000 } });
  });
});
