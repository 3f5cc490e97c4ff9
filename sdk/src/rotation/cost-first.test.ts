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
  it("weighs token prices per million, speech per character (4 a token) and audio as a minute against a per-request price", () => {
    const strategy = new CostFirstPolicy();
    const context = makeContext({ estimatedInputTokens: 1_000, estimatedOutputTokens: 1_000 });
    const flat = (price: number) => makeState({ providerId: "flat", modelId: `flat-${price}`, info: { pricing: { perRequest: price } } });
    // (1 × 1000 + 10 × 1000) / 1e6 = 0.011: dearer than 0.005 a request, cheaper than 0.02.
    const tokens = makeState({ providerId: "p", modelId: "tokens", info: { pricing: { input: 1, output: 10 } } });
    expect(strategy.pick([tokens, flat(0.005)], {}, context)?.modelId).toBe("flat-0.005");
    expect(strategy.pick([flat(0.02), tokens], {}, context)?.modelId).toBe("tokens");
    // 0.000015 × 1000 tokens × 4 characters = 0.06.
    const speech = makeState({ providerId: "p", modelId: "speech", info: { pricing: { perCharacter: 0.000015 } } });
    expect(strategy.pick([speech, flat(0.03)], {}, context)?.modelId).toBe("flat-0.03");
    expect(strategy.pick([flat(0.07), speech], {}, context)?.modelId).toBe("speech");
    // 0.0001 a second × 60 seconds = 0.006.
    const audio = makeState({ providerId: "p", modelId: "audio", info: { pricing: { perSecond: 0.0001 } } });
    expect(strategy.pick([audio, flat(0.005)], {}, context)?.modelId).toBe("flat-0.005");
    expect(strategy.pick([flat(0.007), audio], {}, context)?.modelId).toBe("audio");
    // An image model costs its price per image.
    const image = makeState({ providerId: "p", modelId: "image", info: { pricing: { perImage: 0.04 } } });
    expect(strategy.pick([image, flat(0.03)], {}, context)?.modelId).toBe("flat-0.03");
    expect(strategy.pick([flat(0.05), image], {}, context)?.modelId).toBe("image");
  });
});
