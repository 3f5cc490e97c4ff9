/**
 * Strategies called the way a subclass or a custom router may call them: select() directly (no offeredOrder, or no
 * candidates at all), zero weights against running scores, and the stick-until-failure cursor across requests that
 * leave its model out. Each assertion is on what the strategy picks or what its snapshot (persisted state) holds.
 */
import { describe, expect, it } from "vitest";
import { makeContext, makeStates } from "../contracts/model-states.js";
import { LoadBalancedPolicy } from "../../src/rotation/load-balanced.js";
import { RoundRobinPolicy } from "../../src/rotation/round-robin.js";
import { SessionStickinessPolicy } from "../../src/rotation/session-stickiness.js";
import { StickUntilFailurePolicy } from "../../src/rotation/stick-until-failure.js";

describe("select() without pick()", () => {
  it("round-robin and stick-until-failure take the pool order from the candidates when offeredOrder is missing", () => {
    const [a, b, c] = makeStates("a", "b", "c");
    const roundRobin = new RoundRobinPolicy();
    expect([1, 2, 3, 4].map(() => roundRobin.select([a!, b!, c!], {}, makeContext())?.key)).toEqual(["acme/a", "acme/b", "acme/c", "acme/a"]);
    expect(roundRobin.snapshot()).toEqual({ lastKey: "acme/a", order: ["acme/a", "acme/b", "acme/c"] });
    const sticky = new StickUntilFailurePolicy();
    expect(sticky.select([b!, c!], {}, makeContext())?.key).toBe("acme/b");
    expect(sticky.snapshot()).toEqual({ currentKey: "acme/b", failedKey: null, order: ["acme/b", "acme/c"] });
  });

  it("every stateful strategy answers null to an empty candidate list and remembers nothing", () => {
    const context = makeContext({ sessionId: "user-1", offeredOrder: [] });
    const roundRobin = new RoundRobinPolicy();
    expect(roundRobin.select([], {}, context)).toBeNull();
    expect(roundRobin.snapshot().lastKey).toBeNull();
    const sticky = new StickUntilFailurePolicy();
    expect(sticky.select([], {}, context)).toBeNull();
    expect(sticky.snapshot().currentKey).toBeNull();
    const session = new SessionStickinessPolicy();
    expect(session.select([], {}, context)).toBeNull();
    expect(session.snapshot()).toEqual({ sessions: [] });
    const balanced = new LoadBalancedPolicy();
    expect(balanced.select([], {}, context)).toBeNull();
    expect(balanced.snapshot()).toEqual({ currentWeights: {} });
  });
});

describe("LoadBalancedPolicy with a zero weight", () => {
  it("never picks the zero-weight model, even when every other running score is below zero", () => {
    const states = makeStates("zero", "light", "heavy");
    const strategy = new LoadBalancedPolicy({ weights: { zero: 0, light: 1, heavy: 3 } });
    const picks = Array.from({ length: 12 }, () => strategy.pick(states, {}, makeContext())?.modelId);
    expect(picks.filter((id) => id === "zero")).toEqual([]);
    expect(picks.filter((id) => id === "heavy")).toHaveLength(9);
    expect(strategy.snapshot().currentWeights).not.toHaveProperty("acme/zero");
  });
});

describe("RoundRobinPolicy.restore", () => {
  it("keeps only the keys of a restored order (what it will save next)", () => {
    const strategy = new RoundRobinPolicy();
    strategy.restore({ lastKey: "acme/b", order: ["acme/a", 7, null, "acme/b"] });
    expect(strategy.snapshot()).toEqual({ lastKey: "acme/b", order: ["acme/a", "acme/b"] });
  });
});

describe("StickUntilFailurePolicy across requests", () => {
  it("moves on after a failure of its model even while that model is still available, then sticks to the next", () => {
    const [a, b] = makeStates("a", "b");
    const strategy = new StickUntilFailurePolicy();
    expect(strategy.pick([a!, b!], {}, makeContext())?.key).toBe("acme/a");
    strategy.onFailure(a!, makeContext());
    expect(strategy.pick([a!, b!], {}, makeContext())?.key).toBe("acme/b");
    expect(strategy.pick([a!, b!], {}, makeContext())?.key).toBe("acme/b");
  });

  it("stays on its model through two requests in a row that leave it out", () => {
    const [a, b] = makeStates("a", "b");
    const strategy = new StickUntilFailurePolicy();
    expect(strategy.pick([a!, b!], {}, makeContext())?.key).toBe("acme/a");
    expect(strategy.pick([b!], {}, makeContext())?.key).toBe("acme/b");
    expect(strategy.pick([b!], {}, makeContext())?.key).toBe("acme/b");
    expect(strategy.snapshot()).toEqual({ currentKey: "acme/a", failedKey: null, order: ["acme/a", "acme/b"] });
    expect(strategy.pick([a!, b!], {}, makeContext())?.key).toBe("acme/a");
  });
});
