/**
 * Jina AI (`jina.ai.v1`): four services behind one key, each at its own endpoint (jina.ai docs):
 * - embeddings: `POST {baseUrl}/embeddings`, OpenAI's request and answer shape (`task` passed through);
 * - rerank: `POST {baseUrl}/rerank` `{model, query, documents, top_n}` → `results[]{index, relevance_score}`;
 * - reader (scrape): `POST {readerUrl}/` `{url}` with `Accept: application/json` → `{code, data: {title, url, content, usage}}`;
 * - search: `POST {searchUrl}/` `{q, num}` with `Accept: application/json` → `{code, data: [{title, url, description, content}]}`.
 * `baseUrl` defaults to `https://api.jina.ai/v1`, `readerUrl` to `https://r.jina.ai`, `searchUrl` to `https://s.jina.ai`.
 * Jina bills tokens from prepaid packs, with no fixed per-token USD price here: set `pricing` under `models:` to hold
 * these models against an enforced budget (otherwise such a budget refuses them as unpriced).
 */
import type * as Wire from "../../wire/types.js";
import type { RerankCreateParams, RerankResponse, ScrapeCreateParams, ScrapeResponse, SearchCreateParams, SearchResponse } from "../../wire/retrieval.js";
import { BaseProvider, isRecord, joinUrl, type BaseProviderConfigInput } from "../base-provider.js";
import { configWithVersion } from "../content-parts.js";
import { toRerankResponse } from "../rerank-results.js";
import type { ModelInfo, ProviderCallOptions, ProviderOperation, ProviderResult } from "../provider.js";

/**
 * @example
 * JINA_MODELS.map((model) => model.id);
 */
export const JINA_MODELS: readonly ModelInfo[] = Object.freeze([
  { id: "jina-embeddings-v3", capabilities: ["representation.embeddings.text-embeddings"], contextWindow: 8_192 },
  { id: "jina-reranker-v2-base-multilingual", capabilities: ["retrieval.reranking"] },
  { id: "jina-reader", capabilities: ["retrieval.content-extraction.web-scraping"] },
  { id: "jina-search", capabilities: ["retrieval.search.web-search"] },
]);

/** Jina's configuration: the API base plus the reader's and the search's own hosts. */
export interface JinaConfigInput extends BaseProviderConfigInput {
  readerUrl?: string;
  searchUrl?: string;
}

const tokensOf = (value: unknown): number | undefined => (isRecord(value) && isRecord(value.usage) && typeof value.usage.tokens === "number" ? value.usage.tokens : undefined);

/**
 * Jina AI: embeddings, reranking, reading pages and web search.
 * @example
 * const jina = new JinaProvider({ apiKey: process.env.JINA_API_KEY });
 * const { body } = await jina.scrape({ model: "jina-reader", url: "https://example.com" });
 */
export class JinaProvider extends BaseProvider {
  static override connectorId = "jina.ai.v1";
  static override shortName = "jina";
  static override envVars: readonly string[] = ["JINA_API_KEY"];
  static override baseUrlEnvVar = "JINA_BASE_URL";
  static override defaultBaseUrl = "https://api.jina.ai/v1";

  private readonly readerUrl: string;
  private readonly searchUrl: string;

  constructor(config: JinaConfigInput = {}) {
    const { readerUrl, searchUrl, reader_url: readerSnake, search_url: searchSnake, ...rest } = config as JinaConfigInput & { reader_url?: string; search_url?: string };
    super(configWithVersion(rest, JinaProvider.defaultBaseUrl, "/v1"));
    this.readerUrl = (readerUrl ?? readerSnake ?? "https://r.jina.ai").replace(/\/+$/, "");
    this.searchUrl = (searchUrl ?? searchSnake ?? "https://s.jina.ai").replace(/\/+$/, "");
  }

  override supports(operation: ProviderOperation): boolean {
    return operation === "embeddings" || operation === "rerank" || operation === "scrape" || operation === "search";
  }

  protected override defaultModels(): ModelInfo[] {
    return JINA_MODELS.map((model) => ({ ...model }));
  }

  /** The reader and the search answer JSON only when asked; their text answers are for people. */
  private readonly asJson = { headers: { Accept: "application/json" } };

  async embeddings(request: Wire.EmbeddingCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Wire.CreateEmbeddingResponse<Wire.AnyEmbedding>>> {
    const { data, headers } = await this._requestJson("/embeddings", request, options, request.model);
    return this._result(
      this._parse(request.model, data, () => {
        if (!isRecord(data) || !Array.isArray(data.data)) throw new TypeError("the body has no data array");
        return { ...(data as unknown as Wire.CreateEmbeddingResponse<Wire.AnyEmbedding>), object: "list" as const, model: request.model };
      }),
      headers,
    );
  }

  async rerank(request: RerankCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<RerankResponse>> {
    const payload = { model: request.model, query: request.query, documents: request.documents, ...(request.top_n ? { top_n: request.top_n } : {}) };
    const { data, headers } = await this._requestJson("/rerank", payload, options, request.model);
    const tokens = isRecord(data) && isRecord(data.usage) && typeof data.usage.total_tokens === "number" ? data.usage.total_tokens : undefined;
    return this._result(this._parse(request.model, data, () => toRerankResponse(data, request, tokens === undefined ? undefined : { total_tokens: tokens })), headers);
  }

  async scrape(request: ScrapeCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<ScrapeResponse>> {
    const { data, headers } = await this._requestJson(joinUrl(this.readerUrl, "/"), { url: request.url }, { ...options, headers: { ...options?.headers, ...this.asJson.headers } }, request.model);
    const body = this._parse(request.model, data, (): ScrapeResponse => {
      const page = isRecord(data) ? data.data : undefined;
      if (!isRecord(page) || typeof page.content !== "string") throw new TypeError("the body has no data.content");
      const tokens = tokensOf(page);
      return { object: "scrape.result", model: request.model, url: typeof page.url === "string" ? page.url : request.url, ...(typeof page.title === "string" ? { title: page.title } : {}), markdown: page.content, ...(tokens === undefined ? {} : { metadata: { tokens } }) };
    });
    return this._result(body, headers);
  }

  async search(request: SearchCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<SearchResponse>> {
    const { data, headers } = await this._requestJson(joinUrl(this.searchUrl, "/"), { q: request.query, ...(request.max_results ? { num: request.max_results } : {}) }, { ...options, headers: { ...options?.headers, ...this.asJson.headers } }, request.model);
    const body = this._parse(request.model, data, (): SearchResponse => {
      const found = isRecord(data) ? data.data : undefined;
      if (!Array.isArray(found)) throw new TypeError("the body has no data array");
      return {
        object: "search.results",
        model: request.model,
        query: request.query,
        results: found.filter(isRecord).map((item) => ({ title: String(item.title ?? ""), url: String(item.url ?? ""), content: String(item.content ?? item.description ?? "") })),
      };
    });
    return this._result(body, headers);
  }
}
