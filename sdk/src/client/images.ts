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
   */
  generate(body: ImageGenerateParams, options: RequestOptions = {}): MeshPromise<ImagesResponse> {
    // Billed per image made.
    return routed<ImagesResponse>(this.client, "images", "images", body, options, "prompt", text, (response) => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0, images: Array.isArray(response.data) ? response.data.length : 0 }));
  }
}
