/**
 * Cohere v2 chat and embed answers → OpenAI shapes.
 *
 * | Cohere v2                                     | OpenAI                                                        |
 * |-----------------------------------------------|---------------------------------------------------------------|
 * | `id`                                          | `id`                                                          |
 * | `message.content[type=text].text` (joined)    | `choices[0].message.content` (null when there is none)        |
 * | `message.tool_calls[]`                        | `message.tool_calls[]` (same shape)                            |
 * | `message.tool_plan` (with tool calls, no text) | `message.content`: the model's words before its calls, as OpenAI and Anthropic give them |
 * | `citations`                                   | dropped from the message (no place in OpenAI's shape)          |
 * | `finish_reason` COMPLETE / STOP_SEQUENCE / MAX_TOKENS / TOOL_CALL | stop / stop / length / tool_calls     |
 * | `finish_reason` ERROR / TIMEOUT               | a retryable ProviderError (the service failed mid-answer)      |
 * | `usage.billed_units.{input,output}_tokens`    | `usage.prompt_tokens`, `completion_tokens` (what is billed; `usage.tokens` also counts Cohere's own preamble) |
 * | embed `embeddings.float[i]`                   | `data[i].embedding` (base64 float32 when `encoding_format: "base64"`) |
 */
import type { AnyEmbedding, CompletionUsage, CreateEmbeddingResponse, EmbeddingCreateParams, FinishReason } from "../../wire/types.js";
import { floatsToBase64 } from "../embedding-encoding.js";
import { isRecord, type ChatCompletionDraft } from "../provider-config.js";
import { ownValue } from "../../internal/own.js";

/**
 * @example
 * FINISH_REASONS.MAX_TOKENS; // "length"
 */
export const FINISH_REASONS: Readonly<Record<string, FinishReason>> = Object.freeze({
  COMPLETE: "stop",
  STOP_SEQUENCE: "stop",
  MAX_TOKENS: "length",
  TOOL_CALL: "tool_calls",
});

/** Finish reasons that mean the service failed, not that the answer is done. */
export const FAILED_REASONS: ReadonlySet<string> = new Set(["ERROR", "TIMEOUT", "ERROR_TOXIC", "ERROR_LIMIT"]);

const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/**
 * Cohere usage as OpenAI usage, from the billed units (tokens when no billed units are given).
 * @example
 * toOpenAIUsage({ billed_units: { input_tokens: 12, output_tokens: 7 } }); // { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 }
 */
export function toOpenAIUsage(usage: unknown): CompletionUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const units = isRecord(usage.billed_units) ? usage.billed_units : isRecord(usage.tokens) ? usage.tokens : {};
  const prompt = count(units.input_tokens);
  const completion = count(units.output_tokens);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function text(content: unknown): string {
  return Array.isArray(content) ? content.map((part) => (isRecord(part) && part.type === "text" && typeof part.text === "string" ? part.text : "")).join("") : typeof content === "string" ? content : "";
}

/**
 * A `/v2/chat` answer as an OpenAI chat completion draft; `fail` builds the error for a failed finish reason.
 * @example
 * fromCohereResponse({ id: "x", message: { role: "assistant", content: [{ type: "text", text: "Hi" }] }, finish_reason: "COMPLETE" }, fail);
 */
export function fromCohereResponse(data: Record<string, unknown>, fail: (reason: string) => Error): ChatCompletionDraft {
  const reason = typeof data.finish_reason === "string" ? data.finish_reason : "COMPLETE";
  if (FAILED_REASONS.has(reason)) throw fail(reason);
  if (!isRecord(data.message)) throw new TypeError("the body has no message");
  const message = data.message;
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : [];
  // The plan is the text a model says before calling tools ("I will look up the weather..."): OpenAI's shape keeps
  // such text in `content` beside `tool_calls`.
  const plan = calls.length > 0 && typeof message.tool_plan === "string" ? message.tool_plan : "";
  const content = text(message.content) || plan;
  const usage = toOpenAIUsage(data.usage);
  return {
    ...(typeof data.id === "string" ? { id: data.id } : {}),
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: content === "" && calls.length > 0 ? null : content,
          refusal: null,
          ...(calls.length > 0
            ? { tool_calls: calls.map((call) => ({ id: String(call.id), type: "function", function: { name: String(isRecord(call.function) ? call.function.name : ""), arguments: String(isRecord(call.function) ? (call.function.arguments ?? "{}") : "{}") } })) }
            : {}),
        },
        logprobs: null,
        finish_reason: ownValue(FINISH_REASONS, reason) ?? "stop",
      },
    ],
    ...(usage ? { usage } : {}),
  };
}

/**
 * A `/v2/embed` answer as OpenAI's `CreateEmbeddingResponse`.
 * @throws TypeError when there are no float embeddings
 * @example
 * fromCohereEmbedResponse({ embeddings: { float: [[0.1, 0.2]] }, meta: { billed_units: { input_tokens: 3 } } }, { model: "embed-v4.0", input: "a" });
 */
export function fromCohereEmbedResponse(data: unknown, request: EmbeddingCreateParams): CreateEmbeddingResponse<AnyEmbedding> {
  if (!isRecord(data) || !isRecord(data.embeddings) || !Array.isArray(data.embeddings.float)) throw new TypeError("the body has no embeddings.float array");
  const asBase64 = request.encoding_format === "base64";
  const vectors = data.embeddings.float.map((vector, index): AnyEmbedding => {
    if (!Array.isArray(vector)) throw new TypeError(`embeddings.float[${index}] is not an array`);
    return asBase64 ? { object: "embedding", index, embedding: floatsToBase64(vector as number[]) } : { object: "embedding", index, embedding: vector as number[] };
  });
  const billed = isRecord(data.meta) && isRecord(data.meta.billed_units) ? count(data.meta.billed_units.input_tokens) : 0;
  return { object: "list", data: vectors, model: request.model, usage: { prompt_tokens: billed, total_tokens: billed } };
}
