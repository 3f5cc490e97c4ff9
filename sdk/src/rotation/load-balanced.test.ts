import { describe, expect, it } from "vitest";
import type { ModelState } from "../wire/model-state.js";
import { ConfigError } from "../wire/error-base.js";
import { makeContext, makeStates, setSituation } from "../../test/contracts/model-states.js";
import { LoadBalancedPolicy } from "./load-balanced.js";

function share(strategy: LoadBalancedPolicy, states: readonly ModelState[], picks: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let index = 0; index < picks; index++) {
    const key = strategy.pick(states, {}, makeContext())?.key ?? "none";
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe("LoadBalancedPolicy", () => {
  it("is named modelmesh.load-balanced.v1 / load-balanced", () => {
    expect(new LoadBalancedPolicy().id).toBe("modelmesh.load-balanced.v1");
    expect(LoadBalancedPolicy.connectorId).toBe("modelmesh.load-balanced.v1");
    expect(LoadBalancedPolicy.shortName).toBe("load-balanced");
  });

  it("gives weights 3:1 exactly 75/25 over 400 picks, interleaved", () => {
    const states = makeStates("p/heavy", "p/light");
    const strategy = new LoadBalancedPolicy({ weights: { heavy: 3, light: 1 } });
    const sequence = Array.from({ length: 8 }, () => strategy.pick(states, {}, makeContext())?.modelId);
    expect(sequence).toEqual(["heavy", "heavy", "light", "heavy", "heavy", "heavy", "light", "heavy"]);
    expect(share(strategy, states, 400)).toEqual({ "p/heavy": 300, "p/light": 100 });
  });

  it("spreads a 5:1:1 split as nginx does", () => {
    const states = makeStates("p/a", "p/b", "p/c");
    const strategy = new LoadBalancedPolicy({ weights: { "p/a": 5 } });
    const sequence = Array.from({ length: 7 }, () => strategy.pick(states, {}, makeContext())?.modelId);
    expect(sequence).toEqual(["a", "a", "b", "a", "c", "a", "a"]);
  });

  it("weighs every model equally without weights", () => {
    expect(share(new LoadBalancedPolicy(), makeStates("p/a", "q/b", "r/c"), 300)).toEqual({ "p/a": 100, "q/b": 100, "r/c": 100 });
  });

  it("takes the most precise weight entry for each model", () => {
    const [fourO, mini, claude, llama] = makeStates("openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude", "groq/llama");
    const strategy = new LoadBalancedPolicy({ weights: { "*": 2, openai: 5, "openai/gpt-4o": 1, "claude*": 7 } });
    expect(strategy.weightOf(fourO!)).toBe(1);
    expect(strategy.weightOf(mini!)).toBe(5);
    expect(strategy.weightOf(claude!)).toBe(7);
    expect(strategy.weightOf(llama!)).toBe(2);
    expect(new LoadBalancedPolicy().weightOf(llama!)).toBe(1);
  });

  it("shares among the available models only", () => {
    const states = makeStates("p/a", "p/b", "p/c");
    const strategy = new LoadBalancedPolicy({ weights: { a: 2, b: 1, c: 1 } });
    setSituation(states[1]!, "cooling");
    expect(share(strategy, states, 300)).toEqual({ "p/a": 200, "p/c": 100 });
  });

  it("uses a zero-weight model only when nothing weighted is available", () => {
    const states = makeStates("p/spare", "p/main");
    const strategy = new LoadBalancedPolicy({ weights: { spare: 0 } });
    expect(share(strategy, states, 10)).toEqual({ "p/main": 10 });
    setSituation(states[1]!, "disabled");
    expect(share(strategy, states, 3)).toEqual({ "p/spare": 3 });
  });

  it("continues the same rotation after a restore", () => {
    const states = makeStates("p/heavy", "p/light");
    const strategy = new LoadBalancedPolicy({ weights: { heavy: 3 } });
    share(strategy, states, 2);
    const restored = new LoadBalancedPolicy({ weights: { heavy: 3 } });
    restored.restore(JSON.parse(JSON.stringify(strategy.snapshot())));
    expect(restored.pick(states, {}, makeContext())?.modelId).toBe("light");
    expect(strategy.pick(states, {}, makeContext())?.modelId).toBe("light");
  });

  it("rejects negative or non-numeric weights", () => {
    expect(() => new LoadBalancedPolicy({ weights: { a: -1 } })).toThrow(ConfigError);
    expect(() => new LoadBalancedPolicy({ weights: { a: "3" as unknown as number } })).toThrow(/weights\.a/);
  });

  it("rejects infinite and NaN weights too, naming the entry and the value", () => {
    expect(() => new LoadBalancedPolicy({ weights: { "openai/*": Number.POSITIVE_INFINITY } })).toThrow("weights.openai/*: must be a number of at least 0, got Infinity");
    expect(() => new LoadBalancedPolicy({ weights: { b: Number.NaN } })).toThrow("weights.b: must be a number of at least 0, got NaN");
    expect(() => new LoadBalancedPolicy({ weights: { a: 0, b: 2.5 } })).not.toThrow();
  });

  it("takes only finite numbers from a snapshot", () => {
    const states = makeStates("p/a", "p/b", "p/c");
    const strategy = new LoadBalancedPolicy();
    strategy.restore({ currentWeights: { "p/a": "9", "p/b": Number.POSITIVE_INFINITY, "p/c": 1.5 } });
    // Only c's 1.5 counts: c leads (2.5 against 1 and 1), then the even split goes on from there.
    expect(share(strategy, states, 3)).toEqual({ "p/a": 1, "p/b": 1, "p/c": 1 });
    const fresh = new LoadBalancedPolicy();
    fresh.restore({ currentWeights: { "p/a": "9", "p/b": Number.POSITIVE_INFINITY, "p/c": 1.5 } });
    expect(fresh.pick(states, {}, makeContext())?.key).toBe("p/c");
    expect(fresh.snapshot()).toEqual({ currentWeights: { "p/a": 1, "p/b": 1, "p/c": -0.5 } });
  });
});
