/**
 * Google Gemini (`google.gemini.v1`): the Gemini API's `generateContent`, `streamGenerateContent?alt=sse` and
 * `batchEmbedContents` behind the OpenAI shape. Translation lives beside this file: `request.ts`, `response.ts`,
 * `stream.ts`, `errors.ts`, `embeddings.ts`.
 */
import type * as Wire from "../../wire/types.js";
import type { SseEvent } from "../../wire/sse.js";
import { BaseProvider, joinUrl, type BaseProviderConfigInput, type ChatCompletionDraft, type ChunkDraftResult, type SendOptions, type SentRequest, type StreamContext } from "../base-provider.js";
import { configWithVersion } from "../content-parts.js";
import { isRecord } from "../provider-config.js";
import type { ModelInfo, ProviderCallOptions, ProviderResult, RateLimitSnapshot } from "../provider.js";
import { fromEmbeddingsResponse, toBatchEmbedRequest } from "./embeddings.js";
import { asAuthenticationError, geminiStreamError } from "./errors.js";
import { GEMINI_MODELS } from "./models.js";
import { toGeminiRequest } from "./request.js";
import { fromGeminiResponse, type GeminiToolCall } from "./response.js";
import { mapGeminiEvent } from "./stream.js";

/** How many tool calls' thought signatures are remembered for when the calls come back in the history. */
const SIGNATURES_KEPT = 1_024;

/**
 * Gemini through the Gemini API (Google AI Studio keys). `baseUrl` is `https://generativelanguage.googleapis.com`
 * with or without `/v1beta`. The key travels in the `x-goog-api-key` header, never in the URL (URLs end up in logs).
 * @example
 * const gemini = new GeminiProvider({ apiKey: process.env.GOOGLE_API_KEY });
 * const { body } = await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
 */
export class GeminiProvider extends BaseProvider {
  static override connectorId = "google.gemini.v1";
  static override shortName = "gemini";
  // google-genai reads GOOGLE_API_KEY first, then GEMINI_API_KEY.
  static override envVars: readonly string[] = ["GOOGLE_API_KEY", "GEMINI_API_KEY"];
  static override baseUrlEnvVar = "GEMINI_BASE_URL";
  static override defaultBaseUrl = "https://generativelanguage.googleapis.com/v1beta";

  /** Tool call id → the thought signature Gemini sent with it (Gemini 3 rejects a replayed call without it). */
  private readonly signatures = new Map<string, string>();

  constructor(config: BaseProviderConfigInput = {}) {
    super(configWithVersion(config, GeminiProvider.defaultBaseUrl, "/v1beta"));
  }

  protected override defaultModels(): ModelInfo[] {
    return GEMINI_MODELS.map((model) => ({ ...model }));
  }

  /** `models/gemini-2.5-flash` and `gemini-2.5-flash` name the same model. */
  private modelPath(model: string): string {
    return `/models/${encodeURIComponent(model.replace(/^models\//, ""))}`;
  }

  protected override _getCompletionEndpoint(request?: Wire.ChatCompletionCreateParams): string {
    const path = this.modelPath(request?.model ?? "");
    return joinUrl(this._config.baseUrl, request?.stream === true ? `${path}:streamGenerateContent?alt=sse` : `${path}:generateContent`);
  }

  protected override _buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (this._config.apiKey) headers["x-goog-api-key"] = this._config.apiKey;
    return headers;
  }

  protected override _buildRequestPayload(request: Wire.ChatCompletionCreateParams): Record<string, unknown> {
    return toGeminiRequest(request, { providerId: this.id, signatureOf: (id) => this.signatures.get(id) });
  }

  protected override _parseResponse(data: Record<string, unknown>): ChatCompletionDraft {
    return fromGeminiResponse(data, this.remember);
  }

  protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
    return mapGeminiEvent(event, context.state, (body) => geminiStreamError(body, { providerId: this.id, modelId: context.modelId, secrets: this._secrets() }), this.remember);
  }

  /** The Gemini API sends no quota headers; its 429 carries `RetryInfo`, which the error factory reads. */
  protected override _parseRateLimitHeaders(): RateLimitSnapshot | undefined {
    return undefined;
  }

  protected override async _send(options: SendOptions): Promise<SentRequest> {
    try {
      return await super._send(options);
    } catch (error) {
      throw asAuthenticationError(error, { providerId: this.id, ...(options.modelId === undefined ? {} : { modelId: options.modelId }), secrets: this._secrets() });
    }
  }

  private readonly remember = (call: GeminiToolCall): void => {
    if (call.signature === undefined) return;
    this.signatures.set(call.id, call.signature);
    if (this.signatures.size > SIGNATURES_KEPT) this.signatures.delete(this.signatures.keys().next().value as string);
  };

  /**
   * The models this key can use (`GET /models`, first page of up to 1000), for discovery: `generateContent` models
   * are chat models, `embedContent` models embedding models, with the token limits the service reports.
   * @example
   * const models = await new GeminiProvider({ apiKey }).fetchModelList();
   */
  async fetchModelList(options?: ProviderCallOptions): Promise<ModelInfo[]> {
    const { data } = await this._requestJson("/models?pageSize=1000", undefined, options, undefined, "GET");
    const entries = this._parse(undefined, data, () => {
      if (!isRecord(data) || !Array.isArray(data.models)) throw new TypeError("the body has no models array");
      return data.models.filter((entry): entry is Record<string, unknown> => isRecord(entry) && typeof entry.name === "string");
    });
    const known = new Map(this.listModels().map((model) => [model.id, model]));
    return entries.flatMap((entry): ModelInfo[] => {
      const id = String(entry.name).replace(/^models\//, "");
      const methods = Array.isArray(entry.supportedGenerationMethods) ? entry.supportedGenerationMethods : [];
      const capabilities = [
        ...(methods.includes("generateContent") ? ["generation.text-generation.chat-completion"] : []),
        ...(methods.includes("embedContent") ? ["representation.embeddings.text-embeddings"] : []),
      ];
      if (capabilities.length === 0) return [];
      const limits = {
        ...(typeof entry.inputTokenLimit === "number" ? { contextWindow: entry.inputTokenLimit } : {}),
        ...(typeof entry.outputTokenLimit === "number" && methods.includes("generateContent") ? { maxOutputTokens: entry.outputTokenLimit } : {}),
      };
      return [known.get(id) ?? { id, capabilities, ...limits }];
    });
  }

  /** Text embeddings through `batchEmbedContents` (one request for every input). */
  async embeddings(request: Wire.EmbeddingCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Wire.CreateEmbeddingResponse<Wire.AnyEmbedding>>> {
    const url = joinUrl(this._config.baseUrl, `${this.modelPath(request.model)}:batchEmbedContents`);
    const { data, headers } = await this._requestJson(url, toBatchEmbedRequest(request, this.id), options, request.model);
    return this._result(this._parse(request.model, data, () => fromEmbeddingsResponse(data, request)), headers);
  }
}
