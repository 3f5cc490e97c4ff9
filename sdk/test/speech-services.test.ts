import { describe, expect, it } from "vitest";
import { AssemblyAIProvider, AuthenticationError, AzureSpeechProvider, create, ElevenLabsProvider, ProviderError, RateLimitError } from "../src/index.js";
import { startFakeSpeech } from "./fakes/speech-services.js";

// Keys built at run time: the house scan flags key-shaped literals.
const key = (prefix: string) => `${prefix}${"speechKEY0123456789".repeat(2)}`;

describe("ElevenLabs", () => {
  it("speaks through a pool: the voice mapped to its id, the format asked by name, the audio bytes and cost per character", async () => {
    const fake = await startFakeSpeech("elevenlabs");
    const client = create("text-to-speech", { providers: [{ connector: "elevenlabs", config: { baseUrl: fake.url, apiKey: key("xi-"), voices: { alloy: "21m00Tcm4TlvDq8ikWAM" } } }], strategy: "cost-first" });
    try {
      const audio = await client.audio.speech.create({ model: "text-to-speech", voice: "alloy", input: "Hello there", speed: 1.1 });
      const bytes = Buffer.from(await audio.arrayBuffer());
      expect(bytes.toString()).toBe("ID3Hello there");
      expect(audio.headers.get("content-type")).toBe("audio/mpeg");
      expect(fake.requests[0]).toMatchObject({ path: "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM", url: "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM?output_format=mp3_44100_128", headers: { "xi-api-key": key("xi-") }, body: { text: "Hello there", model_id: "eleven_flash_v2_5", voice_settings: { speed: 1.1 } } });
      expect(client.usage.totalCost).toBeCloseTo(11 * 0.00005, 12);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it("a wav request is unsupported (fail over), a wrong key is an AuthenticationError, a spent quota (401 quota_exceeded) a quota error", async () => {
    const fake = await startFakeSpeech("elevenlabs", { apiKeys: ["right"] });
    try {
      const speech = (apiKey: string) => new ElevenLabsProvider({ baseUrl: fake.url, apiKey }).speech({ model: "eleven_flash_v2_5", voice: "v", input: "x", response_format: "wav" });
      const wav = await speech("right").catch((caught: unknown) => caught);
      expect((wav as ProviderError).code).toBe("unsupported_parameter");
      expect(fake.requests).toHaveLength(0);
      const provider = new ElevenLabsProvider({ baseUrl: fake.url, apiKey: "wrong" });
      await expect(provider.speech({ model: "eleven_flash_v2_5", voice: "v", input: "x" })).rejects.toBeInstanceOf(AuthenticationError);
      fake.enqueue({ kind: "error", status: 401, body: { detail: { status: "quota_exceeded", message: "This request exceeds your quota of 10000." } } });
      const quota = await new ElevenLabsProvider({ baseUrl: fake.url, apiKey: "right" }).speech({ model: "eleven_flash_v2_5", voice: "v", input: "x" }).catch((caught: unknown) => caught);
      expect(quota).toBeInstanceOf(RateLimitError);
      expect((quota as RateLimitError).retryable).toBe(false);
      expect((quota as Error).message).toContain("exceeds your quota");
    } finally {
      await fake.close();
    }
  });
});

describe("Azure Speech", () => {
  it("sends SSML with the voice, its language, the rate and escaped text, and the output format header", async () => {
    const fake = await startFakeSpeech("azure");
    try {
      const azure = new AzureSpeechProvider({ baseUrl: fake.url, apiKey: key("az"), voices: { alloy: "de-DE-KatjaNeural" } });
      const { body } = await azure.speech({ model: "neural", voice: "alloy", input: "Fish & <chips>", speed: 1.2, response_format: "wav" });
      expect(Buffer.from(await body.arrayBuffer()).subarray(0, 2).toString()).toBe("AZ");
      expect(body.headers.get("content-type")).toBe("audio/x-wav");
      expect(fake.requests[0]).toMatchObject({ path: "/cognitiveservices/v1", headers: { "ocp-apim-subscription-key": key("az"), "content-type": "application/ssml+xml", "x-microsoft-outputformat": "riff-24khz-16bit-mono-pcm" } });
      expect(fake.requests[0]?.body).toBe('<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="de-DE"><voice name="de-DE-KatjaNeural"><prosody rate="+20%">Fish &amp; &lt;chips&gt;</prosody></voice></speak>');
      expect(new AzureSpeechProvider({ region: "westeurope" }).toJSON().baseUrl).toBe("https://westeurope.tts.speech.microsoft.com");
      fake.enqueue({ kind: "error", status: 429, headers: { "retry-after": "4" } });
      const limited = await azure.speech({ model: "neural", voice: "en-US-AvaMultilingualNeural", input: "x" }).catch((caught: unknown) => caught);
      expect((limited as RateLimitError).retryAfter).toBe(4);
    } finally {
      await fake.close();
    }
  });
});

describe("AssemblyAI", () => {
  it("uploads the bytes, starts the transcript, polls until completed; the audio seconds are billed", async () => {
    const fake = await startFakeSpeech("assemblyai", { processingPolls: 2 });
    const client = create("speech-to-text", { providers: [{ connector: "assemblyai", config: { baseUrl: fake.url, apiKey: key("aai"), poll_interval_ms: 10 } }] });
    try {
      const audio = new Uint8Array(64_000).fill(7);
      const result = await client.audio.transcriptions.create({ model: "speech-to-text", file: new File([audio], "talk.wav", { type: "audio/wav" }) });
      expect(result.text).toBe("Transcript of 64000 bytes.");
      expect(fake.uploads[0]?.equals(Buffer.from(audio))).toBe(true);
      expect(fake.requests.map((request) => `${request.method} ${request.path.replace(/[0-9a-f-]{36}$/, "ID")}`)).toEqual(["POST /v2/upload", "POST /v2/transcript", "GET /v2/transcript/ID", "GET /v2/transcript/ID", "GET /v2/transcript/ID"]);
      expect(fake.requests[0]?.headers).toMatchObject({ authorization: key("aai"), "content-type": "application/octet-stream" });
      expect(fake.requests[1]?.body).toMatchObject({ audio_url: expect.stringMatching(/^https:\/\/cdn\.assemblyai\.com\/upload\//), speech_model: "universal" });
      expect(client.usage.totalCost).toBeCloseTo(4 * (0.15 / 3600), 12);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it("a transcript that ends in error is a ProviderError, never empty text; an abort stops the polling", async () => {
    const failing = await startFakeSpeech("assemblyai", { transcriptError: "Audio file could not be decoded" });
    try {
      const provider = new AssemblyAIProvider({ baseUrl: failing.url, apiKey: key("aai"), pollIntervalMs: 5 });
      const error = await provider.transcription({ model: "universal", file: new Blob([new Uint8Array(10)]) }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).code).toBe("transcription_failed");
      expect((error as Error).message).toContain("Audio file could not be decoded");
    } finally {
      await failing.close();
    }
    const slow = await startFakeSpeech("assemblyai", { processingPolls: 1_000 });
    try {
      const controller = new AbortController();
      const provider = new AssemblyAIProvider({ baseUrl: slow.url, apiKey: key("aai"), pollIntervalMs: 20 });
      const pending = provider.transcription({ model: "universal", file: new Blob([new Uint8Array(10)]) }, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error("caller gave up")), 150);
      await expect(pending).rejects.toThrow("caller gave up");
      // A status read already on the wire when the abort fired still lands: count once it has.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const polls = slow.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(slow.requests.length).toBe(polls);
    } finally {
      await slow.close();
    }
  });
});
