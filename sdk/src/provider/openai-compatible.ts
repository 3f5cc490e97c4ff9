/**
 * Any service that speaks OpenAI's REST API (OpenAI, Groq, Together, Mistral, DeepSeek, local servers...) is
 * configuration of this class: base URL, auth header, quirks, models. The transport lives in `BaseProvider`.
 */
import type * as Wire from "../wire/types.js";
import { ANSWER_ONLY_FIELDS, BaseProvider, createBaseProviderConfig, normalizeEmbeddingResponse, normalizeImagesResponse, requestMessages, toMultipartForm } from "./base-provider.js";
import type { BaseProviderConfig, BaseProviderConfigInput } from "./base-provider.js";
import type { ModelInfo, ProviderCallOptions, ProviderOperation, ProviderResult } from "./provider.js";

// Kept importable from here too: it is the header family every OpenAI-compatible service sends.
export { parseOpenAIRateLimitHeaders } from "./base-provider.js";

/** Where a service departs from OpenAI's behaviour. */
export interface OpenAICompatibleQuirks {
  /** Accepts `stream_options.include_usage` (default true); when false, `stream_options` is never sent. */
  supportsStreamUsage?: boolean;
}

/** OpenAI-compatible provider configuration as given (camelCase or snake_case). */
export interface OpenAICompatibleConfigInput extends BaseProviderConfigInput {
  /** Header carrying the key (default `Authorization`); none is sent when `apiKey` is empty. */
  authHeader?: string;
  /** Prefix before the key (default `Bearer`; `""` sends the bare key, e.g. Azure's `api-key`). */
  authScheme?: string;
  quirks?: OpenAICompatibleQuirks;
  /** Endpoints the service has (default: all five). */
  operations?: ProviderOperation[];
}

/** Normalised OpenAI-compatible configuration (`this._config`). */
export interface OpenAICompatibleConfig extends BaseProviderConfig {
  authHeader: string;
  authScheme: string;
  quirks: Required<OpenAICompatibleQuirks>;
  operations?: ProviderOperation[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Normalises OpenAI-compatible configuration (snake_case accepted, also inside `quirks`).
 * @example
 * createOpenAICompatibleConfig({ base_url: "http://localhost:11434/v1", quirks: { supports_stream_usage: false } });
 */
export function createOpenAICompatibleConfig(input: OpenAICompatibleConfigInput = {}): OpenAICompatibleConfig {
  const base = createBaseProviderConfig(input);
  const quirks = isRecord(base.quirks) ? base.quirks : {};
  return {
    ...base,
    authHeader: typeof base.authHeader === "string" && base.authHeader !== "" ? base.authHeader : "Authorization",
    authScheme: typeof base.authScheme === "string" ? base.authScheme : "Bearer",
    quirks: { supportsStreamUsage: (quirks.supportsStreamUsage ?? quirks.supports_stream_usage) !== false },
    ...(Array.isArray(base.operations) ? { operations: base.operations as ProviderOperation[] } : {}),
  };
}

/**
 * A provider for any OpenAI-compatible HTTP API.
 * @example
 * const provider = new OpenAICompatibleProvider({ id: "corp", baseUrl: "https://llm.corp/v1", apiKey: key, models: [{ id: "corp-llm" }] });
 * const { body } = await provider.chat({ model: "corp-llm", messages: [{ role: "user", content: "Hi" }] });
 */
export class OpenAICompatibleProvider extends BaseProvider {
  static override connectorId = "modelmesh.openai-compatible.v1";
  static override shortName = "openai-compatible";
  protected declare readonly _config: OpenAICompatibleConfig;

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super(createOpenAICompatibleConfig(config));
  }

  override supports(operation: ProviderOperation): boolean {
    return this._config.operations?.includes(operation) ?? super.supports(operation);
  }

  protected override _buildHeaders(): Record<string, string> {
    const { apiKey, authHeader, authScheme } = this._config;
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (apiKey) headers[authHeader] = authScheme ? `${authScheme} ${apiKey}` : apiKey;
    return headers;
  }

  /**
   * Fields of a message pushed back from an answer that this service refuses (`ANSWER_ONLY_FIELDS`); a service that
   * wants some back (OpenRouter: its reasoning, for the next turn of a tool loop) keeps them.
   */
  protected _answerOnlyFields(): readonly string[] {
    return ANSWER_ONLY_FIELDS;
  }

  /**
   * The caller's body as is, but for two things: `stream_options` is managed (sent with `stream: true` only, usage
   * always asked for), and an assistant message's answer-only fields are left out (see `requestMessages`).
   */
  protected override _buildRequestPayload(request: Wire.ChatCompletionCreateParams): Record<string, unknown> {
    const messages = Array.isArray(request.messages) ? requestMessages(request.messages, this._answerOnlyFields()) : request.messages;
    const { stream_options: streamOptions, ...payload } = messages === request.messages ? request : { ...request, messages: messages as Wire.ChatCompletionCreateParams["messages"] };
    if (request.stream !== true || !this._config.quirks.supportsStreamUsage) return payload;
    // Object.assign, not a spread: on Node 20 a spread followed by a key its source lacks costs about 0.5 µs per key.
    return Object.assign(payload, { stream_options: Object.assign({}, isRecord(streamOptions) ? streamOptions : {}, { include_usage: true }) });
  }

  async embeddings(request: Wire.EmbeddingCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Wire.CreateEmbeddingResponse<Wire.AnyEmbedding>>> {
    const { data, headers } = await this._requestJson("/embeddings", request, options, request.model);
    return this._result(this._parse(request.model, data, () => normalizeEmbeddingResponse(data, request.model)), headers);
  }

  /** Resolves with the audio as a streaming `Response` once the service starts sending it. */
  async speech(request: Wire.SpeechCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Response>> {
    const sent = await this._send({ url: "/audio/speech", body: JSON.stringify(request), call: options, modelId: request.model, accept: "*/*" });
    return this._result(this._handOver(sent), sent.response.headers);
  }

  /** Multipart upload; `response_format` text, srt and vtt come back as `{ text }`. */
  async transcription(request: Wire.TranscriptionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Wire.Transcription>> {
    const sent = await this._send({ url: "/audio/transcriptions", body: toMultipartForm(request), call: options, modelId: request.model, accept: "application/json, text/plain" });
    const text = await sent.read((response) => response.text());
    const asJson = request.response_format === undefined || request.response_format === "json" || request.response_format === "verbose_json";
    const body = this._parse(request.model, text, () => {
      if (!asJson) return { text };
      const data: unknown = JSON.parse(text);
      if (!isRecord(data) || typeof data.text !== "string") throw new TypeError("the body has no text");
      return data as Wire.Transcription;
    });
    return this._result(body, sent.response.headers);
  }

  async images(request: Wire.ImageGenerateParams, options?: ProviderCallOptions): Promise<ProviderResult<Wire.ImagesResponse>> {
    const { data, headers } = await this._requestJson("/images/generations", request, options, request.model);
    return this._result(this._parse(request.model, data, () => normalizeImagesResponse(data)), headers);
  }

  /**
   * The service's own model list (`GET /models`), for discovery; capabilities are guessed from the ids.
   * @example
   * const models = await new OpenAICompatibleProvider({ baseUrl: "http://localhost:11434/v1" }).fetchModelList();
   */
  async fetchModelList(options?: ProviderCallOptions): Promise<ModelInfo[]> {
    const { data } = await this._requestJson("/models", undefined, options, undefined, "GET");
    const entries = this._parse(undefined, data, () => {
      if (!isRecord(data) || !Array.isArray(data.data)) throw new TypeError("the body has no data array");
      return data.data.filter((entry): entry is { id: string } => isRecord(entry) && typeof entry.id === "string");
    });
    const known = new Map(this.listModels().map((model) => [model.id, model]));
    const models: ModelInfo[] = [];
    for (const { id } of entries) {
      const model = known.get(id);
      const capability = model ? undefined : guessCapability(id);
      if (model) models.push(model);
      else if (capability) models.push({ id, capabilities: [capability] });
    }
    return models;
  }
}

/**
 * Models a list offers that the OpenAI call shapes here cannot use: legacy completion-only models (no chat endpoint),
 * moderation, and realtime or audio-in-chat previews (their own protocols). Left out rather than guessed as chat.
 */
const NOT_SERVABLE = /^(babbage|davinci|ada|curie)(-|$)|moderation|realtime|audio-preview|computer-use|codex-mini|gpt-3\.5-turbo-instruct/i;

/** A capability guessed from a model id, or undefined for a model none of the call shapes can use. */
function guessCapability(id: string): string | undefined {
  if (NOT_SERVABLE.test(id)) return undefined;
  if (/embed/i.test(id)) return "representation.embeddings.text-embeddings";
  if (/whisper|transcribe/i.test(id)) return "understanding.audio-understanding.speech-to-text";
  if (/tts|speech/i.test(id)) return "generation.audio-generation.text-to-speech";
  if (/dall-e|image|flux|stable-?diffusion|sdxl/i.test(id)) return "generation.image-generation.text-to-image";
  return "generation.text-generation.chat-completion";
}
