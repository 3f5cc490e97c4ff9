// What a request needs, worked out by the client before routing: its own file, so a client's first load
// (modelmesh/lazy) does not carry the Pool class, which only the mesh uses.
import type { ProviderOperation } from "../provider/provider.js";
import type { ChatCompletionCreateParams, ChatContentPart } from "../wire/types.js";

/** What a request needs from a model. */
export interface RequestFeatures {
  operation: ProviderOperation;
  tools: boolean;
  vision: boolean;
  jsonMode: boolean;
  stream: boolean;
  estimatedInputTokens: number;
  /** For cost ranking: the request's max tokens, or a typical answer length when it sets none. */
  estimatedOutputTokens: number;
  /** What the request reserves for the answer (max_tokens), counted against the context window. */
  reservedOutputTokens: number;
}

/** Rough token count (4 characters a token): good enough to rank costs and check context windows. */
export function estimateTokens(value: unknown): number {
  if (typeof value === "string") return Math.ceil(value.length / 4);
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + estimateTokens(item), 0);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record.text === "string") return estimateTokens(record.text);
    if (record.type === "image_url") return 765; // a high-detail 512px tile, OpenAI's published figure
    return estimateTokens(record.content) + 4;
  }
  return 0;
}

const hasImage = (content: unknown) => Array.isArray(content) && content.some((part: ChatContentPart) => part?.type === "image_url");

/**
 * The features a chat request needs (tools, vision, JSON mode, streaming, token estimates).
 * @example
 * chatFeatures({ model: "chat", messages: [{ role: "user", content: "Hi" }] }).estimatedInputTokens; // 1
 */
export function chatFeatures(body: ChatCompletionCreateParams): RequestFeatures {
  const formatType = body.response_format?.type;
  return {
    operation: "chat",
    tools: Array.isArray(body.tools) && body.tools.length > 0,
    vision: Array.isArray(body.messages) && body.messages.some((message) => hasImage(message?.content)),
    jsonMode: formatType === "json_object" || formatType === "json_schema",
    stream: body.stream === true,
    estimatedInputTokens: estimateTokens(body.messages),
    estimatedOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? 256,
    reservedOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? 0,
  };
}

/**
 * The features of an embeddings, speech, transcription or image request: only the operation and input size.
 * @example
 * simpleFeatures("embeddings", ["a", "b"]);
 */
export function simpleFeatures(operation: ProviderOperation, input: unknown): RequestFeatures {
  return { operation, tools: false, vision: false, jsonMode: false, stream: false, estimatedInputTokens: estimateTokens(input), estimatedOutputTokens: 0, reservedOutputTokens: 0 };
}

