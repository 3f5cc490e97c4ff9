/**
 * Anthropic Messages stream events → OpenAI chat completion chunks.
 *
 * | Anthropic event                                   | OpenAI chunk                                                     |
 * |---------------------------------------------------|------------------------------------------------------------------|
 * | `message_start` (`message.id`, `model`, `usage.input_tokens`) | first chunk: `delta: {role:"assistant", content:""}`; input tokens kept |
 * | `content_block_start` text                          | nothing (its text comes in deltas)                               |
 * | `content_block_start` tool_use `{id,name}`          | `delta.tool_calls[{index, id, type:"function", function:{name, arguments:""}}]` |
 * | `content_block_delta` `text_delta`                  | `delta.content`                                                  |
 * | `content_block_delta` `input_json_delta`            | `delta.tool_calls[{index, function:{arguments: partial_json}}]` |
 * | `content_block_delta` thinking / signature          | nothing                                                          |
 * | `content_block_stop`, `ping`, unknown events        | nothing (Anthropic may add event types; they are skipped)        |
 * | `message_delta` (`stop_reason`, `usage`)            | `finish_reason` chunk, then a usage chunk (`choices: []`)        |
 * | `message_stop`                                      | end of stream                                                    |
 * | `error`                                             | a typed error (`anthropicStreamError`)                           |
 * Tool-call `index` counts tool_use blocks only (0, 1, ...), whatever the block index, so it is stable and dense
 * as OpenAI's is.
 */
import type { SseEvent } from "../../wire/sse.js";
import type { ModelMeshError } from "../../wire/errors.js";
import { isRecord, type ChatCompletionDraft, type ChunkDraftResult } from "../provider-config.js";
import { finishReason, toOpenAIUsage } from "./response.js";

/** What one stream remembers between events (kept in `StreamContext.state`). */
interface StreamState {
  id?: string;
  model?: string;
  usage: Record<string, unknown>;
  /** Anthropic block index → OpenAI tool-call index. */
  toolIndexes: Map<number, number>;
}

function streamState(state: Record<string, unknown>): StreamState {
  if (!isRecord(state.anthropic)) state.anthropic = { usage: {}, toolIndexes: new Map<number, number>() } satisfies StreamState;
  return state.anthropic as unknown as StreamState;
}

/**
 * Maps one Anthropic SSE event. `raiseError` builds the typed error for an in-band `error` event.
 * @example
 * mapAnthropicEvent({ event: "content_block_delta", data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}' }, {}, toError);
 * // { choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] }
 */
export function mapAnthropicEvent(event: SseEvent, scratch: Record<string, unknown>, raiseError: (body: unknown) => ModelMeshError): ChunkDraftResult {
  if (event.data.trim() === "") return null;
  const data: unknown = JSON.parse(event.data);
  if (!isRecord(data)) throw new TypeError("the event is not a JSON object");
  const type = typeof data.type === "string" ? data.type : event.event;
  const state = streamState(scratch);
  const chunk = (choice: Record<string, unknown>): ChatCompletionDraft => ({
    ...(state.id ? { id: state.id } : {}),
    ...(state.model ? { model: state.model } : {}),
    choices: [{ index: 0, finish_reason: null, ...choice }],
  });
  switch (type) {
    case "message_start": {
      const message = isRecord(data.message) ? data.message : {};
      if (typeof message.id === "string") state.id = message.id;
      if (typeof message.model === "string") state.model = message.model;
      if (isRecord(message.usage)) state.usage = { ...message.usage };
      return chunk({ delta: { role: "assistant", content: "" } });
    }
    case "content_block_start": {
      const content = isRecord(data.content_block) ? data.content_block : {};
      if (content.type !== "tool_use") return null;
      const index = state.toolIndexes.size;
      state.toolIndexes.set(Number(data.index), index);
      return chunk({ delta: { tool_calls: [{ index, id: String(content.id), type: "function", function: { name: String(content.name), arguments: "" } }] } });
    }
    case "content_block_delta": {
      const delta = isRecord(data.delta) ? data.delta : {};
      if (delta.type === "text_delta" && typeof delta.text === "string") return chunk({ delta: { content: delta.text } });
      if (delta.type === "input_json_delta" && typeof delta.partial_json === "string") {
        const index = state.toolIndexes.get(Number(data.index));
        if (index === undefined) throw new TypeError("input_json_delta for a block that is not a tool_use");
        if (delta.partial_json === "") return null;
        return chunk({ delta: { tool_calls: [{ index, function: { arguments: delta.partial_json } }] } });
      }
      return null;
    }
    case "message_delta": {
      const delta = isRecord(data.delta) ? data.delta : {};
      // message_delta's usage is cumulative; some deployments report the input tokens only here.
      if (isRecord(data.usage)) state.usage = { ...state.usage, ...data.usage };
      const reason = finishReason(delta.stop_reason) ?? (state.toolIndexes.size > 0 ? "tool_calls" : "stop");
      return [chunk({ delta: {}, finish_reason: reason }), { ...(state.id ? { id: state.id } : {}), ...(state.model ? { model: state.model } : {}), choices: [], usage: toOpenAIUsage(state.usage) }];
    }
    case "message_stop":
      return "done";
    case "error":
      throw raiseError(data);
    default:
      return null;
  }
}
