import { describe, expect, it } from "vitest";
import { ConfigError, OpenAICompatibleProvider, ProviderError } from "../../src/index.js";
import { configSecrets, createBaseProviderConfig, DEFAULT_TIMEOUT_MS, fingerprint, isRecord, joinUrl, mergeHeaders, mergeModels, normalizeModelInfo, withProxy } from "../../src/provider/provider-config.js";
import { wireCapture } from "./wire-capture.js";

// Provider configuration as every connector reads it: snake_case accepted, defaults, trimmed keys and headers,
// secrets collected for redaction, models merged over the built-in list, URLs joined and proxied.

describe("createBaseProviderConfig", () => {
  it("camelCases snake_case keys, keeps unknown keys, trims the key, base URL and headers, applies the timeout default", () => {
    const fetcher = async () => new Response("");
    const config = createBaseProviderConfig({ base_url: " https://a.test/v1 \n", api_key: " k-123 \n", timeout_ms: 5, proxy_url: "http://p", custom_thing: 1, headers: { "X-A": " v ", "X-N": 5 as never, "X-B": true as never, "X-U": undefined as never, "X-Null": null as never }, fetch: fetcher, skipped: undefined });
    expect(config).toEqual({ baseUrl: "https://a.test/v1", apiKey: "k-123", timeoutMs: 5, proxyUrl: "http://p", customThing: 1, headers: { "X-A": "v", "X-N": "5", "X-B": "true" }, fetch: fetcher, models: [] });
    expect(Object.keys(config)).not.toContain("skipped");
    expect(createBaseProviderConfig({})).toEqual({ baseUrl: "", apiKey: "", timeoutMs: DEFAULT_TIMEOUT_MS, headers: {}, models: [] });
    expect(DEFAULT_TIMEOUT_MS).toBe(60_000);
    expect(createBaseProviderConfig({ baseUrl: 5 as never, apiKey: 6 as never, headers: "x" as never, models: "m" as never })).toEqual({ baseUrl: "", apiKey: "", timeoutMs: 60_000, headers: {}, models: [] });
  });

  it("refuses a timeout that is not a positive number, a fetch that is not a function, and a header that is not text", () => {
    for (const timeout of [0, -1, Number.NaN, "5"]) {
      expect(() => createBaseProviderConfig({ timeoutMs: timeout as never }), String(timeout)).toThrow(ConfigError);
    }
    expect(() => createBaseProviderConfig({ timeout_ms: 0 })).toThrow("must be a positive number of milliseconds");
    expect(createBaseProviderConfig({ timeoutMs: 0.5 }).timeoutMs).toBe(0.5);
    expect(() => createBaseProviderConfig({ fetch: "fetch" as never })).toThrow("must be a fetch function");
    expect(() => createBaseProviderConfig({ headers: { "X-Obj": { a: 1 } as never } })).toThrow(expect.objectContaining({ message: expect.stringContaining("headers.X-Obj") }));
  });

  it("collects every credential for redaction: the key and credential headers with and without their scheme", () => {
    const config = createBaseProviderConfig({ api_key: " sk-abc \n", headers: { "X-Corp-Token": "Bearer t0k3n", "Api-Key": "plain", Cookie: "sid=1", Accept: "application/json", "X-Session": "  ", "Ocp-Apim-Subscription-Key": "key   zzz", "X-Signature": "Basic b64", "X-Password": "Token   p", "X-Credential": "apikey c" } });
    expect(configSecrets(config)).toEqual(["sk-abc", "Bearer t0k3n", "t0k3n", "plain", "sid=1", "key   zzz", "zzz", "Basic b64", "b64", "Token   p", "p", "apikey c", "c"]);
    expect(configSecrets({ ...config, apiKey: "", headers: { Authorization: 5 as never, "X-Secret": "s" } })).toEqual(["s"]);
    expect(configSecrets({ ...config, apiKey: "", headers: undefined as never })).toEqual([]);
  });

  it("a credential header's value never appears in an error from that provider", async () => {
    const wire = wireCapture({ status: 400, json: { error: { message: "bad token t0k3n-SECRET-99 and key sk-live-KEY-77", type: "invalid_request_error" } } });
    const provider = new OpenAICompatibleProvider({ baseUrl: "https://llm.test/v1", fetch: wire.fetch, apiKey: "sk-live-KEY-77\n", headers: { "X-Corp-Token": "Bearer t0k3n-SECRET-99" }, models: [{ id: "m" }] });
    const error = (await provider.chat({ model: "m", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught)) as ProviderError;
    expect(wire.last().headers["x-corp-token"]).toBe("Bearer t0k3n-SECRET-99");
    expect(wire.last().headers.authorization).toBe("Bearer sk-live-KEY-77");
    expect(JSON.stringify(error.toJSON())).not.toMatch(/t0k3n-SECRET-99|sk-live-KEY-77/);
    expect(error.message).not.toMatch(/t0k3n-SECRET-99|sk-live-KEY-77/);
  });
});

describe("models", () => {
  it("normalizeModelInfo: snake_case fields and nested keys camelCased, chat by default, only the fields given", () => {
    expect(normalizeModelInfo({ id: "a" })).toEqual({ id: "a", capabilities: ["generation.text-generation.chat-completion"] });
    expect(normalizeModelInfo({ id: "a" }, ["x"])).toEqual({ id: "a", capabilities: ["x"] });
    expect(normalizeModelInfo({ id: "b", name: "B", capabilities: ["y"], context_window: 10, max_output_tokens: 5, features: { json_mode: true, tools: false }, pricing: { per_request: 0.1, read_at: "d", input: 1 } })).toEqual({
      id: "b",
      name: "B",
      capabilities: ["y"],
      contextWindow: 10,
      maxOutputTokens: 5,
      features: { jsonMode: true, tools: false },
      pricing: { perRequest: 0.1, readAt: "d", input: 1 },
    });
    expect(normalizeModelInfo({ id: "c", contextWindow: 0, context_window: 9, maxOutputTokens: 0, max_output_tokens: 9 })).toEqual({ id: "c", capabilities: ["generation.text-generation.chat-completion"], contextWindow: 0, maxOutputTokens: 0 });
  });

  it("mergeModels: same id overrides fields and merges features and pricing, keeping capabilities; a new id is added", () => {
    const builtIn = [
      { id: "a", capabilities: ["emb"], contextWindow: 100, features: { tools: true, vision: false }, pricing: { input: 1, output: 2 } },
      { id: "b", capabilities: ["chat"] },
    ];
    expect(mergeModels(builtIn, [{ id: "a", context_window: 50, features: { vision: true }, pricing: { output: 3 } }, { id: "new" }])).toEqual([
      { id: "a", capabilities: ["emb"], contextWindow: 50, features: { tools: true, vision: true }, pricing: { input: 1, output: 3 } },
      { id: "b", capabilities: ["chat"] },
      { id: "new", capabilities: ["generation.text-generation.chat-completion"] },
    ]);
    expect(mergeModels(builtIn)).toEqual(builtIn);
  });
});

describe("URLs, headers, fingerprints", () => {
  it("joinUrl keeps one slash and leaves absolute URLs alone; withProxy adds a slash unless the proxy ends in / = ?", () => {
    expect(joinUrl("https://a.test/v1///", "//chat")).toBe("https://a.test/v1/chat");
    expect(joinUrl("https://a.test/v1", "chat")).toBe("https://a.test/v1/chat");
    expect(joinUrl("https://a.test/v1", "HTTPS://other.test/x")).toBe("HTTPS://other.test/x");
    expect(joinUrl("https://a.test/v1", "http://other.test/x")).toBe("http://other.test/x");
    expect(joinUrl("https://a.test/v1", "/x/https://y")).toBe("https://a.test/v1/x/https://y");
    expect(withProxy(undefined, "https://t/x")).toBe("https://t/x");
    expect(withProxy("", "https://t/x")).toBe("https://t/x");
    expect(withProxy("http://p/proxy", "https://t/x")).toBe("http://p/proxy/https://t/x");
    expect(withProxy("http://p/proxy/", "https://t/x")).toBe("http://p/proxy/https://t/x");
    expect(withProxy("http://p/?url=", "https://t/x")).toBe("http://p/?url=https://t/x");
    expect(withProxy("http://p/go?", "https://t/x")).toBe("http://p/go?https://t/x");
    expect(withProxy("http://p/=/x", "https://t/x")).toBe("http://p/=/x/https://t/x");
  });

  it("mergeHeaders: case-insensitive, the later spelling and value win, undefined or null removes", () => {
    expect(mergeHeaders({ Accept: "a", "X-K": "1" }, undefined, { accept: "b" }, { "x-k": undefined as never }, { Y: 2 as never })).toEqual({ accept: "b", Y: "2" });
    expect(mergeHeaders({ A: "1" }, { a: null as never })).toEqual({});
  });

  it("fingerprint: FNV-1a 32-bit as 8 hex digits", () => {
    expect(fingerprint("")).toBe("811c9dc5");
    expect(fingerprint("a")).toBe("e40c292c");
    expect(fingerprint("foobar")).toBe("bf9cf968");
    expect(fingerprint("https://api.openai.com/v1\u0000sk-x")).toMatch(/^[0-9a-f]{8}$/);
  });

  it("isRecord: plain objects only", () => {
    expect([{}, [], null, "x", 1, undefined].map(isRecord)).toEqual([true, false, false, false, false, false]);
  });
});
