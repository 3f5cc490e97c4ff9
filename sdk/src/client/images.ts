import { simpleFeatures } from "../core/features.js";
import type { RequestOptions } from "../core/router.js";
import type { ImageGenerateParams, ImagesResponse } from "../wire/types.js";
import { InvalidRequestError } from "../wire/errors.js";
import type { ClientContext } from "./context.js";
import { requireModel, surfaced } from "./caller-error.js";
import { requireObject, validateModel } from "./validate.js";

/** `client.images`. */
export class Images {
  constructor(private readonly client: ClientContext) {}

  /**
   * @example
   * const image = await client.images.generate({ model: "text-to-image", prompt: "a lighthouse", response_format: "b64_json" });
   */
  async generate(body: ImageGenerateParams, options: RequestOptions = {}): Promise<ImagesResponse> {
    requireObject(body, "the image request");
    validateModel(body, this.client.limits);
    requireModel(body);
    if (typeof body.prompt !== "string" || body.prompt === "") throw new InvalidRequestError("prompt must be a non-empty string", "prompt");
    const mesh = await this.client.mesh();
    const target = body.model;
    return surfaced(
      mesh.router.run<ImagesResponse>(
        "images",
        target,
        body,
        simpleFeatures("images", body.prompt),
        options,
        (provider, request, callOptions) => provider.images!(request as ImageGenerateParams, callOptions),
        // Billed per image made.
        (response) => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0, images: Array.isArray(response.data) ? response.data.length : 0 }),
      ),
    );
  }
}
