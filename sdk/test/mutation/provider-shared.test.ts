import { describe, expect, it } from "vitest";
import { OpenAICompatibleProvider, OpenAIProvider, ProviderError } from "../../src/index.js";
import { chatModel, CHAT_CAPABILITIES } from "../../src/provider/chat-model.js";
import { configWithVersion, imageSource, withVersionSegment } from "../../src/provider/content-parts.js";
import { floatsToBase64 } from "../../src/provider/embedding-encoding.js";
import { BODY_READER, streamedBody } from "../../src/provider/body-reader.js";
import { createOpenAICompatibleConfig } from "../../src/provider/openai-compatible.js";
import { drain, sse, wireCapture, type Reply } from "./wire-capture.js";

// The pieces every connector shares, pinned by what reaches the wire and what callers get: OpenAI-compatible
// configuration and requests, base URL version segments, image data URLs, base64 embeddings, body readers, and
// the built-in model tables.

const compatible = (config: Record<string, unknown>, ...replies: Reply[]) => {
  const wire = wireCapture(...replies);
  return { wire, provider: new OpenAICompatibleProvider({ baseUrl: "https://llm.test/v1", fetch: wire.fetch, models: [{ id: "m" }], ...config }) };
};
const completion: Reply = { json: { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] } };

describe("OpenAI-compatible configuration on the wire", () => {
  it("auth: Bearer by default, a custom header and scheme, a bare key, none without a key", async () => {
    const cases: Array<[Record<string, unknown>, Record<string, string | undefined>]> = [
      [{ apiKey: "k1" }, { authorization: "Bearer k1" }],
      [{ apiKey: "k2", authHeader: "api-key", authScheme: "" }, { "api-key": "k2", authorization: undefined }],
      [{ api_key: "k3", auth_header: "X-Key", auth_scheme: "Token" }, { "x-key": "Token k3", authorization: undefined }],
      [{ apiKey: "k4", authHeader: "", authScheme: 5 }, { authorization: "Bearer k4" }],
      [{}, { authorization: undefined }],
    ];
    for (const [config, expected] of cases) {
      const { wire, provider } = compatible(config, completion);
      await provider.chat({ model: "m", messages: [{ role: "user", content: "Hi" }] });
      for (const [name, value] of Object.entries(expected)) expect(wire.last().headers[name], `${JSON.stringify(config)} ${name}`).toBe(value);
      expect(wire.last().headers["content-type"]).toBe("application/json");
    }
  });

  it("stream_options: only on streams, always asking for usage and keeping the caller's options, never with the quirk off", async () => {
    const events = { text: sse([undefined, { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "x" }, finish_reason: "stop" }] }], [undefined, "[DONE]"]) };
    const { wire, provider } = compatible({}, completion, events, events, completion);
    await provider.chat({ model: "m", messages: [{ role: "user", content: "Hi" }], stream_options: { include_usage: true } });
    expect(wire.last().body).toEqual({ model: "m", messages: [{ role: "user", content: "Hi" }] });
    await drain((await provider.chatStream({ model: "m", messages: [{ role: "user", content: "Hi" }], stream_options: { include_obfuscation: false } as never })).body);
    expect(wire.last().body).toEqual({ model: "m", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_obfuscation: false, include_usage: true } });
    await drain((await provider.chatStream({ model: "m", messages: [{ role: "user", content: "Hi" }], stream_options: "junk" as never })).body);
    expect(wire.last().body).toEqual({ model: "m", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true } });
    for (const quirks of [{ supportsStreamUsage: false }, { supports_stream_usage: false }]) {
      const off = compatible({ quirks }, events);
      await drain((await off.provider.chatStream({ model: "m", messages: [{ role: "user", content: "Hi" }], stream_options: { include_usage: true } })).body);
      expect(off.wire.last().body, JSON.stringify(quirks)).toEqual({ model: "m", messages: [{ role: "user", content: "Hi" }], stream: true });
    }
    expect(createOpenAICompatibleConfig({ quirks: "x" as never }).quirks).toEqual({ supportsStreamUsage: true });
    expect(createOpenAICompatibleConfig({ quirks: { supportsStreamUsage: true, supports_stream_usage: false } as never }).quirks).toEqual({ supportsStreamUsage: true });
  });

  it("operations limits what the provider offers; without it every implemented method counts", () => {
    const limited = new OpenAICompatibleProvider({ baseUrl: "https://llm.test/v1", operations: ["chat", "embeddings"] });
    expect((["chat", "embeddings", "speech", "transcription", "images", "rerank"] as const).map((operation) => limited.supports(operation))).toEqual([true, true, false, false, false, false]);
    const full = new OpenAICompatibleProvider({ baseUrl: "https://llm.test/v1" });
    expect((["chat", "embeddings", "speech", "transcription", "images", "rerank"] as const).map((operation) => full.supports(operation))).toEqual([true, true, true, true, true, false]);
  });

  it("transcription: JSON formats parsed (text required), text formats wrapped; the upload asks for JSON or text", async () => {
    const file = new Blob([new Uint8Array([1, 2, 3])], { type: "audio/wav" });
    const { wire, provider } = compatible(
      {},
      { json: { text: "hello", language: "en" } },
      { json: { text: "verbose", segments: [] } },
      { text: "1\n00:00 --> 00:01\nhi", contentType: "text/plain" },
      { json: { words: [] } },
      { text: "not json", contentType: "text/plain" },
      { json: { text: "j" } },
    );
    expect((await provider.transcription({ model: "whisper-1", file: file as never })).body).toEqual({ text: "hello", language: "en" });
    expect(wire.last()).toMatchObject({ url: "https://llm.test/v1/audio/transcriptions", method: "POST" });
    expect(wire.last().headers.accept).toBe("application/json, text/plain");
    expect(wire.last().headers["content-type"]).toBeUndefined();
    expect((await provider.transcription({ model: "whisper-1", file: file as never, response_format: "verbose_json" })).body).toEqual({ text: "verbose", segments: [] });
    expect((await provider.transcription({ model: "whisper-1", file: file as never, response_format: "srt" })).body).toEqual({ text: "1\n00:00 --> 00:01\nhi" });
    const noText = (await provider.transcription({ model: "whisper-1", file: file as never }).catch((error: unknown) => error)) as ProviderError;
    expect(noText.code).toBe("malformed_response");
    expect(noText.message).toContain("the body has no text");
    const notJson = (await provider.transcription({ model: "whisper-1", file: file as never, response_format: "json" }).catch((error: unknown) => error)) as ProviderError;
    expect(notJson.code).toBe("malformed_response");
    expect((await provider.transcription({ model: "whisper-1", file: file as never, response_format: "text" })).body).toEqual({ text: '{"text":"j"}' });
  });

  it("speech hands the audio on; embeddings and images go to their endpoints with the caller's body", async () => {
    const { wire, provider } = compatible(
      {},
      { text: "RIFFaudio", contentType: "audio/mpeg" },
      { json: { object: "list", data: [{ object: "embedding", index: 0, embedding: [0.5] }], model: "e", usage: { prompt_tokens: 1, total_tokens: 1 } } },
      { json: { created: 1, data: [{ url: "https://img" }] } },
    );
    const audio = await provider.speech({ model: "tts-1", input: "hi", voice: "alloy" });
    expect(wire.last()).toMatchObject({ url: "https://llm.test/v1/audio/speech", method: "POST", body: { model: "tts-1", input: "hi", voice: "alloy" } });
    expect(wire.last().headers.accept).toBe("*/*");
    expect(await audio.body.text()).toBe("RIFFaudio");
    const embedded = await provider.embeddings({ model: "e", input: "x" });
    expect(wire.last()).toMatchObject({ url: "https://llm.test/v1/embeddings", body: { model: "e", input: "x" } });
    expect(embedded.body.data[0]?.embedding).toEqual([0.5]);
    const images = await provider.images({ model: "dall-e-3", prompt: "cat" });
    expect(wire.last()).toMatchObject({ url: "https://llm.test/v1/images/generations", body: { model: "dall-e-3", prompt: "cat" } });
    expect(images.body.data?.[0]?.url).toBe("https://img");
  });

  it("fetchModelList: GET /models, known ids keep their entry, capabilities guessed from the id, a bad body is malformed", async () => {
    const ids = ["m", "text-embed-x", "whisper-large", "gpt-4o-transcribe-x", "kokoro-tts", "speech-02", "dall-e-2", "gpt-image", "FLUX.1", "stable-diffusion-3", "stablediffusion", "sdxl-turbo", "llama-3"];
    const { wire, provider } = compatible({}, { json: { data: [...ids.map((id) => ({ id })), { name: "x" }, "junk"] } }, { json: { models: [] } });
    const models = await provider.fetchModelList();
    expect(wire.last()).toMatchObject({ url: "https://llm.test/v1/models", method: "GET", body: undefined });
    expect(models).toEqual([
      provider.listModels()[0],
      { id: "text-embed-x", capabilities: ["representation.embeddings.text-embeddings"] },
      { id: "whisper-large", capabilities: ["understanding.audio-understanding.speech-to-text"] },
      { id: "gpt-4o-transcribe-x", capabilities: ["understanding.audio-understanding.speech-to-text"] },
      { id: "kokoro-tts", capabilities: ["generation.audio-generation.text-to-speech"] },
      { id: "speech-02", capabilities: ["generation.audio-generation.text-to-speech"] },
      { id: "dall-e-2", capabilities: ["generation.image-generation.text-to-image"] },
      { id: "gpt-image", capabilities: ["generation.image-generation.text-to-image"] },
      { id: "FLUX.1", capabilities: ["generation.image-generation.text-to-image"] },
      { id: "stable-diffusion-3", capabilities: ["generation.image-generation.text-to-image"] },
      { id: "stablediffusion", capabilities: ["generation.image-generation.text-to-image"] },
      { id: "sdxl-turbo", capabilities: ["generation.image-generation.text-to-image"] },
      { id: "llama-3", capabilities: ["generation.text-generation.chat-completion"] },
    ]);
    const error = (await provider.fetchModelList().catch((caught: unknown) => caught)) as ProviderError;
    expect(error.code).toBe("malformed_response");
    expect(error.message).toContain("the body has no data array");
  });
});

describe("shared helpers", () => {
  it("version segments: added when the path has no version, kept for v1, v1beta, v2alpha3, V3; trailing slashes dropped", () => {
    expect(withVersionSegment("https://api.x.com", "/v1")).toBe("https://api.x.com/v1");
    expect(withVersionSegment("https://api.x.com///", "/v1")).toBe("https://api.x.com/v1");
    expect(withVersionSegment("https://api.x.com/v1/", "/v1")).toBe("https://api.x.com/v1");
    expect(withVersionSegment("https://api.x.com/v1beta", "/v1")).toBe("https://api.x.com/v1beta");
    expect(withVersionSegment("https://api.x.com/v2alpha3", "/v1")).toBe("https://api.x.com/v2alpha3");
    expect(withVersionSegment("https://api.x.com/V3", "/v1")).toBe("https://api.x.com/V3");
    expect(withVersionSegment("https://api.x.com/v1/openai", "/v1")).toBe("https://api.x.com/v1/openai/v1");
    expect(withVersionSegment("https://api.x.com/version", "/v1")).toBe("https://api.x.com/version/v1");
    expect(withVersionSegment("https://api.x.com/v1gamma", "/v1")).toBe("https://api.x.com/v1gamma/v1");
    expect(withVersionSegment("https://api.x.com/xv1", "/v1")).toBe("https://api.x.com/xv1/v1");
    expect(withVersionSegment("/", "/v1")).toBe("");
    expect(configWithVersion({ base_url: "https://a.test", apiKey: "k" }, "https://default.test/v1", "/v1")).toEqual({ apiKey: "k", baseUrl: "https://a.test/v1" });
    expect(configWithVersion({ baseUrl: "https://b.test", base_url: "https://a.test" }, "https://default.test/v1", "/v1")).toEqual({ baseUrl: "https://b.test/v1" });
    expect(configWithVersion({ baseUrl: "", base_url: "" }, "https://default.test", "/v2")).toEqual({ baseUrl: "https://default.test/v2" });
    expect(configWithVersion({ baseUrl: 5 as never }, "https://default.test/v2", "/v2")).toEqual({ baseUrl: "https://default.test/v2" });
  });

  it("image data URLs: base64 ones split (newlines in the data kept), other data URLs refused, anything else a link", () => {
    expect(imageSource("data:image/png;base64,AA\nBB")).toEqual({ kind: "inline", mediaType: "image/png", data: "AA\nBB" });
    expect(imageSource("data:image/webp;base64,")).toEqual({ kind: "inline", mediaType: "image/webp", data: "" });
    expect(() => imageSource("data:image/png,raw")).toThrow("image_url: only base64 data URLs are supported (data:<type>;base64,...)");
    expect(() => imageSource("data:;base64,AA")).toThrow("only base64 data URLs");
    expect(imageSource("https://x/data:image/png;base64,AA")).toEqual({ kind: "url", url: "https://x/data:image/png;base64,AA" });
  });

  it("floatsToBase64: little-endian float32, as OpenAI's clients decode", () => {
    expect(floatsToBase64([])).toBe("");
    expect(floatsToBase64([1, 0])).toBe("AACAPwAAAAA=");
    expect(floatsToBase64([-2.5])).toBe(Buffer.from(new Float32Array([-2.5]).buffer).toString("base64"));
    const values = [0.1, -0.25, 3.75, 1e-7];
    const decoded = new Float32Array(new Uint8Array(Buffer.from(floatsToBase64(values), "base64")).buffer);
    expect([...decoded]).toEqual(values.map((value) => Math.fround(value)));
  });

  it("streamedBody: the fetch's own reader when offered, response.body otherwise", async () => {
    const plain = new Response("abc");
    expect(streamedBody(plain)).toBe(plain.body);
    const declined = new Response("abc");
    (declined as unknown as Record<symbol, unknown>)[BODY_READER] = () => undefined;
    expect(streamedBody(declined)).toBe(declined.body);
    const notFunction = new Response("abc");
    (notFunction as unknown as Record<symbol, unknown>)[BODY_READER] = "reader";
    expect(streamedBody(notFunction)).toBe(notFunction.body);
    const cancelled: unknown[] = [];
    const reader = { read: async () => ({ done: true as const, value: undefined }), cancel: async (reason?: unknown) => void cancelled.push(reason), releaseLock: () => {} };
    const offering = new Response("abc");
    let self: unknown;
    (offering as unknown as Record<symbol, unknown>)[BODY_READER] = function (this: unknown) {
      self = this;
      return reader;
    };
    const body = streamedBody(offering)!;
    expect(self).toBe(offering);
    expect(body).not.toBe(offering.body);
    expect(body.getReader()).toBe(reader);
    await body.cancel("stop");
    expect(cancelled).toEqual(["stop"]);
  });

  it("chatModel: the chat and code capabilities, features and prices; maxOutputTokens only when given", () => {
    expect(CHAT_CAPABILITIES).toEqual(["generation.text-generation.chat-completion", "generation.text-generation.code-generation"]);
    const model = chatModel({ id: "m", input: 1, output: 2, contextWindow: 1000, vision: false, readAt: "2026-01-01" });
    expect(model).toEqual({ id: "m", capabilities: [...CHAT_CAPABILITIES], contextWindow: 1000, features: { tools: true, vision: false, jsonMode: true, streaming: true }, pricing: { input: 1, output: 2, readAt: "2026-01-01" } });
    expect(Object.keys(model)).not.toContain("maxOutputTokens");
    model.capabilities.push("x");
    expect(chatModel({ id: "n", input: 0, output: 0, contextWindow: 1, maxOutputTokens: 5, vision: true, readAt: "r" })).toMatchObject({ capabilities: [...CHAT_CAPABILITIES], maxOutputTokens: 5, features: { vision: true } });
  });

  it("OpenAI's built-in list as published, and its identity", () => {
    const chat = (id: string, input: number, output: number, contextWindow: number, maxOutputTokens: number, vision = true) => ({
      id,
      capabilities: ["generation.text-generation.chat-completion", "generation.text-generation.code-generation"],
      contextWindow,
      maxOutputTokens,
      features: { tools: true, vision, jsonMode: true, streaming: true },
      pricing: { input, output, readAt: "2026-11-24" },
    });
    const at = "2026-11-24";
    expect(new OpenAIProvider({ apiKey: "sk-x" }).listModels()).toEqual([
      chat("gpt-4o", 2.5, 10, 128_000, 16_384),
      chat("gpt-4o-mini", 0.15, 0.6, 128_000, 16_384),
      chat("gpt-4.1", 2, 8, 1_047_576, 32_768),
      chat("gpt-4.1-mini", 0.4, 1.6, 1_047_576, 32_768),
      chat("gpt-4.1-nano", 0.1, 0.4, 1_047_576, 32_768),
      chat("o3-mini", 1.1, 4.4, 200_000, 100_000, false),
      { id: "text-embedding-3-small", capabilities: ["representation.embeddings.text-embeddings"], contextWindow: 8_191, pricing: { input: 0.02, readAt: at } },
      { id: "text-embedding-3-large", capabilities: ["representation.embeddings.text-embeddings"], contextWindow: 8_191, pricing: { input: 0.13, readAt: at } },
      { id: "tts-1", capabilities: ["generation.audio-generation.text-to-speech"], pricing: { perCharacter: 0.000015, readAt: at } },
      { id: "tts-1-hd", capabilities: ["generation.audio-generation.text-to-speech"], pricing: { perCharacter: 0.00003, readAt: at } },
      { id: "gpt-4o-mini-tts", capabilities: ["generation.audio-generation.text-to-speech"], pricing: { input: 0.6, output: 12, perCharacter: 0.000016, readAt: at } },
      { id: "whisper-1", capabilities: ["understanding.audio-understanding.speech-to-text"], pricing: { perSecond: 0.0001, readAt: at } },
      { id: "gpt-4o-transcribe", capabilities: ["understanding.audio-understanding.speech-to-text"], pricing: { input: 2.5, output: 10, perSecond: 0.0001, readAt: at } },
      { id: "dall-e-3", capabilities: ["generation.image-generation.text-to-image"], pricing: { perImage: 0.04, readAt: at } },
      { id: "gpt-image-1", capabilities: ["generation.image-generation.text-to-image"], pricing: { input: 5, output: 40, perImage: 0.042, readAt: at } },
    ]);
    expect([OpenAIProvider.connectorId, OpenAIProvider.shortName, OpenAIProvider.baseUrlEnvVar, OpenAIProvider.envVars, OpenAIProvider.defaultBaseUrl]).toEqual(["openai.llm.v1", "openai", "OPENAI_BASE_URL", ["OPENAI_API_KEY"], "https://api.openai.com/v1"]);
    expect([OpenAICompatibleProvider.connectorId, OpenAICompatibleProvider.shortName]).toEqual(["modelmesh.openai-compatible.v1", "openai-compatible"]);
  });
});
