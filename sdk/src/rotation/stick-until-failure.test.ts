import { describe, expect, it } from "vitest";
import type { ModelState } from "../wire/model-state.js";
import { makeContext, makeStates, recordFailure, recordSuccess, setSituation } from "../../test/contracts/model-states.js";
import { StickUntilFailurePolicy } from "./stick-until-failure.js";

function pickKey(strategy: StickUntilFailurePolicy, pool: readonly ModelState[]): string | undefined {
  return strategy.pick(pool, {}, makeContext())?.key;
}

function fail(strategy: StickUntilFailurePolicy, state: ModelState): void {
  recordFailure(state);
  strategy.onFailure(state, makeContext());
}

describe("StickUntilFailurePolicy", () => {
  it("is named modelmesh.stick-until-failure.v1 / stick-until-failure", () => {
    expect(new StickUntilFailurePolicy().id).toBe("modelmesh.stick-until-failure.v1");
    expect(StickUntilFailurePolicy.connectorId).toBe("modelmesh.stick-until-failure.v1");
    expect(StickUntilFailurePolicy.shortName).toBe("stick-until-failure");
  });

  it("stays on one model while it succeeds", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const strategy = new StickUntilFailurePolicy();
    for (let index = 0; index < 10; index++) {
      const chosen = strategy.pick(pool, {}, makeContext());
      expect(chosen?.key).toBe("p/a");
      recordSuccess(chosen!, { latencyMs: 100 });
      strategy.onSuccess(chosen!, makeContext(), 100);
    }
  });

  it("moves to the next model in pool order when the current one fails, and sticks there", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const [a, b, c] = pool;
    const strategy = new StickUntilFailurePolicy();
    expect(pickKey(strategy, pool)).toBe("p/a");
    // One failure moves on even though a is still below its failure threshold and available.
    fail(strategy, a!);
    expect(pickKey(strategy, pool)).toBe("p/b");
    expect(pickKey(strategy, pool)).toBe("p/b");
    fail(strategy, b!);
    expect(pickKey(strategy, pool)).toBe("p/c");
    fail(strategy, c!);
    expect(pickKey(strategy, pool)).toBe("p/a");
  });

  it("a success of the model that just failed (its retry) keeps it current; other successes change nothing", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const [a, , c] = pool;
    const strategy = new StickUntilFailurePolicy();
    expect(pickKey(strategy, pool)).toBe("p/a");
    fail(strategy, a!);
    // A concurrent request served by c meanwhile does not make c current: the next pick walks on from a, to b.
    strategy.onSuccess(c!, makeContext(), 10);
    expect(pickKey(strategy, pool)).toBe("p/b");
    fail(strategy, pool[1]!);
    strategy.onSuccess(pool[1]!, makeContext(), 10);
    expect(pickKey(strategy, pool)).toBe("p/b");
    // With a current model set, a late success of the model it replaced does not take it back.
    strategy.restore({ currentKey: "p/c", failedKey: "p/a", order: ["p/a", "p/b", "p/c"] });
    strategy.onSuccess(a!, makeContext(), 10);
    expect(pickKey(strategy, pool)).toBe("p/c");
  });

  it("ignores a late failure of a model it already left", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const strategy = new StickUntilFailurePolicy();
    pickKey(strategy, pool);
    fail(strategy, pool[0]!);
    expect(pickKey(strategy, pool)).toBe("p/b");
    // A concurrent request that was still on a fails now: b stays current.
    fail(strategy, pool[0]!);
    expect(pickKey(strategy, pool)).toBe("p/b");
  });

  it("moves on from a current model that is no longer offered, and does not go back when it returns", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const [a, b] = pool;
    const strategy = new StickUntilFailurePolicy();
    fail(strategy, a!); // not current yet: ignored
    expect(pickKey(strategy, pool)).toBe("p/a");
    fail(strategy, a!);
    expect(pickKey(strategy, pool)).toBe("p/b");
    setSituation(b!, "cooling");
    expect(pickKey(strategy, pool)).toBe("p/c");
    setSituation(b!, "active");
    expect(pickKey(strategy, pool)).toBe("p/c");
  });

  it("walks on from the failed model past unavailable ones, wrapping", () => {
    const pool = makeStates("p/a", "p/b", "p/c", "p/d");
    const [a, b, c, d] = pool;
    const strategy = new StickUntilFailurePolicy();
    fail(strategy, a!);
    expect(pickKey(strategy, pool)).toBe("p/a");
    setSituation(c!, "disabled");
    setSituation(d!, "cooling");
    setSituation(b!, "probing");
    fail(strategy, a!);
    // b, c and d are out: the walk wraps back to a, the only one left.
    expect(pickKey(strategy, pool)).toBe("p/a");
  });

  it("keeps its place after a restore", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const strategy = new StickUntilFailurePolicy();
    pickKey(strategy, pool);
    fail(strategy, pool[0]!);
    const restored = new StickUntilFailurePolicy();
    restored.restore(JSON.parse(JSON.stringify(strategy.snapshot())));
    expect(pickKey(restored, pool)).toBe("p/b");
    expect(pickKey(restored, pool)).toBe("p/b");
  });

  it("serves a request its current model cannot take elsewhere, without moving", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const [, b, c] = pool;
    const strategy = new StickUntilFailurePolicy();
    expect(pickKey(strategy, pool)).toBe("p/a");
    // The router offers only b and c for a request a cannot serve (tools, images, length).
    expect(strategy.pick([b!, c!], {}, makeContext())?.key).toBe("p/b");
    expect(pickKey(strategy, pool)).toBe("p/a");
    expect(strategy.snapshot()).toEqual({ currentKey: "p/a", failedKey: null, order: ["p/a", "p/b", "p/c"] });
  });

  it("carries the pool order through a snapshot, to walk on from a current model that has left the pool", () => {
    const pool = makeStates("p/a", "p/b", "p/c", "p/d");
    const [a, , c, d] = pool;
    const strategy = new StickUntilFailurePolicy();
    pickKey(strategy, pool);
    fail(strategy, a!);
    expect(pickKey(strategy, pool)).toBe("p/b");
    const restored = new StickUntilFailurePolicy();
    restored.restore(JSON.parse(JSON.stringify(strategy.snapshot())));
    // b was removed from the configuration: its successor in the old order, c, takes over (not the first model).
    expect(restored.pick([a!, c!, d!], {}, makeContext())?.key).toBe("p/c");
  });

  it("restores only the well-formed parts of a snapshot", () => {
    const strategy = new StickUntilFailurePolicy();
    strategy.restore({ currentKey: 5, failedKey: ["p/a"], order: ["p/a", 3, "p/b", null] });
    expect(strategy.snapshot()).toEqual({ currentKey: null, failedKey: null, order: ["p/a", "p/b"] });
    const withoutOrder = new StickUntilFailurePolicy();
    withoutOrder.restore({ currentKey: "p/b", failedKey: "p/a" });
    expect(withoutOrder.snapshot()).toEqual({ currentKey: "p/b", failedKey: "p/a", order: [] });
    expect(pickKey(withoutOrder, makeStates("p/a", "p/b", "p/c"))).toBe("p/b");
  });
});
