import { simpleFeatures } from "../core/features.js";
import type { RequestOptions } from "../core/router.js";
import type { Transcription, TranscriptionCreateParams } from "../wire/types.js";
import { InvalidRequestError } from "../wire/errors.js";
import type { ClientContext } from "./context.js";
import { requireModel, surfaced } from "./caller-error.js";
import { requireObject, validateModel } from "./validate.js";

/** `client.audio.transcriptions`. */
export class Transcriptions {
  constructor(private readonly client: ClientContext) {}

  /**
   * @example
   * const { text } = await client.audio.transcriptions.create({ model: "speech-to-text", file: new File([bytes], "talk.mp3") });
   */
  async create(body: TranscriptionCreateParams, options: RequestOptions = {}): Promise<Transcription> {
    requireObject(body, "the transcription request");
    validateModel(body as unknown as Record<string, unknown>, this.client.limits, false);
    requireModel(body);
    if (!(body.file instanceof Blob)) throw new InvalidRequestError("file must be a Blob or File", "file");
    const mesh = await this.client.mesh();
    const target = body.model;
    return surfaced(
      mesh.router.run<Transcription>(
        "transcription",
        target,
        body as unknown as Record<string, unknown>,
        simpleFeatures("transcription", ""),
        options,
        (provider, request, callOptions) => provider.transcription!(request as unknown as TranscriptionCreateParams, callOptions),
        () => undefined,
      ),
    );
  }
}
