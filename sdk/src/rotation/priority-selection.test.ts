import { describe, expect, it } from "vitest";
import { ConfigError } from "../wire/error-base.js";
import { makeContext, makeStates, setSituation } from "../../test/contracts/model-states.js";
import { PrioritySelectionPolicy } from "./priority-selection.js";

const pool = () => makeStates("openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "groq/llama-3.3-70b", "mistral/mistral-large");

describe("PrioritySelectionPolicy", () => {
  it("is named modelmesh.priority-selection.v1 / priority, also answering to priority-selection", () => {
    expect(new PrioritySelectionPolicy().id).toBe("modelmesh.priority-selection.v1");
    expect(PrioritySelectionPolicy.connectorId).toBe("modelmesh.priority-selection.v1");
    expect(PrioritySelectionPolicy.shortName).toBe("priority");
    expect(PrioritySelectionPolicy.aliases).toContain("priority-selection");
  });

  it("picks the first preference, naming a model by key, model id or provider", () => {
    const states = pool();
    const pick = (priorities: string[]) => new PrioritySelectionPolicy({ priorities }).pick(states, {}, makeContext())?.key;
    expect(pick(["anthropic/claude-sonnet-4-5"])).toBe("anthropic/claude-sonnet-4-5");
    expect(pick(["gpt-4o-mini"])).toBe("openai/gpt-4o-mini");
    expect(pick(["groq", "openai"])).toBe("groq/llama-3.3-70b");
    expect(pick(["mistral-*", "openai"])).toBe("mistral/mistral-large");
    expect(pick(["claude-*"])).toBe("anthropic/claude-sonnet-4-5");
  });

  it("falls back down the list while preferred models are unavailable", () => {
    const states = pool();
    const strategy = new PrioritySelectionPolicy({ priorities: ["anthropic", "gpt-4o-mini", "groq/*"] });
    const [, mini, claude, llama] = states;
    setSituation(claude!, "cooling");
    expect(strategy.pick(states, {}, makeContext())).toBe(mini);
    setSituation(mini!, "disabled");
    expect(strategy.pick(states, {}, makeContext())).toBe(llama);
    setSituation(llama!, "probing");
    // No preference left: unnamed models in pool order.
    expect(strategy.pick(states, {}, makeContext())?.key).toBe("openai/gpt-4o");
    setSituation(claude!, "recovered");
    expect(strategy.pick(states, {}, makeContext())).toBe(claude);
  });

  it("ranks by the first entry that names a model, whatever the pool order", () => {
    const states = pool().reverse();
    const strategy = new PrioritySelectionPolicy({ priorities: ["gpt-4o", "openai"] });
    expect(strategy.pick(states, {}, makeContext())?.key).toBe("openai/gpt-4o");
  });

  it("uses pool order without a preference list", () => {
    expect(new PrioritySelectionPolicy().pick(pool(), {}, makeContext())?.key).toBe("openai/gpt-4o");
  });

  it("rejects a preference list that is not a list of names", () => {
    expect(() => new PrioritySelectionPolicy({ priorities: "openai" as unknown as string[] })).toThrow(ConfigError);
    expect(() => new PrioritySelectionPolicy({ priorities: [3] as unknown as string[] })).toThrow(/priorities/);
  });

  it("rejects a list with any entry that is not a name, saying what the list takes", () => {
    expect(() => new PrioritySelectionPolicy({ priorities: ["openai", 3] as unknown as string[] })).toThrow(
      "priorities: must be a list of model ids, provider/model keys or provider ids",
    );
    expect(() => new PrioritySelectionPolicy({ priorities: [] })).not.toThrow();
  });
});
