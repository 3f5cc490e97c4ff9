import { describe, expect, it } from "vitest";
import { BaseProvider, ConfigError, ConnectionError, OpenAICompatibleProvider, ProviderError, RateLimitError } from "../../src/index.js";
import { fingerprint } from "../../src/provider/provider-config.js";
import { drain, sse, wireCapture, type Reply } from "./wire-capture.js";

// BaseProvider's transport seen from both ends: what an OpenAI-wire service receives (URL through a proxy, headers
// merged in order, prefix continuation) and what callers get for every kind of answer (error envelopes, JSON
// answers to stream requests, in-band error codes, bodies that are not JSON, identity and serialisation).

const provider = (config: Record<string, unknown>, ...replies: Reply[]) => {
  const wire = wireCapture(...replies);
  return { wire, openai: new OpenAICompatibleProvider({ baseUrl: "https://llm.test/v1", apiKey: "sk-base-KEY-1", fetch: wire.fetch, models: [{ id: "m" }], ...config }) };
};
const completion = (content: string, extra: Record<string, unknown> = {}): Reply => ({ json: { id: "c1", object: "chat.completion", created: 7, model: "m", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], ...extra } });
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ id: "s1", object: "chat.completion.chunk", created: 9, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] });
const hi = [{ role: "user" as const, content: "Hi" }];

class Bare extends BaseProvider {}

describe("identity and configuration", () => {
  it("refuses base and proxy URLs that are not http(s), saying when none was given", () => {
    expect(() => new Bare({})).toThrow(ConfigError);
    expect(() => new Bare({})).toThrow("(none given)");
    expect(() => new Bare({ baseUrl: "ftp://x" })).toThrow(expect.objectContaining({ message: expect.not.stringContaining("(none given)") }));
    expect(() => new Bare({ baseUrl: "HTTPS://x.test" })).not.toThrow();
    expect(() => new Bare({ baseUrl: "https://x.test", proxyUrl: "socks://p" })).toThrow(ConfigError);
    expect(() => new Bare({ baseUrl: "https://x.test", proxy_url: "HTTP://p.test" })).not.toThrow();
  });

  it("id, connectorId and keyId: configured, else the class's, else the custom fallback; the key never serialised", () => {
    const bare = new Bare({ baseUrl: "https://x.test", apiKey: "sk-SECRET-9" });
    expect([bare.id, bare.connectorId]).toEqual(["custom.provider.v1", "custom.provider.v1"]);
    expect(bare.keyId).toBe(fingerprint("https://x.test\u0000sk-SECRET-9"));
    expect(bare.toJSON()).toEqual({ id: "custom.provider.v1", connectorId: "custom.provider.v1", keyId: bare.keyId, baseUrl: "https://x.test" });
    const named = new Bare({ baseUrl: "https://x.test", id: "mine", connectorId: "corp.llm.v1", proxyUrl: "http://p.test/" });
    expect(named.toJSON()).toEqual({ id: "mine", connectorId: "corp.llm.v1", keyId: fingerprint("https://x.test\u0000"), baseUrl: "https://x.test", proxyUrl: "http://p.test/" });
    const compatible = new OpenAICompatibleProvider({ baseUrl: "https://x.test", apiKey: "sk-SECRET-9" });
    expect([compatible.id, compatible.connectorId]).toEqual(["openai-compatible", "modelmesh.openai-compatible.v1"]);
    expect(JSON.stringify(compatible)).not.toContain("sk-SECRET-9");
    expect(JSON.stringify({ ...compatible })).not.toContain("sk-SECRET-9");
    expect(Object.keys(compatible)).not.toContain("_config");
  });

  it("listModels hands out copies; supports() is true for the methods a class has", () => {
    const { openai } = provider({ models: [{ id: "m", capabilities: ["a"] }] });
    const first = openai.listModels();
    first[0]!.capabilities.push("b");
    first[0]!.id = "changed";
    expect(openai.listModels()).toEqual([{ id: "m", capabilities: ["a"] }]);
    const bare = new Bare({ baseUrl: "https://x.test" });
    expect(["chat", "embeddings", "rerank"].map((operation) => bare.supports(operation as never))).toEqual([true, false, false]);
    expect(bare.listModels()).toEqual([]);
  });

  it("parseRateLimit reads Headers or a plain record the same way", () => {
    const { openai } = provider({});
    const record = { "x-ratelimit-limit-requests": "10", "x-ratelimit-remaining-requests": "4" };
    expect(openai.parseRateLimit(record)).toEqual({ limitRequests: 10, remainingRequests: 4 });
    expect(openai.parseRateLimit(new Headers(record))).toEqual({ limitRequests: 10, remainingRequests: 4 });
    expect(openai.parseRateLimit({})).toBeUndefined();
  });
});

describe("what the service receives", () => {
  it("through a proxy: the target URL after the proxy's; headers merged defaults < config < call, Accept asked", async () => {
    const { wire, openai } = provider({ proxyUrl: "http://proxy.test/relay", headers: { "X-Team": "a", "content-type": "application/json; charset=utf-8" } }, completion("ok"));
    await openai.chat({ model: "m", messages: hi }, { headers: { "x-team": "b", Accept: "application/x-ndjson" } });
    expect(wire.last().url).toBe("http://proxy.test/relay/https://llm.test/v1/chat/completions");
    expect(wire.last().method).toBe("POST");
    expect(wire.last().headers).toEqual({ accept: "application/x-ndjson", "content-type": "application/json; charset=utf-8", authorization: "Bearer sk-base-KEY-1", "x-team": "b" });
  });

  it("continueAssistant marks the trailing assistant message as a prefix, and only that", async () => {
    const { wire, openai } = provider({}, completion("ok"), { text: sse([undefined, chunk({ content: "x" }, "stop")]) }, completion("ok"));
    await openai.chat({ model: "m", messages: [...hi, { role: "assistant", content: "Once" }] }, { continueAssistant: true });
    expect((wire.last().body as { messages: unknown }).messages).toEqual([{ role: "user", content: "Hi" }, { role: "assistant", content: "Once", prefix: true }]);
    await drain((await openai.chatStream({ model: "m", messages: [...hi, { role: "assistant", content: "Once" }] }, { continueAssistant: true })).body);
    expect((wire.last().body as { messages: unknown }).messages).toEqual([{ role: "user", content: "Hi" }, { role: "assistant", content: "Once", prefix: true }]);
    await openai.chat({ model: "m", messages: [...hi, { role: "assistant", content: "Once" }] });
    expect((wire.last().body as { messages: unknown }).messages).toEqual([{ role: "user", content: "Hi" }, { role: "assistant", content: "Once" }]);
    await openai.chat({ model: "m", messages: hi }, { continueAssistant: true });
    expect((wire.last().body as { messages: unknown }).messages).toEqual([{ role: "user", content: "Hi" }]);
    await openai.chat({ model: "m", messages: [] }, { continueAssistant: true });
    expect((wire.last().body as { messages: unknown }).messages).toEqual([]);
  });

  it("a GET carries no body; chat() turns a stream request into a plain one", async () => {
    const { wire, openai } = provider({}, { json: { data: [] } }, completion("ok"));
    await openai.fetchModelList();
    expect(wire.last()).toMatchObject({ method: "GET", body: undefined });
    await openai.chat({ model: "m", messages: hi, stream: true, stream_options: { include_usage: true } });
    expect(wire.last().body).toEqual({ model: "m", messages: hi, stream: false });
  });
});

describe("what callers get", () => {
  it("a 200 error envelope is the mapped error unless it also has choices", async () => {
    const { openai } = provider({}, { json: { error: { message: "slow down", code: 429 } } }, completion("fine", { error: null }), completion("fine too", { error: { message: "ignored" } }));
    expect(await openai.chat({ model: "m", messages: hi }).catch((error: unknown) => error)).toBeInstanceOf(RateLimitError);
    expect((await openai.chat({ model: "m", messages: hi })).body.choices[0]?.message.content).toBe("fine");
    expect((await openai.chat({ model: "m", messages: hi })).body.choices[0]?.message.content).toBe("fine too");
  });

  it("bodies that are not a JSON object are malformed, naming why; the excerpt is kept without the key", async () => {
    const { openai } = provider({}, { text: "oops sk-base-KEY-1 <html>", contentType: "text/html" }, { json: [1, 2] }, { json: "text" });
    const notJson = (await openai.chat({ model: "m", messages: hi }).catch((error: unknown) => error)) as ProviderError;
    expect([notJson.code, notJson.retryable]).toEqual(["malformed_response", true]);
    expect(notJson.message).toBe("openai-compatible (m) sent a malformed response: the body is not JSON");
    expect(JSON.stringify(notJson.toJSON())).not.toContain("sk-base-KEY-1");
    const array = (await openai.chat({ model: "m", messages: hi }).catch((error: unknown) => error)) as ProviderError;
    expect(array.message).toBe("openai-compatible (m) sent a malformed response: the body is not a JSON object");
    const text = (await openai.chat({ model: "m", messages: hi }).catch((error: unknown) => error)) as ProviderError;
    expect(text.code).toBe("malformed_response");
  });

  it("HTTP errors: JSON bodies read, text kept, an empty body still mapped by status", async () => {
    const { openai } = provider({}, { status: 503, json: { error: { message: "down for maintenance" } } }, { status: 500, text: "plain failure", contentType: "text/plain" }, { status: 429, text: "", contentType: "text/plain" }, { status: 400, text: "{broken", contentType: "application/json" });
    const json = (await openai.chat({ model: "m", messages: hi }).catch((error: unknown) => error)) as ProviderError;
    expect([json.status, json.code, json.message]).toEqual([503, "server_error", "openai-compatible (m) returned HTTP 503: down for maintenance"]);
    const text = (await openai.chat({ model: "m", messages: hi }).catch((error: unknown) => error)) as ProviderError;
    expect([text.status, text.message, text.body]).toEqual([500, "openai-compatible (m) returned HTTP 500: plain failure", "plain failure"]);
    const empty = (await openai.chat({ model: "m", messages: hi }).catch((error: unknown) => error)) as ProviderError;
    expect(empty).toBeInstanceOf(RateLimitError);
    expect(empty.body).toBe("");
    const broken = (await openai.chat({ model: "m", messages: hi }).catch((error: unknown) => error)) as ProviderError;
    expect([broken.status, broken.body]).toEqual([400, "{broken"]);
  });

  it("a JSON answer to a stream request is replayed as chunks with the headers' quota; its error envelope is an error", async () => {
    const { openai } = provider(
      {},
      { ...completion("whole"), headers: { "x-ratelimit-limit-requests": "5" } },
      { json: { error: { message: "nope", code: "503" } } },
      { json: { error: { message: "has choices" }, choices: [{ index: 0, message: { role: "assistant", content: "kept" }, finish_reason: "stop" }] } },
      { json: [1] },
    );
    const replayed = await openai.chatStream({ model: "m", messages: hi });
    expect(replayed.rateLimit).toEqual({ limitRequests: 5 });
    const chunks = await drain(replayed.body);
    expect(chunks.map((item) => item.choices[0]?.delta.content ?? null).join("")).toContain("whole");
    expect(chunks.some((item) => item.choices[0]?.finish_reason === "stop")).toBe(true);
    const failed = (await openai.chatStream({ model: "m", messages: hi }).catch((error: unknown) => error)) as ProviderError;
    expect([failed.status, failed.code]).toEqual([503, "server_error"]);
    const kept = await drain((await openai.chatStream({ model: "m", messages: hi })).body);
    expect(kept.map((item) => item.choices[0]?.delta.content ?? "").join("")).toBe("kept");
    const malformed = (await openai.chatStream({ model: "m", messages: hi }).catch((error: unknown) => error)) as ProviderError;
    expect(malformed.code).toBe("malformed_response");
  });

  it("in-band stream errors: a numeric or numeric-text code in 400-599 is the status, anything else 500; an error event wraps its data", async () => {
    const cases: Array<[unknown, number]> = [
      [429, 429],
      ["503", 503],
      [400, 400],
      [599, 599],
      [399, 500],
      [600, 500],
      [429.5, 500],
      ["rate_limited", 500],
      [null, 500],
    ];
    for (const [code, status] of cases) {
      const { openai } = provider({}, { text: sse([undefined, chunk({ content: "a" })], [undefined, { error: { message: "broke", code } }]) });
      const chunks: unknown[] = [];
      const error = (await (async () => {
        for await (const item of (await openai.chatStream({ model: "m", messages: hi })).body) chunks.push(item);
      })().catch((caught: unknown) => caught)) as ProviderError;
      expect(error.status, String(code)).toBe(status);
      expect(error.modelId).toBe("m");
      expect(chunks).toHaveLength(1);
    }
    const named = provider({}, { text: sse(["error", { message: "overloaded", code: 529 }]) });
    const error = (await drain((await named.openai.chatStream({ model: "m", messages: hi })).body).catch((caught: unknown) => caught)) as ProviderError;
    expect([error.status, error.code]).toEqual([529, "overloaded"]);
    const nullError = provider({}, { text: sse([undefined, { ...chunk({ content: "a" }, "stop"), error: null }]) });
    expect((await drain((await nullError.openai.chatStream({ model: "m", messages: hi })).body)).map((item) => item.choices[0]?.delta.content)).toEqual(["a"]);
  });

  it("chunks take the first chunk's id and created; events after [DONE] are ignored; blank events skipped", async () => {
    const { openai } = provider({}, {
      text: `data: \n\n${sse([undefined, chunk({ role: "assistant", content: "" })], [undefined, { object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "b" }, finish_reason: null }] }], [undefined, "[DONE]"], [undefined, chunk({ content: "late" })])}`,
    });
    const chunks = await drain((await openai.chatStream({ model: "m", messages: hi })).body);
    expect(chunks.map((item) => [item.id, item.created, item.model, item.choices[0]?.delta.content])).toEqual([
      ["s1", 9, "m", ""],
      ["s1", 9, "m", "b"],
    ]);
  });

  it("a stream without [DONE] or a finish reason is a retryable stream_truncated ConnectionError", async () => {
    const { openai } = provider({}, { text: sse([undefined, chunk({ content: "a" })]) });
    const error = (await drain((await openai.chatStream({ model: "m", messages: hi })).body).catch((caught: unknown) => caught)) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect([error.code, error.retryable, error.message]).toEqual(["stream_truncated", true, "openai-compatible: the stream from m ended before the service finished it"]);
  });

  it("a refused connection names the host really dialled (the proxy's), never the key", async () => {
    const failing: typeof fetch = async () => {
      throw new TypeError("fetch failed sk-base-KEY-1");
    };
    const direct = new OpenAICompatibleProvider({ baseUrl: "https://llm.test/v1", apiKey: "sk-base-KEY-1", fetch: failing, models: [{ id: "m" }] });
    const error = (await direct.chat({ model: "m", messages: hi }).catch((caught: unknown) => caught)) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain("llm.test");
    expect(JSON.stringify(error.toJSON())).not.toContain("sk-base-KEY-1");
    const proxied = new OpenAICompatibleProvider({ baseUrl: "https://llm.test/v1", proxyUrl: "http://proxy.test:8787", apiKey: "sk-base-KEY-1", fetch: failing, models: [{ id: "m" }] });
    const viaProxy = (await proxied.chat({ model: "m", messages: hi }).catch((caught: unknown) => caught)) as ConnectionError;
    expect(viaProxy.message).toContain("proxy.test:8787");
  });

  it("speech: an audio body handed over streams through and a bodyless answer comes back as it is", async () => {
    const { openai } = provider({}, { text: "AUDIO", contentType: "audio/mpeg", headers: { "x-ratelimit-limit-requests": "3" } }, { status: 204, text: "", contentType: "audio/mpeg" });
    const audio = await openai.speech({ model: "tts-1", input: "x", voice: "alloy" });
    expect(audio.rateLimit).toEqual({ limitRequests: 3 });
    expect(audio.body.status).toBe(200);
    expect(audio.body.headers.get("content-type")).toBe("audio/mpeg");
    expect(await audio.body.text()).toBe("AUDIO");
    const empty = await openai.speech({ model: "tts-1", input: "x", voice: "alloy" });
    expect(empty.body.status).toBe(204);
    expect(empty.body.body).toBeNull();
  });
});
