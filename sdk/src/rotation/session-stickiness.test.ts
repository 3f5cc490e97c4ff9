import { describe, expect, it } from "vitest";
import { ConfigError } from "../wire/error-base.js";
import { makeContext, makeStates, setSituation } from "../../test/contracts/model-states.js";
import { SessionStickinessPolicy } from "./session-stickiness.js";

const pool = () => makeStates("p/a", "p/b", "p/c", "p/d");

describe("SessionStickinessPolicy", () => {
  it("is named modelmesh.session-stickiness.v1 / session-stickiness", () => {
    expect(new SessionStickinessPolicy().id).toBe("modelmesh.session-stickiness.v1");
    expect(SessionStickinessPolicy.connectorId).toBe("modelmesh.session-stickiness.v1");
    expect(SessionStickinessPolicy.shortName).toBe("session-stickiness");
  });

  it("keeps a session on its model, whatever order the pool is offered in", () => {
    const states = pool();
    const strategy = new SessionStickinessPolicy();
    const first = strategy.pick(states, {}, makeContext({ sessionId: "user-17" }));
    for (let index = 0; index < 20; index++) {
      const offered = index % 2 === 0 ? states : [...states].reverse();
      expect(strategy.pick(offered, {}, makeContext({ sessionId: "user-17" }))).toBe(first);
    }
  });

  it("places sessions deterministically and spreads them over the models", () => {
    const states = pool();
    const placements = (strategy: SessionStickinessPolicy) =>
      Array.from({ length: 400 }, (_, index) => strategy.pick(states, {}, makeContext({ sessionId: `session-${index}` }))?.key);
    const first = placements(new SessionStickinessPolicy());
    expect(placements(new SessionStickinessPolicy())).toEqual(first);
    for (const state of states) expect(first.filter((key) => key === state.key).length).toBeGreaterThan(60);
  });

  it("moves only the sessions of a model that leaves the pool", () => {
    const states = pool();
    const sessions = Array.from({ length: 200 }, (_, index) => `session-${index}`);
    const before = sessions.map((sessionId) => new SessionStickinessPolicy().pick(states, {}, makeContext({ sessionId }))?.key);
    const remaining = states.filter((state) => state.key !== "p/b");
    const after = sessions.map((sessionId) => new SessionStickinessPolicy().pick(remaining, {}, makeContext({ sessionId }))?.key);
    sessions.forEach((_, index) => {
      if (before[index] !== "p/b") expect(after[index]).toBe(before[index]);
    });
  });

  it("moves a session whose model is unavailable and keeps it on the new model after recovery", () => {
    const states = pool();
    const strategy = new SessionStickinessPolicy();
    const context = makeContext({ sessionId: "conversation-1" });
    const original = strategy.pick(states, {}, context);
    setSituation(original!, "cooling");
    const moved = strategy.pick(states, {}, context);
    expect(moved).not.toBe(original);
    setSituation(original!, "active");
    expect(strategy.pick(states, {}, context)).toBe(moved);
  });

  it("sends requests without a session to the first available model", () => {
    const states = pool();
    const strategy = new SessionStickinessPolicy();
    expect(strategy.pick(states, {}, makeContext())?.key).toBe("p/a");
    setSituation(states[0]!, "disabled");
    expect(strategy.pick(states, {}, makeContext({ sessionId: "" }))?.key).toBe("p/b");
  });

  it("forgets the least recently used session beyond maxSessions", () => {
    const states = pool();
    const strategy = new SessionStickinessPolicy({ maxSessions: 2 });
    for (const sessionId of ["one", "two", "one", "three"]) strategy.pick(states, {}, makeContext({ sessionId }));
    expect(strategy.snapshot().sessions.map(([sessionId]) => sessionId)).toEqual(["one", "three"]);
  });

  it("restores remembered sessions from a snapshot", () => {
    const states = pool();
    const strategy = new SessionStickinessPolicy();
    const context = makeContext({ sessionId: "kept" });
    const original = strategy.pick(states, {}, context);
    setSituation(original!, "cooling");
    const moved = strategy.pick(states, {}, context);
    setSituation(original!, "active");
    const restored = new SessionStickinessPolicy();
    restored.restore(JSON.parse(JSON.stringify(strategy.snapshot())));
    // A fresh instance would hash "kept" back to the original model; the restored one remembers the move.
    expect(new SessionStickinessPolicy().pick(states, {}, context)).toBe(original);
    expect(restored.pick(states, {}, context)).toBe(moved);
  });

  it("rejects a maxSessions that is not a positive whole number", () => {
    expect(() => new SessionStickinessPolicy({ maxSessions: 0 })).toThrow(ConfigError);
    expect(() => new SessionStickinessPolicy({ maxSessions: 2.5 })).toThrow(/maxSessions/);
  });

  it("accepts a memory of one session, and says what it refused", () => {
    const states = pool();
    const strategy = new SessionStickinessPolicy({ maxSessions: 1 });
    for (const sessionId of ["one", "two"]) strategy.pick(states, {}, makeContext({ sessionId }));
    expect(strategy.snapshot().sessions.map(([sessionId]) => sessionId)).toEqual(["two"]);
    expect(() => new SessionStickinessPolicy({ maxSessions: 0 })).toThrow("maxSessions: must be a whole number of at least 1, got 0");
  });

  it("restores only well-formed [session, model] pairs", () => {
    const strategy = new SessionStickinessPolicy();
    strategy.restore({ sessions: [["kept", "p/b"], ["half"], [3, "p/a"], ["number", 5], "flat", null] });
    expect(strategy.snapshot()).toEqual({ sessions: [["kept", "p/b"]] });
  });
});
