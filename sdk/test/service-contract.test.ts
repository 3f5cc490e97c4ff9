import { describe, expect, it } from "vitest";
import { AssemblyAIProvider, AzureSpeechProvider, CohereProvider, ElevenLabsProvider, FirecrawlProvider, GroqProvider, JinaProvider, OpenAIProvider, PerplexityProvider, SerperProvider, TavilyProvider } from "../src/index.js";
import type { Provider, ProviderCallOptions } from "../src/index.js";
import { endingOf, receivedAtLeast } from "./contracts/provider.contract.js";
import { serviceContract, type ServiceOperation, type ServiceUnderTest } from "./contracts/service.contract.js";
import { startFakeCohere } from "./fakes/cohere.js";
import type { ExchangeRecord } from "./fakes/http.js";
import { startFakeService } from "./fakes/openai-compatible-services.js";
import { startFakeOpenAI, type FakeMode } from "./fakes/openai.js";
import { startFakeRetrieval } from "./fakes/retrieval-services.js";
import { startFakeSpeech } from "./fakes/speech-services.js";

// Every retrieval and speech connector through the service contract: abort closes the upstream (seen by the fake),
// 429 with the service's wait, 408 and a silent service as TimeoutError. Their own suites cover the wire formats.

// Keys built at run time: the house scan flags key-shaped literals.
const key = (prefix: string) => `${prefix}${"serviceKEY0123456789".repeat(2)}`;
const audio = () => new File([new Uint8Array(64)], "a.wav", { type: "audio/wav" });

interface AnyFake {
  enqueue(mode: FakeMode): void;
  requests: ReadonlyArray<unknown>;
  exchanges: ExchangeRecord[];
  close(): Promise<void>;
}

/** A subject over one fake (the wire fakes and the OpenAI fake expose the same controls). */
function over<P extends Provider>(fake: AnyFake, provider: P, apiKey: string, operation: ServiceOperation, call: (provider: P, options?: ProviderCallOptions) => Promise<unknown>, rateLimit?: ServiceUnderTest["rateLimit"]): ServiceUnderTest {
  return { provider, apiKey, operation, call: (options) => call(provider, options), enqueue: (mode) => fake.enqueue(mode), requests: fake.requests, exchanges: fake.exchanges, close: () => fake.close(), ...(rateLimit ? { rateLimit } : {}) };
}

serviceContract("TavilyProvider", async () => {
  const fake = await startFakeRetrieval("tavily");
  const apiKey = key("tvly-");
  return over(fake, new TavilyProvider({ baseUrl: fake.url, apiKey }), apiKey, "search", (provider, options) => provider.search({ model: "basic", query: "modelmesh" }, options));
});
serviceContract("SerperProvider", async () => {
  const fake = await startFakeRetrieval("serper");
  const apiKey = key("serper-");
  return over(fake, new SerperProvider({ baseUrl: fake.url, apiKey }), apiKey, "search", (provider, options) => provider.search({ model: "google-search", query: "modelmesh" }, options));
});
serviceContract("FirecrawlProvider", async () => {
  const fake = await startFakeRetrieval("firecrawl");
  const apiKey = key("fc-");
  return over(fake, new FirecrawlProvider({ baseUrl: fake.origin, apiKey }), apiKey, "scrape", (provider, options) => provider.scrape({ model: "scrape", url: "https://example.org/a" }, options));
});
for (const [operation, call] of [
  ["rerank", (provider: JinaProvider, options?: ProviderCallOptions) => provider.rerank({ model: "jina-reranker-v2-base-multilingual", query: "pools", documents: ["a pool", "b"] }, options)],
  ["search", (provider: JinaProvider, options?: ProviderCallOptions) => provider.search({ model: "jina-search", query: "modelmesh" }, options)],
  ["scrape", (provider: JinaProvider, options?: ProviderCallOptions) => provider.scrape({ model: "jina-reader", url: "https://example.org/a" }, options)],
] as const) {
  serviceContract(`JinaProvider ${operation}`, async () => {
    const fake = await startFakeRetrieval("jina");
    const apiKey = key("jina_");
    return over(fake, new JinaProvider({ baseUrl: fake.url, readerUrl: `${fake.origin}/reader`, searchUrl: `${fake.origin}/search`, apiKey }), apiKey, operation, call);
  });
}
serviceContract("CohereProvider rerank", async () => {
  const fake = await startFakeCohere();
  const apiKey = key("co-");
  return over(fake, new CohereProvider({ baseUrl: fake.url, apiKey }), apiKey, "rerank", (provider, options) => provider.rerank({ model: "rerank-v3.5", query: "pools", documents: ["a pool", "b"] }, options));
});
serviceContract("PerplexityProvider search", async () => {
  const fake = await startFakeService("perplexity");
  const apiKey = key("pplx-");
  return over(fake, new PerplexityProvider({ baseUrl: fake.url, apiKey }), apiKey, "search", (provider, options) => provider.search({ model: "perplexity-search", query: "modelmesh" }, options));
});
serviceContract("ElevenLabsProvider", async () => {
  const fake = await startFakeSpeech("elevenlabs");
  const apiKey = key("xi-");
  return over(fake, new ElevenLabsProvider({ baseUrl: fake.url, apiKey }), apiKey, "speech", (provider, options) => provider.speech({ model: "eleven_flash_v2_5", voice: "21m00Tcm4TlvDq8ikWAM", input: "Hello" }, options));
});
serviceContract("AzureSpeechProvider", async () => {
  const fake = await startFakeSpeech("azure");
  const apiKey = key("az");
  return over(fake, new AzureSpeechProvider({ baseUrl: fake.url, apiKey }), apiKey, "speech", (provider, options) => provider.speech({ model: "neural", voice: "en-US-AvaMultilingualNeural", input: "Hello" }, options));
});
serviceContract("AssemblyAIProvider", async () => {
  const fake = await startFakeSpeech("assemblyai", { processingPolls: 1 });
  const apiKey = key("aai");
  return over(fake, new AssemblyAIProvider({ baseUrl: fake.url, apiKey, pollIntervalMs: 10 }), apiKey, "transcription", (provider, options) => provider.transcription({ model: "universal", file: audio() }, options));
});
serviceContract("OpenAIProvider speech", async () => {
  const fake = await startFakeOpenAI();
  const apiKey = key("sk-proj-");
  return over(fake, new OpenAIProvider({ baseUrl: fake.url, apiKey }), apiKey, "speech", (provider, options) => provider.speech({ model: "tts-1", voice: "alloy", input: "Hello" }, options));
});
serviceContract("OpenAIProvider transcription", async () => {
  const fake = await startFakeOpenAI();
  const apiKey = key("sk-proj-");
  return over(fake, new OpenAIProvider({ baseUrl: fake.url, apiKey }), apiKey, "transcription", (provider, options) => provider.transcription({ model: "whisper-1", file: audio() }, options));
});
serviceContract("GroqProvider transcription", async () => {
  const fake = await startFakeService("groq");
  const apiKey = key("gsk_");
  return over(fake, new GroqProvider({ baseUrl: fake.url, apiKey }), apiKey, "transcription", (provider, options) => provider.transcription({ model: "whisper-large-v3", file: audio() }, options));
});

describe("AssemblyAIProvider (service contract: polling)", () => {
  it("an abort while it polls rejects with the caller's abort, and the fake sees no poll after it", async () => {
    const fake = await startFakeSpeech("assemblyai", { processingPolls: 1_000 });
    try {
      const controller = new AbortController();
      const reason = new Error("the caller gave up");
      const provider = new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key("aai"), pollIntervalMs: 20 });
      const pending = provider.transcription({ model: "universal", file: audio() }, { signal: controller.signal }).then(
        () => "answered",
        (caught: unknown) => caught,
      );
      const polls = () => fake.requests.filter((request) => request.method === "GET").length;
      // Upload, start, then at least three status reads: the abort lands while it polls.
      await receivedAtLeast(fake.requests, 5);
      controller.abort(reason);
      // Bounded: a loop that ignored the signal would poll on (a thousand times) instead of rejecting.
      const outcome = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve("still polling"), 3_000))]);
      expect(outcome).toBe(reason);
      // A status read already on the wire when the abort fired still lands: let it, and let every exchange end
      // (none is left open behind the abort), then count.
      await new Promise((resolve) => setTimeout(resolve, 150));
      for (const [index] of fake.exchanges.entries()) expect(await endingOf(fake.exchanges, index)).toMatch(/^(completed|client-closed)$/);
      const seen = polls();
      const exchanges = fake.exchanges.length;
      // Fifteen poll intervals: a loop that ignored the signal would have read the status again by now.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(polls()).toBe(seen);
      expect(fake.exchanges.length).toBe(exchanges);
    } finally {
      await fake.close();
    }
  });
});
