import { simpleFeatures } from "../core/features.js";
import type { RequestOptions } from "../core/router.js";
import type { SpeechCreateParams } from "../wire/types.js";
import { InvalidRequestError } from "../wire/errors.js";
import type { ClientContext } from "./context.js";
import { requireModel, surfaced } from "./caller-error.js";
import { requireObject, validateModel } from "./validate.js";

/** `client.audio.speech`. */
export class Speech {
  constructor(private readonly client: ClientContext) {}

  /**
   * Resolves to a `Response` whose body is the audio (read it with `arrayBuffer()` or stream it).
   * @example
   * const audio = await client.audio.speech.create({ model: "text-to-speech", voice: "alloy", input: "Hello" });
   * const bytes = new Uint8Array(await audio.arrayBuffer());
   */
  async create(body: SpeechCreateParams, options: RequestOptions = {}): Promise<Response> {
    requireObject(body, "the speech request");
    validateModel(body as unknown as Record<string, unknown>, this.client.limits);
    requireModel(body);
    if (typeof body.input !== "string" || body.input === "") throw new InvalidRequestError("input must be a non-empty string", "input");
    const mesh = await this.client.mesh();
    const target = body.model;
    return surfaced(
      mesh.router.run<Response>(
        "speech",
        target,
        body as unknown as Record<string, unknown>,
        simpleFeatures("speech", body.input),
        options,
        (provider, request, callOptions) => provider.speech!(request as unknown as SpeechCreateParams, callOptions),
        // Speech is billed per character of input (OpenAI, ElevenLabs, Azure); no tokens are reported.
        () => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0, characters: body.input.length }),
      ),
    );
  }
}
