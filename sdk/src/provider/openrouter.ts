/**
 * OpenRouter (`openrouter.gateway.v1`): configuration of `OpenAICompatibleProvider` (`https://openrouter.ai/api/v1`,
 * with or without `/v1`). `appUrl` / `appName` are sent as `HTTP-Referer` / `X-Title` (openrouter.ai/docs, app
 * attribution). Quirks: streams carry `: OPENROUTER PROCESSING` comments (skipped by the SSE parser); the usage
 * arrives on a chunk whose only choice is empty, which is turned into OpenAI's usage chunk (`choices: []`); an
 * error after the 200 is a chunk with `error` (a typed error). Model ids are `vendor/model`; prices are
 * OpenRouter's pass-through of the upstream prices, read from openrouter.ai/models on the `readAt` date.
 */
import type { SseEvent } from "../wire/sse.js";
import { configWithVersion } from "./content-parts.js";
import { OpenAICompatibleProvider, type OpenAICompatibleConfigInput } from "./openai-compatible.js";
import { isRecord, type ChunkDraftResult, type StreamContext } from "./provider-config.js";
import type { ModelInfo } from "./provider.js";
import { chatModel } from "./chat-model.js";

const READ_AT = "2026-12-01";

const chat = (id: string, input: number, output: number, contextWindow: number, vision: boolean): ModelInfo => chatModel({ id, input, output, contextWindow, vision, readAt: READ_AT });

/**
 * A few of OpenRouter's models; discovery (`fetchModelList`) adds the rest.
 * @example
 * OPENROUTER_MODELS.map((model) => model.id);
 */
export const OPENROUTER_MODELS: readonly ModelInfo[] = Object.freeze([
  chat("openai/gpt-4o-mini", 0.15, 0.6, 128_000, true),
  chat("anthropic/claude-sonnet-4.5", 3, 15, 1_000_000, true),
  chat("google/gemini-2.5-flash", 0.3, 2.5, 1_048_576, true),
]);

/** OpenRouter configuration: the OpenAI-compatible options plus app attribution. */
export interface OpenRouterConfigInput extends OpenAICompatibleConfigInput {
  /** Sent as `HTTP-Referer`: the site that uses the key, shown in OpenRouter's rankings. */
  appUrl?: string;
  /** Sent as `X-Title`. */
  appName?: string;
}

/**
 * OpenRouter: hundreds of models behind one key.
 * @example
 * const openrouter = new OpenRouterProvider({ apiKey: process.env.OPENROUTER_API_KEY, appUrl: "https://example.com", appName: "Example" });
 * const { body } = await openrouter.chat({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
 */
export class OpenRouterProvider extends OpenAICompatibleProvider {
  static override connectorId = "openrouter.gateway.v1";
  static override shortName = "openrouter";
  static override envVars: readonly string[] = ["OPENROUTER_API_KEY"];
  static override baseUrlEnvVar = "OPENROUTER_BASE_URL";
  static override defaultBaseUrl = "https://openrouter.ai/api/v1";

  constructor(config: OpenRouterConfigInput = {}) {
    super({ operations: ["chat"], ...configWithVersion(config, OpenRouterProvider.defaultBaseUrl, "/v1") });
  }

  protected override defaultModels(): ModelInfo[] {
    return OPENROUTER_MODELS.map((model) => ({ ...model }));
  }

  /** OpenRouter takes an answer's `reasoning` and `reasoning_details` back, to carry a model's reasoning across a tool loop. */
  protected override _answerOnlyFields(): readonly string[] {
    return ["annotations"];
  }

  protected override _buildHeaders(): Record<string, string> {
    const headers = super._buildHeaders();
    if (typeof this._config.appUrl === "string" && this._config.appUrl !== "") headers["HTTP-Referer"] = this._config.appUrl;
    if (typeof this._config.appName === "string" && this._config.appName !== "") headers["X-Title"] = this._config.appName;
    return headers;
  }

  protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
    const result = super._parseSseChunk(event, context);
    if (!isRecord(result) || !isRecord(result.usage) || !Array.isArray(result.choices)) return result;
    const empty = result.choices.every((choice) => isRecord(choice) && !choice.finish_reason && (!isRecord(choice.delta) || (!choice.delta.content && !choice.delta.tool_calls)));
    return empty ? { ...result, choices: [] } : result;
  }
}
