import type { RequestOptions } from "../core/router.js";
import type { ImageGenerateParams, ImagesResponse } from "../wire/types.js";
import type { ClientContext } from "./context.js";
import { routed, text } from "./routed.js";
import type { MeshPromise } from "./raw-response.js";

/** `client.images`. */
export class Images {
  constructor(private readonly client: ClientContext) {}

  /**
   * @example
   * const image = await client.images.generate({ model: "text-to-image", prompt: "a lighthouse", response_format: "b64_json" });
   * const byDefault = await client.images.generate({ prompt: "a lighthouse" }); // model: the "text-to-image" pool
   */
  generate(body: Omit<ImageGenerateParams, "model"> & { model?: string | null }, options: RequestOptions = {}): MeshPromise<ImagesResponse> {
    // `model` is optional in OpenAI's API (it picks its default image model): here, the image capability's pool.
    const request = typeof body === "object" && body !== null && !Array.isArray(body) && body.model == null ? { ...body, model: "text-to-image" } : body;
    // Billed per image made.
    return routed<ImagesResponse>(this.client, "images", "images", request, options, "prompt", text, (response) => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0, images: Array.isArray(response.data) ? response.data.length : 0 }));
  }
}
