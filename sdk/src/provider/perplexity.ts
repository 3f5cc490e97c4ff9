/**
 * Perplexity (`perplexity.search.v1`): configuration of `OpenAICompatibleProvider`. Its base URL has no version
 * segment (`https://api.perplexity.ai`, endpoint `/chat/completions`, docs.perplexity.ai "OpenAI compatibility"); a
 * pasted `/v1` is removed. Answers and stream chunks carry web grounding as top-level fields beside OpenAI's
 * (`citations`, `search_results`, `images`, `related_questions`): they are kept as sent, which OpenAI's response
 * schemas allow. Quirk: a missing or wrong key is answered 401 with an HTML page, not JSON; the status decides.
 * Its Search API (`POST /search {query, max_results}` → `results[]{title, url, snippet, date}`) is the web-search model
 * `perplexity-search`, answering `client.search`.
 * Prices: USD per million tokens plus a per-request search fee (low search context); the Search API $5 per 1,000
 * requests; docs.perplexity.ai pricing as quoted by third-party price trackers on the `readAt` date.
 */
import type { SearchCreateParams, SearchResponse } from "../wire/retrieval.js";
import { OpenAICompatibleProvider, type OpenAICompatibleConfigInput } from "./openai-compatible.js";
import { isRecord } from "./provider-config.js";
import type { ModelInfo, ProviderCallOptions, ProviderResult } from "./provider.js";
import { chatModel } from "./chat-model.js";

const READ_AT = "2026-12-01";

/** Chat grounded in a live web search (no tool calling), priced per token and per search request. */
function sonar(id: string, input: number, output: number, perRequest: number, contextWindow: number): ModelInfo {
  const model = chatModel({ id, input, output, contextWindow, vision: false, readAt: READ_AT });
  return { ...model, features: { ...model.features, tools: false }, pricing: { ...model.pricing, perRequest } };
}

/**
 * Perplexity's built-in model list.
 * @example
 * PERPLEXITY_MODELS.map((model) => model.id); // ["sonar", "sonar-pro", "sonar-reasoning-pro"]
 */
export const PERPLEXITY_MODELS: readonly ModelInfo[] = Object.freeze([
  sonar("sonar", 1, 1, 0.005, 128_000),
  sonar("sonar-pro", 3, 15, 0.006, 200_000),
  sonar("sonar-reasoning-pro", 2, 8, 0.006, 128_000),
  { id: "perplexity-search", capabilities: ["retrieval.search.web-search"], pricing: { perRequest: 0.005, readAt: READ_AT } },
]);

/** The base URL as Perplexity documents it: no version segment, no trailing slash. */
function perplexityBaseUrl(config: OpenAICompatibleConfigInput): string {
  const given = typeof config.baseUrl === "string" && config.baseUrl !== "" ? config.baseUrl : typeof config.base_url === "string" && config.base_url !== "" ? config.base_url : PerplexityProvider.defaultBaseUrl;
  return given.replace(/\/+$/, "").replace(/\/v1$/, "");
}

/**
 * Perplexity's Sonar models: answers grounded in a web search, with their sources.
 * @example
 * const perplexity = new PerplexityProvider({ apiKey: process.env.PERPLEXITY_API_KEY });
 * const { body } = await perplexity.chat({ model: "sonar", messages: [{ role: "user", content: "Who won yesterday?" }] });
 * (body as { citations?: string[] }).citations; // the sources, kept
 */
export class PerplexityProvider extends OpenAICompatibleProvider {
  static override connectorId = "perplexity.search.v1";
  static override shortName = "perplexity";
  static override envVars: readonly string[] = ["PERPLEXITY_API_KEY", "PPLX_API_KEY"];
  static override baseUrlEnvVar = "PERPLEXITY_BASE_URL";
  static override defaultBaseUrl = "https://api.perplexity.ai";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    const { base_url: _snake, ...rest } = config;
    super({ operations: ["chat", "search"], ...rest, baseUrl: perplexityBaseUrl(config) });
  }

  protected override defaultModels(): ModelInfo[] {
    return PERPLEXITY_MODELS.map((model) => ({ ...model }));
  }

  /** Web search through Perplexity's Search API: ranked pages with snippets, no generated answer. */
  async search(request: SearchCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<SearchResponse>> {
    const { data, headers } = await this._requestJson("/search", { query: request.query, ...(request.max_results ? { max_results: request.max_results } : {}) }, options, request.model);
    const body = this._parse(request.model, data, (): SearchResponse => {
      if (!isRecord(data) || !Array.isArray(data.results)) throw new TypeError("the body has no results array");
      return {
        object: "search.results",
        model: request.model,
        query: request.query,
        results: data.results.filter(isRecord).map((item) => ({ title: String(item.title ?? ""), url: String(item.url ?? ""), content: String(item.snippet ?? ""), ...(typeof item.date === "string" ? { published_date: item.date } : {}) })),
      };
    });
    return this._result(body, headers);
  }
}
