import { afterEach, describe, expect, it } from "vitest";
import { AuthenticationError, AzureSpeechProvider, ElevenLabsProvider, ProviderError, RateLimitError } from "../../src/index.js";
import { startScriptedServer, type ScriptedAnswer, type ScriptedServer } from "./scripted-http.js";

// ElevenLabs and Azure Speech: the exact request each sends (path, query, headers, body) and how their errors map,
// against a server that records every byte.
const key = (prefix: string) => `${prefix}${"speechKEY0123456789".repeat(2)}`;
const audio: ScriptedAnswer = { body: "AUDIO", headers: { "content-type": "audio/mpeg", "x-ratelimit-remaining-requests": "41" } };

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
async function serve(answers: ScriptedAnswer[]): Promise<ScriptedServer> {
  server = await startScriptedServer(answers);
  return server;
}

describe("ElevenLabs requests", () => {
  it("each format maps to ElevenLabs' output_format; the body is text and model, with voice_settings only for a speed", async () => {
    const fake = await serve([audio]);
    const provider = new ElevenLabsProvider({ baseUrl: fake.url, apiKey: key("xi-") });
    const formats = [[undefined, "mp3_44100_128"], ["mp3", "mp3_44100_128"], ["pcm", "pcm_24000"], ["opus", "opus_48000_64"]] as const;
    for (const [format, expected] of formats) {
      const { body, rateLimit } = await provider.speech({ model: "eleven_multilingual_v2", voice: "v1", input: "Hi", ...(format ? { response_format: format } : {}) });
      expect(await body.text()).toBe("AUDIO");
      expect(rateLimit).toMatchObject({ remainingRequests: 41 });
      const received = fake.requests.at(-1)!;
      expect(received.method).toBe("POST");
      expect(received.url).toBe(`/v1/text-to-speech/v1?output_format=${expected}`);
      expect(received.body).toEqual({ text: "Hi", model_id: "eleven_multilingual_v2" });
      expect(received.headers).toMatchObject({ "xi-api-key": key("xi-"), "content-type": "application/json", accept: "audio/*" });
    }
    await provider.speech({ model: "eleven_flash_v2_5", voice: "v1", input: "Fast", speed: 1.15 }, { headers: { "x-trace": "t-9" } });
    expect(fake.requests.at(-1)?.body).toEqual({ text: "Fast", model_id: "eleven_flash_v2_5", voice_settings: { speed: 1.15 } });
    expect(fake.requests.at(-1)?.headers["x-trace"]).toBe("t-9");
  });

  it("a mapped name becomes its voice id; any other voice is sent as an id, escaped; inherited names are not mappings", async () => {
    const fake = await serve([audio]);
    const provider = new ElevenLabsProvider({ baseUrl: fake.url, apiKey: key("xi-"), voices: { alloy: "21m00Tcm4TlvDq8ikWAM" } });
    for (const voice of ["alloy", "a/b c", "constructor"]) await provider.speech({ model: "eleven_flash_v2_5", voice, input: "x" });
    expect(fake.requests.map((request) => request.url.split("?")[0])).toEqual(["/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM", "/v1/text-to-speech/a%2Fb%20c", "/v1/text-to-speech/constructor"]);
  });

  it("sends no key header without a key; wav, flac and aac are unsupported before any request", async () => {
    const fake = await serve([audio]);
    const provider = new ElevenLabsProvider({ baseUrl: fake.url });
    await provider.speech({ model: "eleven_flash_v2_5", voice: "v", input: "x" });
    expect("xi-api-key" in fake.requests[0]!.headers).toBe(false);
    for (const format of ["wav", "flac", "aac"] as const) {
      const error = await provider.speech({ model: "eleven_flash_v2_5", voice: "v", input: "x", response_format: format }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "unsupported_parameter", retryable: false });
      expect((error as Error).message).toBe(`elevenlabs does not support response_format "${format}"`);
    }
    expect(fake.requests).toHaveLength(1);
    expect(provider.supports("speech")).toBe(true);
    expect(provider.supports("transcription")).toBe(false);
  });
});

describe("ElevenLabs errors", () => {
  const speak = (fake: ScriptedServer) => new ElevenLabsProvider({ baseUrl: fake.url, apiKey: key("xi-") }).speech({ model: "eleven_flash_v2_5", voice: "v", input: "x" }).catch((caught: unknown) => caught);

  it("401 quota_exceeded is a non-retryable quota error keeping the status and body", async () => {
    const body = { detail: { status: "quota_exceeded", message: "This request exceeds your quota of 10000." } };
    const error = await speak(await serve([{ status: 401, body }]));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: "insufficient_quota", retryable: false, status: 401, body, providerId: "elevenlabs", modelId: "eleven_flash_v2_5" });
    expect((error as Error).message).toContain("exceeds your quota of 10000");
  });

  it("quota_exceeded on another status, or a 401 without that detail, keeps the ordinary mapping", async () => {
    const limited = await speak(await serve([{ status: 429, body: { detail: { status: "quota_exceeded", message: "slow down" } }, headers: { "retry-after": "2" } }]));
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited).toMatchObject({ retryable: true, retryAfter: 2 });
    await server!.close();
    for (const body of [{ detail: { status: "invalid_api_key", message: "Invalid API key" } }, { detail: "quota_exceeded" }, { status: "quota_exceeded" }]) {
      const denied = await speak(await serve([{ status: 401, body }]));
      expect(denied).toBeInstanceOf(AuthenticationError);
      await server!.close();
    }
    const failed = await speak(await serve([{ status: 500, body: { detail: { status: "quota_exceeded" } } }]));
    expect(failed).toBeInstanceOf(ProviderError);
    expect(failed).not.toBeInstanceOf(RateLimitError);
  });
});

describe("Azure Speech requests", () => {
  it("each format is its X-Microsoft-OutputFormat; the SSML goes as the body with the key, the user agent and audio/* accepted", async () => {
    const fake = await serve([audio]);
    const provider = new AzureSpeechProvider({ baseUrl: fake.url, apiKey: key("az") });
    const formats = [[undefined, "audio-24khz-48kbitrate-mono-mp3"], ["mp3", "audio-24khz-48kbitrate-mono-mp3"], ["opus", "ogg-24khz-16bit-mono-opus"], ["wav", "riff-24khz-16bit-mono-pcm"], ["pcm", "raw-24khz-16bit-mono-pcm"]] as const;
    for (const [format, expected] of formats) {
      const { body, rateLimit } = await provider.speech({ model: "neural", voice: "en-GB-RyanNeural", input: "Hi", ...(format ? { response_format: format } : {}) }, { headers: { "x-trace": "t-2" } });
      expect(await body.text()).toBe("AUDIO");
      expect(rateLimit).toMatchObject({ remainingRequests: 41 });
      const received = fake.requests.at(-1)!;
      expect(received.url).toBe("/cognitiveservices/v1");
      expect(received.method).toBe("POST");
      expect(received.headers).toMatchObject({ "x-microsoft-outputformat": expected, "ocp-apim-subscription-key": key("az"), "content-type": "application/ssml+xml", "user-agent": "modelmesh", accept: "audio/*", "x-trace": "t-2" });
      expect(received.body).toBe('<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-GB"><voice name="en-GB-RyanNeural">Hi</voice></speak>');
    }
  });

  it("flac and aac are unsupported before any request; no key, no key header", async () => {
    const fake = await serve([audio]);
    const provider = new AzureSpeechProvider({ baseUrl: fake.url });
    for (const format of ["flac", "aac"] as const) {
      const error = await provider.speech({ model: "neural", voice: "en-US-AvaMultilingualNeural", input: "x", response_format: format }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "unsupported_parameter" });
      expect((error as Error).message).toBe(`azure-speech does not support response_format "${format}"`);
    }
    expect(fake.requests).toHaveLength(0);
    await provider.speech({ model: "neural", voice: "en-US-AvaMultilingualNeural", input: "x" });
    expect("ocp-apim-subscription-key" in fake.requests[0]!.headers).toBe(false);
    expect(provider.supports("speech")).toBe(true);
    expect(provider.supports("transcription")).toBe(false);
  });

  it("a region names the host only when it is a plain label; anything else keeps the default host", () => {
    const base = (config: Record<string, unknown>) => new AzureSpeechProvider(config).toJSON().baseUrl;
    expect(base({ region: "West-Europe2" })).toBe("https://West-Europe2.tts.speech.microsoft.com");
    for (const region of ["evil.com/x", "west europe", "", "x.y", 7]) expect(base({ region })).toBe("https://eastus.tts.speech.microsoft.com");
    expect(base({})).toBe("https://eastus.tts.speech.microsoft.com");
    expect(base({ region: "westeurope", baseUrl: "http://127.0.0.1:9/x" })).toBe("http://127.0.0.1:9/x");
  });
});

describe("Azure SSML", () => {
  const ssml = (voice: string, extra: Record<string, unknown> = {}, voices?: Record<string, string>) =>
    new AzureSpeechProvider({ apiKey: key("az"), ...(voices ? { voices } : {}) }).ssml({ model: "neural", voice, input: "x", ...extra });
  const document = (language: string, voice: string, inner = "x") => `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${language}"><voice name="${voice}">${inner}</voice></speak>`;

  it("an Azure voice name is used as given; a mapped name is replaced; anything else is the default voice", () => {
    expect(ssml("fil-PH-BlessicaNeural")).toBe(document("fil-PH", "fil-PH-BlessicaNeural"));
    expect(ssml("alloy", {}, { alloy: "de-DE-KatjaNeural" })).toBe(document("de-DE", "de-DE-KatjaNeural"));
    expect(ssml("de-DE-KatjaNeural", {}, { "de-DE-KatjaNeural": "fr-FR-DeniseNeural" })).toBe(document("fr-FR", "fr-FR-DeniseNeural"));
    for (const voice of ["alloy", "myen-US-Voice", "en-us-Voice", "e-US-Voice", "english-US-Voice", "en-USA-Voice", "en-US", "1en-US-Voice"]) expect(ssml(voice)).toBe(document("en-US", "en-US-AvaMultilingualNeural"));
    expect(ssml("alloy", {}, { default: "ja-JP-NanamiNeural" })).toBe(document("ja-JP", "ja-JP-NanamiNeural"));
  });

  it("escapes the five XML characters in the text and the voice name", () => {
    expect(ssml("en-US-A", { input: `<a href='x'>"Tom" & Jerry</a>` })).toBe(document("en-US", "en-US-A", "&lt;a href=&apos;x&apos;&gt;&quot;Tom&quot; &amp; Jerry&lt;/a&gt;"));
    expect(ssml("en-US-A&B<'\">")).toBe(document("en-US", "en-US-A&amp;B&lt;&apos;&quot;&gt;"));
  });

  it("speed becomes a signed percentage rate; 1 and no speed add no prosody", () => {
    expect(ssml("en-US-A", { speed: 1.25 })).toBe(document("en-US", "en-US-A", '<prosody rate="+25%">x</prosody>'));
    expect(ssml("en-US-A", { speed: 0.5 })).toBe(document("en-US", "en-US-A", '<prosody rate="-50%">x</prosody>'));
    expect(ssml("en-US-A", { speed: 1.004 })).toBe(document("en-US", "en-US-A", '<prosody rate="+0%">x</prosody>'));
    expect(ssml("en-US-A", { speed: 1 })).toBe(document("en-US", "en-US-A"));
    expect(ssml("en-US-A", { speed: 0 })).toBe(document("en-US", "en-US-A"));
    expect(ssml("en-US-A")).toBe(document("en-US", "en-US-A"));
  });

  it("voices that are not an object are ignored", () => {
    expect(new AzureSpeechProvider({ voices: "alloy" as never }).ssml({ model: "neural", voice: "alloy", input: "x" })).toBe(document("en-US", "en-US-AvaMultilingualNeural"));
  });
});
