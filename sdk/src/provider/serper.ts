/**
 * Serper (`serper.search.v1`): Google results as JSON, `POST https://google.serper.dev/search` with the key in
 * `X-API-KEY` (serper.dev docs). `organic[]{title, link, snippet, date}` becomes `results[]{title, url, content,
 * published_date}`; an `answerBox` answer becomes `answer`. Prices: USD per query at the entry credit pack
 * ($50 for 50,000 queries), serper.dev on the `readAt` date.
 */
import type { SearchCreateParams, SearchResponse } from "../wire/retrieval.js";
import { BaseProvider, isRecord, type BaseProviderConfigInput } from "./base-provider.js";
import type { ModelInfo, ProviderCallOptions, ProviderOperation, ProviderResult } from "./provider.js";

const READ_AT = "2026-12-01";

/**
 * @example
 * SERPER_MODELS[0]?.id; // "google-search"
 */
export const SERPER_MODELS: readonly ModelInfo[] = Object.freeze([{ id: "google-search", capabilities: ["retrieval.search.web-search"], pricing: { perRequest: 0.001, readAt: READ_AT } }]);

/**
 * Serper web search.
 * @example
 * const serper = new SerperProvider({ apiKey: process.env.SERPER_API_KEY });
 * const { body } = await serper.search({ model: "google-search", query: "ModelMesh", max_results: 5 });
 */
export class SerperProvider extends BaseProvider {
  static override connectorId = "serper.search.v1";
  static override shortName = "serper";
  static override envVars: readonly string[] = ["SERPER_API_KEY"];
  static override baseUrlEnvVar = "SERPER_BASE_URL";
  static override defaultBaseUrl = "https://google.serper.dev";

  constructor(config: BaseProviderConfigInput = {}) {
    super({ baseUrl: SerperProvider.defaultBaseUrl, ...config });
  }

  override supports(operation: ProviderOperation): boolean {
    return operation === "search";
  }

  protected override defaultModels(): ModelInfo[] {
    return SERPER_MODELS.map((model) => ({ ...model }));
  }

  protected override _buildHeaders(): Record<string, string> {
    return { "Content-Type": "application/json", ...(this._config.apiKey ? { "X-API-KEY": this._config.apiKey } : {}) };
  }

  async search(request: SearchCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<SearchResponse>> {
    const { data, headers } = await this._requestJson("/search", { q: request.query, ...(request.max_results ? { num: request.max_results } : {}) }, options, request.model);
    const body = this._parse(request.model, data, (): SearchResponse => {
      if (!isRecord(data) || !Array.isArray(data.organic)) throw new TypeError("the body has no organic results");
      const box = isRecord(data.answerBox) ? data.answerBox : undefined;
      const answer = box ? (typeof box.answer === "string" ? box.answer : typeof box.snippet === "string" ? box.snippet : undefined) : undefined;
      return {
        object: "search.results",
        model: request.model,
        query: request.query,
        results: data.organic.filter(isRecord).map((item) => ({
          title: String(item.title ?? ""),
          url: String(item.link ?? ""),
          content: String(item.snippet ?? ""),
          ...(typeof item.date === "string" ? { published_date: item.date } : {}),
        })),
        ...(answer ? { answer } : {}),
      };
    });
    return this._result(body, headers);
  }
}
