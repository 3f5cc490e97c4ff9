/**
 * ElevenLabs (`elevenlabs.tts.v1`): text to speech, `POST /v1/text-to-speech/{voice_id}?output_format=...` with the
 * key in `xi-api-key` and `{text, model_id, voice_settings}` (elevenlabs.io API reference); the answer is the audio
 * bytes. OpenAI's `voice` is ElevenLabs' voice id, or a name mapped to one in `voices` (`{ alloy: "<voice id>" }`).
 * `response_format` mp3 / pcm / opus map to ElevenLabs' `mp3_44100_128` / `pcm_24000` / `opus_48000_64`; wav, flac
 * and aac are not offered (`unsupported_parameter`, so the router fails over). Quirk: a spent quota is answered 401
 * with `detail.status: "quota_exceeded"`; it is a quota error, not a rejected key. Prices: USD per character at the
 * API's per-1,000-character rates (elevenlabs.io/pricing/api) on the `readAt` date.
 */
import type { SpeechCreateParams } from "../wire/types.js";
import { ProviderError, RateLimitError } from "../wire/errors.js";
import { BaseProvider, isRecord, type BaseProviderConfigInput } from "./base-provider.js";
import { unsupported } from "./content-parts.js";
import type { ModelInfo, ProviderCallOptions, ProviderOperation, ProviderResult } from "./provider.js";

const TEXT_TO_SPEECH = "generation.audio-generation.text-to-speech";
const READ_AT = "2026-12-01";
const FORMATS: Record<string, string> = { mp3: "mp3_44100_128", pcm: "pcm_24000", opus: "opus_48000_64" };

/**
 * @example
 * ELEVENLABS_MODELS.map((model) => model.id); // ["eleven_multilingual_v2", "eleven_flash_v2_5"]
 */
export const ELEVENLABS_MODELS: readonly ModelInfo[] = Object.freeze([
  { id: "eleven_multilingual_v2", capabilities: [TEXT_TO_SPEECH], pricing: { perCharacter: 0.1 / 1000, readAt: READ_AT } },
  { id: "eleven_flash_v2_5", capabilities: [TEXT_TO_SPEECH], pricing: { perCharacter: 0.05 / 1000, readAt: READ_AT } },
]);

/** ElevenLabs configuration: the base options plus names for voice ids. */
export interface ElevenLabsConfigInput extends BaseProviderConfigInput {
  /** OpenAI-style voice names → ElevenLabs voice ids; a voice not named here is sent as an id. */
  voices?: Record<string, string>;
}

/**
 * ElevenLabs speech.
 * @example
 * const elevenlabs = new ElevenLabsProvider({ apiKey: process.env.ELEVENLABS_API_KEY, voices: { alloy: "21m00Tcm4TlvDq8ikWAM" } });
 * const { body } = await elevenlabs.speech({ model: "eleven_flash_v2_5", voice: "alloy", input: "Hello" });
 */
export class ElevenLabsProvider extends BaseProvider {
  static override connectorId = "elevenlabs.tts.v1";
  static override shortName = "elevenlabs";
  static override envVars: readonly string[] = ["ELEVENLABS_API_KEY", "XI_API_KEY"];
  static override baseUrlEnvVar = "ELEVENLABS_BASE_URL";
  static override defaultBaseUrl = "https://api.elevenlabs.io";

  private readonly voices: Record<string, string>;

  constructor(config: ElevenLabsConfigInput = {}) {
    const { voices, ...rest } = config;
    super({ baseUrl: ElevenLabsProvider.defaultBaseUrl, ...rest });
    this.voices = { ...(isRecord(voices) ? (voices as Record<string, string>) : {}) };
  }

  override supports(operation: ProviderOperation): boolean {
    return operation === "speech";
  }

  protected override defaultModels(): ModelInfo[] {
    return ELEVENLABS_MODELS.map((model) => ({ ...model }));
  }

  protected override _buildHeaders(): Record<string, string> {
    return { "Content-Type": "application/json", ...(this._config.apiKey ? { "xi-api-key": this._config.apiKey } : {}) };
  }

  async speech(request: SpeechCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Response>> {
    const format = FORMATS[request.response_format ?? "mp3"];
    if (!format) throw unsupported(this.id, `response_format "${request.response_format}"`);
    const voice = Object.hasOwn(this.voices, request.voice) ? this.voices[request.voice]! : request.voice;
    const payload = { text: request.input, model_id: request.model, ...(request.speed ? { voice_settings: { speed: request.speed } } : {}) };
    try {
      const sent = await this._send({ url: `/v1/text-to-speech/${encodeURIComponent(voice)}?output_format=${format}`, body: JSON.stringify(payload), call: options, modelId: request.model, accept: "audio/*" });
      return this._result(this._handOver(sent), sent.response.headers);
    } catch (error) {
      if (error instanceof ProviderError && error.status === 401 && isRecord(error.body) && isRecord(error.body.detail) && error.body.detail.status === "quota_exceeded") {
        throw new RateLimitError(error.message, { providerId: this.id, modelId: request.model, status: 401, body: error.body }, { code: "insufficient_quota", retryable: false, secrets: this._secrets() });
      }
      throw error;
    }
  }
}
