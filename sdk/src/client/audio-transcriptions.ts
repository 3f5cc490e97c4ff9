import type { RequestOptions } from "../core/router.js";
import type { UsageCounts } from "../wire/events.js";
import type { Transcription, TranscriptionCreateParams } from "../wire/types.js";
import type { ClientContext } from "./context.js";
import { routed } from "./routed.js";
import type { MeshPromise } from "./raw-response.js";

// The official client also takes a Node stream (`fs.createReadStream`); here the bytes must be in hand.
const NOT_A_FILE = 'must be a Blob or File (in Node, read a file into one: new File([await readFile(path)], "audio.mp3"))';

/** `client.audio.transcriptions`. */
export class Transcriptions {
  constructor(private readonly client: ClientContext) {}

  /**
   * @example
   * const { text } = await client.audio.transcriptions.create({ model: "speech-to-text", file: new File([bytes], "talk.mp3") });
   */
  create(body: TranscriptionCreateParams, options: RequestOptions = {}): MeshPromise<Transcription> {
    // The body holds a file, not JSON: its size is checked as a file, not serialised.
    return routed<Transcription>(this.client, "transcription", "transcription", body, options, "file", (file) => file instanceof Blob, transcriptionUsage, false, NOT_A_FILE);
  }
}

/**
 * What a transcription is billed by: OpenAI's `usage` (`{type: "duration", seconds}` for Whisper, tokens for the
 * gpt-4o transcribe models), else the audio `duration` a verbose answer gives; undefined when the service says neither.
 */
function transcriptionUsage(response: Transcription): UsageCounts | undefined {
  const reported = (response as { usage?: { type?: string; seconds?: number; input_tokens?: number; output_tokens?: number } }).usage;
  if (reported?.type === "duration" && typeof reported.seconds === "number") return { promptTokens: 0, completionTokens: 0, totalTokens: 0, seconds: reported.seconds };
  if (reported?.type === "tokens") {
    const input = reported.input_tokens ?? 0;
    const output = reported.output_tokens ?? 0;
    return { promptTokens: input, completionTokens: output, totalTokens: input + output };
  }
  const duration = (response as { duration?: unknown }).duration;
  return typeof duration === "number" && Number.isFinite(duration) ? { promptTokens: 0, completionTokens: 0, totalTokens: 0, seconds: duration } : undefined;
}
