/**
 * Mistral (`mistral.api.v1`): configuration of `OpenAICompatibleProvider` (`https://api.mistral.ai/v1`, with or
 * without `/v1`), chat and embeddings. Mistral's request schema is closed (`additionalProperties: false` in its
 * published OpenAPI spec), so the OpenAI body is reshaped to it:
 *
 * | OpenAI                                  | Mistral                                   |
 * |-----------------------------------------|-------------------------------------------|
 * | `seed`                                  | `random_seed`                             |
 * | `max_completion_tokens`                 | `max_tokens`                              |
 * | `stream_options`, `user`, `logit_bias`, `logprobs`, `store`, ... | dropped (not in the schema) |
 * | message `name` (user/system/assistant), `refusal` | dropped                       |
 * And back: tool calls come without `type` (and stream deltas without `index`), both filled in as OpenAI's schema
 * requires; answers without calls carry `tool_calls: null` (removed). Prices: USD per million tokens, mistral.ai/pricing, as quoted by
 * third-party price trackers on the `readAt` date.
 */
import type { SseEvent } from "../wire/sse.js";
import type { ChatCompletionCreateParams } from "../wire/types.js";
import { configWithVersion } from "./content-parts.js";
import { OpenAICompatibleProvider, type OpenAICompatibleConfigInput } from "./openai-compatible.js";
import { isRecord, type ChatCompletionDraft, type ChunkDraftResult, type StreamContext } from "./provider-config.js";
import type { ModelInfo, RateLimitSnapshot } from "./provider.js";
import { parseMistralRateLimitHeaders } from "./rate-limit-headers.js";
import { chatModel } from "./chat-model.js";

const EMBEDDINGS = "representation.embeddings.text-embeddings";
const READ_AT = "2026-12-01";

/** Top-level keys of Mistral's ChatCompletionRequest. */
const REQUEST_KEYS = new Set([
  "model", "temperature", "top_p", "max_tokens", "stream", "stop", "random_seed", "metadata", "messages", "response_format", "tools",
  "tool_choice", "presence_penalty", "frequency_penalty", "n", "prediction", "parallel_tool_calls", "prompt_mode", "reasoning_effort",
  "guardrails", "prompt_cache_key", "safe_prompt",
]);
const MESSAGE_KEYS: Record<string, ReadonlySet<string>> = {
  system: new Set(["role", "content"]),
  user: new Set(["role", "content"]),
  assistant: new Set(["role", "content", "tool_calls", "prefix"]),
  tool: new Set(["role", "content", "tool_call_id", "name"]),
};

// Mistral continues a trailing assistant message marked `prefix: true` (docs.mistral.ai, "Prefix"), so a stream cut
// mid-answer elsewhere can be finished here from the text already delivered.
const chat = (id: string, input: number, output: number, contextWindow: number, vision: boolean): ModelInfo => {
  const model = chatModel({ id, input, output, contextWindow, vision, readAt: READ_AT });
  return { ...model, features: { ...model.features, assistantPrefix: true } };
};

/**
 * Mistral's built-in model list.
 * @example
 * MISTRAL_MODELS.find((model) => model.id === "mistral-embed")?.capabilities; // ["representation.embeddings.text-embeddings"]
 */
export const MISTRAL_MODELS: readonly ModelInfo[] = Object.freeze([
  chat("mistral-medium-latest", 0.4, 2, 128_000, true),
  chat("mistral-small-latest", 0.1, 0.3, 128_000, true),
  chat("codestral-latest", 0.3, 0.9, 256_000, false),
  { id: "mistral-embed", capabilities: [EMBEDDINGS], contextWindow: 8_192, pricing: { input: 0.1, readAt: READ_AT } },
]);

function pick(record: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.has(key)));
}

/**
 * Mistral: chat (tools, vision on the models that have it, JSON mode) and embeddings.
 * @example
 * const mistral = new MistralProvider({ apiKey: process.env.MISTRAL_API_KEY });
 * const { body } = await mistral.embeddings({ model: "mistral-embed", input: "Hi" });
 */
export class MistralProvider extends OpenAICompatibleProvider {
  static override connectorId = "mistral.api.v1";
  static override shortName = "mistral";
  static override envVars: readonly string[] = ["MISTRAL_API_KEY"];
  static override baseUrlEnvVar = "MISTRAL_BASE_URL";
  static override defaultBaseUrl = "https://api.mistral.ai/v1";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super({ operations: ["chat", "embeddings"], quirks: { supportsStreamUsage: false }, ...configWithVersion(config, MistralProvider.defaultBaseUrl, "/v1") });
  }

  protected override defaultModels(): ModelInfo[] {
    return MISTRAL_MODELS.map((model) => ({ ...model }));
  }

  protected override _buildRequestPayload(request: ChatCompletionCreateParams): Record<string, unknown> {
    const { seed, max_completion_tokens: maxCompletionTokens, ...rest } = super._buildRequestPayload(request);
    const body: Record<string, unknown> = { ...rest };
    if (seed !== undefined && seed !== null) body.random_seed = seed;
    if (maxCompletionTokens !== undefined && maxCompletionTokens !== null) body.max_tokens = maxCompletionTokens;
    // The developer role is OpenAI's newer name for system.
    body.messages = request.messages.map((message) => {
      const role = message.role === "developer" ? "system" : message.role;
      return pick({ ...message, role }, MESSAGE_KEYS[role] ?? new Set(["role", "content"]));
    });
    return pick(body, REQUEST_KEYS);
  }

  /** Mistral reports per-minute quotas under its own header names (`x-ratelimit-*-req-minute`, `ratelimitbysize-*`). */
  protected override _parseRateLimitHeaders(headers: Headers): RateLimitSnapshot | undefined {
    return parseMistralRateLimitHeaders(headers);
  }

  protected override _parseResponse(data: Record<string, unknown>): ChatCompletionDraft {
    if (!Array.isArray(data.choices)) return data;
    const choices = data.choices.map((choice) => {
      if (!isRecord(choice) || !isRecord(choice.message)) return choice;
      const { tool_calls: calls, ...message } = choice.message;
      if (calls === null || calls === undefined) return { ...choice, message };
      const typed = Array.isArray(calls) ? calls.map((call) => (isRecord(call) ? { type: "function", ...call } : call)) : calls;
      return { ...choice, message: { ...message, tool_calls: typed } };
    });
    return { ...data, choices };
  }

  protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
    const result = super._parseSseChunk(event, context);
    if (!isRecord(result) || !Array.isArray(result.choices)) return result;
    // Mistral streams each call whole, so a call with an id is the next call of the stream.
    const seen = typeof context.state.mistralCalls === "number" ? context.state.mistralCalls : 0;
    let next = seen;
    const choices = result.choices.map((choice) => {
      if (!isRecord(choice) || !isRecord(choice.delta) || !Array.isArray(choice.delta.tool_calls)) return choice;
      const calls = choice.delta.tool_calls.map((call) => (isRecord(call) && call.index === undefined ? { index: next++, type: "function", ...call } : call));
      return { ...choice, delta: { ...choice.delta, tool_calls: calls } };
    });
    context.state.mistralCalls = next;
    return { ...result, choices };
  }
}
