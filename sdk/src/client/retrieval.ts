import type { RequestOptions } from "../core/router.js";
import type { ProviderOperation } from "../provider/provider.js";
import type { RerankCreateParams, RerankResponse, ScrapeCreateParams, ScrapeResponse, SearchCreateParams, SearchResponse } from "../wire/retrieval.js";
import type { ClientContext } from "./context.js";
import { routed, text } from "./routed.js";
import type { MeshPromise } from "./raw-response.js";

/**
 * `client.rerank`, `client.search` and `client.scrape`: routed like every other request (pool by capability,
 * rotation, retries, failover, budgets), billed per request or per token as the model's prices say.
 * @example
 * const { results } = await client.rerank.create({ model: "reranking", query: "capital of France", documents: ["Paris is...", "Berlin is..."] });
 * const found = await client.search.create({ model: "web-search", query: "ModelMesh" });
 * const page = await client.scrape.create({ model: "web-scraping", url: "https://example.com" });
 */
export class Retrieval<Params extends { model: string }, Result> {
  constructor(
    private readonly client: ClientContext,
    private readonly operation: Extract<ProviderOperation, "rerank" | "search" | "scrape">,
  ) {}

  create(body: Params, options: RequestOptions = {}): MeshPromise<Result> {
    const documents = (body as { documents?: unknown }).documents;
    if (this.operation === "rerank" && !(Array.isArray(documents) && documents.length > 0 && documents.every(text))) return routed(this.client, "rerank", "rerank", body, options, "documents", () => false, () => undefined);
    return routed<Result>(this.client, this.operation, this.operation, body, options, this.operation === "scrape" ? "url" : "query", text, (response) => {
      const tokens = (response as { usage?: { total_tokens?: number } }).usage?.total_tokens;
      return tokens ? { promptTokens: tokens, completionTokens: 0, totalTokens: tokens } : undefined;
    });
  }
}

export type Rerank = Retrieval<RerankCreateParams, RerankResponse>;
export type Search = Retrieval<SearchCreateParams, SearchResponse>;
export type Scrape = Retrieval<ScrapeCreateParams, ScrapeResponse>;
