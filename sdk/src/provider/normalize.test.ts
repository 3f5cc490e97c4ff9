import { afterEach, describe, expect, it, vi } from "vitest";
import {
  completionToChunks,
  normalizeChatCompletion,
  normalizeChatCompletionChunk,
  normalizeEmbeddingResponse,
  normalizeFinishReason,
  normalizeImagesResponse,
  normalizeUsage,
  randomId,
} from "./normalize.js";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("normalizeFinishReason", () => {
  it("keeps OpenAI's reasons, maps other formats' names, any other text to stop, and nothing to null", () => {
    for (const reason of ["stop", "length", "tool_calls", "content_filter", "function_call"]) expect(normalizeFinishReason(reason)).toBe(reason);
    expect(normalizeFinishReason("end_turn")).toBe("stop");
    expect(normalizeFinishReason("STOP_SEQUENCE")).toBe("stop");
    expect(normalizeFinishReason("eos")).toBe("stop");
    expect(normalizeFinishReason("max_tokens")).toBe("length");
    expect(normalizeFinishReason("tool_use")).toBe("tool_calls");
    expect(normalizeFinishReason("SAFETY")).toBe("content_filter");
    expect(normalizeFinishReason("something_new")).toBe("stop");
    expect(normalizeFinishReason("")).toBeNull();
    expect(normalizeFinishReason(null)).toBeNull();
    expect(normalizeFinishReason(1)).toBeNull();
  });
});

describe("normalizeUsage", () => {
  it("reads snake_case or camelCase counts, totals them when the total is missing, and keeps other fields", () => {
    expect(normalizeUsage({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 9, prompt_tokens_details: { cached_tokens: 1 } })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 9,
      prompt_tokens_details: { cached_tokens: 1 },
    });
    expect(normalizeUsage({ promptTokens: 5, completionTokens: 6 })).toStrictEqual({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });
    expect(normalizeUsage({ promptTokens: 5, completionTokens: 6, totalTokens: 12 })).toStrictEqual({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 12 });
    expect(normalizeUsage({ prompt_tokens: 2, promptTokens: 7 })).toStrictEqual({ prompt_tokens: 2, completion_tokens: 0, total_tokens: 2 });
    expect(normalizeUsage({ prompt_tokens: "2" })).toStrictEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(normalizeUsage(null)).toBeUndefined();
    expect(normalizeUsage("3 tokens")).toBeUndefined();
  });
});

describe("normalizeChatCompletion", () => {
  it("fills what a loose body leaves out: id, created, model, indexes, role, refusal, finish reason and logprobs", () => {
    vi.useFakeTimers({ now: 1_700_000_000_900 });
    const completion = normalizeChatCompletion({ choices: [{ message: { content: [{ type: "text", text: "Hel" }, "lo", { type: "image" }] } }] }, "fallback-model");
    expect(completion.id).toMatch(/^chatcmpl-[0-9a-z]{24}$/);
    expect(completion).toMatchObject({ object: "chat.completion", created: 1_700_000_000, model: "fallback-model" });
    expect(completion.choices).toEqual([{ index: 0, message: { role: "assistant", content: "Hello", refusal: null }, finish_reason: "stop", logprobs: null }]);
    expect("usage" in completion).toBe(false);
  });

  it("keeps what the body gives, extra fields included, and floors a fractional created", () => {
    const logprobs = { content: [] };
    const completion = normalizeChatCompletion(
      {
        id: "chatcmpl-given",
        created: 1_700_000_000.7,
        model: "gpt-4o-2024-08-06",
        system_fingerprint: "fp_1",
        choices: [
          { index: 3, message: { role: "assistant", content: "Hi", refusal: "no", annotations: [] }, finish_reason: "length", logprobs },
          { finishReason: "end_turn", message: { content: null } },
        ],
        usage: { promptTokens: 1, completionTokens: 2 },
      },
      "fallback-model",
    );
    expect(completion).toEqual({
      id: "chatcmpl-given",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "gpt-4o-2024-08-06",
      system_fingerprint: "fp_1",
      choices: [
        { index: 3, message: { role: "assistant", content: "Hi", refusal: "no", annotations: [] }, finish_reason: "length", logprobs },
        { index: 1, message: { role: "assistant", content: null, refusal: null }, finish_reason: "stop", logprobs: null },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
  });

  it("says tool_calls when a message calls tools and the body names no reason", () => {
    const call = { id: "call_1", type: "function", function: { name: "lookup", arguments: "{}" } };
    const completion = normalizeChatCompletion({ id: "", model: "", choices: [{ message: { tool_calls: [call] } }, { message: { tool_calls: [] } }] }, "fallback-model");
    expect(completion.choices.map((choice) => choice.finish_reason)).toEqual(["tool_calls", "stop"]);
    expect(completion.id).not.toBe("");
    expect(completion.model).toBe("fallback-model");
  });

  it("rejects a body without a choices array", () => {
    expect(() => normalizeChatCompletion({ choices: {} }, "m")).toThrow("the body has no choices array");
    expect(() => normalizeChatCompletion("text", "m")).toThrow(TypeError);
  });
});

describe("normalizeChatCompletionChunk", () => {
  const stream = { id: "chatcmpl-stream", created: 1_700_000_123, model: "gpt-4o-mini" };

  it("takes the stream's id, created and model when the chunk has none, and leaves a pending finish reason null", () => {
    expect(normalizeChatCompletionChunk({ id: "", model: "", choices: [{ delta: { content: "Hi" } }, { index: 4 }, "junk"] }, stream)).toStrictEqual({
      id: "chatcmpl-stream",
      object: "chat.completion.chunk",
      created: 1_700_000_123,
      model: "gpt-4o-mini",
      choices: [
        { index: 0, delta: { content: "Hi" }, finish_reason: null },
        { index: 4, delta: {}, finish_reason: null },
        { index: 2, delta: {}, finish_reason: null },
      ],
    });
  });

  it("keeps the chunk's own fields, normalises usage and finish reasons, and turns unreadable usage into null", () => {
    const chunk = normalizeChatCompletionChunk({ id: "c1", created: 5.9, model: "m1", choices: [{ finishReason: "max_tokens", delta: {} }], usage: { prompt_tokens: 1, completion_tokens: 1 } }, stream);
    expect(chunk).toMatchObject({ id: "c1", created: 5, model: "m1", usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    expect(chunk.choices[0]?.finish_reason).toBe("length");
    expect(normalizeChatCompletionChunk({ choices: [], usage: null }, stream).usage).toBeNull();
    expect("usage" in normalizeChatCompletionChunk({}, stream)).toBe(false);
    expect(normalizeChatCompletionChunk({}, stream).choices).toEqual([]);
    expect(() => normalizeChatCompletionChunk([], stream)).toThrow("the chunk is not an object");
  });
});

describe("normalizeEmbeddingResponse", () => {
  it("fills object, indexes, model and usage totals, keeping base64 strings", () => {
    expect(normalizeEmbeddingResponse({ data: [{ embedding: [0.1, 0.2] }, { index: 7, embedding: "AAAA" }], model: "", usage: { prompt_tokens: 4 } }, "embed-model")).toStrictEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [0.1, 0.2] },
        { object: "embedding", index: 7, embedding: "AAAA" },
      ],
      model: "embed-model",
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
    expect(normalizeEmbeddingResponse({ data: [], model: "given", usage: { prompt_tokens: 4, total_tokens: 5 } }, "embed-model")).toMatchObject({ model: "given", usage: { total_tokens: 5 } });
    expect(normalizeEmbeddingResponse({ data: [] }, "embed-model").usage).toStrictEqual({ prompt_tokens: 0, total_tokens: 0 });
  });

  it("rejects a body without data or an item without an embedding, naming the item", () => {
    expect(() => normalizeEmbeddingResponse({ data: "x" }, "m")).toThrow("the body has no data array");
    expect(() => normalizeEmbeddingResponse({ data: [{ embedding: [1] }, { embedding: 3 }] }, "m")).toThrow("data[1] has no embedding");
  });
});

describe("normalizeImagesResponse", () => {
  it("keeps the data and fills a missing created with now, in seconds", () => {
    vi.useFakeTimers({ now: 1_700_000_000_999 });
    expect(normalizeImagesResponse({ data: [{ url: "https://x" }] })).toStrictEqual({ created: 1_700_000_000, data: [{ url: "https://x" }] });
    expect(normalizeImagesResponse({ created: 5, data: [] })).toStrictEqual({ created: 5, data: [] });
    expect(() => normalizeImagesResponse({})).toThrow("the body has no data array");
  });
});

describe("completionToChunks", () => {
  it("turns a completion into one chunk per choice set plus a usage chunk, carrying refusals and indexed tool calls", () => {
    const call = { id: "call_1", type: "function" as const, function: { name: "lookup", arguments: "{}" } };
    const chunks = completionToChunks({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 9,
      model: "m",
      choices: [
        { index: 0, message: { role: "assistant", content: "Hi", refusal: null }, finish_reason: "stop", logprobs: null },
        { index: 1, message: { role: "assistant", content: null, refusal: "no", tool_calls: [call] }, finish_reason: "tool_calls", logprobs: null },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
    expect(chunks).toStrictEqual([
      {
        id: "chatcmpl-1",
        object: "chat.completion.chunk",
        created: 9,
        model: "m",
        choices: [
          { index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: "stop" },
          { index: 1, delta: { role: "assistant", content: null, refusal: "no", tool_calls: [{ index: 0, ...call }] }, finish_reason: "tool_calls" },
        ],
      },
      { id: "chatcmpl-1", object: "chat.completion.chunk", created: 9, model: "m", choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
    ]);
    expect(completionToChunks({ id: "c", object: "chat.completion", created: 1, model: "m", choices: [] })).toHaveLength(1);
  });
});

describe("randomId", () => {
  it("gives 24 hex characters from randomUUID, and still an id without it", () => {
    expect(randomId()).toMatch(/^[0-9a-f]{24}$/);
    expect(randomId()).not.toBe(randomId());
    vi.stubGlobal("crypto", undefined);
    const fallback = randomId();
    // Two base-36 draws of up to 12 characters each (fewer only when a draw ends in zeros).
    expect(fallback).toMatch(/^[0-9a-z]{8,24}$/);
  });
});

describe("normalizeChatCompletionChunk on a chunk already in the wire shape", () => {
  const stream = { id: "chatcmpl-stream", created: 1, model: "m" };
  const wire = () => ({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 7, model: "gpt-4o-mini", system_fingerprint: "fp", choices: [{ index: 0, delta: { content: "Hi" }, logprobs: null, finish_reason: null }], usage: null });

  it("uses an OpenAI chunk as it is (no copy), with the same JSON a full normalisation gives", () => {
    const draft = wire();
    const text = JSON.stringify(draft);
    expect(normalizeChatCompletionChunk(draft, stream)).toBe(draft);
    expect(JSON.stringify(normalizeChatCompletionChunk(draft, stream))).toBe(text);
    const usage = { ...wire(), choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    expect(normalizeChatCompletionChunk(usage, stream)).toBe(usage);
  });

  it("uses a chunk in the wire shape as it is whatever its key order (OpenAI sends `obfuscation` after `usage`)", () => {
    const recorded = { ...wire(), obfuscation: "3ZmJdYCson7" };
    expect(normalizeChatCompletionChunk(recorded, stream)).toBe(recorded);
    // Without stream_options.include_usage a service sends no usage key at all.
    const { usage: _none, ...usageless } = wire();
    expect(normalizeChatCompletionChunk(usageless, stream)).toBe(usageless);
    const both = { ...wire(), choices: [{ index: 0, delta: { content: "Hi" }, logprobs: null, finish_reason: null, finishReason: "stop" }] };
    expect(normalizeChatCompletionChunk(both, stream)).not.toBe(both);
    const { usage: _usage, ...withoutUsage } = wire();
    const usageFirst = { usage: null, ...withoutUsage };
    expect(normalizeChatCompletionChunk(usageFirst, stream)).toBe(usageFirst);
  });

  it("normalises anything else into a new chunk, usage moved last, finish reasons and counts renamed", () => {
    const { usage: _usage, ...withoutUsage } = wire();
    const camelFirst = { usage: { promptTokens: 1, completionTokens: 2 }, ...withoutUsage };
    const normalized = normalizeChatCompletionChunk(camelFirst, stream);
    expect(normalized).not.toBe(camelFirst);
    expect(Object.keys(normalized).at(-1)).toBe("usage");
    const camel = { ...wire(), usage: { promptTokens: 1, completionTokens: 2 } };
    expect(normalizeChatCompletionChunk(camel, stream).usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    const loud = { ...wire(), choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "END_TURN" }] };
    expect(normalizeChatCompletionChunk(loud, stream).choices[0]!.finish_reason).toBe("stop");
    const camelReason = { ...wire(), choices: [{ index: 0, delta: {}, finishReason: "length" }] };
    expect(normalizeChatCompletionChunk(camelReason, stream).choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "length" });
    const noIndex = { ...wire(), choices: [{ delta: { content: "x" }, finish_reason: null }] };
    expect(normalizeChatCompletionChunk(noIndex, stream).choices[0]!.index).toBe(0);
    const fractional = { ...wire(), created: 7.5 };
    expect(normalizeChatCompletionChunk(fractional, stream).created).toBe(7);
  });
});

describe("normalizeChatCompletionChunk: a chunk off the wire shape in one respect is normalised, not passed on", () => {
  const stream = { id: "chatcmpl-stream", created: 11, model: "stream-model" };
  const wire = () => ({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 7, model: "gpt-4o-mini", choices: [{ index: 0, delta: { content: "Hi" }, logprobs: null, finish_reason: null as string | null }], usage: null as unknown });
  const cases: Array<[string, (chunk: ReturnType<typeof wire>) => Record<string, unknown>, (normalized: Record<string, unknown>) => void]> = [
    ["no id", ({ id: _id, ...rest }) => rest, (out) => expect(out.id).toBe("chatcmpl-stream")],
    ["an empty id", (chunk) => ({ ...chunk, id: "" }), (out) => expect(out.id).toBe("chatcmpl-stream")],
    ["a numeric id", (chunk) => ({ ...chunk, id: 5 }), (out) => expect(out.id).toBe("chatcmpl-stream")],
    ["another object", (chunk) => ({ ...chunk, object: "chat.completion" }), (out) => expect(out.object).toBe("chat.completion.chunk")],
    ["a fractional created", (chunk) => ({ ...chunk, created: 7.5 }), (out) => expect(out.created).toBe(7)],
    ["no model", ({ model: _model, ...rest }) => rest, (out) => expect(out.model).toBe("stream-model")],
    ["an empty model", (chunk) => ({ ...chunk, model: "" }), (out) => expect(out.model).toBe("stream-model")],
    ["choices not an array", (chunk) => ({ ...chunk, choices: "none" }), (out) => expect(out.choices).toEqual([])],
    ["a choice without index", (chunk) => ({ ...chunk, choices: [{ delta: { content: "Hi" }, finish_reason: null }] }), (out) => expect((out.choices as Array<{ index: number }>)[0]!.index).toBe(0)],
    ["a choice without delta", (chunk) => ({ ...chunk, choices: [{ index: 0, finish_reason: null }] }), (out) => expect((out.choices as Array<{ delta: unknown }>)[0]!.delta).toEqual({})],
    ["a choice that is not an object", (chunk) => ({ ...chunk, choices: [null] }), (out) => expect((out.choices as Array<{ index: number }>)[0]!.index).toBe(0)],
    ["a camelCase finishReason", (chunk) => ({ ...chunk, choices: [{ index: 0, delta: {}, finishReason: "length" }] }), (out) => expect((out.choices as Array<Record<string, unknown>>)[0]).toEqual({ index: 0, delta: {}, finish_reason: "length" })],
    ["a choice without finish_reason", (chunk) => ({ ...chunk, choices: [{ index: 0, delta: {} }] }), (out) => expect((out.choices as Array<Record<string, unknown>>)[0]!.finish_reason).toBeNull()],
    ["a finish reason off the enum", (chunk) => ({ ...chunk, choices: [{ index: 0, delta: {}, finish_reason: "END_TURN" }] }), (out) => expect((out.choices as Array<Record<string, unknown>>)[0]!.finish_reason).toBe("stop")],
    ["usage that is not an object", (chunk) => ({ ...chunk, usage: 3 }), (out) => expect(out.usage).toBeNull()],
    ["usage without prompt_tokens", (chunk) => ({ ...chunk, usage: { completion_tokens: 2, total_tokens: 2 } }), (out) => expect(out.usage).toEqual({ prompt_tokens: 0, completion_tokens: 2, total_tokens: 2 })],
    ["usage without completion_tokens", (chunk) => ({ ...chunk, usage: { prompt_tokens: 1, total_tokens: 1 } }), (out) => expect(out.usage).toEqual({ prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 })],
    ["usage without total_tokens", (chunk) => ({ ...chunk, usage: { prompt_tokens: 1, completion_tokens: 2 } }), (out) => expect(out.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })],
    ["usage with promptTokens beside the snake_case counts", (chunk) => ({ ...chunk, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, promptTokens: 1 } }), (out) => expect(out.usage).not.toHaveProperty("promptTokens")],
    ["usage with completionTokens beside them", (chunk) => ({ ...chunk, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, completionTokens: 2 } }), (out) => expect(out.usage).not.toHaveProperty("completionTokens")],
    ["usage with totalTokens beside them", (chunk) => ({ ...chunk, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, totalTokens: 3 } }), (out) => expect(out.usage).not.toHaveProperty("totalTokens")],
  ];

  it.each(cases)("with %s", (_name, change, check) => {
    const draft = change(wire());
    const normalized = normalizeChatCompletionChunk(draft, stream) as unknown as Record<string, unknown>;
    expect(normalized).not.toBe(draft);
    check(normalized);
  });
});

describe("normalizeChatCompletion on a completion already in the wire shape", () => {
  // OpenAI's own order: `usage` before `service_tier` and `system_fingerprint`.
  const wire = () => ({
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 7,
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: "Hi", refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: { cached_tokens: 0 } },
    service_tier: "default",
    system_fingerprint: "fp_1",
  });

  it("uses it as it is (no copy), with the same content a full normalisation gives", () => {
    const completion = wire();
    expect(normalizeChatCompletion(completion, "asked")).toBe(completion);
    expect(normalizeChatCompletion(completion, "asked")).toEqual(normalizeChatCompletion({ ...wire(), choices: [{ ...wire().choices[0]!, finishReason: undefined }] }, "asked"));
    const { usage: _usage, ...usageless } = wire();
    expect(normalizeChatCompletion(usageless, "asked")).toBe(usageless);
    const refused = { ...wire(), choices: [{ index: 0, message: { role: "assistant", content: null, refusal: "No." }, logprobs: { content: [] }, finish_reason: "content_filter" }] };
    expect(normalizeChatCompletion(refused, "asked")).toBe(refused);
  });
});

describe("normalizeChatCompletion: a completion off the wire shape in one respect is normalised, not passed on", () => {
  const wire = () => ({
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 7,
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: "Hi", refusal: null } as Record<string, unknown>, logprobs: null, finish_reason: "stop" as unknown }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } as unknown,
  });
  type Choice = { index: number; message: Record<string, unknown>; logprobs: unknown; finish_reason: unknown };
  const first = (out: Record<string, unknown>) => (out.choices as Choice[])[0]!;
  const withChoice = (change: (choice: Record<string, unknown>) => Record<string, unknown>) => (completion: ReturnType<typeof wire>) => ({ ...completion, choices: [change({ ...completion.choices[0]! })] });
  const withMessage = (change: (message: Record<string, unknown>) => Record<string, unknown>) => withChoice((choice) => ({ ...choice, message: change({ ...(choice.message as Record<string, unknown>) }) }));
  const cases: Array<[string, (completion: ReturnType<typeof wire>) => Record<string, unknown>, (normalized: Record<string, unknown>) => void]> = [
    ["no id", ({ id: _id, ...rest }) => rest, (out) => expect(out.id).toMatch(/^chatcmpl-/)],
    ["an empty id", (completion) => ({ ...completion, id: "" }), (out) => expect(out.id).toMatch(/^chatcmpl-./)],
    ["a numeric id", (completion) => ({ ...completion, id: 5 }), (out) => expect(typeof out.id).toBe("string")],
    ["another object", (completion) => ({ ...completion, object: "chat.completion.chunk" }), (out) => expect(out.object).toBe("chat.completion")],
    ["a fractional created", (completion) => ({ ...completion, created: 7.5 }), (out) => expect(out.created).toBe(7)],
    ["no model", ({ model: _model, ...rest }) => rest, (out) => expect(out.model).toBe("asked")],
    ["an empty model", (completion) => ({ ...completion, model: "" }), (out) => expect(out.model).toBe("asked")],
    ["a choice without index", withChoice(({ index: _index, ...rest }) => rest), (out) => expect(first(out).index).toBe(0)],
    ["a choice that is not an object", (completion) => ({ ...completion, choices: [null] }), (out) => expect(first(out).message.role).toBe("assistant")],
    ["a camelCase finishReason", withChoice(({ finish_reason: _reason, ...rest }) => ({ ...rest, finishReason: "length" })), (out) => expect(first(out)).not.toHaveProperty("finishReason")],
    ["a camelCase finishReason beside finish_reason", withChoice((choice) => ({ ...choice, finishReason: "length" })), (out) => expect(first(out)).not.toHaveProperty("finishReason")],
    ["a null finish reason", withChoice((choice) => ({ ...choice, finish_reason: null })), (out) => expect(first(out).finish_reason).toBe("stop")],
    ["a finish reason off the enum", withChoice((choice) => ({ ...choice, finish_reason: "END_TURN" })), (out) => expect(first(out).finish_reason).toBe("stop")],
    ["no logprobs", withChoice(({ logprobs: _logprobs, ...rest }) => rest), (out) => expect(first(out).logprobs).toBeNull()],
    ["logprobs that are not an object", withChoice((choice) => ({ ...choice, logprobs: "none" })), (out) => expect(first(out).logprobs).toBeNull()],
    ["no message", withChoice(({ message: _message, ...rest }) => rest), (out) => expect(first(out).message).toEqual({ role: "assistant", content: null, refusal: null })],
    ["a message without role", withMessage(({ role: _role, ...rest }) => rest), (out) => expect(first(out).message.role).toBe("assistant")],
    ["a message of another role", withMessage((message) => ({ ...message, role: "model" })), (out) => expect(first(out).message.role).toBe("assistant")],
    ["content in parts", withMessage((message) => ({ ...message, content: [{ type: "text", text: "H" }, "i"] })), (out) => expect(first(out).message.content).toBe("Hi")],
    ["no content", withMessage(({ content: _content, ...rest }) => rest), (out) => expect(first(out).message.content).toBeNull()],
    ["no refusal", withMessage(({ refusal: _refusal, ...rest }) => rest), (out) => expect(first(out).message.refusal).toBeNull()],
    ["a refusal that is not text", withMessage((message) => ({ ...message, refusal: false })), (out) => expect(first(out).message.refusal).toBeNull()],
    ["null usage", (completion) => ({ ...completion, usage: null }), (out) => expect(out).not.toHaveProperty("usage")],
    ["usage that is not an object", (completion) => ({ ...completion, usage: 3 }), (out) => expect(out).not.toHaveProperty("usage")],
    ["usage without prompt_tokens", (completion) => ({ ...completion, usage: { completion_tokens: 2, total_tokens: 2 } }), (out) => expect(out.usage).toEqual({ prompt_tokens: 0, completion_tokens: 2, total_tokens: 2 })],
    ["usage without completion_tokens", (completion) => ({ ...completion, usage: { prompt_tokens: 1, total_tokens: 1 } }), (out) => expect(out.usage).toEqual({ prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 })],
    ["usage without total_tokens", (completion) => ({ ...completion, usage: { prompt_tokens: 1, completion_tokens: 2 } }), (out) => expect(out.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })],
    ["usage with promptTokens beside the snake_case counts", (completion) => ({ ...completion, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, promptTokens: 1 } }), (out) => expect(out.usage).not.toHaveProperty("promptTokens")],
    ["usage with completionTokens beside them", (completion) => ({ ...completion, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, completionTokens: 2 } }), (out) => expect(out.usage).not.toHaveProperty("completionTokens")],
    ["usage with totalTokens beside them", (completion) => ({ ...completion, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, totalTokens: 3 } }), (out) => expect(out.usage).not.toHaveProperty("totalTokens")],
  ];

  it.each(cases)("with %s", (_name, change, check) => {
    const draft = change(wire());
    const normalized = normalizeChatCompletion(draft, "asked") as unknown as Record<string, unknown>;
    expect(normalized).not.toBe(draft);
    check(normalized);
  });
});
