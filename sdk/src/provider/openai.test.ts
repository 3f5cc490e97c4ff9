import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeOpenAI } from "../../test/fakes/openai.js";
import type { FakeOpenAI } from "../../test/fakes/openai.js";
import { wireValidator } from "../../test/wire-schema.js";
import type { WireKind } from "../../test/wire-schema.js";
import { AuthenticationError, ConnectionError, ModelMeshError, ProviderError, RateLimitError, TimeoutError } from "../wire/errors.js";
import { ConfigError } from "../wire/error-base.js";
import { failureAction } from "../core/retry.js";
import type { ChatCompletionChunk, ChatCompletionCreateParams } from "../wire/types.js";
import { BrowserBaseProvider, createBrowserProviderConfig } from "./browser.js";
import { createOpenAICompatibleConfig, OpenAICompatibleProvider, parseOpenAIRateLimitHeaders } from "./openai-compatible.js";
import { OPENAI_MODELS, OpenAIProvider } from "./openai.js";

const KEY = "sk-test-0123456789abcdefWXYZ";
const validator = wireValidator();
const hello = [{ role: "user" as const, content: "hi there" }];

let fake: FakeOpenAI;
let provider: OpenAIProvider;

beforeAll(async () => {
  fake = await startFakeOpenAI({ name: "fake-a", models: ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "tts-1", "whisper-1", "dall-e-3"] });
  provider = new OpenAIProvider({ baseUrl: fake.url, apiKey: KEY });
});
afterEach(() => {
  // Every body any test sent must be valid by OpenAI's official request schemas.
  for (const request of fake.requests) {
    if (request.path === "/v1/chat/completions") expectWire("request.chat", request.body);
    if (request.path === "/v1/embeddings") expectWire("request.embeddings", request.body);
  }
  fake.reset();
});
afterAll(() => fake.close());

/** Valid wire data by OpenAI's official schema (wireValidator throws when the schemas are missing). */
function expectWire(kind: WireKind, value: unknown): void {
  if (validator) expect(validator.validate(kind, value)).toEqual([]);
}

function lastRequest() {
  const request = fake.requests.at(-1);
  if (!request) throw new Error("the fake received nothing");
  return request;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const text = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
const longReply = Array.from({ length: 30 }, (_, index) => `word${index}`).join(" ");

describe("chat", () => {
  it("sends the caller's body unchanged, with the key, and returns a schema-valid completion", async () => {
    const request: ChatCompletionCreateParams = {
      model: "gpt-4o",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } }] },
      ],
      temperature: 0.2,
      top_p: 0.9,
      n: 2,
      seed: 7,
      stop: ["\n\n"],
      logprobs: true,
      top_logprobs: 2,
      max_completion_tokens: 200,
      presence_penalty: 0,
      frequency_penalty: 0,
      user: "user-1",
      stream: false,
    };
    const { body, rateLimit } = await provider.chat(request);

    const received = lastRequest();
    expect(received.method).toBe("POST");
    expect(received.path).toBe("/v1/chat/completions");
    expect(received.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(received.headers["content-type"]).toBe("application/json");
    expect(received.body).toEqual(request);
    expectWire("request.chat", received.body);

    expect(body.model).toBe("gpt-4o-2024-08-06");
    expect(body.choices).toHaveLength(2);
    expect(body.choices[0]?.message.content).toBe("Hello from gpt-4o: what is this?");
    expect(body.choices[0]?.logprobs?.content).not.toBeNull();
    expect(body.usage?.total_tokens).toBeGreaterThan(0);
    expectWire("response.chat", body);
    expect(rateLimit).toMatchObject({ limitRequests: 500, remainingRequests: 499, limitTokens: 200_000 });
  });

  it("passes tools, tool_choice and response_format through and returns tool calls", async () => {
    const request: ChatCompletionCreateParams = {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "weather in Paris, as json" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
      response_format: { type: "json_object" },
    };
    const { body } = await provider.chat(request);
    expect(lastRequest().body).toEqual(request);
    expectWire("request.chat", lastRequest().body);
    expect(body.choices[0]?.finish_reason).toBe("tool_calls");
    expect(body.choices[0]?.message.tool_calls?.[0]?.function.name).toBe("get_weather");
    expectWire("response.chat", body);
  });

  it("never sends stream_options without stream, and forces stream off in chat()", async () => {
    await provider.chat({ model: "gpt-4o-mini", messages: hello, stream_options: { include_usage: true } });
    expect(lastRequest().body).toEqual({ model: "gpt-4o-mini", messages: hello });
    await provider.chat({ model: "gpt-4o-mini", messages: hello, stream: true });
    expect(lastRequest().body).toEqual({ model: "gpt-4o-mini", messages: hello, stream: false });
    expectWire("request.chat", lastRequest().body);
  });

  it("merges config headers and per-call headers over the defaults", async () => {
    const custom = new OpenAIProvider({ baseUrl: fake.url, apiKey: KEY, headers: { "OpenAI-Organization": "org-1", "X-Title": "mesh" } });
    await custom.chat({ model: "gpt-4o-mini", messages: hello }, { headers: { "x-title": "per-call" } });
    expect(lastRequest().headers).toMatchObject({ "openai-organization": "org-1", "x-title": "per-call", authorization: `Bearer ${KEY}` });
  });
});

describe("streaming", () => {
  it("asks for usage, merges the caller's stream_options, and yields schema-valid chunks", async () => {
    const { body, rateLimit } = await provider.chatStream({ model: "gpt-4o-mini", messages: hello, stream_options: { include_obfuscation: false } });
    const chunks = await collect(body);

    const received = lastRequest();
    expect(received.body).toEqual({ model: "gpt-4o-mini", messages: hello, stream: true, stream_options: { include_obfuscation: false, include_usage: true } });
    expect(received.headers.accept).toBe("text/event-stream");
    expectWire("request.chat", received.body);

    expect(text(chunks)).toBe("Hello from gpt-4o-mini: hi there");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
    for (const chunk of chunks) expectWire("response.chunk", chunk);
    expect(rateLimit?.remainingRequests).toBe(499);
  });

  it("sends no stream_options when the service does not support stream usage", async () => {
    const local = new OpenAICompatibleProvider({ baseUrl: fake.url, apiKey: KEY, quirks: { supportsStreamUsage: false } });
    const chunks = await collect((await local.chatStream({ model: "gpt-4o-mini", messages: hello, stream_options: { include_usage: true } })).body);
    expect(lastRequest().body).toEqual({ model: "gpt-4o-mini", messages: hello, stream: true });
    expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
    expect(text(chunks)).toBe("Hello from gpt-4o-mini: hi there");
  });

  it("yields the first chunk long before a slow stream ends", async () => {
    const slowFake = await startFakeOpenAI({ reply: longReply });
    try {
      slowFake.setMode({ kind: "slow-stream", chunkDelayMs: 40 });
      const slow = new OpenAIProvider({ baseUrl: slowFake.url, apiKey: KEY });
      const started = Date.now();
      const { body } = await slow.chatStream({ model: "gpt-4o-mini", messages: hello });
      let firstAt = 0;
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of body) {
        if (chunks.length === 0) firstAt = Date.now() - started;
        chunks.push(chunk);
      }
      const endedAt = Date.now() - started;
      expect(text(chunks)).toBe(longReply);
      expect(endedAt).toBeGreaterThan(1_000);
      expect(firstAt).toBeLessThan(endedAt / 4);
    } finally {
      await slowFake.close();
    }
  });

  it("leaving the loop early aborts the upstream request", async () => {
    const slowFake = await startFakeOpenAI({ reply: longReply });
    try {
      slowFake.setMode({ kind: "slow-stream", chunkDelayMs: 50 });
      const slow = new OpenAIProvider({ baseUrl: slowFake.url, apiKey: KEY });
      const { body } = await slow.chatStream({ model: "gpt-4o-mini", messages: hello });
      let seen = 0;
      for await (const _ of body) {
        if (++seen === 3) break;
      }
      // The server sees the connection go before its stream (over a second at 50 ms a chunk) is complete.
      await vi.waitFor(() => expect(slowFake.requests[0]?.clientAborted).toBe(true), { timeout: 1_000 });
    } finally {
      await slowFake.close();
    }
  });

  it("a consumer that stops before the first chunk also releases the request", async () => {
    fake.setMode({ kind: "slow-stream", chunkDelayMs: 50 });
    const { body } = await provider.chatStream({ model: "gpt-4o-mini", messages: hello });
    expect(lastRequest().clientAborted).toBe(false);
    await (body as AsyncIterableIterator<ChatCompletionChunk>).return?.();
    await vi.waitFor(() => expect(lastRequest().clientAborted).toBe(true), { timeout: 1_000 });
  });

  it("the caller's abort mid-stream surfaces as the caller's abort, not a retryable error", async () => {
    const slowFake = await startFakeOpenAI({ reply: longReply });
    try {
      slowFake.setMode({ kind: "slow-stream", chunkDelayMs: 50 });
      const slow = new OpenAIProvider({ baseUrl: slowFake.url, apiKey: KEY });
      const controller = new AbortController();
      const { body } = await slow.chatStream({ model: "gpt-4o-mini", messages: hello }, { signal: controller.signal });
      const error = await caught(
        (async () => {
          let seen = 0;
          for await (const _ of body) if (++seen === 2) controller.abort();
        })(),
      );
      expect(error).not.toBeInstanceOf(ModelMeshError);
      expect((error as Error).name).toBe("AbortError");
      expect(failureAction(error)).toBe("fatal");
      await vi.waitFor(() => expect(slowFake.requests[0]?.clientAborted).toBe(true), { timeout: 1_000 });
    } finally {
      await slowFake.close();
    }
  });

  it("a stream that stalls longer than timeoutMs fails with TimeoutError; a slow consumer does not", async () => {
    fake.setMode({ kind: "slow-stream", chunkDelayMs: 400 });
    const impatient = new OpenAIProvider({ baseUrl: fake.url, apiKey: KEY, timeoutMs: 150 });
    const { body } = await impatient.chatStream({ model: "gpt-4o-mini", messages: hello });
    const received: ChatCompletionChunk[] = [];
    const error = await caught(
      (async () => {
        for await (const chunk of body) received.push(chunk);
      })(),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(failureAction(error)).toBe("retry");

    fake.reset();
    const patient = await impatient.chatStream({ model: "gpt-4o-mini", messages: hello });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of patient.body) {
      chunks.push(chunk);
      await new Promise((resolve) => setTimeout(resolve, chunks.length === 1 ? 300 : 0));
    }
    expect(text(chunks)).toBe("Hello from gpt-4o-mini: hi there");
  });

  it("a stream that breaks mid-way is a retryable ConnectionError after the chunks already sent", async () => {
    fake.setMode({ kind: "break-stream", afterChunks: 2 });
    const { body } = await provider.chatStream({ model: "gpt-4o-mini", messages: hello });
    const received: ChatCompletionChunk[] = [];
    const error = await caught(
      (async () => {
        for await (const chunk of body) received.push(chunk);
      })(),
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retryable).toBe(true);
    expect(text(received)).toBe("Hello from");
  });

  it("a malformed event is a retryable malformed_response", async () => {
    fake.setMode({ kind: "malformed" });
    const { body } = await provider.chatStream({ model: "gpt-4o-mini", messages: hello });
    const error = await caught(collect(body));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: "malformed_response", retryable: true });
  });

  it("an HTTP error before the stream starts rejects chatStream itself", async () => {
    fake.enqueue({ kind: "error", status: 429 });
    const error = await caught(provider.chatStream({ model: "gpt-4o-mini", messages: hello }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(1);
  });
});

describe("timeouts, aborts and connection failures", () => {
  it("a service that never answers fails with TimeoutError after timeoutMs", async () => {
    fake.setMode({ kind: "hang" });
    const impatient = new OpenAIProvider({ baseUrl: fake.url, apiKey: KEY, timeoutMs: 150 });
    const started = Date.now();
    const error = await caught(impatient.chat({ model: "gpt-4o-mini", messages: hello }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(150);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((error as Error).message).not.toContain(KEY);
  });

  it("a per-call timeoutMs overrides the provider's", async () => {
    fake.setMode({ kind: "slow", delayMs: 1_000 });
    const error = await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }, { timeoutMs: 100 }));
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it("the caller's abort before the answer rejects with the caller's reason", async () => {
    fake.setMode({ kind: "hang" });
    const controller = new AbortController();
    const pending = provider.chat({ model: "gpt-4o-mini", messages: hello }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await caught(pending);
    expect(error).not.toBeInstanceOf(ModelMeshError);
    expect((error as Error).name).toBe("AbortError");
    // The fake never answers (hang): only the client's abort can end the exchange it recorded.
    await vi.waitFor(() => expect(lastRequest().clientAborted).toBe(true), { timeout: 1_000 });
    const reason = new Error("user left");
    const already = await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }, { signal: AbortSignal.abort(reason) }));
    expect(already).toBe(reason);
  });

  it("a refused connection is a retryable ConnectionError naming the host, not the key", async () => {
    const closed = await startFakeOpenAI();
    const url = closed.url;
    await closed.close();
    const error = await caught(new OpenAIProvider({ baseUrl: url, apiKey: KEY }).chat({ model: "gpt-4o-mini", messages: hello }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain(new URL(url).host);
    expect((error as Error).message).not.toContain(KEY);
    expect(failureAction(error)).toBe("retry");
  });

  it("a truncated JSON body is a retryable malformed_response", async () => {
    fake.setMode({ kind: "malformed" });
    const error = await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }));
    expect(error).toMatchObject({ name: "ProviderError", code: "malformed_response", retryable: true });
    expect(failureAction(error)).toBe("retry");
  });

  it("a body cut off mid-way is a ConnectionError", async () => {
    fake.setMode({ kind: "break-stream", afterChunks: 1 });
    const error = await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }));
    expect(error).toBeInstanceOf(ConnectionError);
  });
});

describe("error mapping over HTTP", () => {
  it("a wrong key → AuthenticationError (disable-key), without the key in the message", async () => {
    const strict = await startFakeOpenAI({ apiKeys: ["sk-the-right-key-000000000000"] });
    try {
      const error = await caught(new OpenAIProvider({ baseUrl: strict.url, apiKey: KEY }).chat({ model: "gpt-4o-mini", messages: hello }));
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as Error).message).toContain("Incorrect API key provided");
      expect(JSON.stringify(error)).not.toContain(KEY);
      expect(failureAction(error)).toBe("disable-key");
    } finally {
      await strict.close();
    }
  });

  it("429 → RateLimitError with retryAfter from the fake's retry-after, and retry-after-ms honoured", async () => {
    fake.enqueue({ kind: "error", status: 429 });
    const limited = (await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }))) as RateLimitError;
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited.retryAfter).toBe(1);
    expect(limited.headers["x-ratelimit-remaining-requests"]).toBe("0");
    expect(limited.status).toBe(429);

    fake.enqueue({ kind: "error", status: 429, headers: { "retry-after-ms": "250" } });
    const precise = (await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }))) as RateLimitError;
    expect(precise.retryAfter).toBe(0.25);
  });

  it("429 insufficient_quota → not retryable, fail over", async () => {
    fake.enqueue({ kind: "error", status: 429, code: "insufficient_quota" });
    const error = await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }));
    expect(error).toMatchObject({ name: "RateLimitError", code: "insufficient_quota", retryable: false });
    expect(failureAction(error)).toBe("failover");
  });

  it("an unknown model → model_not_found (fail over)", async () => {
    const error = await caught(provider.chat({ model: "gpt-nonexistent", messages: hello }));
    expect(error).toMatchObject({ name: "ProviderError", code: "model_not_found", status: 404, modelId: "gpt-nonexistent" });
    expect(failureAction(error)).toBe("failover");
  });

  it("400 context_length_exceeded → fail over; another 400 → fatal", async () => {
    fake.enqueue({ kind: "error", status: 400, code: "context_length_exceeded" });
    expect(failureAction(await caught(provider.chat({ model: "gpt-4o-mini", messages: hello })))).toBe("failover");
    fake.enqueue({ kind: "error", status: 400 });
    const bad = await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }));
    expect(bad).toMatchObject({ code: "invalid_request", retryable: false });
    expect(failureAction(bad)).toBe("fatal");
  });

  it.each([
    [408, "TimeoutError", "retry"],
    [409, "ProviderError", "retry"],
    [500, "ProviderError", "retry"],
    [502, "ProviderError", "retry"],
    [503, "ProviderError", "retry"],
    [504, "ProviderError", "retry"],
    // A 403 is about one model (here: the region), never the whole key.
    [403, "AuthenticationError", "failover"],
    [422, "ProviderError", "fatal"],
  ])("HTTP %d → %s (%s)", async (status, name, action) => {
    fake.enqueue({ kind: "error", status });
    const error = await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }));
    expect(error).toMatchObject({ name, status });
    expect(failureAction(error)).toBe(action);
  });

  it("529 with Anthropic's overloaded body → overloaded (retry)", async () => {
    fake.enqueue({ kind: "error", status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
    const error = await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }));
    expect(error).toMatchObject({ code: "overloaded", retryable: true, status: 529 });
  });

  it("an HTML error page is kept as text", async () => {
    fake.enqueue({ kind: "error", status: 502, body: "<html><body>502 Bad Gateway</body></html>" });
    const error = (await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }))) as ProviderError;
    expect(error.body).toBe("<html><body>502 Bad Gateway</body></html>");
    expect(error.retryable).toBe(true);
  });

  it("no key configured → no Authorization header at all (local servers)", async () => {
    const keyless = new OpenAICompatibleProvider({ baseUrl: fake.url });
    const error = await caught(keyless.chat({ model: "gpt-4o-mini", messages: hello }));
    expect(lastRequest().headers.authorization).toBeUndefined();
    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it("a configurable auth header (Azure's api-key, bare key)", async () => {
    const azure = new OpenAICompatibleProvider({ baseUrl: fake.url, apiKey: KEY, auth_header: "api-key", auth_scheme: "" });
    await caught(azure.chat({ model: "gpt-4o-mini", messages: hello }));
    expect(lastRequest().headers["api-key"]).toBe(KEY);
    expect(lastRequest().headers.authorization).toBeUndefined();
  });
});

describe("rate-limit headers", () => {
  it("map into a RateLimitSnapshot with resets as epoch ms", async () => {
    const before = Date.now();
    await provider.chat({ model: "gpt-4o-mini", messages: hello });
    const { rateLimit } = await provider.chat({ model: "gpt-4o-mini", messages: hello });
    expect(rateLimit?.limitRequests).toBe(500);
    expect(rateLimit?.remainingRequests).toBe(498);
    expect(rateLimit?.limitTokens).toBe(200_000);
    expect(rateLimit?.remainingTokens).toBeLessThan(200_000);
    expect(rateLimit?.resetRequestsAt).toBeGreaterThan(before);
    expect(rateLimit?.resetRequestsAt).toBeLessThan(Date.now() + 60_000);
    expect(rateLimit?.resetTokensAt).toBeGreaterThan(before);
  });

  it("parse OpenAI's and OpenRouter's header families", () => {
    const now = 1_000_000;
    expect(
      parseOpenAIRateLimitHeaders(
        {
          "x-ratelimit-limit-requests": "5000",
          "x-ratelimit-remaining-requests": "4999",
          "x-ratelimit-reset-requests": "12ms",
          "x-ratelimit-limit-tokens": "160000",
          "x-ratelimit-remaining-tokens": "159976",
          "x-ratelimit-reset-tokens": "6m0s",
        },
        now,
      ),
    ).toEqual({ limitRequests: 5000, remainingRequests: 4999, resetRequestsAt: now + 12, limitTokens: 160000, remainingTokens: 159976, resetTokensAt: now + 360_000 });
    expect(parseOpenAIRateLimitHeaders({ "X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1741305600000" }, now)).toEqual({
      limitRequests: 20,
      remainingRequests: 0,
      resetRequestsAt: 1741305600000,
    });
    expect(parseOpenAIRateLimitHeaders({ "x-ratelimit-limit-tokens": "-1", "x-ratelimit-remaining-tokens": "-1" }, now)).toBeUndefined();
    expect(parseOpenAIRateLimitHeaders({}, now)).toBeUndefined();
  });

  it("are readable from a failed response's kept headers", async () => {
    fake.enqueue({ kind: "error", status: 429 });
    const error = (await caught(provider.chat({ model: "gpt-4o-mini", messages: hello }))) as RateLimitError;
    expect(provider.parseRateLimit(error.headers)?.remainingRequests).toBe(0);
  });
});

describe("embeddings", () => {
  it("float vectors", async () => {
    const request = { model: "text-embedding-3-small", input: ["one", "two"], encoding_format: "float" as const };
    const { body, rateLimit } = await provider.embeddings(request);
    expect(lastRequest()).toMatchObject({ path: "/v1/embeddings", body: request });
    expectWire("request.embeddings", lastRequest().body);
    expect(body.data).toHaveLength(2);
    expect(body.data[0]?.embedding).toHaveLength(1536);
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(rateLimit?.limitRequests).toBe(500);
    expectWire("response.embeddings", body);
  });

  it("base64 vectors decode to the same float32 values", async () => {
    const float = await provider.embeddings({ model: "text-embedding-3-small", input: "same text", dimensions: 8 });
    const base64 = await provider.embeddings({ model: "text-embedding-3-small", input: "same text", dimensions: 8, encoding_format: "base64" });
    const encoded = base64.body.data[0]?.embedding;
    expect(typeof encoded).toBe("string");
    const decoded = Array.from(new Float32Array(Uint8Array.from(Buffer.from(encoded as string, "base64")).buffer));
    expect(decoded).toEqual(float.body.data[0]?.embedding);
    expectWire("response.embeddings", base64.body);
  });
});

describe("audio and images", () => {
  it("speech returns the audio as a streaming Response", async () => {
    const request = { model: "tts-1", input: "Hello there", voice: "alloy", response_format: "mp3" as const };
    const { body } = await provider.speech(request);
    expect(lastRequest()).toMatchObject({ path: "/v1/audio/speech", body: request });
    expect(body.headers.get("content-type")).toBe("audio/mpeg");
    const bytes = new Uint8Array(await body.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(1_000);
    expect(Array.from(bytes.slice(0, 3))).toEqual([0x49, 0x44, 0x33]);
  });

  it("transcription uploads multipart form data and reads json and text answers", async () => {
    const file = new File([new Uint8Array(32_000)], "meeting.wav", { type: "audio/wav" });
    const { body } = await provider.transcription({ model: "whisper-1", file, language: "en", temperature: 0 });
    const received = lastRequest();
    expect(received.path).toBe("/v1/audio/transcriptions");
    expect(received.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(received.body).toEqual({ file: { filename: "meeting.wav", size: 32_000, type: "audio/wav" }, model: "whisper-1", language: "en", temperature: "0" });
    expect(body.text).toBe("Transcript of meeting.wav (32000 bytes) by whisper-1.");

    const plain = await provider.transcription({ model: "whisper-1", file: new Blob([new Uint8Array(10)], { type: "audio/mpeg" }), response_format: "text" });
    expect(plain.body).toEqual({ text: "Transcript of audio.mp3 (10 bytes) by whisper-1.\n" });
  });

  it("images: url and b64_json", async () => {
    const request = { model: "dall-e-3", prompt: "a red square", size: "1024x1024" };
    const { body } = await provider.images(request);
    expect(lastRequest()).toMatchObject({ path: "/v1/images/generations", body: request });
    expect(body.data[0]?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fake-images\//);
    expect(body.data[0]?.revised_prompt).toContain("a red square");
    const b64 = await provider.images({ ...request, response_format: "b64_json" });
    expect(Buffer.from(b64.body.data[0]?.b64_json ?? "", "base64").subarray(1, 4).toString("latin1")).toBe("PNG");
  });
});

describe("proxyUrl", () => {
  let proxy: Server;
  let proxyOrigin: string;
  const seen: string[] = [];

  beforeAll(async () => {
    // A cors-anywhere style proxy: /proxy/<full target URL>.
    proxy = createServer(async (request: IncomingMessage, response) => {
      seen.push(request.url ?? "");
      const target = (request.url ?? "").replace(/^\/proxy\//, "");
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !["host", "connection", "content-length"].includes(name))) as Record<string, string>;
      const upstream = await fetch(target, { method: request.method ?? "GET", headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
      response.writeHead(upstream.status, Object.fromEntries([...upstream.headers].filter(([name]) => !["content-length", "content-encoding", "transfer-encoding"].includes(name))));
      const reader = upstream.body?.getReader();
      for (let part = await reader?.read(); part && !part.done; part = await reader?.read()) response.write(part.value);
      response.end();
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const address = proxy.address();
    proxyOrigin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

  it("sends every request to `${proxyUrl}${target}`, streams included", async () => {
    const proxied = new OpenAIProvider({ baseUrl: fake.url, apiKey: KEY, proxy_url: `${proxyOrigin}/proxy/` });
    const { body } = await proxied.chat({ model: "gpt-4o-mini", messages: hello });
    expect(seen.at(-1)).toBe(`/proxy/${fake.url}/chat/completions`);
    expect(body.choices[0]?.message.content).toBe("Hello from gpt-4o-mini: hi there");
    expect(lastRequest().headers.authorization).toBe(`Bearer ${KEY}`);

    const stream = await proxied.chatStream({ model: "gpt-4o-mini", messages: hello });
    expect(text(await collect(stream.body))).toBe("Hello from gpt-4o-mini: hi there");
    expect(seen.at(-1)).toBe(`/proxy/${fake.url}/chat/completions`);
  });

  it("adds the slash after a proxy URL without one", async () => {
    const proxied = new OpenAIProvider({ baseUrl: fake.url, apiKey: KEY, proxyUrl: `${proxyOrigin}/proxy` });
    await proxied.embeddings({ model: "text-embedding-3-small", input: "x" });
    expect(seen.at(-1)).toBe(`/proxy/${fake.url}/embeddings`);
  });

  it("BrowserBaseProvider from the FAQ's config shape (bare origin gets /v1, through the proxy)", async () => {
    const origin = fake.url.replace(/\/v1$/, "");
    const browser = new BrowserBaseProvider(createBrowserProviderConfig({ baseUrl: origin, apiKey: KEY, proxyUrl: `${proxyOrigin}/proxy/` }));
    const { body } = await browser.chat({ model: "gpt-4o-mini", messages: hello });
    expect(seen.at(-1)).toBe(`/proxy/${origin}/v1/chat/completions`);
    expectWire("response.chat", body);
    expect(browser.listModels()).toEqual([]);
    expect(new BrowserBaseProvider(createBrowserProviderConfig({ baseUrl: "https://api.openai.com", apiKey: KEY })).listModels().map((model) => model.id)).toContain("gpt-4o");
  });
});

describe("configuration and identity", () => {
  it("resolves fetch at call time, bound to globalThis (service workers)", async () => {
    const lateProvider = new OpenAIProvider({ baseUrl: fake.url, apiKey: KEY });
    const original = globalThis.fetch;
    const calls: unknown[] = [];
    vi.stubGlobal("fetch", function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      calls.push(this);
      return original(input, init);
    });
    try {
      await lateProvider.chat({ model: "gpt-4o-mini", messages: hello });
      expect(calls).toEqual([globalThis]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("keyId is a short fingerprint of (baseUrl, key), never the key", () => {
    const same = new OpenAIProvider({ baseUrl: fake.url, apiKey: KEY });
    const other = new OpenAIProvider({ baseUrl: fake.url, apiKey: "sk-another-key-00000000" });
    expect(provider.keyId).toMatch(/^[0-9a-f]{8}$/);
    expect(provider.keyId).toBe(same.keyId);
    expect(provider.keyId).not.toBe(other.keyId);
    expect(JSON.stringify(provider)).not.toContain(KEY.slice(3, 15));
    expect(JSON.stringify(provider)).toContain(provider.keyId);
    expect(inspect(provider, { depth: 5 })).not.toContain(KEY.slice(3, 15));
  });

  it("has the connector identity and defaults of openai.llm.v1", () => {
    const defaults = new OpenAIProvider({ api_key: KEY });
    expect(defaults.connectorId).toBe("openai.llm.v1");
    expect(defaults.id).toBe("openai");
    expect(OpenAIProvider.envVars).toEqual(["OPENAI_API_KEY"]);
    expect(OpenAIProvider.baseUrlEnvVar).toBe("OPENAI_BASE_URL");
    expect(OpenAIProvider.defaultBaseUrl).toBe("https://api.openai.com/v1");
    expect(new OpenAIProvider({ id: "openai-backup", apiKey: KEY }).id).toBe("openai-backup");
    for (const operation of ["chat", "embeddings", "speech", "transcription", "images"] as const) expect(defaults.supports(operation)).toBe(true);
    expect(new OpenAICompatibleProvider({ baseUrl: fake.url, operations: ["chat"] }).supports("images")).toBe(false);
  });

  it("ships a model list with full capability paths and prices, which config overrides and extends", () => {
    const ids = OPENAI_MODELS.map((model) => model.id);
    expect(ids).toEqual(
      expect.arrayContaining(["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3-mini", "text-embedding-3-small", "text-embedding-3-large", "tts-1", "tts-1-hd", "gpt-4o-mini-tts", "whisper-1", "gpt-4o-transcribe", "dall-e-3", "gpt-image-1"]),
    );
    for (const model of OPENAI_MODELS) {
      expect(model.capabilities.every((capability) => capability.split(".").length >= 2)).toBe(true);
      expect(model.pricing?.readAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    const chat = OPENAI_MODELS.find((model) => model.id === "gpt-4o");
    expect(chat).toMatchObject({ capabilities: ["generation.text-generation.chat-completion", "generation.text-generation.code-generation"], contextWindow: 128_000, features: { tools: true, vision: true, jsonMode: true } });

    const configured = new OpenAIProvider({
      apiKey: KEY,
      models: [
        { id: "gpt-4o", context_window: 64_000, pricing: { input: 2 } },
        { id: "ft:gpt-4o-mini:corp::abc", max_output_tokens: 4_096 },
      ],
    });
    const models = configured.listModels();
    expect(models.find((model) => model.id === "gpt-4o")).toMatchObject({ contextWindow: 64_000, maxOutputTokens: 16_384, pricing: { input: 2, output: 10 } });
    expect(models.find((model) => model.id === "ft:gpt-4o-mini:corp::abc")).toEqual({ id: "ft:gpt-4o-mini:corp::abc", capabilities: ["generation.text-generation.chat-completion"], maxOutputTokens: 4_096 });
    expect(models).toHaveLength(OPENAI_MODELS.length + 1);
  });

  it("ships chat models that differ where routing looks: o3-mini alone takes no images, smaller models cost less", () => {
    const chatModels = OPENAI_MODELS.filter((model) => model.capabilities.includes("generation.text-generation.chat-completion"));
    expect(chatModels.map((model) => model.id)).toEqual(["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3-mini"]);
    for (const model of chatModels) {
      expect(model.features, model.id).toEqual({ tools: true, vision: model.id !== "o3-mini", jsonMode: true, streaming: true });
      expect(model.pricing!.output!, model.id).toBeGreaterThan(model.pricing!.input!);
      expect(model.maxOutputTokens!, model.id).toBeLessThan(model.contextWindow!);
    }
    const price = (id: string) => OPENAI_MODELS.find((model) => model.id === id)!.pricing!;
    expect(price("gpt-4o-mini").input!).toBeLessThan(price("gpt-4o").input!);
    expect(price("gpt-4.1-nano").input!).toBeLessThan(price("gpt-4.1-mini").input!);
    expect(price("gpt-4.1-mini").input!).toBeLessThan(price("gpt-4.1").input!);
    expect(price("text-embedding-3-small").input!).toBeLessThan(price("text-embedding-3-large").input!);
    expect(price("tts-1").perCharacter!).toBeLessThan(price("tts-1-hd").perCharacter!);
  });

  it("gives each provider its own copy of the shipped models", () => {
    const first = new OpenAIProvider({ apiKey: KEY });
    const model = first.listModels().find((entry) => entry.id === "gpt-4o")!;
    model.contextWindow = 1;
    expect(OPENAI_MODELS.find((entry) => entry.id === "gpt-4o")?.contextWindow).toBe(128_000);
    expect(new OpenAIProvider({ apiKey: KEY }).listModels().find((entry) => entry.id === "gpt-4o")?.contextWindow).toBe(128_000);
  });

  it("rejects a configuration it cannot use", () => {
    expect(() => new OpenAICompatibleProvider({ apiKey: KEY })).toThrow(ConfigError);
    expect(() => new OpenAIProvider({ baseUrl: "ftp://example.com" })).toThrow(ConfigError);
    expect(() => new OpenAIProvider({ timeout_ms: -1 })).toThrow(ConfigError);
    expect(() => new OpenAIProvider({ proxyUrl: "localhost:8787" })).toThrow(ConfigError);
  });

  it("accepts snake_case everywhere, quirks included", () => {
    const config = createOpenAICompatibleConfig({ base_url: "http://localhost:11434/v1", api_key: "", timeout_ms: 5_000, quirks: { supports_stream_usage: false } as never });
    expect(config).toMatchObject({ baseUrl: "http://localhost:11434/v1", apiKey: "", timeoutMs: 5_000, quirks: { supportsStreamUsage: false }, authHeader: "Authorization", authScheme: "Bearer" });
  });

  it("lists the service's own models for discovery", async () => {
    const models = await provider.fetchModelList();
    expect(lastRequest()).toMatchObject({ method: "GET", path: "/v1/models" });
    expect(models.find((model) => model.id === "gpt-4o")?.contextWindow).toBe(128_000);
    expect(models.find((model) => model.id === "text-embedding-3-small")?.capabilities).toEqual(["representation.embeddings.text-embeddings"]);
  });
});
