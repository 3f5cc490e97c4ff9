/**
 * AssemblyAI (`assemblyai.stt.v1`): speech to text in three steps (assemblyai.com API reference): upload the bytes
 * (`POST /v2/upload`, raw body) → `upload_url`; start a transcript (`POST /v2/transcript {audio_url, speech_model}`);
 * poll `GET /v2/transcript/{id}` until `status` is `completed` (its `text` and `audio_duration`) or `error` (its
 * `error`, a ProviderError: an error is never an empty transcript). The key goes in `authorization` without a scheme.
 * Polling honours the caller's abort and `poll_timeout_ms`. Prices: USD per second of audio ($0.15 an hour for the
 * Universal model), assemblyai.com/pricing on the `readAt` date.
 */
import type { Transcription, TranscriptionCreateParams } from "../wire/types.js";
import { ProviderError, TimeoutError } from "../wire/errors.js";
import { BaseProvider, isRecord, type BaseProviderConfigInput } from "./base-provider.js";
import type { ModelInfo, ProviderCallOptions, ProviderOperation, ProviderResult } from "./provider.js";

const READ_AT = "2026-12-01";

/**
 * @example
 * ASSEMBLYAI_MODELS[0]?.id; // "universal"
 */
export const ASSEMBLYAI_MODELS: readonly ModelInfo[] = Object.freeze([{ id: "universal", capabilities: ["understanding.audio-understanding.speech-to-text"], pricing: { perSecond: 0.15 / 3600, readAt: READ_AT } }]);

/** AssemblyAI configuration: the base options plus how to poll. */
export interface AssemblyAIConfigInput extends BaseProviderConfigInput {
  /** Between two status reads (default 1000 ms). */
  pollIntervalMs?: number;
  /** Longest wait for a transcript (default 10 minutes). */
  pollTimeoutMs?: number;
}

function wait(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, milliseconds);
    const stop = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/**
 * AssemblyAI transcription behind OpenAI's `audio.transcriptions.create`.
 * @example
 * const assembly = new AssemblyAIProvider({ apiKey: process.env.ASSEMBLYAI_API_KEY });
 * const { body } = await assembly.transcription({ model: "universal", file: new File([bytes], "talk.mp3") });
 */
export class AssemblyAIProvider extends BaseProvider {
  static override connectorId = "assemblyai.stt.v1";
  static override shortName = "assemblyai";
  static override envVars: readonly string[] = ["ASSEMBLYAI_API_KEY"];
  static override baseUrlEnvVar = "ASSEMBLYAI_BASE_URL";
  static override defaultBaseUrl = "https://api.assemblyai.com";

  private readonly pollIntervalMs: number;
  private readonly pollTimeoutMs: number;

  constructor(config: AssemblyAIConfigInput = {}) {
    const { pollIntervalMs, pollTimeoutMs, poll_interval_ms: intervalSnake, poll_timeout_ms: timeoutSnake, ...rest } = config as AssemblyAIConfigInput & { poll_interval_ms?: number; poll_timeout_ms?: number };
    super({ baseUrl: AssemblyAIProvider.defaultBaseUrl, ...rest });
    this.pollIntervalMs = pollIntervalMs ?? intervalSnake ?? 1_000;
    this.pollTimeoutMs = pollTimeoutMs ?? timeoutSnake ?? 600_000;
  }

  override supports(operation: ProviderOperation): boolean {
    return operation === "transcription";
  }

  protected override defaultModels(): ModelInfo[] {
    return ASSEMBLYAI_MODELS.map((model) => ({ ...model }));
  }

  protected override _buildHeaders(): Record<string, string> {
    return { "Content-Type": "application/json", ...(this._config.apiKey ? { authorization: this._config.apiKey } : {}) };
  }

  async transcription(request: TranscriptionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Transcription>> {
    const upload = await this._send({ url: "/v2/upload", body: request.file, call: { ...options, headers: { ...options?.headers, "Content-Type": "application/octet-stream" } }, modelId: request.model });
    const uploaded: unknown = await upload.read((response) => response.json());
    if (!isRecord(uploaded) || typeof uploaded.upload_url !== "string") throw this.malformed(request.model, "the upload answer has no upload_url");
    const started = await this._requestJson("/v2/transcript", { audio_url: uploaded.upload_url, speech_model: request.model, ...(request.language ? { language_code: request.language } : {}) }, options, request.model);
    const id = isRecord(started.data) && typeof started.data.id === "string" ? started.data.id : undefined;
    if (!id) throw this.malformed(request.model, "the transcript answer has no id");
    const deadline = Date.now() + this.pollTimeoutMs;
    for (;;) {
      const { data, headers } = await this._requestJson(`/v2/transcript/${encodeURIComponent(id)}`, undefined, options, request.model, "GET");
      const status = isRecord(data) ? data.status : undefined;
      if (status === "completed" && isRecord(data)) {
        const text = typeof data.text === "string" ? data.text : "";
        const seconds = typeof data.audio_duration === "number" ? data.audio_duration : undefined;
        const usage = seconds === undefined ? {} : { usage: { type: "duration", seconds } };
        const body: Transcription = request.response_format === "verbose_json" ? { task: "transcribe", language: String(data.language_code ?? request.language ?? ""), duration: seconds ?? 0, text, ...usage } : { text, ...usage };
        return this._result(body, headers);
      }
      if (status === "error") {
        const reason = isRecord(data) && typeof data.error === "string" ? data.error : "the transcription failed";
        throw new ProviderError(`${this.id} (${request.model}) could not transcribe: ${reason}`, { providerId: this.id, modelId: request.model, body: data }, { code: "transcription_failed", retryable: false, secrets: this._secrets() });
      }
      if (status !== "queued" && status !== "processing") throw this.malformed(request.model, `unknown transcript status ${JSON.stringify(status)}`);
      if (Date.now() + this.pollIntervalMs > deadline) throw new TimeoutError(`${this.id} (${request.model}) did not finish the transcript within ${this.pollTimeoutMs} ms`, { providerId: this.id, modelId: request.model }, { secrets: this._secrets() });
      await wait(this.pollIntervalMs, options?.signal);
    }
  }

  private malformed(modelId: string, reason: string): ProviderError {
    return new ProviderError(`${this.id} (${modelId}) sent a malformed response: ${reason}`, { providerId: this.id, modelId }, { code: "malformed_response", retryable: true });
  }
}
