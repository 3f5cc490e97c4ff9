import { afterEach, describe, expect, it } from "vitest";
import { FirecrawlProvider, PerplexityProvider, ProviderError, RateLimitError, SerperProvider, TavilyProvider } from "../../src/index.js";
import { startScriptedServer, type ScriptedAnswer, type ScriptedServer } from "./scripted-http.js";

// Tavily, Serper, Firecrawl and Perplexity's Search API: the exact request each sends and the exact ModelMesh
// answer each makes of the service's body, including bodies with missing or mistyped fields.
const key = (prefix: string) => `${prefix}${"retrievalKEY0123456789".repeat(2)}`;
const limits = { "x-ratelimit-remaining-requests": "7" };

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
async function serve(answers: ScriptedAnswer[]): Promise<ScriptedServer> {
  await server?.close();
  server = await startScriptedServer(answers);
  return server;
}
const caught = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);

describe("Tavily", () => {
  it("sends the query with the model's depth and only the options asked; keeps Tavily's fields, drops mistyped ones", async () => {
    const fake = await serve([
      {
        headers: limits,
        body: {
          query: "as Tavily read it",
          answer: "An answer.",
          results: [{ title: "A", url: "https://a", content: "a text", score: 0.5, published_date: "2026-11-30", raw_content: "raw" }, "junk", { title: 3, score: "high", published_date: 20261130 }],
        },
      },
    ]);
    const provider = new TavilyProvider({ baseUrl: fake.url, apiKey: key("tvly-") });
    const found = await provider.search({ model: "advanced", query: "q", max_results: 3, include_answer: true });
    expect(fake.requests[0]).toMatchObject({ method: "POST", url: "/search", headers: { authorization: `Bearer ${key("tvly-")}` } });
    expect(fake.requests[0]?.body).toEqual({ query: "q", search_depth: "advanced", max_results: 3, include_answer: true });
    expect(found).toEqual({
      body: {
        object: "search.results",
        model: "advanced",
        query: "as Tavily read it",
        results: [
          { title: "A", url: "https://a", content: "a text", score: 0.5, published_date: "2026-11-30" },
          { title: "3", url: "", content: "" },
        ],
        answer: "An answer.",
      },
      rateLimit: expect.objectContaining({ remainingRequests: 7 }),
    });
    await provider.search({ model: "basic", query: "q2", include_answer: false });
    expect(fake.requests[1]?.body).toEqual({ query: "q2", search_depth: "basic" });
    await provider.search({ model: "something-else", query: "q3" });
    expect(fake.requests[2]?.body).toEqual({ query: "q3", search_depth: "basic" });
    expect(provider.supports("search")).toBe(true);
    expect(provider.supports("scrape")).toBe(false);
  });

  it("without an echoed query or a string answer, the caller's query stands and no answer is made up", async () => {
    const fake = await serve([{ body: { query: 5, answer: null, results: [] } }]);
    const { body } = await new TavilyProvider({ baseUrl: fake.url, apiKey: key("tvly-") }).search({ model: "basic", query: "mine" });
    expect(body).toEqual({ object: "search.results", model: "basic", query: "mine", results: [] });
  });

  it("a body without a results array is a malformed response", async () => {
    for (const body of [{ results: "none" }, ["x"]]) {
      const fake = await serve([{ body }]);
      const error = await caught(new TavilyProvider({ baseUrl: fake.url, apiKey: key("tvly-") }).search({ model: "basic", query: "q" }));
      expect(error).toMatchObject({ code: "malformed_response" });
      expect((error as Error).message).toContain("the body has no results array");
    }
  });

  it("432 and 433 are non-retryable quota errors keeping status and body; 429 and 500 keep their own mapping", async () => {
    for (const status of [432, 433]) {
      const body = { detail: { error: "This request exceeds your plan's set usage limit." } };
      const fake = await serve([{ status, body }]);
      const error = await caught(new TavilyProvider({ baseUrl: fake.url, apiKey: key("tvly-") }).search({ model: "advanced", query: "q" }));
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ code: "insufficient_quota", retryable: false, status, body, providerId: "tavily", modelId: "advanced" });
    }
    const limited = await caught(new TavilyProvider({ baseUrl: (await serve([{ status: 429, body: { detail: { error: "slow" } }, headers: { "retry-after": "3" } }])).url, apiKey: key("tvly-") }).search({ model: "basic", query: "q" }));
    expect(limited).toMatchObject({ retryable: true, retryAfter: 3 });
    const failed = await caught(new TavilyProvider({ baseUrl: (await serve([{ status: 500, body: { detail: { error: "boom" } } }])).url, apiKey: key("tvly-") }).search({ model: "basic", query: "q" }));
    expect(failed).toBeInstanceOf(ProviderError);
    expect(failed).not.toBeInstanceOf(RateLimitError);
    expect(failed).toMatchObject({ status: 500, retryable: true });
  });
});

describe("Serper", () => {
  it("sends q (and num only when asked) with X-API-KEY; organic results and the answer box's answer become the search shape", async () => {
    const fake = await serve([
      {
        headers: limits,
        body: {
          answerBox: { answer: "Boxed.", snippet: "Snippet." },
          organic: [{ title: "A", link: "https://a", snippet: "a text", date: "Nov 30, 2026", position: 1 }, 7, { date: 5 }],
        },
      },
      { body: { answerBox: { snippet: "Snippet only." }, organic: [] } },
      { body: { answerBox: { answer: 1, snippet: 2 }, organic: [] } },
      { body: { answerBox: "text", organic: [] } },
    ]);
    const provider = new SerperProvider({ baseUrl: fake.url, apiKey: key("serper-") });
    expect(await provider.search({ model: "google-search", query: "q", max_results: 4 })).toEqual({
      body: {
        object: "search.results",
        model: "google-search",
        query: "q",
        results: [
          { title: "A", url: "https://a", content: "a text", published_date: "Nov 30, 2026" },
          { title: "", url: "", content: "" },
        ],
        answer: "Boxed.",
      },
      rateLimit: expect.objectContaining({ remainingRequests: 7 }),
    });
    expect(fake.requests[0]).toMatchObject({ method: "POST", url: "/search", headers: { "x-api-key": key("serper-"), "content-type": "application/json" } });
    expect(fake.requests[0]?.body).toEqual({ q: "q", num: 4 });
    expect((await provider.search({ model: "google-search", query: "q2" })).body).toEqual({ object: "search.results", model: "google-search", query: "q2", results: [], answer: "Snippet only." });
    expect(fake.requests[1]?.body).toEqual({ q: "q2" });
    expect((await provider.search({ model: "google-search", query: "q3" })).body).toEqual({ object: "search.results", model: "google-search", query: "q3", results: [] });
    expect((await provider.search({ model: "google-search", query: "q4" })).body).toEqual({ object: "search.results", model: "google-search", query: "q4", results: [] });
    expect(provider.supports("search")).toBe(true);
    expect(provider.supports("chat")).toBe(false);
  });

  it("no key, no X-API-KEY; a body without organic results is malformed", async () => {
    const fake = await serve([{ body: { organic: {} } }]);
    const error = await caught(new SerperProvider({ baseUrl: fake.url }).search({ model: "google-search", query: "q" }));
    expect("x-api-key" in fake.requests[0]!.headers).toBe(false);
    expect(error).toMatchObject({ code: "malformed_response" });
    expect((error as Error).message).toContain("the body has no organic results");
  });
});

describe("Firecrawl", () => {
  it("asks for main-content markdown under /v1 with a Bearer key; the page, its title and metadata come back", async () => {
    const metadata = { title: "Example", sourceURL: "https://example.org/a", statusCode: 200 };
    const fake = await serve([{ headers: limits, body: { success: true, data: { markdown: "# Example", metadata } } }, { body: { success: true, data: { markdown: "", metadata: { title: 9 } } } }, { body: { success: true, data: { markdown: "plain", metadata: "none" } } }]);
    const provider = new FirecrawlProvider({ baseUrl: fake.url, apiKey: key("fc-") });
    expect(await provider.scrape({ model: "scrape", url: "https://example.org/a" })).toEqual({
      body: { object: "scrape.result", model: "scrape", url: "https://example.org/a", title: "Example", markdown: "# Example", metadata },
      rateLimit: expect.objectContaining({ remainingRequests: 7 }),
    });
    expect(fake.requests[0]).toMatchObject({ method: "POST", url: "/v1/scrape", headers: { authorization: `Bearer ${key("fc-")}` } });
    expect(fake.requests[0]?.body).toEqual({ url: "https://example.org/a", formats: ["markdown"], onlyMainContent: true });
    expect((await provider.scrape({ model: "scrape", url: "https://b" })).body).toEqual({ object: "scrape.result", model: "scrape", url: "https://b", markdown: "", metadata: { title: 9 } });
    expect((await provider.scrape({ model: "scrape", url: "https://c" })).body).toEqual({ object: "scrape.result", model: "scrape", url: "https://c", markdown: "plain", metadata: {} });
    expect(provider.supports("scrape")).toBe(true);
    expect(provider.supports("search")).toBe(false);
  });

  it("success false, no data or no markdown string is a malformed response", async () => {
    for (const body of [{ success: false, data: { markdown: "x" } }, { success: "true", data: { markdown: "x" } }, { success: true }, { success: true, data: { markdown: 5 } }, ["x"]]) {
      const fake = await serve([{ body }]);
      const error = await caught(new FirecrawlProvider({ baseUrl: fake.url, apiKey: key("fc-") }).scrape({ model: "scrape", url: "https://x" }));
      expect(error).toMatchObject({ code: "malformed_response" });
      expect((error as Error).message).toContain("the body has no data.markdown");
    }
  });
});

describe("Perplexity", () => {
  it("its base URL has no version segment: a pasted /v1 or trailing slash is removed, from either spelling", () => {
    const base = (config: Record<string, unknown>) => new PerplexityProvider(config).toJSON().baseUrl;
    expect(base({})).toBe("https://api.perplexity.ai");
    expect(base({ baseUrl: "http://127.0.0.1:9/v1/" })).toBe("http://127.0.0.1:9");
    expect(base({ base_url: "http://127.0.0.1:9/v1" })).toBe("http://127.0.0.1:9");
    expect(base({ baseUrl: "", base_url: "http://127.0.0.1:8//" })).toBe("http://127.0.0.1:8");
    expect(base({ baseUrl: "http://127.0.0.1:7/api", base_url: "http://127.0.0.1:8" })).toBe("http://127.0.0.1:7/api");
    expect(base({ base_url: "" })).toBe("https://api.perplexity.ai");
    expect(base({ baseUrl: "http://127.0.0.1:9/v1x" })).toBe("http://127.0.0.1:9/v1x");
  });

  it("serves chat and search only", () => {
    const provider = new PerplexityProvider({ apiKey: key("pplx-") });
    expect(provider.supports("chat")).toBe(true);
    expect(provider.supports("search")).toBe(true);
    expect(provider.supports("embeddings")).toBe(false);
  });

  it("search sends the query (and max_results only when asked) to /search; results become the search shape", async () => {
    const fake = await serve([
      { headers: limits, body: { results: [{ title: "A", url: "https://a", snippet: "a text", date: "2026-11-30", last_updated: "x" }, null, { date: 3 }], id: "r1" } },
      { body: { results: [] } },
    ]);
    const provider = new PerplexityProvider({ baseUrl: fake.url, apiKey: key("pplx-") });
    expect(await provider.search({ model: "perplexity-search", query: "q", max_results: 2 })).toEqual({
      body: {
        object: "search.results",
        model: "perplexity-search",
        query: "q",
        results: [
          { title: "A", url: "https://a", content: "a text", published_date: "2026-11-30" },
          { title: "", url: "", content: "" },
        ],
      },
      rateLimit: expect.objectContaining({ remainingRequests: 7 }),
    });
    expect(fake.requests[0]).toMatchObject({ method: "POST", url: "/search", headers: { authorization: `Bearer ${key("pplx-")}` } });
    expect(fake.requests[0]?.body).toEqual({ query: "q", max_results: 2 });
    await provider.search({ model: "perplexity-search", query: "q2" });
    expect(fake.requests[1]?.body).toEqual({ query: "q2" });
  });

  it("a search body without a results array is a malformed response", async () => {
    const fake = await serve([{ body: { results: {} } }]);
    const error = await caught(new PerplexityProvider({ baseUrl: fake.url, apiKey: key("pplx-") }).search({ model: "perplexity-search", query: "q" }));
    expect(error).toMatchObject({ code: "malformed_response" });
    expect((error as Error).message).toContain("the body has no results array");
  });
});
