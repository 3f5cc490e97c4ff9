import { afterEach, describe, expect, it } from "vitest";
import { AuthenticationError, DeepSeekProvider, GroqProvider, MistralProvider, OpenRouterProvider, TogetherProvider, XAIProvider } from "../../src/index.js";
import type { ChatCompletionChunk, OpenAICompatibleProvider } from "../../src/index.js";
import { startScriptedServer, type ScriptedAnswer, type ScriptedServer } from "./scripted-http.js";

// The OpenAI-compatible connectors' own translations (DeepSeek, Mistral, Groq, OpenRouter, xAI, Together): what each
// sends where, and the exact OpenAI-shaped answer or chunks each makes of the service's quirks.
const key = (prefix: string) => `${prefix}${"compatibleKEY0123456789".repeat(2)}`;

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
async function serve(answers: ScriptedAnswer[]): Promise<ScriptedServer> {
  await server?.close();
  server = await startScriptedServer(answers);
  return server;
}
const completion = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  body: { id: "c1", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, ...extra },
});
const sse = (...events: unknown[]): ScriptedAnswer => ({
  headers: { "content-type": "text/event-stream" },
  body: `${events.map((event) => `data: ${typeof event === "string" ? event : JSON.stringify(event)}\n\n`).join("")}data: [DONE]\n\n`,
});
const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}, finish: string | null = null) => ({ id: "s1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }], ...extra });
async function collect(provider: OpenAICompatibleProvider, request: Parameters<OpenAICompatibleProvider["chatStream"]>[0], options?: Parameters<OpenAICompatibleProvider["chatStream"]>[1]): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const item of (await provider.chatStream(request, options)).body) chunks.push(item);
  return chunks;
}
const user = (content: string) => ({ role: "user" as const, content });

describe("DeepSeek", () => {
  it("a continuation goes to /beta with the prefix marked, in both calls; every other request to /v1", async () => {
    const fake = await serve([completion({ content: "ok" }), sse(chunk({ content: "ok" }, {}, "stop")), completion({ content: "ok" }), sse(chunk({ content: "ok" }, {}, "stop"))]);
    const provider = new DeepSeekProvider({ baseUrl: `${fake.url}/v1`, apiKey: key("sk-") });
    const messages = [user("Count"), { role: "assistant" as const, content: "1, 2," }];
    await provider.chat({ model: "deepseek-chat", messages }, { continueAssistant: true });
    await collect(provider, { model: "deepseek-chat", messages }, { continueAssistant: true });
    await provider.chat({ model: "deepseek-chat", messages });
    await collect(provider, { model: "deepseek-chat", messages });
    expect(fake.requests.map((request) => request.url)).toEqual(["/beta/chat/completions", "/beta/chat/completions", "/v1/chat/completions", "/v1/chat/completions"]);
    expect((fake.requests[0]?.body as { messages: unknown[] }).messages.at(-1)).toEqual({ role: "assistant", content: "1, 2,", prefix: true });
    expect((fake.requests[2]?.body as { messages: unknown[] }).messages.at(-1)).toEqual({ role: "assistant", content: "1, 2," });
    expect(JSON.stringify(fake.requests[0]?.body)).not.toContain("deepseek-prefix");
  });

  it("reasoning_content is removed from the history it answers 400 to, other messages untouched; its answer keeps it", async () => {
    const fake = await serve([completion({ content: "4", reasoning_content: "2+2 is 4" })]);
    const provider = new DeepSeekProvider({ baseUrl: fake.url, apiKey: key("sk-") });
    const messages = [user("2+2?"), { role: "assistant", content: "4", reasoning_content: "thought" }, user("and 3+3?")] as never;
    const { body } = await provider.chat({ model: "deepseek-reasoner", messages, temperature: 0 });
    expect(fake.requests[0]?.url).toBe("/v1/chat/completions");
    expect(fake.requests[0]?.body).toEqual({ model: "deepseek-reasoner", messages: [user("2+2?"), { role: "assistant", content: "4" }, user("and 3+3?")], temperature: 0 });
    expect(body.choices[0]?.message).toMatchObject({ content: "4", reasoning_content: "2+2 is 4" });
    expect(provider.supports("chat")).toBe(true);
    expect(provider.supports("embeddings")).toBe(false);
  });
});

describe("Mistral", () => {
  it("reshapes the body to Mistral's closed schema: seed, max tokens, developer role, message and top-level keys", async () => {
    const fake = await serve([completion({ content: "ok" })]);
    const provider = new MistralProvider({ baseUrl: fake.url, apiKey: key("m") });
    await provider.chat({
      model: "mistral-small-latest",
      messages: [
        { role: "developer", content: "Be brief", name: "d" },
        { role: "system", content: "sys", name: "s" },
        { role: "user", content: "Hi", name: "me" },
        { role: "assistant", content: "Hello", name: "bot", refusal: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", content: "42", tool_call_id: "t", name: "f", extra: 1 },
        { role: "function", content: "old", name: "f" },
      ] as never,
      seed: 7,
      max_completion_tokens: 20,
      user: "u1",
      logprobs: true,
      store: true,
      temperature: 0.5,
    });
    expect(fake.requests[0]?.url).toBe("/v1/chat/completions");
    expect(fake.requests[0]?.body).toEqual({
      model: "mistral-small-latest",
      temperature: 0.5,
      random_seed: 7,
      max_tokens: 20,
      messages: [
        { role: "system", content: "Be brief" },
        { role: "system", content: "sys" },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello", tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", content: "42", tool_call_id: "t", name: "f" },
        { role: "function", content: "old" },
      ],
    });
  });

  it("a null seed or max tokens is not sent; a stream asks for no stream_options", async () => {
    const fake = await serve([completion({ content: "ok" }), sse(chunk({ content: "ok" }, {}, "stop"))]);
    const provider = new MistralProvider({ baseUrl: fake.url, apiKey: key("m") });
    await provider.chat({ model: "mistral-small-latest", messages: [user("Hi")], seed: null, max_completion_tokens: null });
    expect(fake.requests[0]?.body).toEqual({ model: "mistral-small-latest", messages: [user("Hi")] });
    await collect(provider, { model: "mistral-small-latest", messages: [user("Hi")], stream_options: { include_usage: true } });
    expect(fake.requests[1]?.body).toEqual({ model: "mistral-small-latest", messages: [user("Hi")], stream: true });
    expect(provider.supports("embeddings")).toBe(true);
    expect(provider.supports("images")).toBe(false);
  });

  it("answers: tool calls get their type, tool_calls null is removed", async () => {
    const fake = await serve([completion({ content: null, tool_calls: [{ id: "t1", function: { name: "f", arguments: "{}" } }] }), completion({ content: "plain", tool_calls: null }), completion({ content: "plain" })]);
    const provider = new MistralProvider({ baseUrl: fake.url, apiKey: key("m") });
    const called = await provider.chat({ model: "mistral-small-latest", messages: [user("Hi")] });
    expect(called.body.choices[0]?.message.tool_calls).toEqual([{ type: "function", id: "t1", function: { name: "f", arguments: "{}" } }]);
    for (let index = 0; index < 2; index += 1) {
      const plain = await provider.chat({ model: "mistral-small-latest", messages: [user("Hi")] });
      expect(plain.body.choices[0]?.message).not.toHaveProperty("tool_calls");
      expect(plain.body.choices[0]?.message.content).toBe("plain");
    }
  });

  it("stream: each whole call gets the next index and its type, across chunks; an indexed call is kept as sent", async () => {
    const call = (id: string, name: string) => ({ id, function: { name, arguments: "{}" } });
    const fake = await serve([sse(chunk({ role: "assistant", content: "" }), chunk({ tool_calls: [call("a", "f"), call("b", "g")] }), chunk({ tool_calls: [call("c", "h")] }), chunk({ tool_calls: [{ index: 9, id: "d", type: "function", function: { name: "k", arguments: "{}" } }] }), chunk({}, {}, "tool_calls"))]);
    const chunks = await collect(new MistralProvider({ baseUrl: fake.url, apiKey: key("m") }), { model: "mistral-small-latest", messages: [user("Hi")] });
    const calls = chunks.flatMap((item) => item.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, type: "function", ...call("a", "f") },
      { index: 1, type: "function", ...call("b", "g") },
      { index: 2, type: "function", ...call("c", "h") },
      { index: 9, id: "d", type: "function", function: { name: "k", arguments: "{}" } },
    ]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });
});

describe("Groq", () => {
  it("service_tier: on_demand becomes default, OpenAI's tiers stay, unknown tiers are dropped", async () => {
    const fake = await serve([completion({ content: "a" }, { service_tier: "on_demand" }), completion({ content: "b" }, { service_tier: "flex" }), completion({ content: "c" }, { service_tier: "performance" }), completion({ content: "d" })]);
    const provider = new GroqProvider({ baseUrl: fake.url, apiKey: key("gsk_") });
    const tiers = [];
    for (let index = 0; index < 4; index += 1) tiers.push((await provider.chat({ model: "llama-3.3-70b-versatile", messages: [user("Hi")] })).body);
    expect(tiers[0]?.service_tier).toBe("default");
    expect(tiers[1]?.service_tier).toBe("flex");
    expect(tiers[2]).not.toHaveProperty("service_tier");
    expect(tiers[2]?.choices[0]?.message.content).toBe("c");
    expect(tiers[3]?.service_tier ?? undefined).toBeUndefined();
    expect(fake.requests[0]?.url).toBe("/v1/chat/completions");
    expect(provider.supports("transcription")).toBe(true);
    expect(provider.supports("embeddings")).toBe(false);
  });

  it("stream: x_groq.usage becomes the usage OpenAI callers read, a usage already there wins, tiers mapped per chunk", async () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    const fake = await serve([
      sse(chunk({ content: "Hi" }, { service_tier: "on_demand" }), chunk({}, { x_groq: { id: "req_1", usage } }, "stop")),
      sse(chunk({ content: "Hi" }, {}, "stop"), { ...chunk({}, { x_groq: { usage: { ...usage, total_tokens: 99 } } }), choices: [], usage }),
      sse(chunk({ content: "Hi" }, { x_groq: { id: "no usage" } }, "stop")),
    ]);
    const provider = new GroqProvider({ baseUrl: fake.url, apiKey: key("gsk_") });
    const first = await collect(provider, { model: "llama-3.3-70b-versatile", messages: [user("Hi")] });
    expect(first[0]?.service_tier).toBe("default");
    expect(first.at(-1)?.usage).toEqual(usage);
    const second = await collect(provider, { model: "llama-3.3-70b-versatile", messages: [user("Hi")] });
    expect(second.at(-1)?.usage).toEqual(usage);
    const third = await collect(provider, { model: "llama-3.3-70b-versatile", messages: [user("Hi")] });
    expect(third.every((item) => item.usage === undefined || item.usage === null)).toBe(true);
  });
});

describe("OpenRouter", () => {
  it("sends the app attribution headers only when set", async () => {
    const fake = await serve([completion({ content: "ok" })]);
    await new OpenRouterProvider({ baseUrl: fake.url, apiKey: key("sk-or-"), appUrl: "https://example.com", appName: "Example" } as never).chat({ model: "openai/gpt-4o-mini", messages: [user("Hi")] });
    await new OpenRouterProvider({ baseUrl: fake.url, apiKey: key("sk-or-"), appUrl: "", appName: "" } as never).chat({ model: "openai/gpt-4o-mini", messages: [user("Hi")] });
    expect(fake.requests[0]?.url).toBe("/v1/chat/completions");
    expect(fake.requests[0]?.headers).toMatchObject({ "http-referer": "https://example.com", "x-title": "Example", authorization: `Bearer ${key("sk-or-")}` });
    expect(fake.requests[1]?.headers).not.toHaveProperty("http-referer");
    expect(fake.requests[1]?.headers).not.toHaveProperty("x-title");
  });

  it("the usage on an empty-choice chunk becomes OpenAI's usage chunk; a usage beside content keeps its choice", async () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    const fake = await serve([
      sse(chunk({ role: "assistant", content: "Hi" }), chunk({}, {}, "stop"), chunk({ role: "assistant", content: "" }, { usage })),
      sse(chunk({ content: "Hi" }, { usage })),
      sse(chunk({ content: "" }, {}, "stop"), { ...chunk({}), choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "t", type: "function", function: { name: "f", arguments: "{}" } }] }, finish_reason: null }], usage }),
      sse(chunk({ content: "" }, {}, "stop"), { ...chunk({}), choices: [{ index: 0, delta: null, finish_reason: null }], usage }),
    ]);
    const provider = new OpenRouterProvider({ baseUrl: fake.url, apiKey: key("sk-or-") });
    const request = { model: "openai/gpt-4o-mini", messages: [user("Hi")] };
    const emptied = await collect(provider, request);
    expect(emptied.at(-1)).toMatchObject({ choices: [], usage });
    const withText = await collect(provider, request);
    expect(withText.find((item) => item.usage)?.choices[0]?.delta.content).toBe("Hi");
    const withCall = await collect(provider, request);
    expect(withCall.find((item) => item.usage)?.choices[0]?.delta.tool_calls?.[0]?.id).toBe("t");
    const noDelta = await collect(provider, request);
    expect(noDelta.at(-1)).toMatchObject({ choices: [], usage });
  });
});

describe("OpenRouter usage chunks that are not empty", () => {
  it("a usage chunk with a finish reason, or with one choice that has content, keeps its choices", async () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    const fake = await serve([
      sse(chunk({ content: "Hi" }), { ...chunk({}, {}, "stop"), usage }),
      sse({ ...chunk({}), choices: [{ index: 0, delta: { content: "" }, finish_reason: null }, { index: 1, delta: { content: "B" }, finish_reason: "stop" }], usage }),
    ]);
    const provider = new OpenRouterProvider({ baseUrl: fake.url, apiKey: key("sk-or-") });
    const finished = await collect(provider, { model: "openai/gpt-4o-mini", messages: [user("Hi")] });
    expect(finished.find((item) => item.usage)?.choices[0]?.finish_reason).toBe("stop");
    const mixed = await collect(provider, { model: "openai/gpt-4o-mini", messages: [user("Hi")], n: 2 });
    expect(mixed.find((item) => item.usage)?.choices).toHaveLength(2);
  });
});

describe("DeepSeek beta path", () => {
  it("only the trailing /v1 becomes /beta, whatever the path before it holds", async () => {
    const fake = await serve([completion({ content: "ok" })]);
    await new DeepSeekProvider({ baseUrl: `${fake.url}/v1proxy/v1`, apiKey: key("sk-") }).chat({ model: "deepseek-chat", messages: [user("Go"), { role: "assistant", content: "1," }] }, { continueAssistant: true });
    expect(fake.requests[0]?.url).toBe("/v1proxy/beta/chat/completions");
  });
});

describe("xAI", () => {
  it("a 400 rejecting the key is an AuthenticationError; any other 400 stays the caller's invalid request", async () => {
    const rejections = ["Incorrect API key provided: xai-****", "Invalid API key", "No API key provided"];
    for (const error of rejections) {
      const fake = await serve([{ status: 400, body: { code: "Client specified an invalid argument", error } }]);
      const caught = await new XAIProvider({ baseUrl: fake.url, apiKey: key("xai-") }).chat({ model: "grok-3-mini", messages: [user("Hi")] }).catch((thrown: unknown) => thrown);
      expect(caught).toBeInstanceOf(AuthenticationError);
      expect(caught).toMatchObject({ status: 401, providerId: "xai", modelId: "grok-3-mini" });
      expect(fake.requests[0]?.url).toBe("/v1/chat/completions");
    }
    for (const body of [{ code: "x", error: "temperature must be at most 2" }, { error: { message: "Incorrect API key provided" } }, "Incorrect API key provided"]) {
      const fake = await serve([{ status: 400, body }]);
      const caught = await new XAIProvider({ baseUrl: fake.url, apiKey: key("xai-") }).chat({ model: "grok-3-mini", messages: [user("Hi")] }).catch((thrown: unknown) => thrown);
      expect(caught).not.toBeInstanceOf(AuthenticationError);
      expect(caught).toMatchObject({ status: 400, retryable: false });
    }
    const fake = await serve([{ status: 403, body: { error: "Incorrect API key provided" } }]);
    const forbidden = await new XAIProvider({ baseUrl: fake.url, apiKey: key("xai-") }).chat({ model: "grok-3-mini", messages: [user("Hi")] }).catch((thrown: unknown) => thrown);
    expect(forbidden).toMatchObject({ status: 403 });
  });

  it("the key rejection also ends a stream request, and fetchModelList (no model) is re-filed too", async () => {
    const fake = await serve([{ status: 400, body: { error: "Incorrect API key provided" } }]);
    const provider = new XAIProvider({ baseUrl: fake.url, apiKey: key("xai-") });
    await expect(provider.chatStream({ model: "grok-3-mini", messages: [user("Hi")] })).rejects.toBeInstanceOf(AuthenticationError);
    const listing = await provider.fetchModelList().catch((thrown: unknown) => thrown);
    expect(listing).toBeInstanceOf(AuthenticationError);
    expect((listing as AuthenticationError).modelId).toBeUndefined();
    expect(provider.supports("chat")).toBe(true);
    expect(provider.supports("embeddings")).toBe(false);
  });
});

describe("Together", () => {
  it("chat, embeddings and images under /v1", async () => {
    const fake = await serve([{ body: { created: 5, data: [{ b64_json: "AAAA" }] } }]);
    const provider = new TogetherProvider({ baseUrl: fake.url, apiKey: key("tg") });
    const { body } = await provider.images({ model: "black-forest-labs/FLUX.1-schnell", prompt: "a lighthouse", response_format: "b64_json" });
    expect(body.data?.[0]?.b64_json).toBe("AAAA");
    expect(fake.requests[0]?.url).toBe("/v1/images/generations");
    expect(["chat", "embeddings", "images", "speech"].map((operation) => provider.supports(operation as never))).toEqual([true, true, true, false]);
  });
});
