import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { startLocalServer } from "./http.js";
import { clientGone, flattenHeaders, isRecord, ModeQueue, sleep, type FakeControls, type ReceivedRequest } from "./fake-kit.js";

// Fakes of the speech services, from each one's API reference:
// - elevenlabs: POST /v1/text-to-speech/{voice_id}?output_format=..., `xi-api-key`; answers the audio bytes with the
//   format's content type (audio/mpeg for mp3_*); errors `{detail: {status, message}}` (401 invalid_api_key, and
//   401 quota_exceeded when the character quota is spent), 422 `{detail: [{loc, msg, type}]}`.
// - azure: POST /cognitiveservices/v1, `Ocp-Apim-Subscription-Key`, an SSML body and `X-Microsoft-OutputFormat`;
//   answers audio bytes; errors carry no body (401, 400 for bad SSML, 429 with Retry-After).
// - assemblyai: POST /v2/upload (raw bytes) → {upload_url}; POST /v2/transcript → {id, status: "queued"};
//   GET /v2/transcript/{id} → queued, processing, then completed ({text, audio_duration}) or error ({error}); the key in
//   `authorization` with no scheme; 401 `{error: "Authentication error, API token missing/invalid"}`.

export type SpeechProfile = "elevenlabs" | "azure" | "assemblyai";

export interface FakeSpeechOptions {
  apiKeys?: string[];
  /** assemblyai: status reads answered `processing` before the transcript completes (default 2). */
  processingPolls?: number;
  /** assemblyai: end the transcript with this error instead of text. */
  transcriptError?: string;
}

/**
 * @example
 * const fake = await startFakeSpeech("elevenlabs");
 * new ElevenLabsProvider({ baseUrl: fake.url, apiKey: key });
 */
export async function startFakeSpeech(profile: SpeechProfile, options: FakeSpeechOptions = {}): Promise<FakeControls & { uploads: Buffer[] }> {
  const modes = new ModeQueue();
  const requests: ReceivedRequest[] = [];
  const uploads: Buffer[] = [];
  const transcripts = new Map<string, { polls: number; bytes: number }>();
  const local = await startLocalServer((request, response) => handle(request, response, profile, options, modes, requests, uploads, transcripts));
  return {
    url: local.url,
    origin: local.url,
    requests,
    exchanges: local.exchanges,
    uploads,
    enqueue: (mode) => modes.enqueue(mode),
    setMode: (mode) => modes.set(mode),
    reset() {
      modes.reset();
      requests.length = 0;
      uploads.length = 0;
    },
    close: () => local.close(),
  };
}

function readRaw(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => resolve(Buffer.concat(parts)));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  const text = body === undefined ? "" : JSON.stringify(body);
  response.writeHead(status, { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers });
  response.end(text);
}

function keyOf(profile: SpeechProfile, headers: Record<string, string>): string {
  if (profile === "elevenlabs") return headers["xi-api-key"] ?? "";
  if (profile === "azure") return headers["ocp-apim-subscription-key"] ?? "";
  return headers.authorization ?? "";
}

function errorBody(profile: SpeechProfile, status: number): unknown {
  if (profile === "azure") return undefined;
  if (profile === "elevenlabs") {
    if (status === 422) return { detail: [{ loc: ["body", "text"], msg: "field required", type: "value_error.missing" }] };
    return { detail: { status: status === 401 ? "invalid_api_key" : status === 429 ? "too_many_concurrent_requests" : "internal_error", message: status === 401 ? "Invalid API key" : status === 429 ? "Too many concurrent requests." : "An internal error occurred." } };
  }
  return { error: status === 401 ? "Authentication error, API token missing/invalid" : status === 429 ? "Too many requests" : "Internal server error" };
}

async function handle(request: IncomingMessage, response: ServerResponse, profile: SpeechProfile, options: FakeSpeechOptions, modes: ModeQueue, requests: ReceivedRequest[], uploads: Buffer[], transcripts: Map<string, { polls: number; bytes: number }>): Promise<void> {
  const raw = await readRaw(request);
  const url = request.url ?? "/";
  const path = url.split("?")[0] ?? "/";
  const headers = flattenHeaders(request.headers);
  const text = raw.toString("utf8");
  let body: unknown = text;
  if (headers["content-type"]?.startsWith("application/json")) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const record: ReceivedRequest = { method: request.method ?? "GET", url, path, headers, body, eventsSent: 0, eventsPlanned: 0 };
  requests.push(record);
  const signal = clientGone(response);
  const key = keyOf(profile, headers);
  if (key === "" || (options.apiKeys && !options.apiKeys.includes(key))) return send(response, 401, errorBody(profile, 401));
  const mode = modes.take();
  if (mode.kind === "error") return send(response, mode.status, mode.body ?? errorBody(profile, mode.status), mode.headers);
  if (mode.kind === "hang") return void (await sleep(600_000, signal));
  if (mode.kind === "slow" && !(await sleep(mode.delayMs, signal))) return;

  if (profile === "elevenlabs" && path.startsWith("/v1/text-to-speech/") && isRecord(body)) {
    const format = new URL(url, "http://fake").searchParams.get("output_format") ?? "mp3_44100_128";
    const type = format.startsWith("mp3") ? "audio/mpeg" : format.startsWith("pcm") ? "audio/pcm" : "audio/ogg";
    response.writeHead(200, { "content-type": type, "character-cost": String(String(body.text ?? "").length), "request-id": randomUUID() });
    return void response.end(Buffer.concat([Buffer.from("ID3"), Buffer.from(String(body.text ?? ""))]));
  }
  if (profile === "azure" && path === "/cognitiveservices/v1") {
    if (!headers["content-type"]?.startsWith("application/ssml+xml") || !text.includes("<speak")) return send(response, 400, undefined);
    const format = headers["x-microsoft-outputformat"] ?? "";
    response.writeHead(200, { "content-type": format.includes("mp3") ? "audio/mpeg" : format.startsWith("riff") ? "audio/x-wav" : "audio/ogg" });
    return void response.end(Buffer.concat([Buffer.from("AZ"), raw.subarray(0, 16)]));
  }
  if (profile === "assemblyai") {
    if (path === "/v2/upload" && request.method === "POST") {
      uploads.push(raw);
      return send(response, 200, { upload_url: `https://cdn.assemblyai.com/upload/${randomUUID()}` });
    }
    if (path === "/v2/transcript" && request.method === "POST" && isRecord(body) && typeof body.audio_url === "string") {
      const id = randomUUID();
      transcripts.set(id, { polls: 0, bytes: uploads.at(-1)?.length ?? 0 });
      return send(response, 200, { id, status: "queued", audio_url: body.audio_url, speech_model: body.speech_model ?? "universal" });
    }
    const match = /^\/v2\/transcript\/([\w-]+)$/.exec(path);
    if (match && request.method === "GET") {
      const transcript = transcripts.get(match[1]!);
      if (!transcript) return send(response, 404, { error: "Transcript not found" });
      transcript.polls += 1;
      if (transcript.polls <= (options.processingPolls ?? 2)) return send(response, 200, { id: match[1], status: transcript.polls === 1 ? "queued" : "processing" });
      if (options.transcriptError) return send(response, 200, { id: match[1], status: "error", error: options.transcriptError });
      return send(response, 200, { id: match[1], status: "completed", text: `Transcript of ${transcript.bytes} bytes.`, audio_duration: Math.max(1, Math.round(transcript.bytes / 16_000)), language_code: "en_us" });
    }
  }
  send(response, 404, errorBody(profile, 404));
}
