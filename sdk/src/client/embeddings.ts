import type { RequestOptions } from "../core/router.js";
import type { AnyEmbedding, Base64Embedding, CreateEmbeddingResponse, EmbeddingCreateParams } from "../wire/types.js";
import type { ClientContext } from "./context.js";
import { routed } from "./routed.js";
import type { MeshPromise } from "./raw-response.js";

/** A string or a non-empty array (of strings or token ids). */
const nonEmpty = (input: unknown): boolean => (typeof input === "string" && input !== "") || (Array.isArray(input) && input.length > 0);

/** `client.embeddings`. */
export class Embeddings {
  constructor(private readonly client: ClientContext) {}

  /**
   * @example
   * const { data } = await client.embeddings.create({ model: "text-embeddings", input: ["a", "b"] });
   */
  create(body: EmbeddingCreateParams & { encoding_format: "base64" }, options?: RequestOptions): MeshPromise<CreateEmbeddingResponse<Base64Embedding>>;
  // Floats otherwise, as the official client types it (a body whose format is only known at run time included).
  create(body: EmbeddingCreateParams, options?: RequestOptions): MeshPromise<CreateEmbeddingResponse>;
  create(body: EmbeddingCreateParams, options: RequestOptions = {}): MeshPromise<CreateEmbeddingResponse<AnyEmbedding>> {
    return routed<CreateEmbeddingResponse<AnyEmbedding>>(this.client, "embeddings", "embeddings", body, options, "input", nonEmpty, (response) => ({ promptTokens: response.usage?.prompt_tokens ?? 0, completionTokens: 0, totalTokens: response.usage?.total_tokens ?? 0 }));
  }
}
