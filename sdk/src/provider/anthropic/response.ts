/**
 * Anthropic Messages response → OpenAI chat completion.
 *
 * | Anthropic                                   | OpenAI                                                       |
 * |---------------------------------------------|--------------------------------------------------------------|
 * | `id` (`msg_...`), `model`                    | `id`, `model`                                                |
 * | `content[type=text].text` (all, in order)    | `choices[0].message.content` (null when there is none)       |
 * | `content[type=tool_use]{id,name,input}`      | `message.tool_calls[]{id, type:"function", function:{name, arguments: JSON}}` |
 * | `content[type=thinking/redacted_thinking]`   | dropped (OpenAI's shape has no place for it)                 |
 * | `stop_reason`                                | `finish_reason` (table `STOP_REASONS`)                       |
 * | `usage.input_tokens` + cache creation + cache reads | `usage.prompt_tokens` (cache reads also in `prompt_tokens_details.cached_tokens`) |
 * | `usage.output_tokens`                        | `usage.completion_tokens`                                    |
 */
import type { CompletionUsage, FinishReason } from "../../wire/types.js";
import { isRecord, type ChatCompletionDraft } from "../provider-config.js";
import { ownValue } from "../../internal/own.js";

/**
 * Anthropic's `stop_reason` values and the OpenAI finish reason each means; an unknown reason is a normal stop.
 * @example
 * STOP_REASONS.max_tokens; // "length"
 */
export const STOP_REASONS: Readonly<Record<string, FinishReason>> = Object.freeze({
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
});

/**
 * Maps a `stop_reason`; null while the message is still going.
 * @example
 * finishReason("tool_use"); // "tool_calls"
 */
export function finishReason(stopReason: unknown): FinishReason | null {
  if (typeof stopReason !== "string" || stopReason === "") return null;
  return ownValue(STOP_REASONS, stopReason) ?? "stop";
}

const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/**
 * Anthropic usage as OpenAI usage: every input token Anthropic bills (fresh, cache writes, cache reads) is a prompt token.
 * @example
 * toOpenAIUsage({ input_tokens: 12, output_tokens: 29 }); // { prompt_tokens: 12, completion_tokens: 29, total_tokens: 41 }
 */
export function toOpenAIUsage(usage: Record<string, unknown>): CompletionUsage {
  const cacheReads = count(usage.cache_read_input_tokens);
  const prompt = count(usage.input_tokens) + count(usage.cache_creation_input_tokens) + cacheReads;
  const completion = count(usage.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cacheReads > 0 ? { prompt_tokens_details: { cached_tokens: cacheReads } } : {}),
  };
}

/**
 * Translates a Messages API body into a chat completion draft (the base class fills what is left).
 * @throws TypeError when the body is not a message (turned into `malformed_response` by the transport)
 * @example
 * fromAnthropicMessage({ id: "msg_1", type: "message", model: "claude-haiku-4-5", content: [{ type: "text", text: "Hi" }], stop_reason: "end_turn", usage: { input_tokens: 3, output_tokens: 1 } });
 */
export function fromAnthropicMessage(data: Record<string, unknown>): ChatCompletionDraft {
  if (!Array.isArray(data.content)) throw new TypeError("the body has no content array");
  const texts: string[] = [];
  const toolCalls: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }> = [];
  for (const item of data.content) {
    if (!isRecord(item)) continue;
    if (item.type === "text" && typeof item.text === "string") texts.push(item.text);
    if (item.type === "tool_use") {
      toolCalls.push({ id: String(item.id), type: "function", function: { name: String(item.name), arguments: JSON.stringify(item.input ?? {}) } });
    }
  }
  const message: Record<string, unknown> = { role: "assistant", content: texts.length > 0 ? texts.join("") : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const reason = finishReason(data.stop_reason);
  if (reason === "content_filter" && texts.length === 0) {
    // A refusal arrives as an empty message; say so where OpenAI callers look for it.
    const details = isRecord(data.stop_details) && typeof data.stop_details.explanation === "string" ? data.stop_details.explanation : "The model declined to answer.";
    message.refusal = details;
  }
  const draft: ChatCompletionDraft = {
    ...(typeof data.id === "string" ? { id: data.id } : {}),
    ...(typeof data.model === "string" ? { model: data.model } : {}),
    choices: [{ index: 0, message, finish_reason: reason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"), logprobs: null }],
  };
  if (isRecord(data.usage)) draft.usage = toOpenAIUsage(data.usage);
  return draft;
}
