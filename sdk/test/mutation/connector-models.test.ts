import { afterEach, describe, expect, it } from "vitest";
import {
  ASSEMBLYAI_MODELS,
  AssemblyAIProvider,
  AZURE_SPEECH_MODELS,
  AzureSpeechProvider,
  BrowserBaseProvider,
  ConfigError,
  createBrowserProviderConfig,
  DEEPSEEK_MODELS,
  DeepSeekProvider,
  ELEVENLABS_MODELS,
  ElevenLabsProvider,
  FIRECRAWL_MODELS,
  FirecrawlProvider,
  GROQ_MODELS,
  GroqProvider,
  LMStudioProvider,
  LocalAIProvider,
  LocalServerProvider,
  MISTRAL_MODELS,
  MistralProvider,
  OllamaProvider,
  OPENROUTER_MODELS,
  OpenRouterProvider,
  PERPLEXITY_MODELS,
  PerplexityProvider,
  SERPER_MODELS,
  SerperProvider,
  TAVILY_MODELS,
  TavilyProvider,
  TOGETHER_MODELS,
  TogetherProvider,
  VLLMProvider,
  XAI_MODELS,
  XAIProvider,
} from "../../src/index.js";
import type { OpenAICompatibleConfigInput } from "../../src/index.js";
import { OPENAI_MODELS } from "../../src/provider/openai.js";
import { startScriptedServer, type ScriptedServer } from "./scripted-http.js";

// What each single-file connector lists before any discovery: its own catalogue, as copies a caller cannot corrupt;
// the local servers list what the server has loaded; the browser provider knows OpenAI's list only for api.openai.com.
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("built-in catalogues", () => {
  const cases: Array<[string, () => { listModels(): unknown[] }, readonly unknown[]]> = [
    ["assemblyai", () => new AssemblyAIProvider(), ASSEMBLYAI_MODELS],
    ["azure-speech", () => new AzureSpeechProvider(), AZURE_SPEECH_MODELS],
    ["elevenlabs", () => new ElevenLabsProvider(), ELEVENLABS_MODELS],
    ["firecrawl", () => new FirecrawlProvider(), FIRECRAWL_MODELS],
    ["serper", () => new SerperProvider(), SERPER_MODELS],
    ["tavily", () => new TavilyProvider(), TAVILY_MODELS],
    ["perplexity", () => new PerplexityProvider(), PERPLEXITY_MODELS],
    ["together", () => new TogetherProvider(), TOGETHER_MODELS],
    ["xai", () => new XAIProvider(), XAI_MODELS],
    ["deepseek", () => new DeepSeekProvider(), DEEPSEEK_MODELS],
    ["mistral", () => new MistralProvider(), MISTRAL_MODELS],
    ["groq", () => new GroqProvider(), GROQ_MODELS],
    ["openrouter", () => new OpenRouterProvider(), OPENROUTER_MODELS],
  ];
  for (const [name, build, table] of cases) {
    it(`${name} lists its catalogue, as copies`, () => {
      const provider = build();
      const listed = provider.listModels() as Array<{ id: string; capabilities: string[] }>;
      expect(listed).toEqual(table);
      expect(listed.length).toBeGreaterThan(0);
      listed[0]!.id = "changed";
      listed[0]!.capabilities.push("changed");
      expect(provider.listModels()).toEqual(table);
    });
  }
});

describe("browser provider", () => {
  it("a bare origin gets OpenAI's /v1; a URL with a path, or another scheme, is used as given", () => {
    const base = (baseUrl: string) => createBrowserProviderConfig({ baseUrl }).baseUrl;
    expect(base("https://api.openai.com")).toBe("https://api.openai.com/v1");
    expect(base("https://api.openai.com/")).toBe("https://api.openai.com/v1");
    expect(base("HTTP://LOCALHOST:8080")).toBe("HTTP://LOCALHOST:8080/v1");
    expect(base("http://localhost:8080/openai")).toBe("http://localhost:8080/openai");
    expect(base("https://example.com/v2/")).toBe("https://example.com/v2/");
    expect(base("ws://example.com")).toBe("ws://example.com");
    // Only a whole URL that is a bare origin counts: an origin at the end of a longer path is a path.
    expect(base("http://localhost:8080/relay/https://api.openai.com")).toBe("http://localhost:8080/relay/https://api.openai.com");
  });

  it("knows OpenAI's models only when pointed at api.openai.com", () => {
    expect(new BrowserBaseProvider({ baseUrl: "https://api.openai.com", apiKey: "k" }).listModels()).toEqual(OPENAI_MODELS);
    expect(new BrowserBaseProvider().listModels()).toEqual(OPENAI_MODELS);
    expect(new BrowserBaseProvider({ baseUrl: "https://api.openai.com.evil.example", apiKey: "k" }).listModels()).toEqual([]);
    expect(new BrowserBaseProvider({ baseUrl: "http://localhost:8080/v1" }).listModels()).toEqual([]);
  });

  it("sends requests to the configured URL through the proxy when one is given", async () => {
    const fake = await startScriptedServer([{ body: { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] } }]);
    server = fake;
    const provider = new BrowserBaseProvider({ baseUrl: "http://127.0.0.1:1", apiKey: "k", proxyUrl: `${fake.url}/proxy/` });
    const { body } = await provider.chat({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
    expect(body.choices[0]?.message.content).toBe("hi");
    expect(fake.requests[0]?.url).toBe("/proxy/http://127.0.0.1:1/v1/chat/completions");
    expect(provider.toJSON()).toMatchObject({ connectorId: "modelmesh.browser-provider.v1", baseUrl: "http://127.0.0.1:1/v1" });
  });
});

describe("local servers", () => {
  const models = (ids: string[]) => ({ body: { object: "list", data: [...ids.map((id) => ({ id, object: "model", owned_by: "me" })), { object: "model" }, "junk"] } });
  const locals: Array<[string, (config: OpenAICompatibleConfigInput) => LocalServerProvider, string, boolean]> = [
    ["ollama", (config) => new OllamaProvider(config), "http://localhost:11434/v1", false],
    ["lmstudio", (config) => new LMStudioProvider(config), "http://localhost:1234/v1", false],
    ["vllm", (config) => new VLLMProvider(config), "http://localhost:8000/v1", false],
    ["localai", (config) => new LocalAIProvider(config), "http://localhost:8080/v1", true],
  ];
  for (const [name, build, defaultUrl, media] of locals) {
    it(`${name}: lists the server's models once, under /v1, keyless; copies a caller cannot corrupt`, async () => {
      const fake = await startScriptedServer([models(["llama3.2", "nomic-embed-text"])]);
      server = fake;
      expect(build({}).toJSON().baseUrl).toBe(defaultUrl);
      const provider = build({ baseUrl: fake.url });
      expect(provider.listModels()).toEqual([]);
      await provider.loadModels();
      await provider.loadModels();
      expect(fake.requests.map((request) => `${request.method} ${request.url}`)).toEqual(["GET /v1/models"]);
      expect(fake.requests[0]?.headers).not.toHaveProperty("authorization");
      const listed = provider.listModels();
      expect(listed).toEqual([
        { id: "llama3.2", capabilities: ["generation.text-generation.chat-completion"] },
        { id: "nomic-embed-text", capabilities: ["representation.embeddings.text-embeddings"] },
      ]);
      listed[0]!.capabilities.push("changed");
      listed[1]!.id = "changed";
      expect(provider.listModels().map((model) => [model.id, model.capabilities.length])).toEqual([["llama3.2", 1], ["nomic-embed-text", 1]]);
      expect(provider.supports("chat")).toBe(true);
      expect(provider.supports("embeddings")).toBe(true);
      // LocalAI also serves speech, transcription and images; the others chat and embeddings only.
      expect(["images", "speech", "transcription"].map((operation) => provider.supports(operation as never))).toEqual([media, media, media]);
    });
  }

  it("configured models skip the request; an empty models list still asks the server; a key is sent when configured", async () => {
    const fake = await startScriptedServer([models(["served"])]);
    server = fake;
    const configured = new VLLMProvider({ baseUrl: fake.url, models: [{ id: "mine", capabilities: ["generation.text-generation.chat-completion"] }] } as never);
    await configured.loadModels();
    expect(fake.requests).toHaveLength(0);
    expect(configured.listModels().map((model) => model.id)).toEqual(["mine"]);
    const empty = new VLLMProvider({ baseUrl: fake.url, models: [], apiKey: "local-key" } as never);
    await empty.loadModels();
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer local-key");
    expect(empty.listModels().map((model) => model.id)).toEqual(["served"]);
  });

  it("a server that fails the listing fails start with a ConfigError naming the server, the URL and the reason", async () => {
    const fake = await startScriptedServer([{ status: 500, body: { error: { message: "model store locked" } } }]);
    server = fake;
    const error = await new OllamaProvider({ baseUrl: fake.url }).loadModels().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`ollama did not list its models at ${fake.url}/v1/models (`);
    expect((error as Error).message).toContain("model store locked");
    expect((error as Error).message).toContain('start the server, or list its models under "models:"');
    expect((error as ConfigError).toJSON()).toMatchObject({ path: "providers.ollama" });
  });

  it("a failure that is not a ModelMesh error is named as thrown", async () => {
    class Broken extends LocalServerProvider {
      static override connectorId = "test.broken.v1";
      static override shortName = "broken";
      constructor() {
        super({}, "http://127.0.0.1:9/v1", ["chat"]);
      }
      override async fetchModelList(): Promise<never> {
        throw new Error("socket exploded");
      }
    }
    const error = await new Broken().loadModels().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("(Error: socket exploded)");
  });
});
