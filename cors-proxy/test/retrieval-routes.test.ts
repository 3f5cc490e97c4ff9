import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { create, type MeshClient } from "modelmesh";
import { startFakeCohere } from "../../sdk/test/fakes/cohere.js";
import type { FakeControls } from "../../sdk/test/fakes/fake-kit.js";
import { startFakeRetrieval } from "../../sdk/test/fakes/retrieval-services.js";
import { createNodeFetch } from "modelmesh/node-fetch";
import { startProxyServer, type ProxyServer } from "../src/index.js";

const TOKEN = "proxy-token-retrieval";
let tavily: FakeControls;
let firecrawl: FakeControls;
let cohere: FakeControls;
let client: MeshClient;
let server: ProxyServer;

beforeAll(async () => {
  [tavily, firecrawl, cohere] = await Promise.all([startFakeRetrieval("tavily"), startFakeRetrieval("firecrawl"), startFakeCohere()]);
  client = create({
    config: {
      providers: {
        tavily: { connector: "tavily", config: { base_url: tavily.url, api_key: "tvly-test-key" } },
        firecrawl: { connector: "firecrawl", config: { base_url: firecrawl.origin, api_key: "fc-test-key" } },
        cohere: { connector: "cohere", config: { base_url: cohere.url, api_key: "co-test-key" } },
      },
    },
    fetch: createNodeFetch(),
  });
  await client.ready();
  server = await startProxyServer({ mesh: client, port: 0, tokens: [TOKEN] });
});
afterAll(async () => {
  await server.close(100);
  await client.close();
  await Promise.all([tavily.close(), firecrawl.close(), cohere.close()]);
});

const post = (path: string, body: unknown) => fetch(`${server.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });

describe("the proxy serves rerank, search and scrape under /v1", () => {
  it("POST /v1/search, /v1/scrape and /v1/rerank route through the mesh to the service that offers each", async () => {
    const found = await post("/v1/search", { model: "web-search", query: "modelmesh", max_results: 1 });
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ object: "search.results", model: "basic", results: [{ url: "https://example.org/modelmesh" }] });
    expect(tavily.requests.at(-1)).toMatchObject({ path: "/search", headers: { authorization: "Bearer tvly-test-key" } });

    const page = await post("/v1/scrape", { model: "web-scraping", url: "https://example.org/a" });
    expect(await page.json()).toMatchObject({ object: "scrape.result", markdown: expect.stringContaining("# Page at https://example.org/a") });

    const ranked = await post("/v1/rerank", { model: "reranking", query: "capital of France", documents: ["Berlin", "Paris is the capital of France"] });
    expect(await ranked.json()).toMatchObject({ object: "list", model: "rerank-v3.5", results: [{ index: 1 }, { index: 0 }] });
    expect(cohere.requests.at(-1)?.path).toBe("/v2/rerank");
  });

  it("a bad request is a 400 in OpenAI's error shape and reaches no service", async () => {
    const before = tavily.requests.length;
    const response = await post("/v1/search", { model: "web-search", query: "" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", param: "query" } });
    expect(tavily.requests.length).toBe(before);
  });
});

describe("a client leaving mid-request", () => {
  // The fake holds its answer back (`hang`) until its client goes: only the abort the route hands on ends it.
  const cases: Array<[string, () => FakeControls, unknown]> = [
    ["/v1/search", () => tavily, { model: "web-search", query: "modelmesh" }],
    ["/v1/scrape", () => firecrawl, { model: "web-scraping", url: "https://example.org/a" }],
    ["/v1/rerank", () => cohere, { model: "reranking", query: "capital of France", documents: ["Berlin", "Paris"] }],
  ];

  it.each(cases)("%s: the service's request is closed too", async (path, fake, body) => {
    const before = fake().exchanges.length;
    fake().enqueue({ kind: "hang" });
    const leave = new AbortController();
    const answered = fetch(`${server.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body), signal: leave.signal }).catch((error: unknown) => error);
    await vi.waitFor(() => expect(fake().exchanges.length).toBe(before + 1), { timeout: 2_000 });
    leave.abort();
    expect(await answered).toMatchObject({ name: "AbortError" });
    await vi.waitFor(() => expect(fake().exchanges[before]!.ending).toBe("client-closed"), { timeout: 2_000 });
  });
});
