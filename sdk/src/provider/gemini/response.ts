/**
 * Gemini `GenerateContentResponse` → OpenAI chat completion (and the pieces the stream mapping reuses).
 *
 * | Gemini                                        | OpenAI                                                      |
 * |-----------------------------------------------|-------------------------------------------------------------|
 * | `responseId`, `modelVersion`                   | `id`, `model`                                               |
 * | `candidates[i]` (`index`)                      | `choices[i]`                                                |
 * | `content.parts[].text` (not `thought: true`)   | `message.content` (joined)                                  |
 * | `content.parts[].functionCall{name,args,id?}` | `message.tool_calls[]` (`id` = Gemini's, else `call_<random>`) |
 * | `finishReason` STOP / MAX_TOKENS / SAFETY...   | `finish_reason` stop (tool_calls when it called) / length / content_filter |
 * | `promptFeedback.blockReason`, no candidates    | one empty choice, `finish_reason: "content_filter"`         |
 * | `usageMetadata.promptTokenCount`               | `usage.prompt_tokens` (`cachedContentTokenCount` → `cached_tokens`) |
 * | `candidatesTokenCount` + `thoughtsTokenCount`  | `usage.completion_tokens` (thoughts are billed as output; also `reasoning_tokens`) |
 */
import type { CompletionUsage, FinishReason } from "../../wire/types.js";
import { isRecord, type ChatCompletionDraft } from "../provider-config.js";
import { randomId } from "../normalize.js";
import { ownValue } from "../../internal/own.js";

/**
 * Gemini's `finishReason` values and the OpenAI finish reason each means; an unknown reason is a normal stop.
 * @example
 * FINISH_REASONS.MAX_TOKENS; // "length"
 */
export const FINISH_REASONS: Readonly<Record<string, FinishReason>> = Object.freeze({
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
  LANGUAGE: "stop",
  OTHER: "stop",
  MALFORMED_FUNCTION_CALL: "stop",
});

/** A tool call read from a Gemini part, with the thought signature Gemini 3 wants back with it. */
export interface GeminiToolCall {
  id: string;
  name: string;
  arguments: string;
  signature?: string;
}

/** Text and tool calls of one candidate's parts. */
export function readParts(content: unknown): { text: string; calls: GeminiToolCall[] } {
  const parts = isRecord(content) && Array.isArray(content.parts) ? content.parts : [];
  let text = "";
  const calls: GeminiToolCall[] = [];
  for (const part of parts) {
    if (!isRecord(part)) continue;
    // Thought summaries (`thought: true`) are the model's reasoning, not its answer.
    if (typeof part.text === "string" && part.thought !== true) text += part.text;
    if (isRecord(part.functionCall)) {
      const call = part.functionCall;
      calls.push({
        id: typeof call.id === "string" && call.id !== "" ? call.id : `call_${randomId()}`,
        name: String(call.name),
        arguments: JSON.stringify(call.args ?? {}),
        ...(typeof part.thoughtSignature === "string" ? { signature: part.thoughtSignature } : {}),
      });
    }
  }
  return { text, calls };
}

/**
 * Maps a candidate's `finishReason`; a stop after function calls is OpenAI's `tool_calls`.
 * @example
 * finishReason("STOP", true); // "tool_calls"
 */
export function finishReason(reason: unknown, calledTools: boolean): FinishReason | null {
  if (typeof reason !== "string" || reason === "" || reason === "FINISH_REASON_UNSPECIFIED") return null;
  const mapped = ownValue(FINISH_REASONS, reason) ?? "stop";
  return mapped === "stop" && calledTools ? "tool_calls" : mapped;
}

const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/**
 * `usageMetadata` as OpenAI usage; thinking tokens are billed as output, so they count as completion tokens.
 * @example
 * toOpenAIUsage({ promptTokenCount: 9, candidatesTokenCount: 1, thoughtsTokenCount: 20 }); // { prompt_tokens: 9, completion_tokens: 21, total_tokens: 30, ... }
 */
export function toOpenAIUsage(usage: Record<string, unknown>): CompletionUsage {
  const prompt = count(usage.promptTokenCount) + count(usage.toolUsePromptTokenCount);
  const thoughts = count(usage.thoughtsTokenCount);
  const completion = count(usage.candidatesTokenCount) + thoughts;
  const cached = count(usage.cachedContentTokenCount);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cached > 0 ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
    ...(thoughts > 0 ? { completion_tokens_details: { reasoning_tokens: thoughts } } : {}),
  };
}

/**
 * Translates a `generateContent` body into a chat completion draft; `remember` keeps each call's thought signature.
 * @throws TypeError when the body has neither candidates nor a prompt block reason
 * @example
 * fromGeminiResponse({ candidates: [{ content: { role: "model", parts: [{ text: "Hi" }] }, finishReason: "STOP" }] }, () => {});
 */
export function fromGeminiResponse(data: Record<string, unknown>, remember: (call: GeminiToolCall) => void): ChatCompletionDraft {
  const candidates = Array.isArray(data.candidates) ? data.candidates : undefined;
  const blocked = isRecord(data.promptFeedback) && typeof data.promptFeedback.blockReason === "string";
  if (!candidates && !blocked) throw new TypeError("the body has no candidates");
  const choices = (candidates ?? [{}]).map((value, position) => {
    const candidate = isRecord(value) ? value : {};
    const { text, calls } = readParts(candidate.content);
    calls.forEach(remember);
    const message: Record<string, unknown> = { role: "assistant", content: text === "" && calls.length > 0 ? null : text };
    if (calls.length > 0) message.tool_calls = calls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } }));
    const reason = blocked && !candidates ? "content_filter" : (finishReason(candidate.finishReason, calls.length > 0) ?? (calls.length > 0 ? "tool_calls" : "stop"));
    return { index: typeof candidate.index === "number" ? candidate.index : position, message, finish_reason: reason, logprobs: null };
  });
  const draft: ChatCompletionDraft = {
    ...(typeof data.responseId === "string" ? { id: data.responseId } : {}),
    ...(typeof data.modelVersion === "string" ? { model: data.modelVersion } : {}),
    choices,
  };
  if (isRecord(data.usageMetadata)) draft.usage = toOpenAIUsage(data.usageMetadata);
  return draft;
}
