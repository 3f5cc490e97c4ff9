/**
 * OpenAI embeddings request ↔ Gemini `batchEmbedContents`.
 *
 * | OpenAI                         | Gemini                                                               |
 * |--------------------------------|----------------------------------------------------------------------|
 * | `input` (string or strings)    | `requests[]{model:"models/<id>", content:{parts:[{text}]}}`          |
 * | `dimensions`                   | `requests[].outputDimensionality`                                    |
 * | token-id arrays, `encoding_format: "base64"` | `unsupported_parameter` (fail over)                    |
 * | `embeddings[i].values`         | `data[i]{object:"embedding", index:i, embedding}`                    |
 * | (no token counts returned)     | `usage` estimated as characters / 4, so cost tracking is not zero    |
 */
import type * as Wire from "../../wire/types.js";
import { unsupported } from "../content-parts.js";
import { isRecord } from "../provider-config.js";

function inputs(request: Wire.EmbeddingCreateParams, providerId: string): string[] {
  const input: unknown = request.input;
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.every((item) => typeof item === "string")) return input as string[];
  throw unsupported(providerId, "token-id embedding input");
}

/**
 * The `batchEmbedContents` body for an OpenAI embeddings request.
 * @example
 * toBatchEmbedRequest({ model: "gemini-embedding-001", input: ["a", "b"] }, "gemini");
 */
export function toBatchEmbedRequest(request: Wire.EmbeddingCreateParams, providerId: string): Record<string, unknown> {
  if (request.encoding_format === "base64") throw unsupported(providerId, "base64 embeddings");
  const model = `models/${request.model.replace(/^models\//, "")}`;
  return {
    requests: inputs(request, providerId).map((text) => ({
      model,
      content: { parts: [{ text }] },
      ...(typeof request.dimensions === "number" ? { outputDimensionality: request.dimensions } : {}),
    })),
  };
}

/**
 * A `batchEmbedContents` answer as OpenAI's `CreateEmbeddingResponse`.
 * @throws TypeError when there is no `embeddings` array
 * @example
 * fromEmbeddingsResponse({ embeddings: [{ values: [0.1, 0.2] }] }, { model: "gemini-embedding-001", input: "a" });
 */
export function fromEmbeddingsResponse(data: unknown, request: Wire.EmbeddingCreateParams): Wire.CreateEmbeddingResponse {
  if (!isRecord(data) || !Array.isArray(data.embeddings)) throw new TypeError("the body has no embeddings array");
  const data_ = data.embeddings.map((entry, index) => {
    if (!isRecord(entry) || !Array.isArray(entry.values)) throw new TypeError(`embeddings[${index}] has no values`);
    return { object: "embedding" as const, index, embedding: entry.values as number[] };
  });
  const texts = typeof request.input === "string" ? [request.input] : (request.input as string[]);
  const estimated = texts.reduce((total, text) => total + Math.ceil(text.length / 4), 0);
  return { object: "list", data: data_, model: request.model, usage: { prompt_tokens: estimated, total_tokens: estimated } };
}
