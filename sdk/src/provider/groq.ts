/**
 * Groq (`groq.api.v1`): configuration of `OpenAICompatibleProvider`. Chat and Whisper transcription on Groq's
 * OpenAI-compatible API (`https://api.groq.com/openai/v1`, with or without `/v1`). Quirks: streams may report the
 * usage only in `x_groq.usage` on the last chunk; it is moved where OpenAI callers read it. `service_tier` is Groq's
 * own (`on_demand`), outside OpenAI's enum: `on_demand` becomes `default`, other unknown tiers are dropped.
 * Prices: USD per million tokens (Whisper per hour of audio, stored per second), groq.com/pricing as quoted by
 * third-party price trackers on the `readAt` date.
 */
import type { SseEvent } from "../wire/sse.js";
import { configWithVersion } from "./content-parts.js";
import { OpenAICompatibleProvider, type OpenAICompatibleConfigInput } from "./openai-compatible.js";
import { isRecord, type ChatCompletionDraft, type ChunkDraftResult, type StreamContext } from "./provider-config.js";
import type { ModelInfo } from "./provider.js";
import { chatModel } from "./chat-model.js";

const SPEECH_TO_TEXT = "understanding.audio-understanding.speech-to-text";
const READ_AT = "2026-12-01";

const chat = (id: string, input: number, output: number, contextWindow: number, maxOutputTokens: number): ModelInfo =>
  chatModel({ id, input, output, contextWindow, maxOutputTokens, vision: false, readAt: READ_AT });

/**
 * Groq's built-in model list.
 * @example
 * GROQ_MODELS.find((model) => model.id === "llama-3.3-70b-versatile")?.pricing; // { input: 0.59, output: 0.79, ... }
 */
export const GROQ_MODELS: readonly ModelInfo[] = Object.freeze([
  chat("llama-3.3-70b-versatile", 0.59, 0.79, 131_072, 32_768),
  chat("llama-3.1-8b-instant", 0.05, 0.08, 131_072, 131_072),
  chat("openai/gpt-oss-120b", 0.15, 0.6, 131_072, 65_536),
  // $0.111 and $0.04 per hour of audio.
  { id: "whisper-large-v3", capabilities: [SPEECH_TO_TEXT], pricing: { perSecond: 0.111 / 3600, readAt: READ_AT } },
  { id: "whisper-large-v3-turbo", capabilities: [SPEECH_TO_TEXT], pricing: { perSecond: 0.04 / 3600, readAt: READ_AT } },
]);

/**
 * Groq: fast open-weight chat models and Whisper transcription.
 * @example
 * const groq = new GroqProvider({ apiKey: process.env.GROQ_API_KEY });
 * const { body } = await groq.chat({ model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "Hi" }] });
 */
export class GroqProvider extends OpenAICompatibleProvider {
  static override connectorId = "groq.api.v1";
  static override shortName = "groq";
  static override envVars: readonly string[] = ["GROQ_API_KEY"];
  static override baseUrlEnvVar = "GROQ_BASE_URL";
  static override defaultBaseUrl = "https://api.groq.com/openai/v1";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super({ operations: ["chat", "transcription"], ...configWithVersion(config, GroqProvider.defaultBaseUrl, "/v1") });
  }

  protected override defaultModels(): ModelInfo[] {
    return GROQ_MODELS.map((model) => ({ ...model }));
  }

  protected override _parseResponse(data: Record<string, unknown>): ChatCompletionDraft {
    return withOpenAIServiceTier(data);
  }

  protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
    const result = super._parseSseChunk(event, context);
    if (!isRecord(result)) return result;
    const chunk = withOpenAIServiceTier(result);
    if (chunk.usage !== undefined && chunk.usage !== null) return chunk;
    const groq = chunk.x_groq;
    return isRecord(groq) && isRecord(groq.usage) ? { ...chunk, usage: groq.usage } : chunk;
  }
}

/** OpenAI's `service_tier` values; Groq answers with its own (`on_demand`, `flex`, `performance`). */
const OPENAI_SERVICE_TIERS = new Set(["auto", "default", "flex", "scale", "priority", "fast"]);

/** Groq's `on_demand` is its default tier; a tier OpenAI's schema does not know is dropped (the value is in `x_groq` callers' logs anyway). */
function withOpenAIServiceTier(data: ChatCompletionDraft): ChatCompletionDraft {
  const tier = data.service_tier;
  if (tier === undefined || tier === null || (typeof tier === "string" && OPENAI_SERVICE_TIERS.has(tier))) return data;
  const { service_tier: _groqTier, ...rest } = data;
  return tier === "on_demand" ? { ...rest, service_tier: "default" } : rest;
}
