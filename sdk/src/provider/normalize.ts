/** Answers in the OpenAI wire shape, whatever a service omitted: what every provider hands the router. */
import type { AnyEmbedding, ChatCompletion, ChatCompletionChunk, CompletionUsage, CreateEmbeddingResponse, FinishReason, ImagesResponse } from "../wire/types.js";
import { isRecord } from "./provider-config.js";
import { ownValue } from "../internal/own.js";

/** An id for answers that came without one. */
export function randomId(): string {
  const crypto = globalThis.crypto as Crypto | undefined;
  if (crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID().replace(/-/g, "").slice(0, 24);
  return Math.random().toString(36).slice(2, 14) + Math.random().toString(36).slice(2, 14);
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  content_filter: "content_filter",
  function_call: "function_call",
  // Names other wire formats use for the same outcomes.
  end_turn: "stop",
  stop_sequence: "stop",
  eos: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  safety: "content_filter",
};

/**
 * Maps any provider's finish reason onto OpenAI's enum; an unknown reason counts as a normal stop.
 * @example
 * normalizeFinishReason("end_turn"); // "stop"
 * normalizeFinishReason("MAX_TOKENS"); // "length"
 */
export function normalizeFinishReason(value: unknown): FinishReason | null {
  if (typeof value !== "string" || value === "") return null;
  return ownValue(FINISH_REASONS, value.toLowerCase()) ?? "stop";
}

/**
 * Usage with OpenAI's snake_case names (the FAQ's camelCase `promptTokens` accepted); `total_tokens` computed when missing.
 * @example
 * normalizeUsage({ promptTokens: 3, completionTokens: 4 }); // { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }
 */
export function normalizeUsage(value: unknown): CompletionUsage | undefined {
  if (!isRecord(value)) return undefined;
  const { promptTokens, completionTokens, totalTokens, ...rest } = value;
  const count = (snake: unknown, camel: unknown) => (typeof snake === "number" ? snake : typeof camel === "number" ? camel : 0);
  const prompt = count(value.prompt_tokens, promptTokens);
  const completion = count(value.completion_tokens, completionTokens);
  const total = typeof value.total_tokens === "number" ? value.total_tokens : typeof totalTokens === "number" ? totalTokens : prompt + completion;
  return { ...rest, prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
}

function normalizeContent(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part === "string" ? part : isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
  }
  return null;
}

/**
 * Fills what OpenAI's schema requires and a provider may omit: `id`, `object`, `created`, `model` (falls back to the
 * requested model), `choices[].index`, `message.role`, `message.content` (null), `message.refusal` (null),
 * `logprobs` (null), `finish_reason`; camelCase `finishReason`/`promptTokens` are renamed.
 * @throws TypeError when there is no `choices` array (the transport turns it into `malformed_response`)
 * @example
 * normalizeChatCompletion({ choices: [{ message: { content: "Hi" } }] }, "corp-llm").choices[0]?.finish_reason; // "stop"
 */
export function normalizeChatCompletion(draft: unknown, modelId: string): ChatCompletion {
  if (!isRecord(draft) || !Array.isArray(draft.choices)) throw new TypeError("the body has no choices array");
  if (isWireCompletion(draft)) return draft;
  const { usage, ...rest } = draft;
  const choices = draft.choices.map((value, index) => {
    const choice = isRecord(value) ? value : {};
    const { finishReason, ...choiceRest } = choice;
    const message = isRecord(choice.message) ? choice.message : {};
    const toolCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    return {
      ...choiceRest,
      index: typeof choice.index === "number" ? choice.index : index,
      message: { ...message, role: "assistant" as const, content: normalizeContent(message.content), refusal: typeof message.refusal === "string" ? message.refusal : null },
      finish_reason: normalizeFinishReason(choice.finish_reason ?? finishReason) ?? (toolCalls ? "tool_calls" : "stop"),
      // As the service sent them: only their presence is checked (the schema asks for `content` and `refusal`).
      logprobs: isRecord(choice.logprobs) ? (choice.logprobs as unknown as ChatCompletion["choices"][number]["logprobs"]) : null,
    };
  });
  const completion: ChatCompletion = {
    ...rest,
    id: typeof draft.id === "string" && draft.id !== "" ? draft.id : `chatcmpl-${randomId()}`,
    object: "chat.completion",
    created: typeof draft.created === "number" ? Math.floor(draft.created) : Math.floor(Date.now() / 1000),
    model: typeof draft.model === "string" && draft.model !== "" ? draft.model : modelId,
    choices,
  };
  const normalizedUsage = normalizeUsage(usage);
  if (normalizedUsage) completion.usage = normalizedUsage;
  return completion;
}

/**
 * Fills a stream chunk's required fields; `stream` carries the id/created/model of the stream so every chunk agrees.
 * @example
 * normalizeChatCompletionChunk({ choices: [{ delta: { content: "Hi" } }] }, { id: "chatcmpl-1", created: 1, model: "m" });
 */
export function normalizeChatCompletionChunk(draft: unknown, stream: { id: string; created: number; model: string }): ChatCompletionChunk {
  if (!isRecord(draft)) throw new TypeError("the chunk is not an object");
  if (isWireChunk(draft)) return draft;
  const { usage, ...rest } = draft;
  const choices = (Array.isArray(draft.choices) ? draft.choices : []).map((value, index) => {
    const choice = isRecord(value) ? value : {};
    const { finishReason, ...choiceRest } = choice;
    return {
      ...choiceRest,
      index: typeof choice.index === "number" ? choice.index : index,
      delta: isRecord(choice.delta) ? choice.delta : {},
      finish_reason: normalizeFinishReason(choice.finish_reason ?? finishReason),
    };
  });
  const chunk: ChatCompletionChunk = {
    ...rest,
    id: typeof draft.id === "string" && draft.id !== "" ? draft.id : stream.id,
    object: "chat.completion.chunk",
    created: typeof draft.created === "number" ? Math.floor(draft.created) : stream.created,
    model: typeof draft.model === "string" && draft.model !== "" ? draft.model : stream.model,
    choices,
  };
  if (usage !== undefined) chunk.usage = normalizeUsage(usage) ?? null;
  return chunk;
}

/** Finish reasons already spelled as OpenAI's enum (what the normaliser would leave as they are). */
const WIRE_FINISH_REASONS = new Set<unknown>([null, "stop", "length", "tool_calls", "content_filter", "function_call"]);

/**
 * True when a chunk already has the shape `normalizeChatCompletionChunk` would build (an OpenAI or OpenAI-compatible
 * service's own chunks): every required field present and well-typed, no camelCase spelling to rename, `usage`
 * absent, null or snake_case. Such a chunk is used as it is, in the service's own key order (OpenAI's chunks carry
 * `obfuscation` after `usage`), instead of being copied (three objects per chunk) into an equal one; the proxy then
 * passes on the service's own text for it.
 */
function isWireChunk(draft: Record<string, unknown>): draft is Record<string, unknown> & ChatCompletionChunk {
  if (typeof draft.id !== "string" || draft.id === "" || draft.object !== "chat.completion.chunk" || !Number.isInteger(draft.created)) return false;
  if (typeof draft.model !== "string" || draft.model === "" || !Array.isArray(draft.choices)) return false;
  for (const choice of draft.choices as unknown[]) {
    if (!isRecord(choice) || typeof choice.index !== "number" || !isRecord(choice.delta) || "finishReason" in choice) return false;
    if (!("finish_reason" in choice) || !WIRE_FINISH_REASONS.has(choice.finish_reason)) return false;
  }
  if (!("usage" in draft)) return true;
  const usage = draft.usage;
  if (usage !== null) {
    if (!isRecord(usage) || typeof usage.prompt_tokens !== "number" || typeof usage.completion_tokens !== "number" || typeof usage.total_tokens !== "number") return false;
    if ("promptTokens" in usage || "completionTokens" in usage || "totalTokens" in usage) return false;
  }
  return true;
}

const WIRE_COMPLETION_FINISH_REASONS = new Set<unknown>(["stop", "length", "tool_calls", "content_filter", "function_call"]);

/**
 * True when a completion already is what `normalizeChatCompletion` would build from it (an OpenAI or
 * OpenAI-compatible service's own answer): every required field present and well-typed, nothing to rename or fill.
 * It is then used as it is, in the service's key order, instead of being copied into an equal one, and the proxy
 * passes on the service's own text for it.
 */
function isWireCompletion(draft: Record<string, unknown>): draft is Record<string, unknown> & ChatCompletion {
  if (typeof draft.id !== "string" || draft.id === "" || draft.object !== "chat.completion" || !Number.isInteger(draft.created)) return false;
  if (typeof draft.model !== "string" || draft.model === "") return false;
  for (const choice of draft.choices as unknown[]) {
    if (!isRecord(choice) || typeof choice.index !== "number" || "finishReason" in choice || !WIRE_COMPLETION_FINISH_REASONS.has(choice.finish_reason)) return false;
    if (!(choice.logprobs === null || isRecord(choice.logprobs))) return false;
    const message = choice.message;
    if (!isRecord(message) || message.role !== "assistant") return false;
    if (!(typeof message.content === "string" || message.content === null)) return false;
    if (!(typeof message.refusal === "string" || message.refusal === null)) return false;
  }
  if (!("usage" in draft)) return true;
  const usage = draft.usage;
  if (!isRecord(usage) || typeof usage.prompt_tokens !== "number" || typeof usage.completion_tokens !== "number" || typeof usage.total_tokens !== "number") return false;
  return !("promptTokens" in usage || "completionTokens" in usage || "totalTokens" in usage);
}

/**
 * Fills `CreateEmbeddingResponse`'s required fields (`object`, `data[].object`/`index`, `model`, `usage`).
 * @throws TypeError when there is no `data` array
 * @example
 * normalizeEmbeddingResponse({ data: [{ embedding: [0.1] }] }, "text-embedding-3-small").data[0]?.index; // 0
 */
export function normalizeEmbeddingResponse(draft: unknown, modelId: string): CreateEmbeddingResponse<AnyEmbedding> {
  if (!isRecord(draft) || !Array.isArray(draft.data)) throw new TypeError("the body has no data array");
  const data = draft.data.map((value, index) => {
    const item = isRecord(value) ? value : {};
    if (!Array.isArray(item.embedding) && typeof item.embedding !== "string") throw new TypeError(`data[${index}] has no embedding`);
    return { ...item, object: "embedding" as const, index: typeof item.index === "number" ? item.index : index, embedding: item.embedding } as AnyEmbedding;
  });
  const usage = isRecord(draft.usage) ? draft.usage : {};
  const promptTokens = typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : 0;
  return {
    ...draft,
    object: "list",
    data,
    model: typeof draft.model === "string" && draft.model !== "" ? draft.model : modelId,
    usage: { ...usage, prompt_tokens: promptTokens, total_tokens: typeof usage.total_tokens === "number" ? usage.total_tokens : promptTokens },
  };
}

/**
 * Fills `ImagesResponse`'s required fields (`created`, `data`).
 * @throws TypeError when there is no `data` array
 * @example
 * normalizeImagesResponse({ data: [{ url: "https://..." }] }).created; // now, in seconds
 */
export function normalizeImagesResponse(draft: unknown): ImagesResponse {
  if (!isRecord(draft) || !Array.isArray(draft.data)) throw new TypeError("the body has no data array");
  return { ...draft, created: typeof draft.created === "number" ? draft.created : Math.floor(Date.now() / 1000), data: draft.data as ImagesResponse["data"] };
}

/**
 * Turns a whole completion into the chunks a stream would have carried (for services that ignore `stream: true`).
 * @example
 * for (const chunk of completionToChunks(completion)) yield chunk;
 */
export function completionToChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = { id: completion.id, object: "chat.completion.chunk" as const, created: completion.created, model: completion.model };
  const chunks: ChatCompletionChunk[] = [
    {
      ...base,
      choices: completion.choices.map((choice) => {
        const { role, content, refusal, tool_calls, ...extra } = choice.message;
        const delta: ChatCompletionChunk["choices"][number]["delta"] = { ...extra, role, content };
        if (refusal !== null) delta.refusal = refusal;
        if (tool_calls) delta.tool_calls = tool_calls.map((call, index) => ({ index, ...call }));
        return { index: choice.index, delta, finish_reason: choice.finish_reason };
      }),
    },
  ];
  if (completion.usage) chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}

/**
 * Fields only answers carry: OpenAI's `annotations`, OpenRouter's `reasoning` and `reasoning_details`. A message pushed
 * back from an answer brings them, and OpenAI's request schema refuses them (a conversation begun on OpenRouter may
 * fail over to any service).
 */
export const ANSWER_ONLY_FIELDS: readonly string[] = ["annotations", "reasoning", "reasoning_details"];

const carriesAny = (message: object, fields: readonly string[]) => {
  for (const field of fields) if (field in message) return true;
  return false;
};

/**
 * The messages as a request may carry them: an assistant message pushed back from an answer (the official client's
 * `messages.push(completion.choices[0].message)`) without the `answerOnly` fields. The same array when no message has
 * one (the common case: nothing is copied).
 * @example
 * requestMessages([{ role: "assistant", content: "Hi", annotations: [] }]); // [{ role: "assistant", content: "Hi" }]
 */
export function requestMessages<Message extends object>(messages: readonly Message[], answerOnly: readonly string[] = ANSWER_ONLY_FIELDS): readonly Message[] {
  if (!messages.some((message) => carriesAny(message, answerOnly))) return messages;
  return messages.map((message) => {
    if (!carriesAny(message, answerOnly)) return message;
    const rest = { ...message } as Record<string, unknown>;
    for (const field of answerOnly) delete rest[field];
    return rest as Message;
  });
}
