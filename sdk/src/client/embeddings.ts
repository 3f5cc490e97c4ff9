import { simpleFeatures } from "../core/features.js";
import type { RequestOptions } from "../core/router.js";
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "../wire/types.js";
import { InvalidRequestError } from "../wire/errors.js";
import type { ClientContext } from "./context.js";
import { requireModel, surfaced } from "./caller-error.js";
import { requireObject, validateModel } from "./validate.js";

/** `client.embeddings`. */
export class Embeddings {
  constructor(private readonly client: ClientContext) {}

  /**
   * @example
   * const { data } = await client.embeddings.create({ model: "text-embeddings", input: ["a", "b"] });
   */
  async create(body: EmbeddingCreateParams, options: RequestOptions = {}): Promise<CreateEmbeddingResponse> {
    requireObject(body, "the embeddings request");
    validateModel(body as unknown as Record<string, unknown>, this.client.limits);
    requireModel(body);
    const input = body.input;
    if (input === undefined || input === null || (Array.isArray(input) && input.length === 0) || input === "") throw new InvalidRequestError("input must be a non-empty string or array", "input");
    const mesh = await this.client.mesh();
    const target = body.model;
    return surfaced(
      mesh.router.run<CreateEmbeddingResponse>(
        "embeddings",
        target,
        body as unknown as Record<string, unknown>,
        simpleFeatures("embeddings", input),
        options,
        (provider, request, callOptions) => provider.embeddings!(request as unknown as EmbeddingCreateParams, callOptions),
        (response) => ({ promptTokens: response.usage?.prompt_tokens ?? 0, completionTokens: 0, totalTokens: response.usage?.total_tokens ?? 0 }),
      ),
    );
  }
}
