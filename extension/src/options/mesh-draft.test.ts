import { describe, expect, it } from "vitest";
import { applyDraft, draftOf, providerModelIds, withProviderModels } from "./mesh-draft.js";

describe("mesh draft", () => {
  it("round-trips a configuration unchanged apart from the spelling of the budget keys", () => {
    const mesh = {
      version: 1,
      pools: { chat: { capability: "chat-completion", strategy: "modelmesh.cost-first.v1", providers: ["openai"], retry: { max_retries: 1 } } },
      budget: { daily_limit: 1.5, monthly_limit: 20, enforce: false },
    };
    const draft = draftOf(mesh);
    expect(draft).toMatchObject({ dailyLimit: "1.5", monthlyLimit: "20", pools: [{ name: "chat", strategy: "modelmesh.cost-first.v1", providers: "openai" }] });
    expect(applyDraft(mesh, draft)).toEqual({
      mesh: {
        version: 1,
        pools: { chat: { capability: "chat-completion", strategy: "modelmesh.cost-first.v1", providers: ["openai"], retry: { max_retries: 1 } } },
        budget: { enforce: false, dailyLimit: 1.5, monthlyLimit: 20 },
      },
    });
  });

  it("reads and writes the price assumed for a model without one (budget.default_price)", () => {
    const draft = draftOf({ budget: { default_price: { input: 5, output: 15 } } });
    expect(draft).toMatchObject({ defaultInputPrice: "5", defaultOutputPrice: "15" });
    expect(applyDraft({ budget: { default_price: { input: 5, output: 15 } } }, { ...draft, defaultInputPrice: "0.5", defaultOutputPrice: "" })).toEqual({ mesh: { pools: {}, budget: { defaultPrice: { input: 0.5, output: 0 } } } });
    expect(applyDraft({ budget: { default_price: { input: 5, output: 15 } } }, { ...draft, defaultInputPrice: "", defaultOutputPrice: "" })).toEqual({ mesh: { pools: {} } });
    expect(applyDraft({}, { pools: [], dailyLimit: "", monthlyLimit: "", defaultInputPrice: "x", defaultOutputPrice: "-2" })).toEqual({
      errors: ['Default input price: "x" is not an amount of dollars per million tokens.', 'Default output price: "-2" is not an amount of dollars per million tokens.'],
    });
  });

  it("drops an emptied budget and lists every bad row", () => {
    expect(applyDraft({ budget: { dailyLimit: 3 } }, { pools: [], dailyLimit: "", monthlyLimit: "" })).toEqual({ mesh: { pools: {} } });
    const outcome = applyDraft({}, {
      pools: [
        { name: "a", capability: "", strategy: "", providers: "", models: "", rest: {} },
        { name: "a", capability: "x", strategy: "", providers: "", models: "", rest: {} },
      ],
      dailyLimit: "-1",
      monthlyLimit: "abc",
    });
    expect(outcome).toEqual({
      errors: ['Pool "a": choose a capability.', 'Pool "a" is listed twice.', 'Daily limit: "-1" is not an amount of dollars.', 'Monthly limit: "abc" is not an amount of dollars.'],
    });
  });

  it("sets a provider's model list, keeping configured models' details and the provider's other settings", () => {
    const config = {
      logContent: true,
      mesh: { providers: { "openai-compatible": { connector: "openai-compatible", config: { timeout_ms: 5000, models: [{ id: "llama3", pricing: { input: 0.1 } }, { id: "old" }] } } } },
    };
    const next = withProviderModels(config, "openai-compatible", ["llama3", "mistral-nemo"]);
    expect(next).toEqual({
      logContent: true,
      mesh: { providers: { "openai-compatible": { connector: "openai-compatible", config: { timeout_ms: 5000, models: [{ id: "llama3", pricing: { input: 0.1 } }, { id: "mistral-nemo" }] } } } },
    });
    expect(providerModelIds(next.mesh, "openai-compatible")).toEqual(["llama3", "mistral-nemo"]);
    expect(providerModelIds(config.mesh, "groq")).toEqual([]);
    // The original is untouched (the page keeps it as "last saved").
    expect(providerModelIds(config.mesh, "openai-compatible")).toEqual(["llama3", "old"]);
  });
});
