import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wireValidator } from "../../test/wire-schema.js";
import type { WireKind } from "../../test/wire-schema.js";
import { ConnectionError, ProviderError, RateLimitError } from "../wire/errors.js";
import type { SseEvent } from "../wire/sse.js";
import type { ChatCompletionChunk, ChatCompletionCreateParams } from "../wire/types.js";
import {
  BaseProvider,
  completionToChunks,
  createBaseProviderConfig,
  fingerprint,
  joinUrl,
  mergeHeaders,
  normalizeChatCompletion,
  normalizeChatCompletionChunk,
  withProxy,
} from "./base-provider.js";
import type { ChatCompletionDraft, ChunkDraftResult, StreamContext } from "./base-provider.js";

const validator = wireValidator();
function expectWire(kind: WireKind, value: unknown): void {
  if (validator) expect(validator.validate(kind, value)).toEqual([]);
}

/** A scripted server: each test sets what the next request gets. */
type Script = (request: IncomingMessage, response: ServerResponse, body: string) => void | Promise<void>;
let script: Script = (_, response) => void response.end();
const received: Array<{ url: string; headers: IncomingMessage["headers"]; body: string }> = [];
const closedEarly: boolean[] = [];
let server: Server;
let origin = "";

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const body = Buffer.concat(parts).toString("utf8");
    received.push({ url: request.url ?? "", headers: request.headers, body });
    response.on("close", () => closedEarly.push(!response.writableFinished));
    await script(request, response, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sse = (response: ServerResponse) => response.writeHead(200, { "content-type": "text/event-stream" });

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

/** The FAQ's custom provider, in TypeScript, with a streaming hook. */
class CorpLLMProvider extends BaseProvider {
  static override connectorId = "corp.llm.v1";

  protected override _getCompletionEndpoint(request?: ChatCompletionCreateParams): string {
    return `${this._config.baseUrl.replace(/\/$/, "")}/api/${request?.stream ? "stream" : "generate"}`;
  }

  protected override _buildHeaders(): Record<string, string> {
    return { "Content-Type": "application/json", "X-Corp-Token": this._config.apiKey };
  }

  protected override _buildRequestPayload(request: ChatCompletionCreateParams): Record<string, unknown> {
    return { prompt: request.messages.at(-1)?.content, model_name: request.model, params: { temperature: request.temperature ?? 0.7 } };
  }

  protected override _parseResponse(data: Record<string, unknown>): ChatCompletionDraft {
    return {
      id: (data.request_id as string) ?? "",
      model: (data.model as string) ?? "",
      choices: [{ index: 0, message: { role: "assistant", content: data.output as string }, finishReason: "stop" }],
      usage: { promptTokens: data.tokens_in, completionTokens: data.tokens_out },
    };
  }

  protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
    const data = JSON.parse(event.data) as { token?: string; end?: boolean; reason?: string };
    if (event.event === "end") return "done";
    context.state.count = ((context.state.count as number | undefined) ?? 0) + 1;
    if (data.end) return { choices: [{ delta: {}, finish_reason: data.reason }] };
    return { choices: [{ delta: { content: data.token } }] };
  }
}

class PlainProvider extends BaseProvider {}

describe("a CDK provider built from the FAQ's hooks", () => {
  it("translates the request and normalises the answer to OpenAI's schema", async () => {
    script = (_, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ request_id: "r-1", output: "Hi from corp", tokens_in: 3, tokens_out: 4 }));
    };
    const provider = new CorpLLMProvider(createBaseProviderConfig({ baseUrl: `${origin}/`, apiKey: "corp-token-123", models: [{ id: "corp-llm", context_window: 32_000 }] }));
    const { body, rateLimit } = await provider.chat({ model: "corp-llm", messages: [{ role: "user", content: "Hello" }], temperature: 0.1 });

    const request = received.at(-1);
    expect(request?.url).toBe("/api/generate");
    expect(request?.headers["x-corp-token"]).toBe("corp-token-123");
    expect(JSON.parse(request?.body ?? "")).toEqual({ prompt: "Hello", model_name: "corp-llm", params: { temperature: 0.1 } });

    expect(body).toMatchObject({
      id: "r-1",
      object: "chat.completion",
      model: "corp-llm",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi from corp", refusal: null }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
    expect(body.choices[0]).not.toHaveProperty("finishReason");
    expect(typeof body.created).toBe("number");
    expectWire("response.chat", body);
    expect(rateLimit).toBeUndefined();
    expect(provider.connectorId).toBe("corp.llm.v1");
    expect(provider.listModels()).toEqual([{ id: "corp-llm", capabilities: ["generation.text-generation.chat-completion"], contextWindow: 32_000 }]);
  });

  it("streams through _parseSseChunk with per-stream state, filling ids and the model", async () => {
    script = async (_, response) => {
      sse(response);
      for (const token of ["Hel", "lo"]) {
        response.write(`data: ${JSON.stringify({ token })}\n\n`);
        await sleep(5);
      }
      response.write(`data: ${JSON.stringify({ end: true, reason: "end_turn" })}\n\n`);
      response.end('event: end\ndata: {}\n\n');
    };
    const provider = new CorpLLMProvider({ baseUrl: origin, apiKey: "t" });
    const { body } = await provider.chatStream({ model: "corp-llm", messages: [{ role: "user", content: "Hi" }] });
    const chunks = await collect(body);
    expect(received.at(-1)?.url).toBe("/api/stream");
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello");
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.model === "corp-llm" && chunk.object === "chat.completion.chunk")).toBe(true);
    for (const chunk of chunks) expectWire("response.chunk", chunk);
  });

  it("a body of the wrong shape is a retryable malformed_response", async () => {
    script = (_, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify([1, 2, 3]));
    };
    const error = await caught(new PlainProvider({ baseUrl: origin }).chat({ model: "m", messages: [{ role: "user", content: "x" }] }));
    expect(error).toMatchObject({ name: "ProviderError", code: "malformed_response", retryable: true });
  });
});

describe("BaseProvider's OpenAI-wire defaults", () => {
  it("an error event after the 200 (OpenRouter) fails the stream with the mapped error", async () => {
    script = async (_, response) => {
      sse(response);
      response.write(": OPENROUTER PROCESSING\n\n");
      response.write(`data: ${JSON.stringify({ id: "gen-1", object: "chat.completion.chunk", created: 1, model: "x/y", choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] })}\n\n`);
      response.end(`data: ${JSON.stringify({ id: "gen-1", error: { code: 429, message: "Provider returned error" }, choices: [] })}\n\n`);
    };
    const { body } = await new PlainProvider({ baseUrl: origin, apiKey: "k" }).chatStream({ model: "x/y", messages: [{ role: "user", content: "x" }] });
    const seen: ChatCompletionChunk[] = [];
    const error = await caught(
      (async () => {
        for await (const chunk of body) seen.push(chunk);
      })(),
    );
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toContain("Provider returned error");
  });

  it("a stream that ends cleanly without a finish reason or end marker is truncated", async () => {
    script = (_, response) => {
      sse(response);
      response.end(`data: ${JSON.stringify({ id: "c", choices: [{ index: 0, delta: { content: "partial" }, finish_reason: null }] })}\n\n`);
    };
    const { body } = await new PlainProvider({ baseUrl: origin }).chatStream({ model: "m", messages: [{ role: "user", content: "x" }] });
    const error = await caught(collect(body));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: "stream_truncated", retryable: true });
  });

  it("a stream without the end marker but with a finish reason is complete (Gemini-like)", async () => {
    script = (_, response) => {
      sse(response);
      response.write(`data: ${JSON.stringify({ choices: [{ delta: { content: "a" } }] })}\r\n\r\n`);
      response.end(`data: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: "stop" }] })}\r\n\r\n`);
    };
    const { body } = await new PlainProvider({ baseUrl: origin }).chatStream({ model: "m", messages: [{ role: "user", content: "x" }] });
    expect((await collect(body)).map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("a");
  });

  it("a service that answers a stream request with one JSON completion is replayed as chunks", async () => {
    script = (_, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ id: "c1", object: "chat.completion", created: 5, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "whole" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    };
    const { body } = await new PlainProvider({ baseUrl: origin }).chatStream({ model: "m", messages: [{ role: "user", content: "x" }] });
    const chunks = await collect(body);
    expect(chunks[0]?.choices[0]).toMatchObject({ delta: { role: "assistant", content: "whole" }, finish_reason: "stop" });
    expect(chunks[1]).toMatchObject({ choices: [], usage: { total_tokens: 2 } });
    for (const chunk of chunks) expectWire("response.chunk", chunk);
  });

  it("a 200 whose body is an error envelope is an error", async () => {
    script = (_, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "upstream overloaded", code: 503 } }));
    };
    const error = await caught(new PlainProvider({ baseUrl: origin }).chat({ model: "m", messages: [{ role: "user", content: "x" }] }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 503, retryable: true });
  });

  it("leaving a stream early closes the server's connection", async () => {
    script = async (_, response) => {
      sse(response);
      for (let index = 0; index < 50 && !response.destroyed; index++) {
        response.write(`data: ${JSON.stringify({ choices: [{ delta: { content: `${index} ` } }] })}\n\n`);
        await sleep(20);
      }
      response.end("data: [DONE]\n\n");
    };
    closedEarly.length = 0;
    const { body } = await new PlainProvider({ baseUrl: origin }).chatStream({ model: "m", messages: [{ role: "user", content: "x" }] });
    for await (const chunk of body) {
      if (chunk.choices[0]?.delta.content === "1 ") break;
    }
    for (let waited = 0; closedEarly.length === 0 && waited < 2_000; waited += 10) await sleep(10);
    expect(closedEarly).toEqual([true]);
  });

  it("audio handed over unread still closes the connection when cancelled", async () => {
    class AudioProvider extends BaseProvider {
      async speech(): Promise<Response> {
        return this._handOver(await this._send({ url: "/audio", body: "{}", accept: "*/*" }));
      }
    }
    script = async (_, response) => {
      response.writeHead(200, { "content-type": "audio/mpeg" });
      for (let index = 0; index < 100 && !response.destroyed; index++) {
        response.write(Buffer.alloc(256, index));
        await sleep(10);
      }
      response.end();
    };
    closedEarly.length = 0;
    const audio = await new AudioProvider({ baseUrl: origin }).speech();
    const reader = audio.body?.getReader();
    expect((await reader?.read())?.value?.length).toBeGreaterThan(0);
    await reader?.cancel();
    for (let waited = 0; closedEarly.length === 0 && waited < 2_000; waited += 10) await sleep(10);
    expect(closedEarly).toEqual([true]);
  });
});

describe("helpers", () => {
  it("joinUrl, withProxy, mergeHeaders, fingerprint", () => {
    expect(joinUrl("https://a.example/v1/", "/chat/completions")).toBe("https://a.example/v1/chat/completions");
    expect(joinUrl("https://a.example/v1", "https://b.example/x")).toBe("https://b.example/x");
    expect(withProxy(undefined, "https://a.example/v1/x")).toBe("https://a.example/v1/x");
    expect(withProxy("http://localhost:8787/proxy/", "https://a.example/v1/x")).toBe("http://localhost:8787/proxy/https://a.example/v1/x");
    expect(withProxy("http://localhost:8787/fetch?url=", "https://a.example/v1/x")).toBe("http://localhost:8787/fetch?url=https://a.example/v1/x");
    expect(mergeHeaders({ Accept: "a", "Content-Type": "x" }, { accept: "b" })).toEqual({ "Content-Type": "x", accept: "b" });
    expect(fingerprint("abc")).toBe(fingerprint("abc"));
    expect(fingerprint("abc")).not.toBe(fingerprint("abd"));
  });

  it("normalizeChatCompletion fills every required field", () => {
    const completion = normalizeChatCompletion({ choices: [{ message: { content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }, finish_reason: "max_tokens" }] }, "m");
    expect(completion).toMatchObject({ object: "chat.completion", model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ab", refusal: null }, finish_reason: "length", logprobs: null }] });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expectWire("response.chat", completion);
    expect(() => normalizeChatCompletion({ output: "x" }, "m")).toThrow(TypeError);
    const tools = normalizeChatCompletion({ choices: [{ message: { content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] } }] }, "m");
    expect(tools.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("normalizeChatCompletionChunk and completionToChunks", () => {
    const chunk = normalizeChatCompletionChunk({ choices: [{ delta: { content: "x" } }], usage: null }, { id: "s", created: 9, model: "m" });
    expect(chunk).toEqual({ id: "s", object: "chat.completion.chunk", created: 9, model: "m", choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }], usage: null });
    expectWire("response.chunk", chunk);
    const completion = normalizeChatCompletion({ choices: [{ message: { content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] } }] }, "m");
    const [first] = completionToChunks(completion);
    expect(first?.choices[0]?.delta.tool_calls).toEqual([{ index: 0, id: "c", type: "function", function: { name: "f", arguments: "{}" } }]);
    expectWire("response.chunk", first);
  });

  it("createBaseProviderConfig accepts snake_case and keeps unknown keys", () => {
    const config = createBaseProviderConfig({ base_url: "https://x.example", api_key: "k", timeout_ms: 5, proxy_url: "http://p/", custom_flag: true });
    expect(config).toMatchObject({ baseUrl: "https://x.example", apiKey: "k", timeoutMs: 5, proxyUrl: "http://p/", customFlag: true, headers: {}, models: [] });
    expect(createBaseProviderConfig().timeoutMs).toBe(60_000);
  });
});
