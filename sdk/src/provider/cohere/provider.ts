/**
 * Cohere (`cohere.nlp.v1`): the v2 API's `/chat` (tools, streaming with named events) and `/embed` behind the
 * OpenAI shape. Translation lives beside this file: `request.ts`, `response.ts`, `stream.ts`, `models.ts`.
 * Errors are `{id, message}` bodies with the HTTP status (the shared error factory reads `message`).
 */
import type * as Wire from "../../wire/types.js";
import type { SseEvent } from "../../wire/sse.js";
import { ProviderError } from "../../wire/errors.js";
import { BaseProvider, joinUrl, type BaseProviderConfigInput, type ChatCompletionDraft, type ChunkDraftResult, type StreamContext } from "../base-provider.js";
import { configWithVersion } from "../content-parts.js";
import type { ModelInfo, ProviderCallOptions, ProviderResult, RateLimitSnapshot } from "../provider.js";
import { parseCohereRateLimitHeaders } from "../rate-limit-headers.js";
import { COHERE_MODELS } from "./models.js";
import { toCohereEmbedRequest, toCohereRequest } from "./request.js";
import { fromCohereEmbedResponse, fromCohereResponse } from "./response.js";
import { mapCohereEvent } from "./stream.js";
import { toRerankResponse } from "../rerank-results.js";
import type { RerankCreateParams, RerankResponse } from "../../wire/retrieval.js";
import { isRecord } from "../provider-config.js";

/**
 * Cohere's Command and Embed models. `baseUrl` is `https://api.cohere.com` with or without `/v2`.
 * @example
 * const cohere = new CohereProvider({ apiKey: process.env.COHERE_API_KEY });
 * const { body } = await cohere.chat({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }] });
 */
export class CohereProvider extends BaseProvider {
  static override connectorId = "cohere.nlp.v1";
  static override shortName = "cohere";
  // The official SDKs read CO_API_KEY; COHERE_API_KEY is what most tools document.
  static override envVars: readonly string[] = ["COHERE_API_KEY", "CO_API_KEY"];
  static override baseUrlEnvVar = "COHERE_BASE_URL";
  static override defaultBaseUrl = "https://api.cohere.com/v2";

  constructor(config: BaseProviderConfigInput = {}) {
    super(configWithVersion(config, CohereProvider.defaultBaseUrl, "/v2"));
  }

  override supports(operation: Parameters<BaseProvider["supports"]>[0]): boolean {
    return operation === "chat" || operation === "embeddings" || operation === "rerank";
  }

  protected override defaultModels(): ModelInfo[] {
    return COHERE_MODELS.map((model) => ({ ...model }));
  }

  protected override _getCompletionEndpoint(): string {
    return joinUrl(this._config.baseUrl, "/chat");
  }

  protected override _buildRequestPayload(request: Wire.ChatCompletionCreateParams): Record<string, unknown> {
    return toCohereRequest(request, this.id);
  }

  protected override _parseResponse(data: Record<string, unknown>): ChatCompletionDraft {
    return fromCohereResponse(data, (reason) => this.failed(reason));
  }

  protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
    return mapCohereEvent(event, context.state, (reason) => this.failed(reason, context.modelId));
  }

  /** Cohere continues no assistant prefix: its models are never offered one (features.assistantPrefix is unset). */
  /** A trial key's per-minute call quota (`x-trial-endpoint-call-*`); production keys report none. */
  protected override _parseRateLimitHeaders(headers: Headers): RateLimitSnapshot | undefined {
    return parseCohereRateLimitHeaders(headers);
  }

  protected override _markAssistantPrefix(payload: Record<string, unknown>): Record<string, unknown> {
    return payload;
  }

  private failed(reason: string, modelId?: string): ProviderError {
    return new ProviderError(`${this.id}${modelId ? ` (${modelId})` : ""} ended the answer with finish_reason ${reason}`, { providerId: this.id, ...(modelId ? { modelId } : {}) }, { code: "server_error", retryable: true });
  }

  /** Text embeddings through `POST /v2/embed` (floats; base64 float32 when asked, as OpenAI's clients ask by default). */
  async embeddings(request: Wire.EmbeddingCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Wire.CreateEmbeddingResponse<Wire.AnyEmbedding>>> {
    const { data, headers } = await this._requestJson("/embed", toCohereEmbedRequest(request, this.id), options, request.model);
    return this._result(this._parse(request.model, data, () => fromCohereEmbedResponse(data, request)), headers);
  }

  /** Reranking through `POST /v2/rerank`; billed per search unit (one query over up to 100 documents). */
  async rerank(request: RerankCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<RerankResponse>> {
    const payload = { model: request.model, query: request.query, documents: request.documents, ...(request.top_n ? { top_n: request.top_n } : {}) };
    const { data, headers } = await this._requestJson("/rerank", payload, options, request.model);
    const units = isRecord(data) && isRecord(data.meta) && isRecord(data.meta.billed_units) ? data.meta.billed_units.search_units : undefined;
    return this._result(this._parse(request.model, data, () => toRerankResponse(data, request, typeof units === "number" ? { search_units: units } : undefined)), headers);
  }
}
