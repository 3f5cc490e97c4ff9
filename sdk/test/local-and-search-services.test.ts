import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ConfigError,
  create,
  isModelMeshErrorOf,
  LMStudioProvider,
  LocalAIProvider,
  OllamaProvider,
  PerplexityProvider,
  ProviderError,
  TogetherProvider,
  VLLMProvider,
  XAIProvider,
} from "../src/index.js";
import type { ChatCompletionChunk, OpenAICompatibleProvider } from "../src/index.js";
import { providerContract } from "./contracts/provider.contract.js";
import { startFakeService, type FakeService } from "./fakes/openai-compatible-services.js";
import { wireValidator } from "./wire-schema.js";

const wire = wireValidator();
// Built at run time: the house scan flags key-shaped literals.
const key = (prefix: string) => `${prefix}${"contractKEY0123456789".repeat(2)}`;
const hello = (model: string) => ({ model, messages: [{ role: "user" as const, content: "Hi" }] });

function contract(name: string, profile: Parameters<typeof startFakeService>[0], build: (url: string, apiKey: string) => OpenAICompatibleProvider & { loadModels?(): Promise<void> }, chatModel: string, apiKey: string): void {
  providerContract(name, async () => {
    const fake = await startFakeService(profile);
    const provider = build(fake.url, apiKey);
    await provider.loadModels?.();
    return { provider, chatModel, apiKey, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges };
  });
}

contract("TogetherProvider", "together", (baseUrl, apiKey) => new TogetherProvider({ baseUrl, apiKey }), "meta-llama/Llama-3.3-70B-Instruct-Turbo", key("tgp_v1_"));
contract("XAIProvider", "xai", (baseUrl, apiKey) => new XAIProvider({ baseUrl, apiKey }), "grok-3-mini", key("xai-"));
contract("PerplexityProvider", "perplexity", (baseUrl, apiKey) => new PerplexityProvider({ baseUrl, apiKey }), "sonar", key("pplx-"));
contract("OllamaProvider", "ollama", (baseUrl, apiKey) => new OllamaProvider({ baseUrl, apiKey }), "llama3.2:latest", key("ollama-"));
contract("LMStudioProvider", "lmstudio", (baseUrl, apiKey) => new LMStudioProvider({ baseUrl, apiKey }), "qwen2.5-7b-instruct", key("lmstudio-"));
contract("VLLMProvider", "vllm", (baseUrl, apiKey) => new VLLMProvider({ baseUrl, apiKey }), "meta-llama/Llama-3.1-8B-Instruct", key("vllm-"));
contract("LocalAIProvider", "localai", (baseUrl, apiKey) => new LocalAIProvider({ baseUrl, apiKey }), "gpt-4", key("localai-"));

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe("Together", () => {
  let fake: FakeService;
  beforeAll(async () => {
    fake = await startFakeService("together");
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it("generates images: Together's answer without `created` becomes OpenAI's ImagesResponse", async () => {
    const together = new TogetherProvider({ baseUrl: `${fake.origin}`, apiKey: key("tgp_v1_") });
    const { body } = await together.images({ model: "black-forest-labs/FLUX.1-schnell", prompt: "a lighthouse", response_format: "b64_json" });
    expect(fake.requests[0]).toMatchObject({ path: "/v1/images/generations", body: { model: "black-forest-labs/FLUX.1-schnell", prompt: "a lighthouse", response_format: "b64_json" } });
    expect(typeof body.created).toBe("number");
    expect(Buffer.from(body.data?.[0]?.b64_json ?? "", "base64").toString()).toBe("image 0 of a lighthouse");
  });

  it("embeds through an embeddings pool, and a wrong key is an AuthenticationError", async () => {
    const client = create("text-embeddings", { providers: [{ connector: "together", config: { baseUrl: fake.url, apiKey: key("tgp_v1_") } }] });
    try {
      const result = await client.embeddings.create({ model: "text-embeddings", input: ["one", "two"] });
      expect(result.data).toHaveLength(2);
      expect(fake.requests.at(-1)).toMatchObject({ path: "/v1/embeddings", body: { model: "BAAI/bge-large-en-v1.5" } });
      if (wire) expect(wire.validate("response.embeddings", result)).toEqual([]);
    } finally {
      await client.close();
    }
    const strict = await startFakeService("together", { apiKeys: ["right"] });
    try {
      const error = await new TogetherProvider({ baseUrl: strict.url, apiKey: "wrong" }).chat(hello("meta-llama/Llama-3.3-70B-Instruct-Turbo")).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).message).toContain("Invalid API key provided");
    } finally {
      await strict.close();
    }
  });
});

describe("xAI", () => {
  it("a wrong key, which xAI answers with 400, is an AuthenticationError that takes the key out; other 400s stay the caller's", async () => {
    const fake = await startFakeService("xai", { apiKeys: ["right"] });
    try {
      const xai = new XAIProvider({ baseUrl: fake.url, apiKey: "wrong" });
      const error = await xai.chat(hello("grok-3-mini")).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).status).toBe(401);
      expect((error as Error).message).toContain("Incorrect API key provided");
      fake.enqueue({ kind: "error", status: 400 });
      const invalid = await new XAIProvider({ baseUrl: fake.url, apiKey: "right" }).chat(hello("grok-3-mini")).catch((caught: unknown) => caught);
      expect(invalid).toBeInstanceOf(ProviderError);
      expect(invalid).not.toBeInstanceOf(AuthenticationError);
      expect((invalid as ProviderError).status).toBe(400);
    } finally {
      await fake.close();
    }
  });
});

describe("Perplexity", () => {
  let fake: FakeService;
  beforeAll(async () => {
    fake = await startFakeService("perplexity");
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it("posts to /chat/completions with no version segment, also when /v1 is pasted, and keeps citations", async () => {
    const perplexity = new PerplexityProvider({ baseUrl: `${fake.origin}/v1/`, apiKey: key("pplx-") });
    const { body } = await perplexity.chat(hello("sonar"));
    expect(fake.requests[0]?.path).toBe("/chat/completions");
    expect((body as unknown as { citations: string[] }).citations).toEqual(["https://example.org/source-1", "https://example.org/source-2"]);
    expect((body as unknown as { search_results: unknown[] }).search_results).toHaveLength(2);
    if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
    const { body: stream } = await perplexity.chatStream({ ...hello("sonar"), stream: true });
    const chunks = await collect(stream);
    expect(chunks.some((chunk) => Array.isArray((chunk as unknown as { citations?: unknown }).citations))).toBe(true);
  });

  it("a wrong key's HTML 401 page is an AuthenticationError, and the search fee counts in the cost", async () => {
    const strict = await startFakeService("perplexity", { apiKeys: ["right"] });
    try {
      const error = await new PerplexityProvider({ baseUrl: strict.url, apiKey: "wrong" }).chat(hello("sonar")).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuthenticationError);
    } finally {
      await strict.close();
    }
    const client = create("chat-completion", { providers: [{ connector: "perplexity", config: { baseUrl: fake.origin, apiKey: key("pplx-") } }], strategy: "cost-first" });
    try {
      const answer = await client.chat.completions.create(hello("chat-completion"));
      const tokens = (answer.usage?.prompt_tokens ?? 0) + (answer.usage?.completion_tokens ?? 0);
      // sonar: $1 per million tokens each way plus $0.005 per request.
      expect(client.usage.totalCost).toBeCloseTo(0.005 + tokens / 1_000_000, 9);
    } finally {
      await client.close();
    }
  });
});

describe("Perplexity Search API", () => {
  it("answers client.search through a web-search pool: POST /search, ranked results with snippets, $0.005 a request", async () => {
    const fake = await startFakeService("perplexity");
    const client = create("web-search", { providers: [{ connector: "perplexity", config: { baseUrl: fake.origin, apiKey: key("pplx-") } }] });
    try {
      const found = await client.search.create({ model: "web-search", query: "model routing", max_results: 1 });
      expect(fake.requests.at(-1)).toMatchObject({ path: "/search", body: { query: "model routing", max_results: 1 } });
      expect(found).toEqual({ object: "search.results", model: "perplexity-search", query: "model routing", results: [{ title: "Source one", url: "https://example.org/source-1", content: "Snippet 1 about model routing", published_date: "2026-11-30" }] });
      expect(client.usage.totalCost).toBeCloseTo(0.005, 12);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});

describe("local servers", () => {
  it("Ollama: models come from the server's own list at start, and no key is sent", async () => {
    const fake = await startFakeService("ollama");
    const client = create("chat-completion", { providers: [{ connector: "ollama", config: { baseUrl: fake.url.replace(/\/v1$/, "") } }] });
    try {
      const answer = await client.chat.completions.create(hello("chat-completion"));
      expect(answer.choices[0]?.message.content).toBe("Hello from llama3.2:latest: Hi");
      expect(fake.requests.map((request) => request.path)).toEqual(["/v1/models", "/v1/chat/completions"]);
      expect(fake.requests[1]?.headers.authorization).toBeUndefined();
      expect(client.usage.totalCost).toBe(0);
      expect(client.describe().providers).toContainEqual(expect.objectContaining({ id: "ollama", models: 2 }));
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it("listed models skip the model-list request; a server that is down fails start with a ConfigError naming it", async () => {
    const fake = await startFakeService("lmstudio");
    const listed = create("chat-completion", { providers: [{ connector: "lmstudio", config: { baseUrl: fake.url, models: [{ id: "qwen2.5-7b-instruct", capabilities: ["chat-completion"] }] } }] });
    try {
      await listed.chat.completions.create(hello("chat-completion"));
      expect(fake.requests.map((request) => request.path)).toEqual(["/v1/chat/completions"]);
    } finally {
      await listed.close();
    }
    const origin = fake.origin;
    await fake.close();
    const down = create("chat-completion", { providers: [{ connector: "vllm", config: { baseUrl: origin } }] });
    const error = await down.chat.completions.create(hello("chat-completion")).catch((caught: unknown) => caught);
    expect(isModelMeshErrorOf(error, ConfigError)).toBe(true);
    expect((error as ConfigError).message).toMatch(/vllm did not list its models at http:\/\/127\.0\.0\.1:\d+\/v1\/models/);
    await down.close();
  });

  it("vLLM: a configured key is sent as Bearer, and its {object: error} 404 is a model_not_found ProviderError", async () => {
    const fake = await startFakeService("vllm", { apiKeys: ["local-secret"] });
    try {
      const vllm = new VLLMProvider({ baseUrl: fake.url, apiKey: "local-secret" });
      await vllm.loadModels();
      expect(vllm.listModels().map((model) => model.id)).toEqual(["meta-llama/Llama-3.1-8B-Instruct"]);
      fake.enqueue({ kind: "error", status: 404 });
      const error = await vllm.chat(hello("meta-llama/Llama-3.1-8B-Instruct")).catch((caught: unknown) => caught);
      expect(fake.requests.at(-1)?.headers.authorization).toBe("Bearer local-secret");
      expect((error as ProviderError).code).toBe("model_not_found");
      expect((error as Error).message).toContain("does not exist");
    } finally {
      await fake.close();
    }
  });

  it("LocalAI: speech returns the server's audio bytes and images are OpenAI-shaped", async () => {
    const fake = await startFakeService("localai");
    try {
      const localai = new LocalAIProvider({ baseUrl: fake.url });
      await localai.loadModels();
      const ids = localai.listModels().map((model) => `${model.id}:${model.capabilities[0]}`);
      expect(ids).toContain("tts-1:generation.audio-generation.text-to-speech");
      expect(ids).toContain("stablediffusion:generation.image-generation.text-to-image");
      const { body: audio } = await localai.speech({ model: "tts-1", input: "Hello", voice: "alloy" });
      const bytes = Buffer.from(await audio.arrayBuffer());
      expect(bytes.subarray(0, 4).toString()).toBe("RIFF");
      expect(audio.headers.get("content-type")).toBe("audio/wav");
      const { body: image } = await localai.images({ model: "stablediffusion", prompt: "a cat" });
      expect(image.data?.[0]?.url).toMatch(/^https:\/\/images\.example\.org\//);
      expect(fake.requests.map((request) => request.path)).toEqual(["/v1/models", "/v1/audio/speech", "/v1/images/generations"]);
    } finally {
      await fake.close();
    }
  });
});
