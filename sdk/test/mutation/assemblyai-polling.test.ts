import { afterEach, describe, expect, it } from "vitest";
import { AssemblyAIProvider, ProviderError, TimeoutError } from "../../src/index.js";
import { startScriptedServer, type ScriptedAnswer, type ScriptedServer } from "./scripted-http.js";

// AssemblyAI's three steps (upload, start, poll) against a server that answers exactly what each test needs, so the
// request the connector sends and the transcript it returns are asserted byte for byte.
const key = () => `aai${"pollingKEY0123456789".repeat(2)}`;
const upload: ScriptedAnswer = { body: { upload_url: "https://cdn.assemblyai.com/upload/abc" } };
const started = (id: unknown = "t1"): ScriptedAnswer => ({ body: { id, status: "queued" } });
const audio = () => new File([new Uint8Array([1, 2, 3, 4])], "talk.wav", { type: "audio/wav" });

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(answers: ScriptedAnswer[]): Promise<ScriptedServer> {
  server = await startScriptedServer(answers);
  return server;
}

describe("AssemblyAI requests", () => {
  it("uploads raw bytes with the caller's headers, starts the transcript with the language, polls the encoded id with GET", async () => {
    const fake = await serve([upload, started("a b/c"), { body: { status: "processing" } }, { body: { status: "completed", text: "Hallo", audio_duration: 3 } }]);
    const provider = new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollIntervalMs: 1 });
    const { body } = await provider.transcription({ model: "universal", file: audio(), language: "de" }, { headers: { "x-trace": "t-1" } });
    expect(body).toEqual({ text: "Hallo", usage: { type: "duration", seconds: 3 } });
    expect(fake.requests.map((request) => `${request.method} ${request.url}`)).toEqual(["POST /v2/upload", "POST /v2/transcript", "GET /v2/transcript/a%20b%2Fc", "GET /v2/transcript/a%20b%2Fc"]);
    expect(fake.requests[0]?.headers).toMatchObject({ authorization: key(), "content-type": "application/octet-stream", "x-trace": "t-1" });
    expect([...fake.requests[0]!.raw]).toEqual([1, 2, 3, 4]);
    expect(fake.requests[1]?.headers).toMatchObject({ authorization: key(), "content-type": "application/json" });
    expect(fake.requests[1]?.body).toEqual({ audio_url: "https://cdn.assemblyai.com/upload/abc", speech_model: "universal", language_code: "de" });
    expect(fake.requests[2]?.raw.length).toBe(0);
  });

  it("sends no language_code when none is asked, and no authorization header without a key", async () => {
    const fake = await serve([upload, started(), { body: { status: "completed", text: "Hi" } }]);
    const { body } = await new AssemblyAIProvider({ baseUrl: fake.url, pollIntervalMs: 1 }).transcription({ model: "universal", file: audio() });
    expect(fake.requests[1]?.body).toEqual({ audio_url: "https://cdn.assemblyai.com/upload/abc", speech_model: "universal" });
    expect(fake.requests.every((request) => !("authorization" in request.headers))).toBe(true);
    // No audio_duration: no usage (nothing to bill), only the text.
    expect(body).toEqual({ text: "Hi" });
  });

  it("serves transcription only, with the Universal model priced per second", () => {
    const provider = new AssemblyAIProvider({ apiKey: key() });
    expect(provider.listModels()).toEqual([{ id: "universal", capabilities: ["understanding.audio-understanding.speech-to-text"], pricing: { perSecond: 0.15 / 3600, readAt: "2026-12-01" } }]);
    expect(provider.supports("transcription")).toBe(true);
    expect(provider.supports("speech")).toBe(false);
    expect(provider.supports("chat")).toBe(false);
  });
});

describe("AssemblyAI answers", () => {
  it("verbose_json: task, the detected language, the duration, the text and usage", async () => {
    const fake = await serve([upload, started(), { body: { status: "completed", text: "Bonjour", audio_duration: 7.5, language_code: "fr" } }]);
    const { body } = await new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollIntervalMs: 1 }).transcription({ model: "universal", file: audio(), response_format: "verbose_json", language: "de" });
    expect(body).toEqual({ task: "transcribe", language: "fr", duration: 7.5, text: "Bonjour", usage: { type: "duration", seconds: 7.5 } });
  });

  it("verbose_json without a detected language falls back to the asked one, then to empty; no duration is 0 and no usage", async () => {
    const completed = { body: { status: "completed", text: "Hola" } };
    const fake = await serve([upload, started(), completed, upload, started(), completed]);
    const provider = new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollIntervalMs: 1 });
    const asked = await provider.transcription({ model: "universal", file: audio(), response_format: "verbose_json", language: "es" });
    expect(asked.body).toEqual({ task: "transcribe", language: "es", duration: 0, text: "Hola" });
    const unasked = await provider.transcription({ model: "universal", file: audio(), response_format: "verbose_json" });
    expect(unasked.body).toEqual({ task: "transcribe", language: "", duration: 0, text: "Hola" });
  });

  it("a completed transcript whose text is not a string is empty text, not a crash", async () => {
    const fake = await serve([upload, started(), { body: { status: "completed", text: null, audio_duration: 2 } }]);
    const { body } = await new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollIntervalMs: 1 }).transcription({ model: "universal", file: audio() });
    expect(body).toEqual({ text: "", usage: { type: "duration", seconds: 2 } });
  });

  it("an audio_duration that is not a number bills nothing and reports no duration", async () => {
    const fake = await serve([upload, started(), { body: { status: "completed", text: "ok", audio_duration: "7" } }]);
    const { body } = await new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollIntervalMs: 1 }).transcription({ model: "universal", file: audio(), response_format: "verbose_json" });
    expect(body).toEqual({ task: "transcribe", language: "", duration: 0, text: "ok" });
  });

  it("the answer's rate-limit headers come back with the transcript", async () => {
    const fake = await serve([upload, started(), { body: { status: "completed", text: "ok" }, headers: { "x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "99" } }]);
    const result = await new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollIntervalMs: 1 }).transcription({ model: "universal", file: audio() });
    expect(result.rateLimit).toMatchObject({ remainingRequests: 99 });
  });
});

describe("AssemblyAI failures", () => {
  const transcribe = (fake: ScriptedServer, config: Record<string, unknown> = {}) =>
    new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollIntervalMs: 1, ...config }).transcription({ model: "universal", file: audio() }).catch((caught: unknown) => caught);

  it("an upload answer without a string upload_url is a retryable malformed response; nothing more is sent", async () => {
    for (const body of [{ url: "x" }, { upload_url: 7 }, ["https://cdn/x"]]) {
      const fake = await serve([{ body }]);
      const error = await transcribe(fake);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ code: "malformed_response", retryable: true, providerId: "assemblyai", modelId: "universal" });
      expect((error as Error).message).toBe("assemblyai (universal) sent a malformed response: the upload answer has no upload_url");
      expect(fake.requests).toHaveLength(1);
      await fake.close();
    }
  });

  it("a start answer without a string id is a malformed response, and no status is polled", async () => {
    for (const answer of [started(42), started(""), { body: ["t1"] }]) {
      const fake = await serve([upload, answer]);
      const error = await transcribe(fake);
      expect(error).toMatchObject({ code: "malformed_response", retryable: true });
      expect((error as Error).message).toBe("assemblyai (universal) sent a malformed response: the transcript answer has no id");
      expect(fake.requests).toHaveLength(2);
      await fake.close();
    }
  });

  it("a transcript in error is a non-retryable ProviderError carrying AssemblyAI's reason and body", async () => {
    const fake = await serve([upload, started(), { body: { status: "error", error: "File too short" } }]);
    const error = await transcribe(fake);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: "transcription_failed", retryable: false, providerId: "assemblyai", modelId: "universal", body: { status: "error", error: "File too short" } });
    expect((error as Error).message).toBe("assemblyai (universal) could not transcribe: File too short");
  });

  it("a transcript in error without a reason says it failed", async () => {
    const fake = await serve([upload, started(), { body: { status: "error", error: { detail: "x" } } }]);
    expect(((await transcribe(fake)) as Error).message).toBe("assemblyai (universal) could not transcribe: the transcription failed");
  });

  it("an unknown status, or a status read that is not an object, is a malformed response naming it", async () => {
    const unknown = await serve([upload, started(), { body: { status: "paused" } }]);
    const error = await transcribe(unknown);
    expect(error).toMatchObject({ code: "malformed_response" });
    expect((error as Error).message).toBe('assemblyai (universal) sent a malformed response: unknown transcript status "paused"');
    await unknown.close();
    const list = await serve([upload, started(), { body: ["completed"] }]);
    expect(((await transcribe(list)) as Error).message).toBe("assemblyai (universal) sent a malformed response: unknown transcript status undefined");
  });

  it("polls while queued or processing; gives up with a TimeoutError when the next read would pass poll_timeout_ms", async () => {
    const fake = await serve([upload, started(), { body: { status: "queued" } }, { body: { status: "processing" } }, { body: { status: "completed", text: "done" } }]);
    const finished = await new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), poll_interval_ms: 1 } as never).transcription({ model: "universal", file: audio() });
    expect(finished.body.text).toBe("done");
    expect(fake.requests).toHaveLength(5);
    await fake.close();

    for (const config of [{ pollTimeoutMs: 0 }, { poll_timeout_ms: 0 }]) {
      const slow = await serve([upload, started(), { body: { status: "processing" } }]);
      const error = await transcribe(slow, config);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ providerId: "assemblyai", modelId: "universal" });
      expect((error as Error).message).toBe("assemblyai (universal) did not finish the transcript within 0 ms");
      expect(slow.requests).toHaveLength(3);
      await slow.close();
    }
  });

  it("gives up before a wait that would end past the deadline, not after it", async () => {
    const fake = await serve([upload, started(), { body: { status: "processing" } }]);
    // A 10 s interval with no time left: the TimeoutError comes at once, without sleeping the interval first.
    const error = await transcribe(fake, { pollTimeoutMs: 0, pollIntervalMs: 10_000 });
    expect(error).toBeInstanceOf(TimeoutError);
    expect(fake.requests).toHaveLength(3);
  });

  it("the configured poll interval is the one waited: 1 ms polls finish inside a 900 ms budget that a 1 s default would exceed", async () => {
    for (const config of [{ pollIntervalMs: 1 }, { poll_interval_ms: 1 }]) {
      const fake = await serve([upload, started(), { body: { status: "processing" } }, { body: { status: "completed", text: "ok" } }]);
      const result = await new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollTimeoutMs: 900, ...config } as never).transcription({ model: "universal", file: audio() });
      expect(result.body.text).toBe("ok");
      await fake.close();
    }
    // The default interval (1 s) does not fit in 900 ms: the first processing answer ends the wait.
    const fake = await serve([upload, started(), { body: { status: "processing" } }]);
    await expect(new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollTimeoutMs: 900 }).transcription({ model: "universal", file: audio() })).rejects.toBeInstanceOf(TimeoutError);
  });

  it("waits the poll interval between two status reads", async () => {
    const fake = await serve([upload, started(), { body: { status: "queued" } }, { body: { status: "processing" } }, { body: { status: "completed", text: "ok" } }]);
    await new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollIntervalMs: 40 }).transcription({ model: "universal", file: audio() });
    const reads = fake.requests.slice(2).map((request) => request.at);
    expect(reads).toHaveLength(3);
    // A timer never fires early (a loaded machine only makes the gap longer); 1 ms of slack for clock rounding.
    for (let index = 1; index < reads.length; index += 1) expect(reads[index]! - reads[index - 1]!).toBeGreaterThanOrEqual(39);
  });

  it("an abort during the wait ends it at once with the caller's reason, and nothing more is polled", async () => {
    const controller = new AbortController();
    const fake = await startScriptedServer((_request, index) => {
      if (index === 2) setTimeout(() => controller.abort(new Error("caller left")), 30);
      return [upload, started(), { body: { status: "processing" } }][Math.min(index, 2)]!;
    });
    server = fake;
    const started_at = performance.now();
    const error = await new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollIntervalMs: 60_000 }).transcription({ model: "universal", file: audio() }, { signal: controller.signal }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe("caller left");
    expect(performance.now() - started_at).toBeLessThan(30_000);
    expect(fake.requests).toHaveLength(3);
  });

  it("a signal aborted during a status read stops the polling at once", async () => {
    const controller = new AbortController();
    const fake = await startScriptedServer((_request, index) => {
      if (index === 2) controller.abort(new Error("caller left"));
      return [upload, started(), { body: { status: "processing" } }][Math.min(index, 2)]!;
    });
    server = fake;
    const error = await new AssemblyAIProvider({ baseUrl: fake.url, apiKey: key(), pollIntervalMs: 60_000 }).transcription({ model: "universal", file: audio() }, { signal: controller.signal }).catch((caught: unknown) => caught);
    expect(error).toBeDefined();
    expect(fake.requests).toHaveLength(3);
  });
});
