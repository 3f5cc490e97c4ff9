import { afterEach, describe, expect, it, vi } from "vitest";
import { AnthropicProvider, ProviderError, RateLimitError } from "../../src/index.js";
import { drain, shapes, sse, wireCapture, type Reply } from "./wire-capture.js";

// Anthropic's wire translation pinned exactly: the Messages body Anthropic would receive for each OpenAI field, and
// the OpenAI answer (chat, stream chunks, errors, quota) a caller gets for each Messages body or event.

const apiKey = "sk-ant-mutation-KEY-0123";
const provider = (config: Record<string, unknown>, ...replies: Reply[]) => {
  const wire = wireCapture(...replies);
  return { wire, anthropic: new AnthropicProvider({ apiKey, fetch: wire.fetch, ...config }) };
};
const message = (content: unknown[], extra: Record<string, unknown> = {}): Reply => ({ json: { id: "msg_1", type: "message", model: "claude-haiku-4-5", content, stop_reason: "end_turn", ...extra } });
const hi = [{ role: "user" as const, content: "Hi" }];
const bodyOf = (wire: ReturnType<typeof wireCapture>) => wire.last().body as Record<string, unknown>;

describe("Anthropic request body", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("the bare minimum: model, the model's max output, one user turn; headers exactly", async () => {
    const { wire, anthropic } = provider({}, message([{ type: "text", text: "ok" }]));
    await anthropic.chat({ model: "claude-opus-4-1", messages: hi, stop: [], tools: [], user: "", seed: 3, frequency_penalty: 1, presence_penalty: 1, logit_bias: { 1: 1 }, response_format: { type: "text" }, n: 1, logprobs: false });
    expect(wire.last().url).toBe("https://api.anthropic.com/v1/messages");
    expect(wire.last().headers).toEqual({ accept: "application/json", "content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": apiKey });
    expect(wire.last().body).toEqual({ model: "claude-opus-4-1", max_tokens: 32_000, messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] });
  });

  it("max_tokens: caller's max_completion_tokens, then max_tokens, then the model list, then the configured default, then 4096", async () => {
    const { wire, anthropic } = provider({ models: [{ id: "claude-custom" }] }, message([]));
    await anthropic.chat({ model: "claude-haiku-4-5", messages: hi, max_completion_tokens: 9, max_tokens: 99 });
    expect(bodyOf(wire).max_tokens).toBe(9);
    await anthropic.chat({ model: "claude-3-5-haiku-latest", messages: hi });
    expect(bodyOf(wire).max_tokens).toBe(8_192);
    await anthropic.chat({ model: "claude-custom", messages: hi });
    expect(bodyOf(wire).max_tokens).toBe(4_096);
    const configured = provider({ defaultMaxTokens: 777, models: [{ id: "claude-custom" }] }, message([]));
    await configured.anthropic.chat({ model: "claude-custom", messages: hi });
    expect(bodyOf(configured.wire).max_tokens).toBe(777);
    const notNumber = provider({ defaultMaxTokens: "777", models: [{ id: "claude-custom" }] }, message([]));
    await notNumber.anthropic.chat({ model: "claude-custom", messages: hi });
    expect(bodyOf(notNumber.wire).max_tokens).toBe(4_096);
  });

  it("temperature capped at 1, top_p and stream passed, stop lists, metadata.user_id", async () => {
    const { wire, anthropic } = provider({}, { text: sse(["message_stop", { type: "message_stop" }]) });
    await drain((await anthropic.chatStream({ model: "claude-haiku-4-5", messages: hi, temperature: 0.5, top_p: 0, stop: ["a", "b"], user: "u" })).body).catch(() => undefined);
    expect(wire.last().headers.accept).toBe("text/event-stream");
    expect(wire.last().body).toEqual({ model: "claude-haiku-4-5", max_tokens: 64_000, messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], stream: true, temperature: 0.5, top_p: 0, stop_sequences: ["a", "b"], metadata: { user_id: "u" } });
    const plain = provider({}, message([]));
    await plain.anthropic.chat({ model: "claude-haiku-4-5", messages: hi, temperature: 1, stream: false });
    expect(bodyOf(plain.wire)).toEqual({ model: "claude-haiku-4-5", max_tokens: 64_000, messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], temperature: 1 });
  });

  it("merges same-role turns, skips empty turns, sends assistant text before its tool calls, tool results as user turns", async () => {
    const { wire, anthropic } = provider({}, message([]));
    await anthropic.chat({
      model: "claude-haiku-4-5",
      messages: [
        { role: "user", content: "a" },
        { role: "user", content: "" },
        { role: "user", content: [{ type: "text", text: "b" }, { type: "refusal", refusal: "r" } as never] },
        { role: "assistant", content: "let me", tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "" } }, { id: "t2", type: "function", function: { name: "g", arguments: '{"k":[1]}' } }] },
        { role: "tool", tool_call_id: "t1", content: [{ type: "text", text: "one" }] },
        { role: "tool", tool_call_id: "t2", content: "two" },
        { role: "user", content: "thanks" },
        { role: "assistant", content: null },
      ],
    });
    expect(bodyOf(wire).messages).toEqual([
      { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }, { type: "text", text: "r" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "let me" },
          { type: "tool_use", id: "t1", name: "f", input: {} },
          { type: "tool_use", id: "t2", name: "g", input: { k: [1] } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t1", content: "one" },
          { type: "tool_result", tool_use_id: "t2", content: "two" },
          { type: "text", text: "thanks" },
        ],
      },
    ]);
  });

  it("tools: description only when given, an empty object schema when none; tool_choice only with tools; parallel_tool_calls", async () => {
    const { wire, anthropic } = provider({}, message([]));
    const tools = [{ type: "function" as const, function: { name: "bare" } }, { type: "function" as const, function: { name: "described", description: "d", parameters: { type: "object", properties: { q: { type: "string" } } } } }];
    const sent = async (extra: Record<string, unknown>) => {
      await anthropic.chat({ model: "claude-haiku-4-5", messages: hi, ...extra });
      const { model: _model, max_tokens: _max, messages: _messages, ...rest } = bodyOf(wire);
      return rest;
    };
    const declared = [{ name: "bare", input_schema: { type: "object", properties: {} } }, { name: "described", description: "d", input_schema: { type: "object", properties: { q: { type: "string" } } } }];
    expect(await sent({ tools })).toEqual({ tools: declared });
    expect(await sent({ tools, parallel_tool_calls: false })).toEqual({ tools: declared, tool_choice: { type: "auto", disable_parallel_tool_use: true } });
    expect(await sent({ tools, parallel_tool_calls: true, tool_choice: "required" })).toEqual({ tools: declared, tool_choice: { type: "any" } });
    expect(await sent({ tools, parallel_tool_calls: false, tool_choice: "required" })).toEqual({ tools: declared, tool_choice: { type: "any", disable_parallel_tool_use: true } });
    expect(await sent({ tools, parallel_tool_calls: false, tool_choice: "none" })).toEqual({ tools: declared, tool_choice: { type: "none" } });
    expect(await sent({ tools, tool_choice: { type: "function", function: {} } })).toEqual({ tools: declared });
    expect(await sent({ tool_choice: "required", parallel_tool_calls: false })).toEqual({});
  });

  it("refuses bad histories and unsupported parts with typed errors, nothing sent", async () => {
    const { wire, anthropic } = provider({}, message([]));
    const refused = async (messages: unknown, extra: Record<string, unknown> = {}) => (await anthropic.chat({ model: "claude-haiku-4-5", messages: messages as never, ...extra }).catch((error: unknown) => error)) as ProviderError;
    expect(await refused([{ role: "tool", content: "x" }])).toMatchObject({ name: "InvalidRequestError", message: "a tool message needs tool_call_id" });
    expect(await refused([{ role: "tool", tool_call_id: "", content: "x" }])).toMatchObject({ name: "InvalidRequestError", message: "a tool message needs tool_call_id" });
    expect(await refused([{ role: "assistant", content: null, tool_calls: [{ id: "t", function: { arguments: "{}" } }] }])).toMatchObject({ name: "InvalidRequestError", message: "tool_calls: each call needs function.name" });
    expect(await refused([{ role: "assistant", content: null, tool_calls: [{ id: "t" }] }])).toMatchObject({ name: "InvalidRequestError" });
    expect(await refused([{ role: "assistant", content: null, tool_calls: [7] }])).toMatchObject({ name: "InvalidRequestError" });
    expect(await refused([{ role: "assistant", content: null, tool_calls: [{ id: "t", function: { name: "f", arguments: "[1]" } }] }])).toMatchObject({ name: "InvalidRequestError", message: "tool_calls: function.arguments must be a JSON object" });
    expect(await refused([{ role: "critic", content: "x" }])).toMatchObject({ name: "InvalidRequestError", message: 'messages: role "critic" is not supported' });
    expect(await refused([{ role: "system", content: "x" }])).toMatchObject({ name: "InvalidRequestError", message: "messages: at least one user message is needed" });
    expect(await refused([{ role: "system", content: [{ type: "image_url", image_url: { url: "https://x/i.png" } }] }, ...hi])).toMatchObject({ code: "unsupported_parameter", message: "anthropic does not support an image in a system message" });
    expect(await refused(hi, { logprobs: true })).toMatchObject({ code: "unsupported_parameter", message: "anthropic does not support logprobs" });
    expect(await refused(hi, { n: 3 })).toMatchObject({ code: "unsupported_parameter", message: "anthropic does not support n > 1 (one choice per request)" });
    expect(await refused(hi, { response_format: { type: "json_schema", json_schema: { name: "x" } } })).toMatchObject({ code: "unsupported_parameter", message: "anthropic does not support response_format json_schema" });
    expect(wire.requests).toHaveLength(0);
  });

  it("the browser header: on in a worker scope, off when configured off, on when configured on in Node", async () => {
    vi.stubGlobal("WorkerGlobalScope", class {});
    const worker = provider({}, message([]));
    await worker.anthropic.chat({ model: "claude-haiku-4-5", messages: hi });
    expect(worker.wire.last().headers["anthropic-dangerous-direct-browser-access"]).toBe("true");
    vi.unstubAllGlobals();
    const node = provider({}, message([]));
    await node.anthropic.chat({ model: "claude-haiku-4-5", messages: hi });
    expect(node.wire.last().headers["anthropic-dangerous-direct-browser-access"]).toBeUndefined();
    const keyless = provider({ apiKey: "" }, message([]));
    await keyless.anthropic.chat({ model: "claude-haiku-4-5", messages: hi });
    expect(keyless.wire.last().headers["x-api-key"]).toBeUndefined();
  });
});

describe("Anthropic answers in OpenAI's shape", () => {
  it("text blocks joined in order, thinking dropped, tool_use as tool_calls, cache tokens in prompt and cached_tokens", async () => {
    const { anthropic } = provider(
      {},
      message(
        [{ type: "thinking", thinking: "hmm" }, { type: "text", text: "A" }, "junk", { type: "text", text: 5 }, { type: "text", text: "B" }, { type: "tool_use", id: "toolu_1", name: "f", input: { x: 1 } }, { type: "tool_use", id: "toolu_2", name: "g" }],
        { stop_reason: "tool_use", usage: { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 3, output_tokens: 7 } },
      ),
    );
    const { body } = await anthropic.chat({ model: "claude-haiku-4-5", messages: hi });
    expect(body.id).toBe("msg_1");
    expect(body.model).toBe("claude-haiku-4-5");
    expect(body.choices).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: "AB",
          refusal: null,
          tool_calls: [
            { id: "toolu_1", type: "function", function: { name: "f", arguments: '{"x":1}' } },
            { id: "toolu_2", type: "function", function: { name: "g", arguments: "{}" } },
          ],
        },
        finish_reason: "tool_calls",
        logprobs: null,
      },
    ]);
    expect(body.usage).toEqual({ prompt_tokens: 18, completion_tokens: 7, total_tokens: 25, prompt_tokens_details: { cached_tokens: 3 } });
  });

  it("every stop_reason; a missing one is stop, or tool_calls when it called; an empty message is content null", async () => {
    const cases: Array<[unknown, string, boolean]> = [
      ["end_turn", "stop", false],
      ["stop_sequence", "stop", false],
      ["pause_turn", "stop", false],
      ["max_tokens", "length", false],
      ["model_context_window_exceeded", "length", false],
      ["tool_use", "tool_calls", false],
      ["brand_new", "stop", false],
      [null, "stop", false],
      ["", "tool_calls", true],
      [undefined, "tool_calls", true],
      [3, "stop", false],
    ];
    for (const [stop_reason, expected, calls] of cases) {
      const content = calls ? [{ type: "tool_use", id: "t", name: "f", input: {} }] : [];
      const { anthropic } = provider({}, { json: { type: "message", content, stop_reason, usage: { input_tokens: 1, output_tokens: "x" } } });
      const { body } = await anthropic.chat({ model: "claude-haiku-4-5", messages: hi });
      expect(body.choices[0]?.finish_reason, String(stop_reason)).toBe(expected);
      expect(body.choices[0]?.message.content).toBeNull();
      expect(body.choices[0]?.message.refusal).toBeNull();
      expect(body.usage).toEqual({ prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 });
    }
  });

  it("a refusal: the explanation when given, a default sentence otherwise, none when text came with it", async () => {
    const explained = provider({}, message([], { stop_reason: "refusal", stop_details: { explanation: "Not that." } }));
    expect((await explained.anthropic.chat({ model: "claude-haiku-4-5", messages: hi })).body.choices[0]).toMatchObject({ message: { content: null, refusal: "Not that." }, finish_reason: "content_filter" });
    const bare = provider({}, message([], { stop_reason: "refusal", stop_details: { explanation: 4 } }));
    expect((await bare.anthropic.chat({ model: "claude-haiku-4-5", messages: hi })).body.choices[0]?.message.refusal).toBe("The model declined to answer.");
    const partial = provider({}, message([{ type: "text", text: "Partly" }], { stop_reason: "refusal" }));
    expect((await partial.anthropic.chat({ model: "claude-haiku-4-5", messages: hi })).body.choices[0]).toMatchObject({ message: { content: "Partly", refusal: null }, finish_reason: "content_filter" });
  });

  it("a body without content is malformed; one without id or model takes the request's model", async () => {
    const broken = provider({}, { json: { type: "message", content: "text" } });
    const error = (await broken.anthropic.chat({ model: "claude-haiku-4-5", messages: hi }).catch((caught: unknown) => caught)) as ProviderError;
    expect(error.code).toBe("malformed_response");
    expect(error.message).toContain("the body has no content array");
    const anonymous = provider({}, { json: { id: 5, model: 6, content: [{ type: "text", text: "x" }] } });
    const { body } = await anonymous.anthropic.chat({ model: "claude-haiku-4-5", messages: hi });
    expect(body.model).toBe("claude-haiku-4-5");
    expect(body.id).toMatch(/^chatcmpl-/);
  });
});

describe("Anthropic streams as OpenAI chunks", () => {
  const stream = (...events: Array<[string, unknown]>) => provider({}, { text: sse(...events) });
  const run = async (anthropic: AnthropicProvider) => shapes(await drain((await anthropic.chatStream({ model: "claude-haiku-4-5", messages: hi })).body));

  it("maps each event exactly: role, text, tool calls indexed by tool block, finish, cumulative usage", async () => {
    const { anthropic } = stream(
      ["message_start", { type: "message_start", message: { id: "msg_s", model: "claude-haiku-4-5-20251001", usage: { input_tokens: 5, cache_read_input_tokens: 2, output_tokens: 1 } } }],
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
      ["ping", { type: "ping" }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "x" } }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: 4 } }],
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      ["content_block_start", { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_a", name: "f", input: {} } }],
      ["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "" } }],
      ["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"q":' } }],
      ["content_block_start", { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_b", name: "g" } }],
      ["content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "{}" } }],
      ["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "1}" } }],
      ["message_delta", { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } }],
      ["message_stop", { type: "message_stop" }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "after stop" } }],
    );
    const base = { id: "msg_s", object: "chat.completion.chunk", model: "claude-haiku-4-5-20251001" };
    expect(await run(anthropic)).toEqual([
      { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "toolu_a", type: "function", function: { name: "f", arguments: "" } }] }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: "toolu_b", type: "function", function: { name: "g", arguments: "" } }] }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: "{}" } }] }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: "1}" } }] }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
      { ...base, choices: [], usage: { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16, prompt_tokens_details: { cached_tokens: 2 } } },
    ]);
  });

  it("without a stop_reason: tool_calls after a tool block, stop otherwise; the event name stands in for a missing type", async () => {
    const tool = stream(
      ["message_start", { type: "message_start", message: {} }],
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t", name: "f" } }],
      ["message_delta", { type: "message_delta", delta: {} }],
      ["message_stop", { type: "message_stop" }],
    );
    const chunks = await run(tool.anthropic);
    expect(chunks.map((chunk) => [chunk.model, chunk.choices[0]?.finish_reason ?? null, chunk.usage])).toEqual([
      ["claude-haiku-4-5", null, undefined],
      ["claude-haiku-4-5", null, undefined],
      ["claude-haiku-4-5", "tool_calls", undefined],
      ["claude-haiku-4-5", null, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
    ]);
    const named = provider({}, { text: 'event: message_start\ndata: {"message":{"id":"m2"}}\n\ndata: \n\nevent: content_block_delta\ndata: {"index":0,"delta":{"type":"text_delta","text":"x"}}\n\nevent: message_delta\ndata: {"delta":{"stop_reason":"max_tokens"},"usage":{"input_tokens":3,"output_tokens":2}}\n\nevent: message_stop\ndata: {}\n\n' });
    const text = await run(named.anthropic);
    expect(text.map((chunk) => [chunk.id, chunk.choices[0]?.delta ?? null, chunk.choices[0]?.finish_reason ?? null, chunk.usage ?? null])).toEqual([
      ["m2", { role: "assistant", content: "" }, null, null],
      ["m2", { content: "x" }, null, null],
      ["m2", {}, "length", null],
      ["m2", null, null, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }],
    ]);
  });

  it("input_json_delta for a block that is not a tool, and an event that is not an object, are malformed", async () => {
    const orphan = stream(["message_start", { type: "message_start", message: {} }], ["content_block_delta", { type: "content_block_delta", index: 4, delta: { type: "input_json_delta", partial_json: "{" } }]);
    const error = (await run(orphan.anthropic).catch((caught: unknown) => caught)) as ProviderError;
    expect(error.code).toBe("malformed_response");
    expect(error.message).toContain("input_json_delta for a block that is not a tool_use");
    const array = stream(["message_start", "[1]"]);
    const notObject = (await run(array.anthropic).catch((caught: unknown) => caught)) as ProviderError;
    expect(notObject.message).toContain("the event is not a JSON object");
  });

  it("in-band errors take the status of their type; an unknown or missing type is a 500", async () => {
    const cases: Array<[unknown, number]> = [
      [{ type: "invalid_request_error" }, 400],
      [{ type: "authentication_error" }, 401],
      [{ type: "billing_error" }, 402],
      [{ type: "permission_error" }, 403],
      [{ type: "not_found_error" }, 404],
      [{ type: "request_too_large" }, 413],
      [{ type: "rate_limit_error" }, 429],
      [{ type: "api_error" }, 500],
      [{ type: "timeout_error" }, 504],
      [{ type: "overloaded_error" }, 529],
      [{ type: "brand_new_error" }, 500],
      [{ type: 7 }, 500],
      ["text", 500],
    ];
    for (const [error, status] of cases) {
      const { anthropic } = stream(["message_start", { type: "message_start", message: {} }], ["error", { type: "error", error: isObject(error) ? { ...error, message: "m" } : error }]);
      const caught = (await run(anthropic).catch((thrown: unknown) => thrown)) as ProviderError;
      expect(caught.status, JSON.stringify(error)).toBe(status);
      expect(caught.providerId).toBe("anthropic");
      expect(caught.modelId).toBe("claude-haiku-4-5");
    }
    const limited = stream(["error", { type: "error", error: { type: "rate_limit_error", message: "slow down" } }]);
    expect(await run(limited.anthropic).catch((thrown: unknown) => thrown)).toBeInstanceOf(RateLimitError);
  });
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

describe("Anthropic quota headers and model list", () => {
  it("reads requests and tokens limits with RFC 3339 resets; input-tokens stand in when tokens-* is absent", async () => {
    const reset = "2030-01-01T00:00:00Z";
    const full = provider(
      {},
      {
        ...message([]),
        headers: {
          "anthropic-ratelimit-requests-limit": "50",
          "anthropic-ratelimit-requests-remaining": "0",
          "anthropic-ratelimit-requests-reset": reset,
          "anthropic-ratelimit-tokens-limit": "1000",
          "anthropic-ratelimit-tokens-remaining": "900",
          "anthropic-ratelimit-tokens-reset": reset,
          "anthropic-ratelimit-input-tokens-limit": "5",
        },
      },
    );
    const { rateLimit } = await full.anthropic.chat({ model: "claude-haiku-4-5", messages: hi });
    expect(rateLimit).toEqual({ limitRequests: 50, remainingRequests: 0, resetRequestsAt: Date.parse(reset), limitTokens: 1000, remainingTokens: 900, resetTokensAt: Date.parse(reset) });
    const input = provider({}, { ...message([]), headers: { "anthropic-ratelimit-input-tokens-limit": "80", "anthropic-ratelimit-input-tokens-remaining": "-1", "anthropic-ratelimit-requests-limit": "many" } });
    expect((await input.anthropic.chat({ model: "claude-haiku-4-5", messages: hi })).rateLimit).toEqual({ limitTokens: 80 });
    const none = provider({}, { ...message([]), headers: { "x-ratelimit-limit-requests": "10" } });
    expect((await none.anthropic.chat({ model: "claude-haiku-4-5", messages: hi })).rateLimit).toBeUndefined();
  });

  it("fetchModelList: GET /models?limit=1000, known ids keep their entry, other ids are unpriced chat models, a bad body is malformed", async () => {
    const { wire, anthropic } = provider({}, { json: { data: [{ id: "claude-haiku-4-5" }, { id: "claude-next" }, { name: "no id" }, "junk"] } }, { json: { models: [] } });
    const models = await anthropic.fetchModelList();
    expect(wire.last()).toMatchObject({ url: "https://api.anthropic.com/v1/models?limit=1000", method: "GET", body: undefined });
    expect(models).toEqual([anthropic.listModels()[2], { id: "claude-next", capabilities: ["generation.text-generation.chat-completion"], features: { tools: true, vision: true, jsonMode: false, streaming: true } }]);
    const error = (await anthropic.fetchModelList().catch((caught: unknown) => caught)) as ProviderError;
    expect(error.code).toBe("malformed_response");
    expect(error.message).toContain("the body has no data array");
  });

  it("the built-in list as Anthropic publishes it", () => {
    const claude = (id: string, input: number, output: number, maxOutputTokens: number) => ({
      id,
      capabilities: ["generation.text-generation.chat-completion", "generation.text-generation.code-generation"],
      contextWindow: 200_000,
      maxOutputTokens,
      features: { tools: true, vision: true, jsonMode: false, streaming: true, assistantPrefix: true }, // every built-in Claude here is ≤ 4.5: prefill allowed
      pricing: { input, output, readAt: "2026-12-01" },
    });
    expect(new AnthropicProvider({ apiKey }).listModels()).toEqual([
      claude("claude-opus-4-5", 5, 25, 64_000),
      claude("claude-sonnet-4-5", 3, 15, 64_000),
      claude("claude-haiku-4-5", 1, 5, 64_000),
      claude("claude-opus-4-1", 15, 75, 32_000),
      claude("claude-3-5-haiku-latest", 0.8, 4, 8_192),
    ]);
    expect([AnthropicProvider.connectorId, AnthropicProvider.shortName, AnthropicProvider.baseUrlEnvVar, AnthropicProvider.envVars]).toEqual(["anthropic.llm.v1", "anthropic", "ANTHROPIC_BASE_URL", ["ANTHROPIC_API_KEY"]]);
  });
});

describe("Anthropic: the rest of the table", () => {
  it("system and developer text joined with a blank line; images as base64 or URL blocks; stop as a string; the base URL gains /v1", async () => {
    const { wire, anthropic } = provider({ baseUrl: "https://gateway.test" }, message([]));
    await anthropic.chat({
      model: "claude-haiku-4-5",
      messages: [
        { role: "system", content: "One." },
        { role: "developer", content: [{ type: "text", text: "Two." }] },
        { role: "user", content: [{ type: "text", text: "See" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBO" } }, { type: "image_url", image_url: { url: "https://x.test/c.jpg" } }] },
      ],
      stop: "END",
    });
    expect(wire.last().url).toBe("https://gateway.test/v1/messages");
    expect(wire.last().body).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: 64_000,
      system: "One.\n\nTwo.",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "See" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } },
            { type: "image", source: { type: "url", url: "https://x.test/c.jpg" } },
          ],
        },
      ],
      stop_sequences: ["END"],
    });
  });

  it("tool_choice auto and a named function; json_object refused; history errors name the messages parameter", async () => {
    const { wire, anthropic } = provider({}, message([]));
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    await anthropic.chat({ model: "claude-haiku-4-5", messages: hi, tools, tool_choice: "auto" });
    expect(bodyOf(wire).tool_choice).toEqual({ type: "auto" });
    await anthropic.chat({ model: "claude-haiku-4-5", messages: hi, tools, tool_choice: { type: "function", function: { name: "f" } } });
    expect(bodyOf(wire).tool_choice).toEqual({ type: "tool", name: "f" });
    const json = (await anthropic.chat({ model: "claude-haiku-4-5", messages: hi, response_format: { type: "json_object" } }).catch((error: unknown) => error)) as ProviderError;
    expect([json.code, json.message]).toEqual(["unsupported_parameter", "anthropic does not support response_format json_object"]);
    for (const messages of [[{ role: "tool", content: "x" }], [{ role: "assistant", content: null, tool_calls: [{ id: "t" }] }], [{ role: "critic", content: "x" }], [{ role: "system", content: "x" }]]) {
      const error = (await anthropic.chat({ model: "claude-haiku-4-5", messages: messages as never }).catch((caught: unknown) => caught)) as { param?: string };
      expect(error.param, JSON.stringify(messages)).toBe("messages");
    }
  });

  it("a model no list knows gets the 4096 default", async () => {
    const { wire, anthropic } = provider({}, message([]));
    await anthropic.chat({ model: "claude-unlisted", messages: hi });
    expect(bodyOf(wire).max_tokens).toBe(4_096);
  });

  it("answers: the served model name, no tool_calls without calls, other blocks carrying text ignored, null blocks skipped, infinite counts as 0", async () => {
    const { anthropic } = provider(
      {},
      {
        text: '{"id":"msg_9","type":"message","model":"claude-haiku-4-5-20251001","content":[null,{"type":"redacted_thinking","text":"hidden"},{"type":"text","text":"shown"}],"stop_reason":"end_turn","usage":{"input_tokens":1e400,"output_tokens":2}}',
        contentType: "application/json",
      },
    );
    const { body } = await anthropic.chat({ model: "claude-haiku-4-5", messages: hi });
    expect(body.model).toBe("claude-haiku-4-5-20251001");
    expect(body.choices[0]?.message).toEqual({ role: "assistant", content: "shown", refusal: null });
    expect(body.usage).toEqual({ prompt_tokens: 0, completion_tokens: 2, total_tokens: 2 });
  });

  it("stream: whitespace-only data skipped, the type field wins over the event name, odd message_start fields ignored, other deltas carrying text or JSON ignored, no stop_reason and no tools → stop", async () => {
    const events = [
      "data:    \n\n",
      `event: ping\ndata: ${JSON.stringify({ type: "message_start", message: { id: 5, model: 6, usage: "x" } })}\n\n`,
      sse(["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "citations_delta", text: "cite" } }]),
      sse(["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "ok" } }]),
      sse(["content_block_start", { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "t", name: "f" } }]),
      sse(["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "other_delta", partial_json: "{}" } }]),
      sse(["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: 5 } }]),
      sse(["message_delta", { type: "message_delta", delta: {}, usage: { output_tokens: 1 } }]),
      sse(["message_stop", { type: "message_stop" }]),
    ].join("");
    const { anthropic } = provider({}, { text: events });
    const chunks = await drain((await anthropic.chatStream({ model: "claude-haiku-4-5", messages: hi })).body);
    expect(chunks.map((chunk) => [chunk.model, chunk.choices[0]?.delta ?? null, chunk.choices[0]?.finish_reason ?? null])).toEqual([
      ["claude-haiku-4-5", { role: "assistant", content: "" }, null],
      ["claude-haiku-4-5", { content: "ok" }, null],
      ["claude-haiku-4-5", { tool_calls: [{ index: 0, id: "t", type: "function", function: { name: "f", arguments: "" } }] }, null],
      ["claude-haiku-4-5", {}, "tool_calls"],
      ["claude-haiku-4-5", null, null],
    ]);
    expect(chunks[0]?.id).toMatch(/^chatcmpl-/);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 0, completion_tokens: 1, total_tokens: 1 });
    const plain = provider({}, { text: sse(["message_start", { type: "message_start", message: {} }], ["message_delta", { type: "message_delta", delta: {} }], ["message_stop", { type: "message_stop" }]) });
    const ended = await drain((await plain.anthropic.chatStream({ model: "claude-haiku-4-5", messages: hi })).body);
    expect(ended.map((chunk) => chunk.choices[0]?.finish_reason ?? null)).toEqual([null, "stop", null]);
  });
});
