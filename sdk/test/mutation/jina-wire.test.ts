import { describe, expect, it } from "vitest";
import { JinaProvider, ProviderError } from "../../src/index.js";
import { wireCapture, type Reply } from "./wire-capture.js";

// Jina's four endpoints pinned exactly: where each request goes, what it carries, and the ModelMesh shape of each
// answer, including the defaults (hosts, trailing slashes) and the bodies that are not what Jina documents.

const apiKey = "jina_mutation_KEY_0123456789";
const provider = (config: Record<string, unknown>, ...replies: Reply[]) => {
  const wire = wireCapture(...replies);
  return { wire, jina: new JinaProvider({ apiKey, fetch: wire.fetch, ...config }) };
};

describe("Jina endpoints and bodies", () => {
  it("default hosts: the API at api.jina.ai/v1, the reader at r.jina.ai, the search at s.jina.ai, JSON asked of both", async () => {
    const { wire, jina } = provider(
      {},
      { json: { object: "list", data: [{ object: "embedding", index: 0, embedding: [1] }], model: "other", usage: { prompt_tokens: 1, total_tokens: 1 } } },
      { json: { code: 200, data: { url: "https://final.example/", title: "T", content: "# md", usage: { tokens: 12 } } } },
      { json: { code: 200, data: [{ title: "A", url: "https://a", content: "full" }, { url: "https://b", description: "desc" }, "junk", {}] } },
    );
    const embedded = await jina.embeddings({ model: "jina-embeddings-v3", input: "x", task: "retrieval.query" } as never);
    expect(wire.last()).toMatchObject({ url: "https://api.jina.ai/v1/embeddings", method: "POST", body: { model: "jina-embeddings-v3", input: "x", task: "retrieval.query" } });
    expect(wire.last().headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(embedded.body).toEqual({ object: "list", data: [{ object: "embedding", index: 0, embedding: [1] }], model: "jina-embeddings-v3", usage: { prompt_tokens: 1, total_tokens: 1 } });
    const page = await jina.scrape({ model: "jina-reader", url: "https://example.org/a" });
    expect(wire.last()).toMatchObject({ url: "https://r.jina.ai/", method: "POST", body: { url: "https://example.org/a" } });
    expect(wire.last().headers.accept).toBe("application/json");
    expect(page.body).toEqual({ object: "scrape.result", model: "jina-reader", url: "https://final.example/", title: "T", markdown: "# md", metadata: { tokens: 12 } });
    const found = await jina.search({ model: "jina-search", query: "pools", max_results: 3 });
    expect(wire.last()).toMatchObject({ url: "https://s.jina.ai/", method: "POST", body: { q: "pools", num: 3 } });
    expect(wire.last().headers.accept).toBe("application/json");
    expect(found.body).toEqual({
      object: "search.results",
      model: "jina-search",
      query: "pools",
      results: [
        { title: "A", url: "https://a", content: "full" },
        { title: "", url: "https://b", content: "desc" },
        { title: "", url: "", content: "" },
      ],
    });
  });

  it("configured hosts (camelCase or snake_case) lose trailing slashes; the caller's headers are kept beside Accept", async () => {
    const { wire, jina } = provider(
      { base_url: "https://jina.test", reader_url: "https://reader.test/r///", search_url: "https://search.test/s/" },
      { json: { data: { content: "plain" } } },
      { json: { data: [] } },
    );
    const page = await jina.scrape({ model: "jina-reader", url: "https://example.org/b" }, { headers: { "X-Return-Format": "markdown" } });
    expect(wire.last().url).toBe("https://reader.test/r/");
    expect(wire.last().headers["x-return-format"]).toBe("markdown");
    expect(wire.last().headers.accept).toBe("application/json");
    expect(page.body).toEqual({ object: "scrape.result", model: "jina-reader", url: "https://example.org/b", markdown: "plain" });
    const found = await jina.search({ model: "jina-search", query: "q" });
    expect(wire.last().url).toBe("https://search.test/s/");
    expect(wire.last().body).toEqual({ q: "q" });
    expect(found.body.results).toEqual([]);
    expect(jina.toJSON().baseUrl).toBe("https://jina.test/v1");
    const camel = provider({ readerUrl: "https://r2.test/", searchUrl: "https://s2.test" }, { json: { data: { content: "c" } } });
    await camel.jina.scrape({ model: "jina-reader", url: "https://e" });
    expect(camel.wire.last().url).toBe("https://r2.test/");
  });

  it("rerank: exact body with or without top_n, usage from total_tokens only when it is a number", async () => {
    const { wire, jina } = provider(
      {},
      { json: { results: [{ index: 1, relevance_score: 0.3 }, { index: 0, relevance_score: 0.8 }], usage: { total_tokens: 9 } } },
      { json: { results: [{ index: 0, relevance_score: 0.1 }], usage: { total_tokens: "9" } } },
    );
    const ranked = await jina.rerank({ model: "jina-reranker-v2-base-multilingual", query: "q", documents: ["a", "b"], top_n: 1 });
    expect(wire.last()).toMatchObject({ url: "https://api.jina.ai/v1/rerank", body: { model: "jina-reranker-v2-base-multilingual", query: "q", documents: ["a", "b"], top_n: 1 } });
    expect(ranked.body).toEqual({ object: "list", model: "jina-reranker-v2-base-multilingual", results: [{ index: 0, relevance_score: 0.8 }], usage: { total_tokens: 9 } });
    const plain = await jina.rerank({ model: "jina-reranker-v2-base-multilingual", query: "q", documents: ["a"] });
    expect(wire.last().body).toEqual({ model: "jina-reranker-v2-base-multilingual", query: "q", documents: ["a"] });
    expect(plain.body).toEqual({ object: "list", model: "jina-reranker-v2-base-multilingual", results: [{ index: 0, relevance_score: 0.1 }] });
  });

  it("bodies that are not Jina's shape are malformed responses naming what is missing", async () => {
    const cases: Array<[Reply, (jina: JinaProvider) => Promise<unknown>, string]> = [
      [{ json: { data: "x" } }, (jina) => jina.embeddings({ model: "jina-embeddings-v3", input: "x" }), "the body has no data array"],
      [{ json: [1] }, (jina) => jina.embeddings({ model: "jina-embeddings-v3", input: "x" }), "the body has no data array"],
      [{ json: { data: { title: "no content" } } }, (jina) => jina.scrape({ model: "jina-reader", url: "https://e" }), "the body has no data.content"],
      [{ json: { data: { content: 5 } } }, (jina) => jina.scrape({ model: "jina-reader", url: "https://e" }), "the body has no data.content"],
      [{ json: "text" }, (jina) => jina.scrape({ model: "jina-reader", url: "https://e" }), "the body has no data.content"],
      [{ json: { data: {} } }, (jina) => jina.search({ model: "jina-search", query: "q" }), "the body has no data array"],
      [{ json: [] }, (jina) => jina.search({ model: "jina-search", query: "q" }), "the body has no data array"],
    ];
    for (const [reply, call, message] of cases) {
      const { jina } = provider({}, reply);
      const error = (await call(jina).catch((caught: unknown) => caught)) as ProviderError;
      expect(error.code, message).toBe("malformed_response");
      expect(error.message).toContain(message);
    }
  });

  it("a page whose usage is not a token count has no metadata; a title that is not text is left out", async () => {
    const { jina } = provider({}, { json: { data: { content: "c", title: 7, url: 9, usage: { tokens: "12" } } } }, { json: { data: { content: "c", usage: 3 } } });
    expect((await jina.scrape({ model: "jina-reader", url: "https://asked" })).body).toEqual({ object: "scrape.result", model: "jina-reader", url: "https://asked", markdown: "c" });
    expect((await jina.scrape({ model: "jina-reader", url: "https://asked" })).body).toEqual({ object: "scrape.result", model: "jina-reader", url: "https://asked", markdown: "c" });
  });

  it("supports exactly its four operations and lists its four models", () => {
    const jina = new JinaProvider({ apiKey });
    expect((["chat", "embeddings", "speech", "transcription", "images", "rerank", "search", "scrape"] as const).map((operation) => jina.supports(operation))).toEqual([false, true, false, false, false, true, true, true]);
    expect(jina.listModels()).toEqual([
      { id: "jina-embeddings-v3", capabilities: ["representation.embeddings.text-embeddings"], contextWindow: 8_192 },
      { id: "jina-reranker-v2-base-multilingual", capabilities: ["retrieval.reranking"] },
      { id: "jina-reader", capabilities: ["retrieval.content-extraction.web-scraping"] },
      { id: "jina-search", capabilities: ["retrieval.search.web-search"] },
    ]);
    expect([JinaProvider.connectorId, JinaProvider.shortName, JinaProvider.baseUrlEnvVar, JinaProvider.envVars]).toEqual(["jina.ai.v1", "jina", "JINA_BASE_URL", ["JINA_API_KEY"]]);
  });
});
