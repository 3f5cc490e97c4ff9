import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthenticationError, CohereProvider, create, FirecrawlProvider, InvalidRequestError, JinaProvider, ProviderError, RateLimitError, SerperProvider, TavilyProvider } from "../src/index.js";
import type { Provider } from "../src/index.js";
import { startFakeCohere } from "./fakes/cohere.js";
import type { FakeControls, WireFakeMode } from "./fakes/fake-kit.js";
import { startFakeRetrieval } from "./fakes/retrieval-services.js";

// Keys built at run time: the house scan flags key-shaped literals.
const key = (prefix: string) => `${prefix}${"retrievalKEY0123456789".repeat(2)}`;

interface Subject {
  name: string;
  start(): Promise<FakeControls>;
  provider(fake: FakeControls, apiKey: string): Provider;
  prefix: string;
  call(provider: Provider): Promise<unknown>;
}

const subjects: Subject[] = [
  { name: "Tavily", start: () => startFakeRetrieval("tavily"), provider: (fake, apiKey) => new TavilyProvider({ baseUrl: fake.url, apiKey }), prefix: "tvly-", call: (provider) => provider.search!({ model: "basic", query: "modelmesh" }) },
  { name: "Serper", start: () => startFakeRetrieval("serper"), provider: (fake, apiKey) => new SerperProvider({ baseUrl: fake.url, apiKey }), prefix: "serper-", call: (provider) => provider.search!({ model: "google-search", query: "modelmesh" }) },
  { name: "Firecrawl", start: () => startFakeRetrieval("firecrawl"), provider: (fake, apiKey) => new FirecrawlProvider({ baseUrl: fake.origin, apiKey }), prefix: "fc-", call: (provider) => provider.scrape!({ model: "scrape", url: "https://example.org/a" }) },
  { name: "Jina reader", start: () => startFakeRetrieval("jina"), provider: (fake, apiKey) => new JinaProvider({ baseUrl: fake.url, readerUrl: `${fake.origin}/reader`, searchUrl: `${fake.origin}/search`, apiKey }), prefix: "jina_", call: (provider) => provider.scrape!({ model: "jina-reader", url: "https://example.org/a" }) },
  { name: "Cohere rerank", start: () => startFakeCohere(), provider: (fake, apiKey) => new CohereProvider({ baseUrl: fake.url, apiKey }), prefix: "co-", call: (provider) => provider.rerank!({ model: "rerank-v3.5", query: "pools", documents: ["a pool", "b"] }) },
];

// What every retrieval connector owes the router: errors on the ModelMesh tree, malformed answers retryable, no key anywhere.
for (const subject of subjects) {
  describe(`${subject.name} (retrieval contract)`, () => {
    let fake: FakeControls;
    const apiKey = key(subject.prefix);
    beforeAll(async () => {
      fake = await subject.start();
    });
    afterAll(() => fake.close());

    it("maps errors onto the ModelMesh tree and never shows the key", async () => {
      const provider = subject.provider(fake, apiKey);
      const cases: Array<[WireFakeMode, (error: unknown) => void]> = [
        [{ kind: "error", status: 429, headers: { "retry-after": "3" } }, (error) => expect((error as RateLimitError).retryAfter).toBe(3)],
        [{ kind: "error", status: 500 }, (error) => expect((error as ProviderError).retryable).toBe(true)],
        [{ kind: "error", status: 400 }, (error) => expect((error as ProviderError).retryable).toBe(false)],
        [{ kind: "malformed" }, (error) => expect((error as ProviderError).code).toBe("malformed_response")],
      ];
      for (const [mode, check] of cases) {
        fake.enqueue(mode);
        const error = await subject.call(provider).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ProviderError);
        check(error);
        expect(JSON.stringify((error as ProviderError).toJSON())).not.toContain(apiKey);
      }
      const denied = await subject.call(subject.provider(fake, "")).catch((caught: unknown) => caught);
      expect(denied).toBeInstanceOf(AuthenticationError);
      expect(JSON.stringify(provider)).not.toContain(apiKey);
    });
  });
}

describe("web search through a pool", () => {
  let tavily: FakeControls;
  let serper: FakeControls;
  beforeAll(async () => {
    [tavily, serper] = await Promise.all([startFakeRetrieval("tavily"), startFakeRetrieval("serper")]);
  });
  afterAll(() => Promise.all([tavily.close(), serper.close()]));
  beforeEach(() => {
    tavily.reset();
    serper.reset();
  });

  it("Tavily: the request as Tavily takes it, results and answer kept, priced per request", async () => {
    const client = create("web-search", { providers: [{ connector: "tavily", config: { baseUrl: tavily.url, apiKey: key("tvly-") } }], strategy: "cost-first" });
    try {
      const found = await client.search.create({ model: "web-search", query: "modelmesh pools", max_results: 2, include_answer: true });
      expect(tavily.requests[0]).toMatchObject({ path: "/search", headers: { authorization: `Bearer ${key("tvly-")}` }, body: { query: "modelmesh pools", search_depth: "basic", max_results: 2, include_answer: true } });
      expect(found).toMatchObject({ object: "search.results", model: "basic", query: "modelmesh pools", answer: expect.stringContaining("ModelMesh routes") });
      expect(found.results).toEqual([
        { title: "ModelMesh: route AI requests", url: "https://example.org/modelmesh", content: "ModelMesh routes OpenAI-shaped requests across providers.", score: 0.9 },
        { title: "Capability pools", url: "https://example.org/pools", content: "A pool groups every model that can serve a capability.", score: 0.8 },
      ]);
      expect(client.usage.totalCost).toBeCloseTo(0.008, 12);
    } finally {
      await client.close();
    }
  });

  it("fails over from a failing Tavily to Serper; Serper's organic results and answer box become the same shape", async () => {
    tavily.setMode({ kind: "error", status: 503 });
    const client = create("web-search", {
      config: { defaults: { retry: { max_retries: 0 } } },
      providers: [
        { connector: "tavily", config: { baseUrl: tavily.url, apiKey: key("tvly-") } },
        { connector: "serper", config: { baseUrl: serper.url, apiKey: key("serper-") } },
      ],
      strategy: "priority",
    } as never);
    try {
      const found = await client.search.create({ model: "web-search", query: "failover", max_results: 1 });
      expect(tavily.requests.length).toBeGreaterThan(0);
      expect(serper.requests.at(-1)).toMatchObject({ path: "/search", headers: { "x-api-key": key("serper-") }, body: { q: "failover", num: 1 } });
      expect(found).toMatchObject({ model: "google-search", answer: "It routes AI requests.", results: [{ url: "https://example.org/modelmesh", published_date: "Nov 30, 2026" }] });
    } finally {
      await client.close();
    }
  });

  it("Tavily's plan limit (432) is a quota error, not a retry; a search without a query is refused before any request", async () => {
    tavily.enqueue({ kind: "error", status: 432 });
    const error = await new TavilyProvider({ baseUrl: tavily.url, apiKey: key("tvly-") }).search({ model: "basic", query: "x" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryable).toBe(false);
    const client = create("web-search", { providers: [{ connector: "tavily", config: { baseUrl: tavily.url, apiKey: key("tvly-") } }] });
    try {
      await expect(client.search.create({ model: "web-search", query: "" })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(client.chat.completions.create({ model: "web-search", messages: [{ role: "user", content: "hi" }] })).rejects.toBeInstanceOf(InvalidRequestError);
      expect(tavily.requests).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});

describe("reranking", () => {
  it("Cohere: most relevant first, top_n kept, documents echoed on request, billed per search", async () => {
    const fake = await startFakeCohere();
    const client = create("reranking", { providers: [{ connector: "cohere", config: { baseUrl: fake.url, apiKey: key("co-") } }] });
    try {
      const documents = ["Berlin is in Germany.", "Paris is the capital of France.", "France has wine."];
      const ranked = await client.rerank.create({ model: "reranking", query: "capital of France", documents, top_n: 2, return_documents: true });
      expect(fake.requests.at(-1)).toMatchObject({ path: "/v2/rerank", body: { model: "rerank-v3.5", query: "capital of France", documents, top_n: 2 } });
      expect(ranked.results.map((result) => result.index)).toEqual([1, 2]);
      expect(ranked.results[0]?.document).toEqual({ text: "Paris is the capital of France." });
      expect(ranked.usage).toEqual({ search_units: 1, cost: 0.002 });
      expect(client.usage.totalCost).toBeCloseTo(0.002, 12);
      await expect(client.rerank.create({ model: "reranking", query: "q", documents: [] })).rejects.toBeInstanceOf(InvalidRequestError);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it("Jina: rerank, embeddings, search and reader each at its own endpoint, JSON asked of the reader and the search", async () => {
    const fake = await startFakeRetrieval("jina");
    const jina = new JinaProvider({ baseUrl: fake.origin, readerUrl: `${fake.origin}/reader`, searchUrl: `${fake.origin}/search/`, apiKey: key("jina_") });
    try {
      const ranked = await jina.rerank({ model: "jina-reranker-v2-base-multilingual", query: "capital of France", documents: ["Berlin", "capital of France is Paris"] });
      expect(ranked.body.results[0]?.index).toBe(1);
      const embedded = await jina.embeddings({ model: "jina-embeddings-v3", input: ["a", "bb"] });
      expect(embedded.body.data).toHaveLength(2);
      const page = await jina.scrape({ model: "jina-reader", url: "https://example.org/x" });
      expect(page.body).toMatchObject({ object: "scrape.result", url: "https://example.org/x", title: "Example", markdown: expect.stringContaining("Markdown content of https://example.org/x") });
      const found = await jina.search({ model: "jina-search", query: "pools", max_results: 2 });
      expect(found.body.results.map((result) => result.url)).toEqual(["https://example.org/modelmesh", "https://example.org/pools"]);
      expect(fake.requests.map((request) => [request.path, request.headers.accept])).toEqual([
        ["/v1/rerank", "application/json"],
        ["/v1/embeddings", "application/json"],
        ["/reader/", "application/json"],
        ["/search/", "application/json"],
      ]);
      expect(fake.requests[2]?.body).toEqual({ url: "https://example.org/x" });
      expect(fake.requests[3]?.body).toEqual({ q: "pools", num: 2 });
    } finally {
      await fake.close();
    }
  });
});

describe("scraping through a pool", () => {
  it("Firecrawl: one page as markdown with its metadata", async () => {
    const fake = await startFakeRetrieval("firecrawl");
    const client = create("web-scraping", { providers: [{ connector: "firecrawl", config: { baseUrl: fake.origin, apiKey: key("fc-") } }] });
    try {
      const page = await client.scrape.create({ model: "web-scraping", url: "https://example.org/a" });
      expect(fake.requests[0]).toMatchObject({ path: "/v1/scrape", headers: { authorization: `Bearer ${key("fc-")}` }, body: { url: "https://example.org/a", formats: ["markdown"] } });
      expect(page).toMatchObject({ object: "scrape.result", model: "scrape", title: "Title of https://example.org/a", markdown: "# Page at https://example.org/a\n\nThis is the main content.", metadata: { statusCode: 200 } });
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
