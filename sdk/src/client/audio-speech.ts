import type { RequestOptions } from "../core/router.js";
import type { SpeechCreateParams } from "../wire/types.js";
import type { ClientContext } from "./context.js";
import { routed, text } from "./routed.js";
import type { MeshPromise } from "./raw-response.js";

/** `client.audio.speech`. */
export class Speech {
  constructor(private readonly client: ClientContext) {}

  /**
   * Resolves to a `Response` whose body is the audio (read it with `arrayBuffer()` or stream it).
   * @example
   * const audio = await client.audio.speech.create({ model: "text-to-speech", voice: "alloy", input: "Hello" });
   * const bytes = new Uint8Array(await audio.arrayBuffer());
   */
  create(body: SpeechCreateParams, options: RequestOptions = {}): MeshPromise<Response> {
    // Speech is billed per character of input (OpenAI, ElevenLabs, Azure); no tokens are reported.
    return routed<Response>(this.client, "speech", "speech", body, options, "input", text, () => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0, characters: body.input.length }));
  }
}
