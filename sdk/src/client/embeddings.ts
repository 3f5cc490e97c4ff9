import type { RequestOptions } from "../core/router.js";
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "../wire/types.js";
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
  create(body: EmbeddingCreateParams, options: RequestOptions = {}): MeshPromise<CreateEmbeddingResponse> {
    return routed<CreateEmbeddingResponse>(this.client, "embeddings", "embeddings", body, options, "input", nonEmpty, (response) => ({ promptTokens: response.usage?.prompt_tokens ?? 0, completionTokens: 0, totalTokens: response.usage?.total_tokens ?? 0 }));
  }
}
