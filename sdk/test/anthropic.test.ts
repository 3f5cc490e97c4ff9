import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AnthropicProvider, AuthenticationError, ProviderError, RateLimitError, create, registerConnector } from "../src/index.js";
import type { ChatCompletionChunk, ChatCompletionCreateParams } from "../src/index.js";
import { startFakeAnthropic, type FakeAnthropic } from "./fakes/anthropic.js";
import { providerContract } from "./contracts/provider.contract.js";
import { wireValidator } from "./wire-schema.js";

const apiKey = "sk-ant-contract-KEY-0123";
const wire = wireValidator();
const weatherTool = {
  type: "function" as const,
  function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } },
};

providerContract("AnthropicProvider", async () => {
  const fake = await startFakeAnthropic();
  return { provider: new AnthropicProvider({ baseUrl: fake.url, apiKey }), chatModel: "claude-haiku-4-5", apiKey, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges, toolFormat: "anthropic", ownRetryAfter: 12 };
});

let fake: FakeAnthropic;
let provider: AnthropicProvider;
beforeAll(async () => {
  fake = await startFakeAnthropic();
  provider = new AnthropicProvider({ baseUrl: fake.url, apiKey });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const last = () => fake.requests.at(-1)!;
const text = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
async function collect(request: ChatCompletionCreateParams, on: AnthropicProvider = provider): Promise<ChatCompletionChunk[]> {
  const { body } = await on.chatStream(request);
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks;
}

describe("request mapping (what the service receives)", () => {
  it("extracts system messages, always sets max_tokens, and sends x-api-key and anthropic-version", async () => {
    await provider.chat({
      model: "claude-haiku-4-5",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "Hi" },
      ],
      stop: "END",
      temperature: 0.2,
      user: "user-42",
    });
    const sent = last();
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["x-api-key"]).toBe(apiKey);
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers["anthropic-dangerous-direct-browser-access"]).toBeUndefined();
    expect(sent.body).toEqual({
      model: "claude-haiku-4-5",
      // The model's maximum output from the built-in list: the caller gave none.
      max_tokens: 64_000,
      system: "Be brief.\n\nAnswer in French.",
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
      stop_sequences: ["END"],
      temperature: 0.2,
      metadata: { user_id: "user-42" },
    });
  });

  it("the caller's max_completion_tokens wins; unknown models get the configured default", async () => {
    await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hi" }], max_completion_tokens: 50, temperature: 1.7 });
    expect(last().body.max_tokens).toBe(50);
    expect(last().body.temperature).toBe(1);
    const custom = new AnthropicProvider({ baseUrl: fake.url, apiKey, default_max_tokens: 1234, models: [{ id: "claude-sonnet-4-5", max_output_tokens: undefined as never }] });
    fake.reset();
    await custom.chat({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }], max_tokens: 7 });
    expect(last().body.max_tokens).toBe(7);
  });

  it("sends tools as input_schema, maps tool_choice, and sends tool results back as tool_result blocks", async () => {
    await provider.chat({
      model: "claude-haiku-4-5",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } }] },
        { role: "tool", tool_call_id: "toolu_1", content: "18°C, sunny" },
      ],
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
    });
    expect(last().body.tools).toEqual([{ name: "get_weather", description: "Weather for a city", input_schema: weatherTool.function.parameters }]);
    expect(last().body.tool_choice).toEqual({ type: "tool", name: "get_weather", disable_parallel_tool_use: true });
    expect(last().body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { location: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18°C, sunny" }] },
    ]);
    for (const [choice, expected] of [["auto", { type: "auto" }], ["required", { type: "any" }], ["none", { type: "none" }]] as const) {
      await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }], tools: [weatherTool], tool_choice: choice });
      expect(last().body.tool_choice).toEqual(expected);
    }
  });

  it("sends images as content blocks, base64 and URL", async () => {
    await provider.chat({
      model: "claude-haiku-4-5",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
          ],
        },
      ],
    });
    expect(last().body.messages[0].content).toEqual([
      { type: "text", text: "Compare" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
    ]);
  });

  it("refuses what the Messages API cannot do with typed errors, before sending anything", async () => {
    const n = await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }], n: 2 }).catch((error: unknown) => error);
    expect(n).toBeInstanceOf(ProviderError);
    expect((n as ProviderError).code).toBe("unsupported_parameter");
    const audio = await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }] }).catch((error: unknown) => error);
    expect((audio as ProviderError).code).toBe("unsupported_parameter");
    const badArguments = await provider
      .chat({ model: "claude-haiku-4-5", messages: [{ role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{oops" } }] }, { role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    expect((badArguments as { name: string }).name).toBe("InvalidRequestError");
    const json = await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }], response_format: { type: "json_object" } }).catch((error: unknown) => error);
    expect((json as ProviderError).code).toBe("unsupported_parameter");
    expect(fake.requests).toHaveLength(0);
  });

  it("baseUrl works with or without /v1, and direct browser access is sent when configured", async () => {
    const bare = new AnthropicProvider({ base_url: fake.origin, api_key: apiKey, direct_browser_access: true });
    const { body } = await bare.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hi" }] });
    expect(body.choices[0]?.message.content).toContain("Hi");
    expect(last().path).toBe("/v1/messages");
    expect(last().headers["anthropic-dangerous-direct-browser-access"]).toBe("true");
    expect(new AnthropicProvider({ baseUrl: `${fake.origin}/v1/` }).toJSON().baseUrl).toBe(fake.url);
    expect(new AnthropicProvider().toJSON().baseUrl).toBe("https://api.anthropic.com/v1");
  });
});

describe("in a browser", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("sends anthropic-dangerous-direct-browser-access by default where there is a document, unless configured off", async () => {
    vi.stubGlobal("document", {});
    await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hi" }] });
    expect(last().headers["anthropic-dangerous-direct-browser-access"]).toBe("true");
    await new AnthropicProvider({ baseUrl: fake.url, apiKey, directBrowserAccess: false }).chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hi" }] });
    expect(last().headers["anthropic-dangerous-direct-browser-access"]).toBeUndefined();
  });
});

describe("response mapping", () => {
  it("text, usage and stop_reason arrive in OpenAI's shape", async () => {
    const { body, rateLimit } = await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Say hello" }] });
    if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
    expect(body.id).toMatch(/^msg_01/);
    expect(body.choices[0]?.message).toEqual({ role: "assistant", content: "Hello from claude-haiku-4-5: Say hello", refusal: null });
    expect(body.choices[0]?.finish_reason).toBe("stop");
    expect(body.usage?.completion_tokens).toBe(Math.ceil("Hello from claude-haiku-4-5: Say hello".length / 4));
    expect(body.usage?.total_tokens).toBe((body.usage?.prompt_tokens ?? 0) + (body.usage?.completion_tokens ?? 0));
    expect(rateLimit).toMatchObject({ limitRequests: 50, remainingRequests: 49, limitTokens: 80_000, remainingTokens: 79_000 });
    expect(rateLimit?.resetRequestsAt).toBeGreaterThan(Date.now());
  });

  it("max_tokens stop → length", async () => {
    const { body } = await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "a long question that needs more than two tokens" }], max_tokens: 2 });
    expect(body.choices[0]?.finish_reason).toBe("length");
  });

  it("tool calling end to end: tools in, tool_calls out, the result back, the answer uses it", async () => {
    const first = await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weatherTool] });
    if (wire) expect(wire.validate("response.chat", first.body)).toEqual([]);
    const message = first.body.choices[0]!.message;
    expect(first.body.choices[0]?.finish_reason).toBe("tool_calls");
    expect(message.tool_calls).toEqual([{ id: expect.stringMatching(/^toolu_01/), type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } }]);
    const second = await provider.chat({
      model: "claude-haiku-4-5",
      messages: [{ role: "user", content: "Weather in Paris?" }, message, { role: "tool", tool_call_id: message.tool_calls![0]!.id, content: "18°C" }],
      tools: [weatherTool],
    });
    expect(last().body.messages[2].content[0]).toEqual({ type: "tool_result", tool_use_id: message.tool_calls![0]!.id, content: "18°C" });
    expect(second.body.choices[0]?.message.content).toBe("The tool said: 18°C");
  });
});

describe("streaming", () => {
  it("maps events to schema-valid chunks, with usage from message_start and message_delta", async () => {
    const chunks = await collect({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Say hello" }], stream: true });
    if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(text(chunks)).toBe("Hello from claude-haiku-4-5: Say hello");
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    const usage = chunks.at(-1)?.usage;
    expect(chunks.at(-1)?.choices).toEqual([]);
    const planned = fake.requests.at(-1)!;
    expect(planned.body.stream).toBe(true);
    expect(usage?.prompt_tokens).toBe(Math.ceil(JSON.stringify(planned.body.messages).length / 4));
    expect(usage?.completion_tokens).toBe(Math.ceil("Hello from claude-haiku-4-5: Say hello".length / 4));
  });

  it("input_json_delta becomes tool_call deltas with a stable index, which assemble into the call", async () => {
    const chunks = await collect({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool], stream: true });
    if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas.length).toBeGreaterThan(2);
    expect(new Set(deltas.map((delta) => delta.index))).toEqual(new Set([0]));
    expect(deltas[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^toolu_01/), type: "function", function: { name: "get_weather", arguments: "" } });
    expect(deltas.map((delta) => delta.function?.arguments ?? "").join("")).toBe('{"location":"Paris"}');
    expect(text(chunks)).toBe("I'll check that for you.");
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("the first chunk reaches the caller before the fake sent the last event", async () => {
    fake.setMode({ kind: "slow-stream", chunkDelayMs: 60 });
    const { body } = await provider.chatStream({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "one two three four five six" }], stream: true });
    let sentAtFirstChunk = -1;
    for await (const chunk of body) {
      void chunk;
      if (sentAtFirstChunk < 0) sentAtFirstChunk = last().eventsSent;
    }
    expect(last().eventsPlanned).toBeGreaterThan(8);
    expect(sentAtFirstChunk).toBeGreaterThan(0);
    expect(sentAtFirstChunk).toBeLessThan(last().eventsPlanned);
  });

  it("ping keep-alives are skipped", async () => {
    fake.setMode({ kind: "pings", count: 3 });
    const chunks = await collect({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Say hello" }], stream: true });
    expect(text(chunks)).toBe("Hello from claude-haiku-4-5: Say hello");
    expect(last().eventsPlanned).toBeGreaterThan(20);
  });

  it("an in-band error event is a typed, retryable error after the chunks already delivered", async () => {
    fake.enqueue({ kind: "in-band-error", afterEvents: 4 });
    const { body } = await provider.chatStream({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Say hello" }], stream: true });
    const chunks: ChatCompletionChunk[] = [];
    const error = await (async () => {
      for await (const chunk of body) chunks.push(chunk);
    })().catch((caught: unknown) => caught);
    expect(chunks.length).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe("overloaded");
    expect((error as ProviderError).retryable).toBe(true);
    fake.enqueue({ kind: "in-band-error", afterEvents: 2, errorType: "rate_limit_error" });
    const limited = await collect({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }], stream: true }).catch((caught: unknown) => caught);
    expect(limited).toBeInstanceOf(RateLimitError);
  });

  it("a stream cut before message_stop is a retryable ConnectionError", async () => {
    fake.enqueue({ kind: "break-stream", afterChunks: 4 });
    const error = await collect({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Say hello" }], stream: true }).catch((caught: unknown) => caught);
    expect((error as { name: string }).name).toBe("ConnectionError");
    expect((error as ProviderError).retryable).toBe(true);
  });
});

describe("errors", () => {
  it("401 → AuthenticationError without the key", async () => {
    const strict = await startFakeAnthropic({ apiKeys: [apiKey] });
    try {
      const error = await new AnthropicProvider({ baseUrl: strict.url, apiKey: "sk-ant-wrongKEY-00000" })
        .chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).message).toContain("invalid x-api-key");
      expect(JSON.stringify((error as AuthenticationError).toJSON())).not.toContain("wrongKEY");
    } finally {
      await strict.close();
    }
  });

  it("429 rate_limit_error → RateLimitError with retryAfter from retry-after, quota headers kept", async () => {
    fake.enqueue({ kind: "error", status: 429 });
    const error = (await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught)) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBe(12);
    expect(error.body).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(provider.parseRateLimit(error.headers)?.remainingRequests).toBe(0);
  });

  it("529 overloaded_error → retryable overloaded", async () => {
    fake.enqueue({ kind: "error", status: 529 });
    const error = (await provider.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught)) as ProviderError;
    expect(error.code).toBe("overloaded");
    expect(error.retryable).toBe(true);
    expect(error.status).toBe(529);
  });

  it("an unknown model → model_not_found (fail over)", async () => {
    const error = (await provider.chat({ model: "claude-nonexistent", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught)) as ProviderError;
    expect(error.code).toBe("model_not_found");
  });
});

describe("model list", () => {
  it("fetchModelList reads GET /v1/models with the key; unknown ids become chat models", async () => {
    const listing = await startFakeAnthropic({ models: ["claude-haiku-4-5", "claude-new-9"] });
    try {
      const models = await new AnthropicProvider({ baseUrl: listing.url, apiKey }).fetchModelList();
      expect(listing.requests[0]).toMatchObject({ method: "GET", url: "/v1/models?limit=1000" });
      expect(listing.requests[0]?.headers["x-api-key"]).toBe(apiKey);
      expect(models.map((model) => model.id)).toEqual(["claude-haiku-4-5", "claude-new-9"]);
      expect(models[0]?.pricing?.input).toBe(1);
      expect(models[1]?.capabilities).toEqual(["generation.text-generation.chat-completion"]);
    } finally {
      await listing.close();
    }
  });
});

describe("in a mesh", () => {
  it("create() routes chat-completion to an Anthropic instance, streamed and not", async () => {
    const client = create("chat-completion", { providers: [{ instance: new AnthropicProvider({ baseUrl: fake.url, apiKey, models: [{ id: "claude-haiku-4-5" }] }) }] });
    try {
      const completion = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
      expect(completion.model).toMatch(/^claude-/);
      expect(completion.choices[0]?.message.content).toBe(`Hello from ${completion.model}: Hi`);
      const stream = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }], stream: true });
      let streamed = "";
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
      expect(streamed).toMatch(/^Hello from claude-[a-z0-9-]+: Hi$/);
      // Both calls' tokens (the stream's from message_start and message_delta) reach cost tracking at Claude's prices.
      const expected = fake.requests
        .slice(-2)
        .reduce((total, request) => total + Math.ceil(JSON.stringify(request.body.messages).length / 4) + Math.ceil(`Hello from ${request.body.model}: Hi`.length / 4), 0);
      expect(client.usage.totalTokens).toBe(expected);
      expect(client.usage.totalCost).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it("configuration can name it by id or short name once registered", async () => {
    registerConnector("anthropic.llm.v1", AnthropicProvider, { kind: "provider", aliases: ["anthropic", "anthropic.claude.v1"] });
    const client = create({ config: { providers: { anthropic: { connector: "anthropic.claude.v1", config: { base_url: fake.origin, api_key: apiKey } } } } });
    try {
      const completion = await client.chat.completions.create({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hi" }] });
      expect(completion.choices[0]?.message.content).toBe("Hello from claude-haiku-4-5: Hi");
    } finally {
      await client.close();
    }
  });
});
