/**
 * Cohere v2 chat stream events → OpenAI chat completion chunks. Every event is named (`event:` line) and its data
 * repeats the name in `type`; the stream ends with the body after `message-end`.
 *
 * | Cohere event                                   | OpenAI chunk                                                  |
 * |------------------------------------------------|---------------------------------------------------------------|
 * | `message-start` (`id`)                          | `delta: {role: "assistant", content: ""}`                     |
 * | `content-start`, `content-end`, `tool-call-end`, `citation-*`, unknown | nothing                               |
 * | `content-delta` `delta.message.content.text`    | `delta.content`                                               |
 * | `tool-plan-delta` `delta.message.tool_plan`     | `delta.content` (the words before the tool calls, as the JSON answer's `content`) |
 * | `tool-call-start` `{id, type, function:{name}}` | `delta.tool_calls[{index, id, type, function:{name, arguments: ""}}]` |
 * | `tool-call-delta` `function.arguments`          | `delta.tool_calls[{index, function:{arguments}}]`             |
 * | `message-end` `finish_reason`, `usage`          | the finish chunk, then a usage chunk (`choices: []`)          |
 * | `message-end` with ERROR / TIMEOUT              | a retryable typed error (the answer is incomplete)            |
 * Tool-call `index` counts tool calls (0, 1, ...) whatever Cohere's event index is, so it is dense as OpenAI's.
 */
import type { SseEvent } from "../../wire/sse.js";
import { isRecord, type ChatCompletionDraft, type ChunkDraftResult } from "../provider-config.js";
import { FAILED_REASONS, FINISH_REASONS, toOpenAIUsage } from "./response.js";
import { ownValue } from "../../internal/own.js";

interface StreamState {
  id?: string;
  /** Cohere's event index → OpenAI tool-call index. */
  calls: Map<number, number>;
}

const at = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), value);

/**
 * Maps one Cohere SSE event; `fail` builds the error for a failed finish reason.
 * @example
 * mapCohereEvent({ event: "content-delta", data: '{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Hi"}}}}' }, {}, fail);
 */
export function mapCohereEvent(event: SseEvent, scratch: Record<string, unknown>, fail: (reason: string) => Error): ChunkDraftResult {
  if (event.data.trim() === "") return null;
  const data: unknown = JSON.parse(event.data);
  if (!isRecord(data)) throw new TypeError("the event is not a JSON object");
  if (!isRecord(scratch.cohere)) scratch.cohere = { calls: new Map<number, number>() } satisfies StreamState;
  const state = scratch.cohere as unknown as StreamState;
  const type = typeof data.type === "string" ? data.type : event.event;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatCompletionDraft => ({ ...(state.id ? { id: state.id } : {}), choices: [{ index: 0, delta, finish_reason: finish }] });
  switch (type) {
    case "message-start":
      if (typeof data.id === "string") state.id = data.id;
      return chunk({ role: "assistant", content: "" });
    case "content-delta": {
      const text = at(data, "delta", "message", "content", "text");
      return typeof text === "string" && text !== "" ? chunk({ content: text }) : null;
    }
    case "tool-plan-delta": {
      const plan = at(data, "delta", "message", "tool_plan");
      return typeof plan === "string" && plan !== "" ? chunk({ content: plan }) : null;
    }
    case "tool-call-start": {
      const call = at(data, "delta", "message", "tool_calls");
      if (!isRecord(call)) return null;
      const index = state.calls.size;
      state.calls.set(typeof data.index === "number" ? data.index : index, index);
      const name = at(call, "function", "name");
      const args = at(call, "function", "arguments");
      return chunk({ tool_calls: [{ index, id: String(call.id), type: "function", function: { name: typeof name === "string" ? name : "", arguments: typeof args === "string" ? args : "" } }] });
    }
    case "tool-call-delta": {
      const args = at(data, "delta", "message", "tool_calls", "function", "arguments");
      const index = state.calls.get(typeof data.index === "number" ? data.index : -1);
      if (typeof args !== "string" || args === "" || index === undefined) return null;
      return chunk({ tool_calls: [{ index, function: { arguments: args } }] });
    }
    case "message-end": {
      const reason = at(data, "delta", "finish_reason");
      const name = typeof reason === "string" ? reason : "COMPLETE";
      if (FAILED_REASONS.has(name)) throw fail(name);
      const usage = toOpenAIUsage(at(data, "delta", "usage"));
      const finish = chunk({}, ownValue(FINISH_REASONS, name) ?? "stop");
      return usage ? [finish, { ...(state.id ? { id: state.id } : {}), choices: [], usage }] : finish;
    }
    default:
      return null;
  }
}
