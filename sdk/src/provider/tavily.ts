/**
 * Tavily (`tavily.search.v1`): web search for AI agents, `POST https://api.tavily.com/search` with a Bearer key
 * (docs.tavily.com, "Search"). The model names the search depth: `basic` (1 credit) or `advanced` (2 credits).
 * Answers keep Tavily's structure (`results[]{title, url, content, score}`, `answer` when asked) in ModelMesh's
 * `SearchResponse`. Errors are `{detail: {error}}`; 432/433 mean the plan's credits are spent (quota, not a retry).
 * Prices: USD per request at the pay-as-you-go credit price ($0.008), tavily.com/pricing on the `readAt` date.
 */
import type { SearchCreateParams, SearchResponse } from "../wire/retrieval.js";
import { RateLimitError, ProviderError } from "../wire/errors.js";
import { BaseProvider, isRecord, type BaseProviderConfigInput } from "./base-provider.js";
import type { ModelInfo, ProviderCallOptions, ProviderOperation, ProviderResult } from "./provider.js";

const WEB_SEARCH = "retrieval.search.web-search";
const READ_AT = "2026-12-01";
const CREDIT = 0.008;

/**
 * @example
 * TAVILY_MODELS.map((model) => model.id); // ["basic", "advanced"]
 */
export const TAVILY_MODELS: readonly ModelInfo[] = Object.freeze([
  { id: "basic", capabilities: [WEB_SEARCH], pricing: { perRequest: CREDIT, readAt: READ_AT } },
  { id: "advanced", capabilities: [WEB_SEARCH], pricing: { perRequest: 2 * CREDIT, readAt: READ_AT } },
]);

/**
 * Tavily web search.
 * @example
 * const tavily = new TavilyProvider({ apiKey: process.env.TAVILY_API_KEY });
 * const { body } = await tavily.search({ model: "basic", query: "ModelMesh", max_results: 3, include_answer: true });
 */
export class TavilyProvider extends BaseProvider {
  static override connectorId = "tavily.search.v1";
  static override shortName = "tavily";
  static override envVars: readonly string[] = ["TAVILY_API_KEY"];
  static override baseUrlEnvVar = "TAVILY_BASE_URL";
  static override defaultBaseUrl = "https://api.tavily.com";

  constructor(config: BaseProviderConfigInput = {}) {
    super({ baseUrl: TavilyProvider.defaultBaseUrl, ...config });
  }

  override supports(operation: ProviderOperation): boolean {
    return operation === "search";
  }

  protected override defaultModels(): ModelInfo[] {
    return TAVILY_MODELS.map((model) => ({ ...model }));
  }

  async search(request: SearchCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<SearchResponse>> {
    const payload = { query: request.query, search_depth: request.model === "advanced" ? "advanced" : "basic", ...(request.max_results ? { max_results: request.max_results } : {}), ...(request.include_answer ? { include_answer: true } : {}) };
    let sent;
    try {
      sent = await this._requestJson("/search", payload, options, request.model);
    } catch (error) {
      // 432/433: the plan's or the pay-as-you-go limit is reached; waiting does not help.
      if (error instanceof ProviderError && (error.status === 432 || error.status === 433)) {
        throw new RateLimitError(error.message, { providerId: this.id, modelId: request.model, status: error.status, body: error.body }, { code: "insufficient_quota", retryable: false, secrets: this._secrets() });
      }
      throw error;
    }
    const { data, headers } = sent;
    const body = this._parse(request.model, data, (): SearchResponse => {
      if (!isRecord(data) || !Array.isArray(data.results)) throw new TypeError("the body has no results array");
      return {
        object: "search.results",
        model: request.model,
        query: typeof data.query === "string" ? data.query : request.query,
        results: data.results.filter(isRecord).map((item) => ({
          title: String(item.title ?? ""),
          url: String(item.url ?? ""),
          content: String(item.content ?? ""),
          ...(typeof item.score === "number" ? { score: item.score } : {}),
          ...(typeof item.published_date === "string" ? { published_date: item.published_date } : {}),
        })),
        ...(typeof data.answer === "string" ? { answer: data.answer } : {}),
      };
    });
    return this._result(body, headers);
  }
}
