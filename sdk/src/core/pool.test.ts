import { describe, expect, it } from "vitest";
import { makeState, setSituation, TEST_NOW } from "../../test/contracts/model-states.js";
import { StickUntilFailurePolicy } from "../rotation/stick-until-failure.js";
import { DEFAULT_POOL_SETTINGS } from "./config.js";
import { chatFeatures, estimateTokens, Pool, simpleFeatures, unfitReason, type RequestFeatures } from "./pool.js";

const plain: RequestFeatures = chatFeatures({ model: "chat", messages: [{ role: "user", content: "hi" }] });
const always = () => true;

describe("estimateTokens", () => {
  it("counts four characters a token, rounding up, and nothing for what is not text", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("abcd")).toBe(1);
    expect(estimateTokens("abcde")).toBe(2);
    expect(estimateTokens(42)).toBe(0);
    expect(estimateTokens(null)).toBe(0);
  });

  it("adds four tokens a message, a text part's text, and 765 for an image", () => {
    expect(estimateTokens({ role: "user", content: "abcdefgh" })).toBe(2 + 4);
    expect(estimateTokens({ type: "text", text: "abcdefgh" })).toBe(2);
    expect(estimateTokens({ type: "image_url", image_url: { url: "https://example.com/cat.png" } })).toBe(765);
    const messages = [
      { role: "system", content: "abcd" },
      { role: "user", content: [{ type: "text", text: "abcdefgh" }, { type: "image_url", image_url: { url: "x" } }] },
    ];
    expect(estimateTokens(messages)).toBe(1 + 4 + (2 + 765) + 4);
  });
});

describe("chatFeatures", () => {
  it("reads tools, images, JSON mode and streaming from the request", () => {
    expect(plain).toEqual({ operation: "chat", tools: false, vision: false, jsonMode: false, stream: false, estimatedInputTokens: 5, estimatedOutputTokens: 256, reservedOutputTokens: 0 });
    const rich = chatFeatures({
      model: "chat",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }],
      tools: [{ type: "function", function: { name: "lookup" } }],
      response_format: { type: "json_schema", json_schema: { name: "answer", schema: {} } },
      stream: true,
    });
    expect(rich).toMatchObject({ tools: true, vision: true, jsonMode: true, stream: true });
    expect(chatFeatures({ model: "chat", messages: [], tools: [], response_format: { type: "json_object" } })).toMatchObject({ tools: false, jsonMode: true });
    expect(chatFeatures({ model: "chat", messages: [], response_format: { type: "text" } }).jsonMode).toBe(false);
  });

  it("sees an image in any part of any message, and none in text-only parts", () => {
    const image = { type: "image_url" as const, image_url: { url: "x" } };
    const text = { type: "text" as const, text: "look" };
    const vision = (messages: unknown[]) => chatFeatures({ model: "chat", messages } as never).vision;
    expect(vision([{ role: "system", content: "be brief" }, { role: "user", content: [text, image] }])).toBe(true);
    expect(vision([{ role: "user", content: [text] }, { role: "user", content: "plain" }])).toBe(false);
    // Malformed entries (null parts or messages) are not images and must not throw.
    expect(vision([null, { role: "user", content: [null, image] }])).toBe(true);
    expect(vision([{ role: "user", content: [null] }])).toBe(false);
  });

  it("estimates the answer from max_completion_tokens, then max_tokens, else a typical length, and reserves only what was asked", () => {
    expect(chatFeatures({ model: "chat", messages: [], max_tokens: 100, max_completion_tokens: 40 })).toMatchObject({ estimatedOutputTokens: 40, reservedOutputTokens: 40 });
    expect(chatFeatures({ model: "chat", messages: [], max_tokens: 100 })).toMatchObject({ estimatedOutputTokens: 100, reservedOutputTokens: 100 });
  });

  it("gives other operations their input's size and nothing else", () => {
    expect(simpleFeatures("embeddings", ["abcd", "abcdefgh"])).toEqual({ operation: "embeddings", tools: false, vision: false, jsonMode: false, stream: false, estimatedInputTokens: 3, estimatedOutputTokens: 0, reservedOutputTokens: 0 });
  });
});

describe("unfitReason", () => {
  it("names the feature a model lacks, and treats an unknown feature as present", () => {
    const limited = makeState({ info: { features: { tools: false, vision: false, jsonMode: false, streaming: false } } });
    expect(unfitReason(limited, { ...plain, tools: true }, always)).toBe("no tool calling");
    expect(unfitReason(limited, { ...plain, vision: true }, always)).toBe("no image input");
    expect(unfitReason(limited, { ...plain, jsonMode: true }, always)).toBe("no JSON mode");
    expect(unfitReason(limited, { ...plain, stream: true }, always)).toBe("no streaming");
    expect(unfitReason(limited, plain, always)).toBeUndefined();
    const unknown = makeState();
    expect(unfitReason(unknown, { ...plain, tools: true, vision: true, jsonMode: true, stream: true }, always)).toBeUndefined();
    expect(unfitReason(unknown, plain, (operation) => operation !== "chat")).toBe("cannot serve chat");
  });

  it("refuses a request whose prompt and reserved answer exceed the context window, and accepts one that fills it exactly", () => {
    const small = makeState({ info: { contextWindow: 1_000 } });
    expect(unfitReason(small, { ...plain, estimatedInputTokens: 900, reservedOutputTokens: 100 }, always)).toBeUndefined();
    expect(unfitReason(small, { ...plain, estimatedInputTokens: 900, reservedOutputTokens: 101 }, always)).toBe("request (~900 tokens) exceeds its 1000-token context window");
  });
});

describe("Pool", () => {
  const members = [
    makeState({ modelId: "plain" }),
    makeState({ modelId: "no-tools", info: { features: { tools: false } } }),
    makeState({ modelId: "tools" }),
  ];
  const pool = new Pool("chat", "generation.text-generation.chat-completion", members, new StickUntilFailurePolicy(), DEFAULT_POOL_SETTINGS, false);

  it("offers the members that fit, in pool order, whatever their health", () => {
    setSituation(members[2]!, "cooling");
    expect(pool.fitting({ ...plain, tools: true }, always).map((state) => state.modelId)).toEqual(["plain", "tools"]);
    expect(pool.fitting(plain, (state) => state.modelId !== "plain").map((state) => state.modelId)).toEqual(["no-tools", "tools"]);
  });

  it("counts the members its strategy would use now as active, the rest as standby", () => {
    setSituation(members[2]!, "cooling", TEST_NOW);
    expect(pool.status(TEST_NOW)).toEqual({ active: 2, standby: 1, total: 3 });
    expect(pool.status(TEST_NOW + 30_000)).toEqual({ active: 3, standby: 0, total: 3 });
  });
});
