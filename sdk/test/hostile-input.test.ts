import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_REQUEST_LIMITS, InvalidRequestError, create, type ChatCompletionCreateParamsNonStreaming, type MeshClient } from "../src/index.js";
import { MAX_USAGE_KEYS, USAGE_OVERFLOW_KEY, UsageTracker, type UsageSummary } from "../src/core/usage.js";
import { CHAT, hello, pairConfig, startPair, testClock } from "./support/mesh.js";

// A caller's bad request is the caller's problem: it must be refused before routing, reach no provider, and leave
// every model's health, the usage counters and the next caller untouched.

let pair: Awaited<ReturnType<typeof startPair>>;
let client: MeshClient;

beforeEach(async () => {
  pair = await startPair();
  client = create("chat-completion", { config: pairConfig(pair), clock: testClock() });
  await client.ready();
});
afterEach(async () => {
  await client.close();
  await pair.close();
});

/** An object nested `levels` deep below the value it is put in: { a: { a: ... "x" } }. */
function nested(levels: number): unknown {
  let value: unknown = "x";
  for (let level = 0; level < levels; level++) value = { a: value };
  return value;
}

function snapshot() {
  return { described: JSON.stringify(client.describe()), usage: JSON.stringify(client.usage), sent: pair.a.requests.length + pair.b.requests.length };
}

/** Sends `request` three times (what took a whole pool into cooldown before), checks the refusal and that nothing moved. */
async function expectRefusedWithoutSideEffects(send: () => Promise<unknown>, expected: { code?: string; param?: string | RegExp | null; message?: RegExp }) {
  const before = snapshot();
  for (let attempt = 0; attempt < 3; attempt++) {
    const error = await send().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    const invalid = error as InvalidRequestError;
    if (expected.code) expect(invalid.code).toBe(expected.code);
    if (expected.param instanceof RegExp) expect(invalid.param).toMatch(expected.param);
    else if (expected.param !== undefined) expect(invalid.param).toBe(expected.param);
    if (expected.message) expect(invalid.message).toMatch(expected.message);
    expect(invalid.message.length).toBeLessThan(500);
  }
  const after = snapshot();
  expect(after.sent, "a fake provider received the refused request").toBe(before.sent);
  expect(after.described).toBe(before.described);
  expect(after.usage).toBe(before.usage);
  // Another caller is served as if nothing happened.
  const served = await client.chat.completions.create({ model: "chat", messages: hello });
  expect(served.choices[0]?.message.content).toMatch(/^Hello from/);
  const models = client.describe().pools.chat!.models;
  expect(models.every((model) => model.status === "active" && model.failures === 0)).toBe(true);
}

describe("request bodies no service could take are refused before routing", () => {
  it("refuses a body nested 5,000 levels deep (which overflows JSON.stringify) with request_too_deep, naming the parameter", async () => {
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: nested(5_000) as string }] }), {
      code: "request_too_deep",
      param: /^messages\[0\]\.content(\.a)+$/,
      message: /nested deeper than 64 levels/,
    });
  });

  it("checks depth without recursion: a body nested 200,000 levels deep is refused, not a stack overflow", async () => {
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: hello, metadata: nested(200_000) } as never), {
      code: "request_too_deep",
      param: /^metadata(\.a)+…?$/,
    });
    let deepArray: unknown = [];
    for (let level = 0; level < 200_000; level++) deepArray = [deepArray];
    await expectRefusedWithoutSideEffects(() => client.embeddings.create({ model: "text-embeddings", input: deepArray as string[] }), { code: "request_too_deep", param: /^input(\[0\])+…?$/ });
  });

  it("takes a body exactly 64 levels deep and refuses 65 (the body itself is level 1)", async () => {
    // body (1) > response_format (2) > json_schema (3) > schema (4) > 60 more levels = 64.
    const format = (levels: number) => ({ type: "json_schema", json_schema: { name: "deep", schema: nested(levels) } });
    const served = await client.chat.completions.create({ model: "chat", messages: hello, response_format: format(61) } as ChatCompletionCreateParamsNonStreaming);
    expect(served.choices).toHaveLength(1);
    expect(pair.a.requests.at(-1)?.body.response_format).toEqual(format(61));
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: hello, response_format: format(62) } as never), {
      code: "request_too_deep",
      param: /^response_format\.json_schema\.schema(\.a)+…?$/,
    });
  });

  it("refuses a body over the byte limit (default 32 MiB), counting UTF-8 bytes as they would be sent", async () => {
    expect(DEFAULT_REQUEST_LIMITS.maxBytes).toBe(32 * 1024 * 1024);
    const huge = "x".repeat(DEFAULT_REQUEST_LIMITS.maxBytes);
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: huge }] }), {
      code: "request_too_large",
      message: /larger than the limit of 33554432 bytes/,
    });
  });

  it("takes a configured byte limit: ASCII under it passes, the same length in two-byte characters does not", async () => {
    const limited = create("chat-completion", { config: pairConfig(pair), clock: testClock(), limits: { maxBytes: 8_000 } });
    try {
      await limited.ready();
      const ascii = await limited.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "e".repeat(5_000) }] });
      expect(ascii.choices).toHaveLength(1);
      const sentBefore = pair.a.requests.length + pair.b.requests.length;
      // 5,000 "é" are 5,000 UTF-16 units but 10,000 UTF-8 bytes.
      const error = await limited.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "é".repeat(5_000) }] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).code).toBe("request_too_large");
      expect(pair.a.requests.length + pair.b.requests.length).toBe(sentBefore);
    } finally {
      await limited.close();
    }
  });

  it("refuses a 1 MB model name before it can become a log line, a label or a pool", async () => {
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "m".repeat(1024 * 1024), messages: hello }), {
      param: "model",
      message: /at most 256 characters/,
    });
    await expectRefusedWithoutSideEffects(() => client.embeddings.create({ model: "m".repeat(300), input: "hi" }), { param: "model" });
  });

  it("refuses values JSON cannot carry (BigInt, a cycle, NaN, Infinity) naming the parameter", async () => {
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: hello, seed: 12n } as never), { param: "seed", message: /BigInt/ });
    const cyclic: Record<string, unknown> = { role: "user", content: "hi" };
    cyclic.self = { back: cyclic };
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: [cyclic] } as never), { param: "messages[0].self.back", message: /cycle/ });
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: hello, temperature: Number.NaN }), { param: "temperature", message: /finite/ });
    await expectRefusedWithoutSideEffects(() => client.embeddings.create({ model: "text-embeddings", input: [[1, Number.POSITIVE_INFINITY]] as never }), { param: "input[0][1]" });
  });

  it("refuses parameters of the wrong type that the router reads to pick a model (found by fuzzing: max_tokens: {} threw a TypeError)", async () => {
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: hello, max_tokens: Object.create(null) } as never), { param: "max_tokens" });
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: hello, max_completion_tokens: "5" } as never), { param: "max_completion_tokens" });
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: hello, tools: { type: "function" } } as never), { param: "tools" });
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: hello, stream: "yes" } as never), { param: "stream" });
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: hello, response_format: "json" } as never), { param: "response_format" });
  });

  it("refuses a body whose getters or toJSON throw, as the caller's error", async () => {
    const trap = Object.defineProperty({ role: "user" }, "content", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: [trap] } as never), { message: /cannot be read: boom/ });
    const badJson = { toJSON: () => nested(100_000) };
    await expectRefusedWithoutSideEffects(() => client.chat.completions.create({ model: "chat", messages: hello, metadata: badJson } as never), { message: /cannot be serialised as JSON/ });
  });

  it("keeps the same object used twice side by side (not a cycle) and serves it", async () => {
    const shared = { type: "text", text: "again" };
    const served = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: [shared, shared] }] } as ChatCompletionCreateParamsNonStreaming);
    expect(served.choices).toHaveLength(1);
    expect(pair.a.requests.at(-1)?.body.messages[0].content).toEqual([shared, shared]);
  });

  it("refuses deep bodies on every operation: embeddings, images, speech", async () => {
    await expectRefusedWithoutSideEffects(() => client.embeddings.create({ model: "text-embeddings", input: "hi", extra: nested(100) } as never), { code: "request_too_deep" });
    await expectRefusedWithoutSideEffects(() => client.images.generate({ model: "text-to-image", prompt: "cat", extra: nested(100) } as never), { code: "request_too_deep" });
    await expectRefusedWithoutSideEffects(() => client.audio.speech.create({ model: "text-to-speech", input: "hi", voice: "alloy", extra: nested(100) } as never), { code: "request_too_deep" });
  });

  it("serves a well-formed request sent while hostile ones are being refused", async () => {
    const hostile = Array.from({ length: 10 }, () => client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: nested(5_000) as string }] }).catch((error: unknown) => error));
    const good = client.chat.completions.create({ model: "chat", messages: hello });
    const [served, ...refused] = await Promise.all([good, ...hostile]);
    expect((served as { choices: unknown[] }).choices).toHaveLength(1);
    expect(refused.every((error) => error instanceof InvalidRequestError)).toBe(true);
    expect(pair.a.requests.length + pair.b.requests.length).toBe(1);
  });

  it("rejects malformed limits at create()", () => {
    expect(() => create("chat-completion", { config: pairConfig(pair), limits: { maxDepth: 0 } })).toThrow(ConfigError);
    expect(() => create("chat-completion", { config: pairConfig(pair), limits: { maxBytes: 1.5 } })).toThrow(/limits\.maxBytes/);
    expect(() => create("chat-completion", { config: pairConfig(pair), limits: { maxDeep: 3 } as never })).toThrow(/limits\.maxDeep: unknown limit/);
  });
});

describe("usage counters keyed by names stay bounded", () => {
  const where = (index: number) => ({ pool: `pool-${index}`, provider: `provider-${index}`, modelKey: `provider/model-${index}` });

  it(`keeps at most ${MAX_USAGE_KEYS} rows a table and counts the rest under "${USAGE_OVERFLOW_KEY}", totals intact`, () => {
    const tracker = new UsageTracker();
    for (let index = 0; index < 20_000; index++) tracker.record(where(index), { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 0.5, true);
    const summary = tracker.summary();
    for (const table of [summary.byModel, summary.byPool, summary.byProvider]) {
      expect(Object.keys(table)).toHaveLength(MAX_USAGE_KEYS + 1);
      expect(table[USAGE_OVERFLOW_KEY]?.requests).toBe(20_000 - MAX_USAGE_KEYS);
      expect(Object.values(table).reduce((sum, row) => sum + row.requests, 0)).toBe(20_000);
    }
    expect(summary.requests).toBe(20_000);
    expect(summary.totalTokens).toBe(40_000);
    // Existing rows keep counting after the cap is reached.
    tracker.record(where(0), undefined, 0, false);
    expect(tracker.summary().byModel["provider/model-0"]).toMatchObject({ requests: 1, failures: 1 });
  });

  it("counts an over-long key under the overflow row, and a key named __proto__ as an ordinary row", () => {
    const tracker = new UsageTracker();
    tracker.record({ pool: "p".repeat(1_000_000), provider: "__proto__", modelKey: "constructor" }, undefined, 0, true);
    const summary = tracker.summary();
    expect(Object.keys(summary.byPool)).toEqual([USAGE_OVERFLOW_KEY]);
    expect(Object.getPrototypeOf(summary.byProvider)).toBe(Object.prototype);
    expect(Object.keys(summary.byProvider)).toEqual(["__proto__"]);
    expect(JSON.parse(JSON.stringify(summary)).byProvider.__proto__.requests).toBe(1);
    expect(({} as Record<string, unknown>).requests).toBeUndefined();
  });

  it("ignores negative, NaN and infinite usage from a provider instead of poisoning the totals", () => {
    const tracker = new UsageTracker();
    tracker.record(where(1), { promptTokens: -5, completionTokens: Number.NaN, totalTokens: Number.POSITIVE_INFINITY }, Number.NaN, true);
    tracker.record(where(1), { promptTokens: 3, completionTokens: 4, totalTokens: 7 }, 0.25, true);
    const summary = tracker.summary();
    expect(summary).toMatchObject({ totalTokens: 7, totalCost: 0.25, requests: 2 });
    expect(summary.byModel["provider/model-1"]).toEqual({ requests: 2, failures: 0, promptTokens: 3, completionTokens: 4, totalTokens: 7, cost: 0.25, unpriced: 0 });
  });

  it("restores saved totals within the same caps, skipping malformed rows", () => {
    const saved: Omit<UsageSummary, "byScope" | "budgets"> = { totalCost: 1, totalTokens: 10, requests: 2, unpricedRequests: 0, byModel: {}, byProvider: { a: { requests: 2, failures: 0, promptTokens: 5, completionTokens: 5, totalTokens: 10, cost: 1, unpriced: 0 } }, byPool: {} };
    for (let index = 0; index < 5_000; index++) saved.byModel[`m-${index}`] = { requests: 1, failures: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cost: 0, unpriced: 0 };
    (saved.byPool as Record<string, unknown>).junk = "not a row";
    const tracker = new UsageTracker();
    tracker.restore(saved);
    const summary = tracker.summary();
    expect(Object.keys(summary.byModel)).toHaveLength(MAX_USAGE_KEYS + 1);
    expect(summary.byModel[USAGE_OVERFLOW_KEY]?.requests).toBe(5_000 - MAX_USAGE_KEYS);
    expect(summary.byPool).toEqual({});
    expect(summary.byProvider.a?.totalTokens).toBe(10);
  });

  it("a mesh's usage only ever has configured pools, providers and models as keys", async () => {
    await client.chat.completions.create({ model: "chat", messages: hello });
    await client.chat.completions.create({ model: "alpha", messages: hello });
    await client.chat.completions.create({ model: "m".repeat(300), messages: hello }).catch(() => undefined);
    const usage = client.usage;
    expect(Object.keys(usage.byPool).sort()).toEqual(["alpha", "chat"]);
    expect(Object.keys(usage.byModel)).toEqual(["a/alpha"]);
    void CHAT;
  });
});
