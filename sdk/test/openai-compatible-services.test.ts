import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthenticationError, DeepSeekProvider, GroqProvider, MistralProvider, OpenRouterProvider, ProviderError, RateLimitError } from "../src/index.js";
import type { ChatCompletionChunk, ChatCompletionCreateParams, OpenAICompatibleProvider } from "../src/index.js";
import { providerContract } from "./contracts/provider.contract.js";
import { startFakeService, type FakeService } from "./fakes/openai-compatible-services.js";
import { wireValidator } from "./wire-schema.js";

const wire = wireValidator();
const KEYS: Record<"groq" | "mistral" | "deepseek" | "openrouter", string> = {
  groq: "gsk_contractKEY0123456789abcdefghijklmnopqrstu",
  mistral: "mistralContractKEY0123456789abcdef",
  deepseek: "sk-deepseek-contract-KEY-0123",
  openrouter: "sk-or-v1-contractKEY0123456789abcdefghijklmnop",
};
const weatherTool = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } } };

providerContract("GroqProvider", async () => {
  const fake = await startFakeService("groq");
  return { provider: new GroqProvider({ baseUrl: fake.url, apiKey: KEYS.groq }), chatModel: "llama-3.3-70b-versatile", apiKey: KEYS.groq, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges, ownRetryAfter: 2 };
});
providerContract("MistralProvider", async () => {
  const fake = await startFakeService("mistral");
  return { provider: new MistralProvider({ baseUrl: fake.url, apiKey: KEYS.mistral }), chatModel: "mistral-small-latest", apiKey: KEYS.mistral, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges };
});
providerContract("DeepSeekProvider", async () => {
  const fake = await startFakeService("deepseek");
  return { provider: new DeepSeekProvider({ baseUrl: fake.url, apiKey: KEYS.deepseek }), chatModel: "deepseek-chat", apiKey: KEYS.deepseek, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges };
});
providerContract("OpenRouterProvider", async () => {
  const fake = await startFakeService("openrouter");
  return { provider: new OpenRouterProvider({ baseUrl: fake.url, apiKey: KEYS.openrouter }), chatModel: "openai/gpt-4o-mini", apiKey: KEYS.openrouter, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges };
});

async function collect(provider: OpenAICompatibleProvider, request: ChatCompletionCreateParams): Promise<ChatCompletionChunk[]> {
  const { body } = await provider.chatStream(request);
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks;
}
const text = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
const validChunks = (chunks: ChatCompletionChunk[]) => {
  if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
};

/** Mistral's own published request schema (../shared, absent in a plain clone: the check is skipped there). */
function mistralRequestValidator(): ((body: unknown) => string[]) | undefined {
  const path = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "shared", "wire", "fixtures", "schemas", "mistral-chat-request.json");
  if (!existsSync(path)) return undefined;
  const schema = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  const { source: _source, notes: _notes, ...jsonSchema } = schema;
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(jsonSchema);
  return (body) => (validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""} ${JSON.stringify(error.params)}`));
}

describe("Groq", () => {
  let fake: FakeService;
  let groq: GroqProvider;
  beforeAll(async () => {
    fake = await startFakeService("groq");
    groq = new GroqProvider({ baseUrl: fake.url, apiKey: KEYS.groq });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it("speaks to /openai/v1 with a bearer key; the base URL works with or without /v1", async () => {
    const bare = new GroqProvider({ base_url: `${fake.origin}/openai`, api_key: KEYS.groq });
    const { body, rateLimit } = await bare.chat({ model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "Hi" }] });
    expect(fake.requests[0]?.path).toBe("/openai/v1/chat/completions");
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${KEYS.groq}`);
    expect(body.choices[0]?.message.content).toBe("Hello from llama-3.3-70b-versatile: Hi");
    expect(rateLimit).toMatchObject({ limitRequests: 1000, remainingRequests: 999, limitTokens: 12_000 });
    expect(new GroqProvider().toJSON().baseUrl).toBe("https://api.groq.com/openai/v1");
  });

  it("usage reported only in x_groq.usage is moved to usage", async () => {
    const noStreamUsage = new GroqProvider({ baseUrl: fake.url, apiKey: KEYS.groq, quirks: { supports_stream_usage: false } as never });
    const chunks = await collect(noStreamUsage, { model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "Say hello" }] });
    expect(fake.requests[0]?.body.stream_options).toBeUndefined();
    validChunks(chunks);
    expect(text(chunks)).toBe("Hello from llama-3.3-70b-versatile: Say hello");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(Math.ceil("Hello from llama-3.3-70b-versatile: Say hello".length / 4));
  });

  it("transcribes with Whisper and has no embeddings", async () => {
    const { body } = await groq.transcription({ model: "whisper-large-v3", file: new File([new Uint8Array(64)], "a.wav", { type: "audio/wav" }) });
    expect(fake.requests[0]?.path).toBe("/openai/v1/audio/transcriptions");
    expect(body.text).toBe("Transcript by the fake.");
    expect(groq.supports("transcription")).toBe(true);
    expect(groq.supports("embeddings")).toBe(false);
  });

  it("429 → RateLimitError with retry-after, remaining quota kept", async () => {
    fake.enqueue({ kind: "error", status: 429 });
    const error = (await groq.chat({ model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught)) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBe(2);
    expect(groq.parseRateLimit(error.headers)?.remainingRequests).toBe(0);
  });
});

describe("Mistral", () => {
  let fake: FakeService;
  let mistral: MistralProvider;
  const schema = mistralRequestValidator();
  beforeAll(async () => {
    fake = await startFakeService("mistral");
    mistral = new MistralProvider({ baseUrl: fake.url, apiKey: KEYS.mistral });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it("reshapes the OpenAI body to Mistral's closed schema (seed, max_completion_tokens, no stream_options, no names)", async () => {
    const request: ChatCompletionCreateParams = {
      model: "mistral-small-latest",
      messages: [{ role: "developer", content: "Be brief." }, { role: "user", content: "Hi", name: "ann" }],
      seed: 3,
      max_completion_tokens: 20,
      user: "user-1",
      logit_bias: { "42": 1 },
    };
    await mistral.chat(request);
    await collect(mistral, { ...request, stream_options: { include_usage: true } });
    for (const sent of fake.requests) {
      expect(sent.body).toMatchObject({ random_seed: 3, max_tokens: 20, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] });
      expect(sent.body.stream_options).toBeUndefined();
      expect(sent.body.user).toBeUndefined();
      if (schema) expect(schema(sent.body)).toEqual([]);
    }
  });

  it("answers without tool_calls: null and streams tool calls with index and type filled in", async () => {
    const { body } = await mistral.chat({ model: "mistral-small-latest", messages: [{ role: "user", content: "Hi" }] });
    if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
    expect("tool_calls" in body.choices[0]!.message).toBe(false);
    const called = await mistral.chat({ model: "mistral-small-latest", messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool] });
    if (wire) expect(wire.validate("response.chat", called.body)).toEqual([]);
    expect(called.body.choices[0]?.message.tool_calls?.[0]?.type).toBe("function");
    const chunks = await collect(mistral, { model: "mistral-small-latest", messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool] });
    validChunks(chunks);
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([{ index: 0, type: "function", id: expect.any(String), function: { name: "get_weather", arguments: '{"location":"Paris"}' } }]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
    if (schema) expect(schema(fake.requests.at(-1)?.body)).toEqual([]);
  });

  it("embeddings, and a 401 {detail} is an AuthenticationError", async () => {
    const { body } = await mistral.embeddings({ model: "mistral-embed", input: ["a", "bb"] });
    if (wire) expect(wire.validate("response.embeddings", body)).toEqual([]);
    expect(body.data).toHaveLength(2);
    const strict = await startFakeService("mistral", { apiKeys: ["other"] });
    try {
      const error = await new MistralProvider({ baseUrl: strict.url, apiKey: KEYS.mistral }).chat({ model: "mistral-small-latest", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).message).toContain("Unauthorized");
    } finally {
      await strict.close();
    }
  });
});

describe("DeepSeek", () => {
  let fake: FakeService;
  let deepseek: DeepSeekProvider;
  beforeAll(async () => {
    fake = await startFakeService("deepseek");
    deepseek = new DeepSeekProvider({ baseUrl: fake.url, apiKey: KEYS.deepseek });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it("keeps reasoning_content in answers and stream deltas", async () => {
    const { body } = await deepseek.chat({ model: "deepseek-reasoner", messages: [{ role: "user", content: "Hi" }] });
    if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
    expect(body.choices[0]?.message.content).toBe("Hello from deepseek-reasoner: Hi");
    expect(body.choices[0]?.message.reasoning_content).toBe('The user wrote "Hi". I should greet them.');
    const chunks = await collect(deepseek, { model: "deepseek-reasoner", messages: [{ role: "user", content: "Hi" }] });
    validChunks(chunks);
    expect(chunks.map((chunk) => (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? "").join("")).toBe('The user wrote "Hi". I should greet them.');
    expect(text(chunks)).toBe("Hello from deepseek-reasoner: Hi");
  });

  it("removes reasoning_content from the history, which DeepSeek rejects", async () => {
    const { body } = await deepseek.chat({ model: "deepseek-reasoner", messages: [{ role: "user", content: "Hi" }] });
    const next = await deepseek.chat({ model: "deepseek-reasoner", messages: [{ role: "user", content: "Hi" }, body.choices[0]!.message, { role: "user", content: "Again" }] });
    expect(fake.requests.at(-1)?.body.messages[1]).toEqual({ role: "assistant", content: "Hello from deepseek-reasoner: Hi", refusal: null });
    expect(next.body.choices[0]?.message.content).toBe("Hello from deepseek-reasoner: Again");
    expect(new DeepSeekProvider({ base_url: "https://api.deepseek.com" }).toJSON().baseUrl).toBe("https://api.deepseek.com/v1");
  });
});

describe("OpenRouter", () => {
  let fake: FakeService;
  let openrouter: OpenRouterProvider;
  beforeAll(async () => {
    fake = await startFakeService("openrouter");
    openrouter = new OpenRouterProvider({ baseUrl: fake.url, apiKey: KEYS.openrouter, app_url: "https://example.com", app_name: "Example App" });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it("sends HTTP-Referer and X-Title, skips processing comments, and ends with a usage chunk (choices [])", async () => {
    const chunks = await collect(openrouter, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
    expect(fake.requests[0]?.path).toBe("/api/v1/chat/completions");
    expect(fake.requests[0]?.headers["http-referer"]).toBe("https://example.com");
    expect(fake.requests[0]?.headers["x-title"]).toBe("Example App");
    validChunks(chunks);
    expect(text(chunks)).toBe("Hello from openai/gpt-4o-mini: Hi");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("an error chunk after the 200 is a typed error; the recorded 429 body is a RateLimitError", async () => {
    fake.enqueue({ kind: "in-band-error", afterEvents: 4 });
    const error = await collect(openrouter, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hello there" }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
    fake.enqueue({ kind: "error", status: 429 });
    const limited = await openrouter.chat({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).message).toContain("rate-limited upstream");
  });

  it("lists the gateway's models for discovery", async () => {
    const models = await openrouter.fetchModelList();
    expect(models.map((model) => model.id)).toEqual(["openai/gpt-4o-mini", "google/gemini-2.5-flash"]);
    expect(fake.requests[0]?.path).toBe("/api/v1/models");
  });
});
