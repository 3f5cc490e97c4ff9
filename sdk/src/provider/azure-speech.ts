/**
 * Azure AI Speech (`azure.tts.v1`): neural text to speech through the REST API, `POST
 * https://{region}.tts.speech.microsoft.com/cognitiveservices/v1` with `Ocp-Apim-Subscription-Key`, an SSML body
 * (`Content-Type: application/ssml+xml`) and `X-Microsoft-OutputFormat` (learn.microsoft.com, "Text to speech REST
 * API"). OpenAI's `voice` is an Azure voice name (`en-US-AvaMultilingualNeural`), or a name mapped to one in `voices`;
 * its language is read from the name. `speed` becomes `<prosody rate>`. Errors carry no body (the status says it).
 * Prices: USD per character of neural voice ($15 per million), azure.microsoft.com pricing on the `readAt` date.
 */
import type { SpeechCreateParams } from "../wire/types.js";
import { BaseProvider, isRecord, type BaseProviderConfigInput } from "./base-provider.js";
import { unsupported } from "./content-parts.js";
import type { ModelInfo, ProviderCallOptions, ProviderOperation, ProviderResult } from "./provider.js";

const READ_AT = "2026-12-01";
const FORMATS: Record<string, string> = {
  mp3: "audio-24khz-48kbitrate-mono-mp3",
  opus: "ogg-24khz-16bit-mono-opus",
  wav: "riff-24khz-16bit-mono-pcm",
  pcm: "raw-24khz-16bit-mono-pcm",
};

/**
 * @example
 * AZURE_SPEECH_MODELS[0]?.id; // "neural"
 */
export const AZURE_SPEECH_MODELS: readonly ModelInfo[] = Object.freeze([{ id: "neural", capabilities: ["generation.audio-generation.text-to-speech"], pricing: { perCharacter: 15 / 1_000_000, readAt: READ_AT } }]);

/** Azure Speech configuration: a `region` (or a full `baseUrl`) and names for voices. */
export interface AzureSpeechConfigInput extends BaseProviderConfigInput {
  region?: string;
  /** OpenAI-style voice names → Azure voice names; `default` is used for a name Azure would not know. */
  voices?: Record<string, string>;
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (character) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[character]!);

/**
 * Azure neural text to speech.
 * @example
 * const azure = new AzureSpeechProvider({ apiKey: process.env.AZURE_SPEECH_KEY, region: "westeurope" });
 * const { body } = await azure.speech({ model: "neural", voice: "en-US-AvaMultilingualNeural", input: "Hello" });
 */
export class AzureSpeechProvider extends BaseProvider {
  static override connectorId = "azure.tts.v1";
  static override shortName = "azure-speech";
  static override envVars: readonly string[] = ["AZURE_SPEECH_KEY"];
  static override baseUrlEnvVar = "AZURE_SPEECH_BASE_URL";
  static override defaultBaseUrl = "https://eastus.tts.speech.microsoft.com";

  private readonly voices: Record<string, string>;

  constructor(config: AzureSpeechConfigInput = {}) {
    const { region, voices, ...rest } = config;
    const regional = typeof region === "string" && /^[a-z0-9-]+$/i.test(region) ? `https://${region}.tts.speech.microsoft.com` : AzureSpeechProvider.defaultBaseUrl;
    super({ baseUrl: regional, ...rest });
    this.voices = { ...(isRecord(voices) ? (voices as Record<string, string>) : {}) };
  }

  override supports(operation: ProviderOperation): boolean {
    return operation === "speech";
  }

  protected override defaultModels(): ModelInfo[] {
    return AZURE_SPEECH_MODELS.map((model) => ({ ...model }));
  }

  protected override _buildHeaders(): Record<string, string> {
    return { "Content-Type": "application/ssml+xml", "User-Agent": "modelmesh", ...(this._config.apiKey ? { "Ocp-Apim-Subscription-Key": this._config.apiKey } : {}) };
  }

  /** The SSML document Azure reads: the voice, its language, the rate, the escaped text. */
  ssml(request: SpeechCreateParams): string {
    const voice = this.voices[request.voice] ?? (/^[a-z]{2,3}-[A-Z]{2}-/.test(request.voice) ? request.voice : (this.voices.default ?? "en-US-AvaMultilingualNeural"));
    const language = voice.split("-").slice(0, 2).join("-");
    const text = escapeXml(request.input);
    const rated = request.speed && request.speed !== 1 ? `<prosody rate="${request.speed > 1 ? "+" : ""}${Math.round((request.speed - 1) * 100)}%">${text}</prosody>` : text;
    return `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${language}"><voice name="${escapeXml(voice)}">${rated}</voice></speak>`;
  }

  async speech(request: SpeechCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Response>> {
    const format = FORMATS[request.response_format ?? "mp3"];
    if (!format) throw unsupported(this.id, `response_format "${request.response_format}"`);
    const sent = await this._send({ url: "/cognitiveservices/v1", body: this.ssml(request), call: { ...options, headers: { ...options?.headers, "X-Microsoft-OutputFormat": format } }, modelId: request.model, accept: "audio/*" });
    return this._result(this._handOver(sent), sent.response.headers);
  }
}
