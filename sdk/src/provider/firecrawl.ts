/**
 * Firecrawl (`firecrawl.scrape.v1`): a page as clean markdown, `POST https://api.firecrawl.dev/v1/scrape` with a
 * Bearer key and `formats: ["markdown"]` (docs.firecrawl.dev, "Scrape"). The answer is `{success, data: {markdown,
 * metadata: {title, sourceURL, statusCode, ...}}}`; a failure is `{success: false, error}` with the HTTP status
 * (402 when credits are spent). Prices: USD per page at the entry plan's credit price, firecrawl.dev/pricing on the
 * `readAt` date.
 */
import type { ScrapeCreateParams, ScrapeResponse } from "../wire/retrieval.js";
import { BaseProvider, isRecord, type BaseProviderConfigInput } from "./base-provider.js";
import { configWithVersion } from "./content-parts.js";
import type { ModelInfo, ProviderCallOptions, ProviderOperation, ProviderResult } from "./provider.js";

const READ_AT = "2026-12-01";

/**
 * @example
 * FIRECRAWL_MODELS[0]?.id; // "scrape"
 */
export const FIRECRAWL_MODELS: readonly ModelInfo[] = Object.freeze([{ id: "scrape", capabilities: ["retrieval.content-extraction.web-scraping"], pricing: { perRequest: 0.00083, readAt: READ_AT } }]);

/**
 * Firecrawl scraping.
 * @example
 * const firecrawl = new FirecrawlProvider({ apiKey: process.env.FIRECRAWL_API_KEY });
 * const { body } = await firecrawl.scrape({ model: "scrape", url: "https://example.com" });
 * body.markdown; // "# Example Domain ..."
 */
export class FirecrawlProvider extends BaseProvider {
  static override connectorId = "firecrawl.scrape.v1";
  static override shortName = "firecrawl";
  static override envVars: readonly string[] = ["FIRECRAWL_API_KEY"];
  static override baseUrlEnvVar = "FIRECRAWL_BASE_URL";
  static override defaultBaseUrl = "https://api.firecrawl.dev/v1";

  constructor(config: BaseProviderConfigInput = {}) {
    super(configWithVersion(config, FirecrawlProvider.defaultBaseUrl, "/v1"));
  }

  override supports(operation: ProviderOperation): boolean {
    return operation === "scrape";
  }

  protected override defaultModels(): ModelInfo[] {
    return FIRECRAWL_MODELS.map((model) => ({ ...model }));
  }

  async scrape(request: ScrapeCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<ScrapeResponse>> {
    const { data, headers } = await this._requestJson("/scrape", { url: request.url, formats: ["markdown"], onlyMainContent: true }, options, request.model);
    const body = this._parse(request.model, data, (): ScrapeResponse => {
      if (!isRecord(data) || data.success !== true || !isRecord(data.data) || typeof data.data.markdown !== "string") throw new TypeError("the body has no data.markdown");
      const metadata = isRecord(data.data.metadata) ? data.data.metadata : {};
      return { object: "scrape.result", model: request.model, url: request.url, ...(typeof metadata.title === "string" ? { title: metadata.title } : {}), markdown: data.data.markdown, metadata };
    });
    return this._result(body, headers);
  }
}
