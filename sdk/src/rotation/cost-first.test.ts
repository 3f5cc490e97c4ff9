import { describe, expect, it } from "vitest";
import { makeContext, makeState } from "../../test/contracts/model-states.js";
import { CostFirstPolicy } from "./cost-first.js";

const cheapInput = makeState({ providerId: "p", modelId: "cheap-input", info: { pricing: { input: 0.1, output: 20 } } });
const cheapOutput = makeState({ providerId: "p", modelId: "cheap-output", info: { pricing: { input: 5, output: 0.5 } } });

describe("CostFirstPolicy", () => {
  it("is named modelmesh.cost-first.v1 / cost-first", () => {
    expect(new CostFirstPolicy().id).toBe("modelmesh.cost-first.v1");
    expect(CostFirstPolicy.connectorId).toBe("modelmesh.cost-first.v1");
    expect(CostFirstPolicy.shortName).toBe("cost-first");
  });

  it("prices the request: a long prompt favours cheap input, a long answer cheap output", () => {
    const strategy = new CostFirstPolicy();
    const pool = [cheapOutput, cheapInput];
    const longPrompt = makeContext({ estimatedInputTokens: 100_000, estimatedOutputTokens: 200 });
    expect(strategy.pick(pool, {}, longPrompt)).toBe(cheapInput);
    const longAnswer = makeContext({ estimatedInputTokens: 200, estimatedOutputTokens: 20_000 });
    expect(strategy.pick(pool, {}, longAnswer)).toBe(cheapOutput);
  });

  it("breaks price ties by accumulated cost, then pool order", () => {
    const strategy = new CostFirstPolicy();
    const pricing = { input: 1, output: 2 };
    const spent = makeState({ providerId: "p", modelId: "spent", totalCost: 5, info: { pricing } });
    const fresh = makeState({ providerId: "p", modelId: "fresh", totalCost: 1, info: { pricing } });
    const alsoFresh = makeState({ providerId: "q", modelId: "fresh", totalCost: 1, info: { pricing } });
    expect(strategy.pick([spent, fresh, alsoFresh], {}, makeContext())).toBe(fresh);
    expect(strategy.pick([spent, alsoFresh, fresh], {}, makeContext())).toBe(alsoFresh);
  });

  it("puts models without a price after every priced one", () => {
    const strategy = new CostFirstPolicy();
    const unpriced = makeState({ providerId: "local", modelId: "unknown" });
    const pricey = makeState({ providerId: "p", modelId: "pricey", info: { pricing: { input: 60, output: 120 } } });
    expect(strategy.pick([unpriced, pricey], {}, makeContext())).toBe(pricey);
    const otherUnpriced = makeState({ providerId: "local", modelId: "other", totalCost: 0, info: { pricing: { readAt: "2025-01-01" } } });
    unpriced.totalCost = 3;
    expect(strategy.pick([unpriced, otherUnpriced], {}, makeContext())).toBe(otherUnpriced);
  });

  it("counts a missing side of the price as free and adds per-request prices", () => {
    const strategy = new CostFirstPolicy();
    const embedding = makeState({ providerId: "p", modelId: "embed", info: { pricing: { input: 0.02 } } });
    const perRequest = makeState({ providerId: "p", modelId: "search", info: { pricing: { perRequest: 0.01 } } });
    const context = makeContext({ estimatedInputTokens: 1_000, estimatedOutputTokens: 0 });
    // 0.02 × 1000 / 1e6 = 0.00002 < 0.01
    expect(strategy.pick([perRequest, embedding], {}, context)).toBe(embedding);
  });

  it("skips the cheapest model while it is unavailable", () => {
    const strategy = new CostFirstPolicy();
    const cooling = makeState({ providerId: "p", modelId: "free", status: "cooldown", cooldownUntil: Number.MAX_SAFE_INTEGER, info: { pricing: { input: 0, output: 0 } } });
    expect(strategy.pick([cooling, cheapInput], {}, makeContext())).toBe(cheapInput);
  });

  it("counts a price table without any price as unknown, and one priced on any single side as known", () => {
    const strategy = new CostFirstPolicy();
    const pricey = makeState({ providerId: "p", modelId: "pricey", info: { pricing: { input: 60, output: 120 } } });
    const dateOnly = makeState({ providerId: "p", modelId: "date-only", info: { pricing: { readAt: "2025-01-01" } } });
    expect(strategy.pick([dateOnly, pricey], {}, makeContext())).toBe(pricey);
    for (const pricing of [{ input: 0.5 }, { output: 0.5 }, { perRequest: 0.001 }]) {
      const oneSided = makeState({ providerId: "p", modelId: "one-sided", info: { pricing } });
      expect(strategy.pick([pricey, oneSided], {}, makeContext()), JSON.stringify(pricing)).toBe(oneSided);
    }
  });
});
