/**
 * Anthropic (`anthropic.llm.v1`, alias `anthropic.claude.v1`): the Messages API behind the OpenAI shape.
 * Translation lives beside this file, one concern each: `request.ts`, `response.ts`, `stream.ts`, `errors.ts`.
 */
import type { ChatCompletion, ChatCompletionCreateParams } from "../../wire/types.js";
import type { SseEvent } from "../../wire/sse.js";
import { BaseProvider, joinUrl, type BaseProviderConfigInput, type ChatCompletionDraft, type ChunkDraftResult, type StreamContext } from "../base-provider.js";
import { configWithVersion } from "../content-parts.js";
import { isRecord } from "../provider-config.js";
import type { ModelInfo, ProviderCallOptions, ProviderResult, RateLimitSnapshot } from "../provider.js";
import { anthropicStreamError, parseAnthropicRateLimitHeaders } from "./errors.js";
import { ANTHROPIC_MODELS } from "./models.js";
import { DEFAULT_MAX_TOKENS, toAnthropicRequest } from "./request.js";
import { allowsPrefill, prefillTail, WhitespaceMatcher } from "./prefill.js";
import { fromAnthropicMessage } from "./response.js";
import { mapAnthropicEvent } from "./stream.js";

/**
 * The Messages API version this translation speaks; sent on every request as `anthropic-version`.
 * @example
 * headers["anthropic-version"] = ANTHROPIC_VERSION;
 */
export const ANTHROPIC_VERSION = "2023-06-01";

/** Anthropic configuration as given (camelCase or snake_case). */
export interface AnthropicConfigInput extends BaseProviderConfigInput {
  /**
   * Sends `anthropic-dangerous-direct-browser-access: true`, without which Anthropic refuses CORS requests from a
   * page (a CORS proxy that forwards the page's Origin needs it too). Default: on in a browser or extension, off in Node.
   */
  directBrowserAccess?: boolean;
  /** `max_tokens` for requests that give none and models the list does not know (default 4096). */
  defaultMaxTokens?: number;
}

/** Text deltas through the prefill's whitespace matcher; a delta left with nothing to say is not sent. */
function withoutRepeatedWhitespace(result: ChunkDraftResult, matcher: WhitespaceMatcher): ChunkDraftResult {
  if (result === null || result === undefined || result === "done" || Array.isArray(result)) return result;
  const choice = result.choices?.[0];
  const delta = isRecord(choice) && isRecord(choice.delta) ? choice.delta : undefined;
  if (!delta || typeof delta.content !== "string" || delta.content === "" || delta.role !== undefined) return result;
  const content = matcher.take(delta.content);
  if (content === "") return null;
  return { ...result, choices: [{ ...(choice as Record<string, unknown>), delta: { ...delta, content } }] };
}

/** True in a page, a web worker or an extension service worker; checked per call, never at import. */
function inBrowser(): boolean {
  const scope = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return scope.document !== undefined || scope.WorkerGlobalScope !== undefined;
}

/**
 * Claude through Anthropic's Messages API: chat with system prompts, images, tools both ways and streaming.
 * `baseUrl` is `https://api.anthropic.com` with or without `/v1`.
 * @example
 * const anthropic = new AnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY });
 * const { body } = await anthropic.chat({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hi" }] });
 * body.choices[0]?.message.content;
 */
export class AnthropicProvider extends BaseProvider {
  static override connectorId = "anthropic.llm.v1";
  static override shortName = "anthropic";
  static override envVars: readonly string[] = ["ANTHROPIC_API_KEY"];
  static override baseUrlEnvVar = "ANTHROPIC_BASE_URL";
  static override defaultBaseUrl = "https://api.anthropic.com/v1";

  constructor(config: AnthropicConfigInput = {}) {
    super(configWithVersion(config, AnthropicProvider.defaultBaseUrl, "/v1"));
  }

  protected override defaultModels(): ModelInfo[] {
    return ANTHROPIC_MODELS.map((model) => ({ ...model }));
  }

  protected override _getCompletionEndpoint(): string {
    return joinUrl(this._config.baseUrl, "/messages");
  }

  protected override _buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = { "Content-Type": "application/json", "anthropic-version": ANTHROPIC_VERSION };
    if (this._config.apiKey) headers["x-api-key"] = this._config.apiKey;
    const direct = this._config.directBrowserAccess ?? inBrowser();
    if (direct === true) headers["anthropic-dangerous-direct-browser-access"] = "true";
    return headers;
  }

  protected override _buildRequestPayload(request: ChatCompletionCreateParams): Record<string, unknown> {
    const known = this.listModels().find((model) => model.id === request.model)?.maxOutputTokens;
    const configured = typeof this._config.defaultMaxTokens === "number" ? this._config.defaultMaxTokens : undefined;
    return { ...toAnthropicRequest(request, { defaultMaxTokens: known ?? configured ?? DEFAULT_MAX_TOKENS, providerId: this.id, allowsPrefill: this.allowsPrefill(request.model) }) };
  }

  /**
   * Whether a prefill may be sent to this model: the id rule (Claude 4.6 and later reject it) and, for a model the
   * configuration describes, its `assistantPrefix` feature, which can only turn prefill off.
   */
  private allowsPrefill(modelId: string): boolean {
    const info = this.listModels().find((model) => model.id === modelId);
    return allowsPrefill(modelId) && info?.features?.assistantPrefix !== false;
  }

  /** Anthropic continues a trailing assistant message by itself: no marker (a `prefix` key would be a 400). */
  protected override _markAssistantPrefix(payload: Record<string, unknown>): Record<string, unknown> {
    return payload;
  }

  override async chat(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<ChatCompletion>> {
    const result = await super.chat(request, options);
    const tail = prefillTail(request);
    const message = result.body.choices[0]?.message;
    if (tail !== "" && message && typeof message.content === "string") message.content = new WhitespaceMatcher(tail).take(message.content);
    return result;
  }

  protected override _parseResponse(data: Record<string, unknown>): ChatCompletionDraft {
    return fromAnthropicMessage(data);
  }

  protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
    const result = mapAnthropicEvent(event, context.state, (body) => anthropicStreamError(body, { providerId: this.id, modelId: context.modelId, secrets: this._secrets() }));
    const kept = context.state.prefill;
    const matcher = kept instanceof WhitespaceMatcher ? kept : new WhitespaceMatcher(prefillTail(context.request));
    context.state.prefill = matcher;
    return withoutRepeatedWhitespace(result, matcher);
  }

  protected override _parseRateLimitHeaders(headers: Headers): RateLimitSnapshot | undefined {
    return parseAnthropicRateLimitHeaders(headers);
  }

  /**
   * The models this key can use (`GET /v1/models`, first page of up to 1000), for discovery; ids the built-in list
   * does not know are chat models without prices.
   * @example
   * const models = await new AnthropicProvider({ apiKey }).fetchModelList();
   */
  async fetchModelList(options?: ProviderCallOptions): Promise<ModelInfo[]> {
    const { data } = await this._requestJson("/models?limit=1000", undefined, options, undefined, "GET");
    const ids = this._parse(undefined, data, () => {
      if (!isRecord(data) || !Array.isArray(data.data)) throw new TypeError("the body has no data array");
      return data.data.flatMap((entry) => (isRecord(entry) && typeof entry.id === "string" ? [entry.id] : []));
    });
    const known = new Map(this.listModels().map((model) => [model.id, model]));
    return ids.map((id) => known.get(id) ?? { id, capabilities: ["generation.text-generation.chat-completion"], features: { tools: true, vision: true, jsonMode: false, streaming: true, ...(allowsPrefill(id) ? { assistantPrefix: true } : {}) } });
  }
}
