/**
 * Gemini `streamGenerateContent?alt=sse` events → OpenAI chat completion chunks.
 * Every event is a whole `GenerateContentResponse` holding only the new text (function calls arrive whole, never
 * split), `usageMetadata` is cumulative, and the stream has no terminator: it ends with the body, after an event
 * carrying `finishReason`. A failure after the 200 is an event `{"error":{code,status,message}}`.
 *
 * | Gemini event                                  | OpenAI chunk                                                         |
 * |-----------------------------------------------|----------------------------------------------------------------------|
 * | first event                                    | `delta.role: "assistant"`                                            |
 * | `candidates[i].content.parts[].text`          | `choices[i].delta.content`                                           |
 * | `parts[].functionCall`                         | `delta.tool_calls[{index, id, type, function:{name, arguments}}]` (index counts calls per candidate) |
 * | `finishReason`                                 | `finish_reason` (tool_calls when the candidate called a function)    |
 * | `usageMetadata` (last seen)                    | a usage chunk (`choices: []`) after the finish                       |
 * | `{error}`                                      | a typed error                                                        |
 */
import type { SseEvent } from "../../wire/sse.js";
import type { ModelMeshError } from "../../wire/errors.js";
import { isRecord, type ChatCompletionDraft, type ChunkDraftResult } from "../provider-config.js";
import { finishReason, readParts, toOpenAIUsage, type GeminiToolCall } from "./response.js";

interface StreamState {
  started: boolean;
  /** Tool calls seen so far, per candidate index. */
  calls: Map<number, number>;
}

/**
 * Maps one Gemini SSE event. `raiseError` turns an in-band `{error}` into a typed error.
 * @example
 * mapGeminiEvent({ data: '{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"index":0}]}' }, {}, toError, remember);
 */
export function mapGeminiEvent(event: SseEvent, scratch: Record<string, unknown>, raiseError: (body: Record<string, unknown>) => ModelMeshError, remember: (call: GeminiToolCall) => void): ChunkDraftResult {
  if (event.data.trim() === "") return null;
  const data: unknown = JSON.parse(event.data);
  if (!isRecord(data)) throw new TypeError("the event is not a JSON object");
  if (data.error !== undefined) throw raiseError(data);
  if (!isRecord(scratch.gemini)) scratch.gemini = { started: false, calls: new Map<number, number>() } satisfies StreamState;
  const state = scratch.gemini as unknown as StreamState;
  const identity = { ...(typeof data.responseId === "string" ? { id: data.responseId } : {}), ...(typeof data.modelVersion === "string" ? { model: data.modelVersion } : {}) };
  let finished = false;
  const choices = (Array.isArray(data.candidates) ? data.candidates : []).map((value, position) => {
    const candidate = isRecord(value) ? value : {};
    const index = typeof candidate.index === "number" ? candidate.index : position;
    const { text, calls } = readParts(candidate.content);
    const delta: Record<string, unknown> = {};
    if (!state.started) delta.role = "assistant";
    if (text !== "" || !state.started) delta.content = text;
    if (calls.length > 0) {
      const seen = state.calls.get(index) ?? 0;
      state.calls.set(index, seen + calls.length);
      delta.tool_calls = calls.map((call, offset) => {
        remember(call);
        return { index: seen + offset, id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } };
      });
    }
    const reason = finishReason(candidate.finishReason, (state.calls.get(index) ?? 0) > 0);
    if (reason) finished = true;
    return { index, delta, finish_reason: reason };
  });
  const blocked = isRecord(data.promptFeedback) && typeof data.promptFeedback.blockReason === "string" && choices.length === 0;
  if (blocked) {
    choices.push({ index: 0, delta: state.started ? {} : { role: "assistant", content: "" }, finish_reason: "content_filter" });
    finished = true;
  }
  if (choices.length > 0) state.started = true;
  const chunks: ChatCompletionDraft[] = [];
  if (choices.length > 0) chunks.push({ ...identity, choices });
  if (finished && isRecord(data.usageMetadata)) chunks.push({ ...identity, choices: [], usage: toOpenAIUsage(data.usageMetadata) });
  return chunks.length > 0 ? chunks : null;
}
