import { describe, expect, it } from "vitest";
import { ConfigError } from "../wire/error-base.js";
import { seededRandom } from "../internal/random.js";
import { makeContext, makeState, makeStates, recordSuccess } from "../../test/contracts/model-states.js";
import { LatencyFirstPolicy } from "./latency-first.js";

describe("LatencyFirstPolicy", () => {
  it("is named modelmesh.latency-first.v1 / latency-first", () => {
    expect(new LatencyFirstPolicy().id).toBe("modelmesh.latency-first.v1");
    expect(LatencyFirstPolicy.connectorId).toBe("modelmesh.latency-first.v1");
    expect(LatencyFirstPolicy.shortName).toBe("latency-first");
  });

  it("explores unmeasured models first, in pool order, then prefers the lowest average", () => {
    const strategy = new LatencyFirstPolicy();
    const pool = makeStates("p/a", "p/b", "p/c");
    const latencies: Record<string, number> = { "p/a": 400, "p/b": 120, "p/c": 250 };
    const order: string[] = [];
    for (let index = 0; index < 5; index++) {
      const chosen = strategy.pick(pool, {}, makeContext());
      if (chosen === null) throw new Error("nothing picked");
      order.push(chosen.key);
      recordSuccess(chosen, { latencyMs: latencies[chosen.key] ?? 0 });
      strategy.onSuccess(chosen, makeContext(), latencies[chosen.key] ?? 0);
    }
    expect(order).toEqual(["p/a", "p/b", "p/c", "p/b", "p/b"]);
  });

  it("follows the moving average when the fastest model slows down", () => {
    const strategy = new LatencyFirstPolicy();
    const fast = makeState({ modelId: "fast", latencyMs: 100, latencySamples: 10 });
    const steady = makeState({ modelId: "steady", latencyMs: 200, latencySamples: 10 });
    expect(strategy.pick([steady, fast], {}, makeContext())).toBe(fast);
    recordSuccess(fast, { latencyMs: 900 });
    expect(strategy.pick([steady, fast], {}, makeContext())).toBe(steady);
  });

  it("breaks latency ties by pool order", () => {
    const strategy = new LatencyFirstPolicy();
    const first = makeState({ modelId: "first", latencyMs: 150, latencySamples: 3 });
    const second = makeState({ modelId: "second", latencyMs: 150, latencySamples: 3 });
    expect(strategy.pick([first, second], {}, makeContext())).toBe(first);
    expect(strategy.pick([second, first], {}, makeContext())).toBe(second);
  });

  it("explores a random model at the configured rate, drawing from context.random", () => {
    const strategy = new LatencyFirstPolicy({ explorationRate: 0.5 });
    const [fast, middle, slow] = [100, 200, 300].map((latencyMs, index) => makeState({ modelId: `m${index}`, latencyMs, latencySamples: 5 }));
    const pool = [slow!, middle!, fast!];
    const draws = (...values: number[]) => () => values.shift() ?? 0;
    expect(strategy.pick(pool, {}, makeContext({ random: draws(0.6) }))).toBe(fast);
    expect(strategy.pick(pool, {}, makeContext({ random: draws(0.4, 0.5) }))).toBe(middle);
    expect(strategy.pick(pool, {}, makeContext({ random: draws(0.1, 0.0) }))).toBe(slow);

    const seeded = new LatencyFirstPolicy({ explorationRate: 0.2 });
    const random = seededRandom(11);
    let elsewhere = 0;
    for (let index = 0; index < 3_000; index++) {
      if (seeded.pick(pool, {}, makeContext({ random })) !== fast) elsewhere += 1;
    }
    // 20 % explore, and two thirds of those land on a slower model: about 13 %.
    expect(elsewhere / 3_000).toBeGreaterThan(0.1);
    expect(elsewhere / 3_000).toBeLessThan(0.17);
  });

  it("never explores by default", () => {
    const strategy = new LatencyFirstPolicy();
    const fast = makeState({ modelId: "fast", latencyMs: 10, latencySamples: 1 });
    const slow = makeState({ modelId: "slow", latencyMs: 900, latencySamples: 1 });
    const random = seededRandom(1);
    for (let index = 0; index < 200; index++) expect(strategy.pick([slow, fast], {}, makeContext({ random }))).toBe(fast);
  });

  it("rejects an exploration rate outside 0–1", () => {
    expect(() => new LatencyFirstPolicy({ explorationRate: 1.5 })).toThrow(ConfigError);
    expect(() => new LatencyFirstPolicy({ explorationRate: -0.1 })).toThrow(/explorationRate/);
  });

  it("accepts the bounds 0 and 1 and rejects anything that is not a number, naming the value", () => {
    expect(() => new LatencyFirstPolicy({ explorationRate: 0 })).not.toThrow();
    expect(() => new LatencyFirstPolicy({ explorationRate: 1 })).not.toThrow();
    expect(() => new LatencyFirstPolicy({ explorationRate: "0.5" as unknown as number })).toThrow("explorationRate: must be a number from 0 to 1, got 0.5");
  });

  it("explores only when the draw is below the rate, and always at rate 1", () => {
    const fast = makeState({ modelId: "fast", latencyMs: 100, latencySamples: 5 });
    const slow = makeState({ modelId: "slow", latencyMs: 900, latencySamples: 5 });
    const draws = (...values: number[]) => () => values.shift() ?? 0;
    expect(new LatencyFirstPolicy({ explorationRate: 0.5 }).pick([slow, fast], {}, makeContext({ random: draws(0.5, 0) }))).toBe(fast);
    expect(new LatencyFirstPolicy({ explorationRate: 1 }).pick([slow, fast], {}, makeContext({ random: draws(0.99, 0) }))).toBe(slow);
  });

  it("treats a model with no samples, or samples but no average, as not yet measured", () => {
    const strategy = new LatencyFirstPolicy();
    const fast = makeState({ modelId: "fast", latencyMs: 10, latencySamples: 4 });
    const noSamples = makeState({ modelId: "no-samples", latencyMs: 900, latencySamples: 0 });
    const noAverage = makeState({ modelId: "no-average", latencySamples: 2 });
    expect(strategy.pick([fast, noSamples], {}, makeContext())).toBe(noSamples);
    expect(strategy.pick([fast, noAverage], {}, makeContext())).toBe(noAverage);
  });
});
