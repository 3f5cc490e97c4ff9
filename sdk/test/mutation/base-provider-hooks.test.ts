import { describe, expect, it } from "vitest";
import { BaseProvider, ConfigError, ConnectionError, ProviderError, TimeoutError } from "../../src/index.js";
import type { SseEvent } from "../../src/wire/sse.js";
import type { ChatCompletionCreateParams } from "../../src/wire/types.js";
import { caught, drain, wireCapture, type Reply } from "./wire-capture.js";

// BaseProvider's default hooks as a custom provider (the FAQ's CDK) inherits them, seen at both ends: the request a
// service receives (headers, body, prefix marking) and what the caller gets (errors, chunk identity, timeouts).
//
// Mutants of base-provider.ts left alive by this file, base-provider-wire.test.ts and the other base-provider-*.test.ts
// files (with the provider tests), judged equivalent (line numbers of the source as of 2026-12-02, commit ed651f9):
// - the `modelId === undefined ? {} : { modelId }` spreads (L203, L251, L312): the error classes set `modelId:
//   undefined` either way; `typeof code === "number" ? code : Number(code)` (L201): Number() of a number is the number;
// - the caches of resolved URLs and hosts (L219 → true, L222, L224, L234, L236): only their memory, not their answers,
//   changes (an overridden _resolveUrl is asked every time: sdk/src/provider/resolve-url.test.ts);
// - `typeof FormData !== "undefined"` (L261): always true on Node and browsers;
// - `{ body: undefined }` vs no body (L272, L313: JSON.stringify(undefined) is undefined): fetch treats them alike;
// - the error body's parsing (L296): an empty or blank body ends up as the same text whichever way it is tested;
//   `reason ?? error` → `&&` (L299): a read the caller aborted is classified as the signal's reason itself, and no
//   abort can land between the read and the synchronous JSON.parse;
// - `_secrets()` and the transfer's secrets (L207, L259): the error factory also scrubs every configured key through
//   every key a provider was configured with (`rememberSecrets`), so dropping these lists leaves the message clean;
// - the stream identity bookkeeping (L451, L455): re-setting the stream's id from a chunk that got it from the stream
//   changes nothing;
// - `some(carriesContent)` → `every` (L458) differs only for several choices streamed at once with a timer running;
// - the key's and config's property flags (L94, L95) other than enumerability: nothing rewrites or redefines them;
// - the iterator's `throw` (L485): `for await` never calls it;
// - `?? ""` for a missing content type (L399, no coverage), the empty-messages and optional-chaining guards (L171,
//   L173): the other guard in each pair gives the same result.

class Bare extends BaseProvider {
  /** What a subclass author would log: the normalised configuration. */
  configText(): string {
    return JSON.stringify(this._config);
  }
}

const request = (extra: Partial<ChatCompletionCreateParams> = {}): ChatCompletionCreateParams => ({ model: "m", messages: [{ role: "user", content: "Hi" }], ...extra });
const completion: Reply = { json: { id: "c1", object: "chat.completion", created: 7, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] } };
const event = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const bare = (reply: Reply, config: Record<string, unknown> = {}) => {
  const wire = wireCapture(reply);
  return { wire, provider: new Bare({ baseUrl: "https://corp.test/v1", apiKey: "corp-key-0123456789", fetch: wire.fetch, models: [{ id: "m" }], ...config }) };
};

describe("configuration checks", () => {
  it("words a bad base or proxy URL exactly, and the scheme must start the URL", () => {
    const base = (() => {
      try {
        new Bare({ baseUrl: "ftp://corp.test" });
      } catch (error) {
        return error as ConfigError;
      }
    })();
    expect(base).toBeInstanceOf(ConfigError);
    expect(base!.path).toBe("base_url");
    expect(base!.message).toBe("base_url: must be an http(s) URL");
    expect(() => new Bare({ baseUrl: "ftp://http://corp.test" })).toThrow(ConfigError);
    const proxy = (() => {
      try {
        new Bare({ baseUrl: "https://corp.test", proxyUrl: "socks://http://p.test" });
      } catch (error) {
        return error as ConfigError;
      }
    })();
    expect(proxy).toBeInstanceOf(ConfigError);
    expect(proxy!.path).toBe("proxy_url");
    expect(proxy!.message).toBe("proxy_url: must be an http(s) URL");
  });

  it("keeps the key out of the normalised configuration a subclass may log", () => {
    const { provider } = bare(completion);
    expect(provider.configText()).not.toContain("corp-key-0123456789");
    expect(provider.configText()).toContain("https://corp.test/v1");
  });
});

describe("default request hooks", () => {
  it("sends JSON with the key as a Bearer token and asks for JSON", async () => {
    const { wire, provider } = bare(completion);
    await provider.chat(request());
    expect(wire.last().headers["content-type"]).toBe("application/json");
    expect(wire.last().headers.authorization).toBe("Bearer corp-key-0123456789");
    expect(wire.last().headers.accept).toBe("application/json");
  });

  it("sends no Authorization header without a key", async () => {
    const { wire, provider } = bare(completion, { apiKey: undefined });
    await provider.chat(request());
    expect(wire.last().headers).not.toHaveProperty("authorization");
    expect(wire.last().headers["content-type"]).toBe("application/json");
  });

  it("drops stream_options from a plain call and keeps them (with stream: true) on a streaming call", async () => {
    const plain = bare(completion);
    await plain.provider.chat(request({ stream_options: { include_usage: true }, temperature: 0.5 }));
    expect(plain.wire.last().body).toEqual({ model: "m", messages: [{ role: "user", content: "Hi" }], temperature: 0.5 });
    const streaming = bare({ text: `${event({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "x" }, finish_reason: "stop" }] })}data: [DONE]\n\n` });
    await drain((await streaming.provider.chatStream(request({ stream_options: { include_usage: true } }))).body);
    expect(streaming.wire.last().body).toEqual({ model: "m", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true } });
    expect(streaming.wire.last().headers.accept).toBe("text/event-stream");
  });

  it("marks only the trailing assistant message as a prefix, keeping every earlier message", async () => {
    const { wire, provider } = bare(completion);
    const messages = [
      { role: "system" as const, content: "Be brief" },
      { role: "user" as const, content: "Count" },
      { role: "assistant" as const, content: "One, two," },
    ];
    await provider.chat(request({ messages }), { continueAssistant: true });
    expect((wire.last().body as { messages: unknown[] }).messages).toEqual([messages[0], messages[1], { ...messages[2], prefix: true }]);
    await provider.chat(request({ messages: [messages[0]!, messages[1]!] }), { continueAssistant: true });
    expect((wire.last().body as { messages: unknown[] }).messages).toEqual([messages[0], messages[1]]);
  });

  it("leaves a payload without a messages list (a custom body) as it is when asked to continue", async () => {
    class Prompted extends Bare {
      protected override _buildRequestPayload(chat: ChatCompletionCreateParams): Record<string, unknown> {
        return { prompt: "Hi", model_name: chat.model };
      }
    }
    const wire = wireCapture(completion);
    await new Prompted({ baseUrl: "https://corp.test/v1", fetch: wire.fetch, models: [{ id: "m" }] }).chat(request(), { continueAssistant: true });
    expect(wire.last().body).toEqual({ prompt: "Hi", model_name: "m" });
  });
});

describe("failures", () => {
  it("redacts the configured key (no known prefix) from an error whose body echoes it", async () => {
    const { provider } = bare({ status: 400, json: { error: { message: "key corp-key-0123456789 is not valid for this model", type: "invalid_request_error" } } });
    const error = await caught(provider.chat(request()));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain("is not valid for this model");
    expect(JSON.stringify(error)).not.toContain("corp-key-0123456789");
    expect(error.message).not.toContain("corp-key-0123456789");
  });

  it("names the phase of a failed connection, and redacts a key carried in the URL", async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED for https://corp.test/v1?key=corp-key-0123456789") });
    };
    const provider = new Bare({ baseUrl: "https://corp.test/v1", apiKey: "corp-key-0123456789", fetch: refused, models: [{ id: "m" }] });
    const error = await caught(provider.chat(request()));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain("(connecting)");
    expect(error.message).not.toContain("corp-key-0123456789");
    expect(error.modelId).toBe("m");
  });

  it("names the phase when the body fails to arrive, plain and streamed", async () => {
    const cut = (contentType: string, first: string): typeof fetch => async () => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new TypeError("terminated"));
          sent = true;
          controller.enqueue(new TextEncoder().encode(first));
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": contentType } });
    };
    const plain = new Bare({ baseUrl: "https://corp.test/v1", fetch: cut("application/json", '{"id":'), models: [{ id: "m" }] });
    const readError = await caught(plain.chat(request()));
    expect(readError).toBeInstanceOf(ConnectionError);
    expect(readError.message).toContain("(reading the body)");
    const streamed = new Bare({ baseUrl: "https://corp.test/v1", fetch: cut("text/event-stream", event({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }] })), models: [{ id: "m" }] });
    const streamError = await caught(drain((await streamed.chatStream(request())).body));
    expect(streamError).toBeInstanceOf(ConnectionError);
    expect(streamError.message).toContain("(streaming)");
  });

  it("an error answer with an empty body is still the status's error, its body empty", async () => {
    const { provider } = bare({ status: 503, text: "", contentType: "text/plain" });
    const error = await caught(provider.chat(request()));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBe(503);
    expect(error.body).toBe("");
  });

  it("an error answer whose body is not JSON keeps the text", async () => {
    const { provider } = bare({ status: 502, text: "<html>Bad gateway</html>", contentType: "text/html" });
    const error = await caught(provider.chat(request()));
    expect(error.status).toBe(502);
    expect(error.body).toBe("<html>Bad gateway</html>");
  });

  it("a 200 JSON answer that carries both an error and choices is an answer, not an error", async () => {
    const { provider } = bare({ json: { ...(completion.json as object), error: null } });
    const answer = await provider.chat(request());
    expect(answer.body.choices[0]!.message.content).toBe("ok");
    const streamed = bare({ json: { ...(completion.json as object), error: { message: "partial outage" } } });
    const chunks = await drain((await streamed.provider.chatStream(request())).body);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("ok");
  });

  it("a streaming call answered with a JSON error (no choices) is that error", async () => {
    const { provider } = bare({ json: { error: { message: "quota exhausted", code: 429 } } });
    const error = await caught(provider.chatStream(request()));
    expect(error.status).toBe(429);
    expect(error.message).toContain("quota exhausted");
  });
});

describe("streams", () => {
  it("skips events whose data is only whitespace", async () => {
    const text = `data:  \n\n${event({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "x" }, finish_reason: "stop" }] })}data: [DONE]\n\n`;
    const { provider } = bare({ text });
    const chunks = await drain((await provider.chatStream(request())).body);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(["x"]);
  });

  it("gives chunks without id or created a chatcmpl- id and the current time in seconds", async () => {
    const text = `${event({ object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }] })}${event({ object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}data: [DONE]\n\n`;
    const { provider } = bare({ text });
    const before = Math.floor(Date.now() / 1000);
    const chunks = await drain((await provider.chatStream(request())).body);
    expect(chunks[0]!.id).toMatch(/^chatcmpl-.+/);
    expect(chunks[1]!.id).toBe(chunks[0]!.id);
    expect(chunks[0]!.created).toBeGreaterThanOrEqual(before);
    expect(chunks[0]!.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it("the first chunk's id and created are the stream's for later chunks that omit them", async () => {
    const text = `${event({ id: "first-id", object: "chat.completion.chunk", created: 42, model: "m", choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }] })}${event({ object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: { content: "b" }, finish_reason: "stop" }] })}data: [DONE]\n\n`;
    const { provider } = bare({ text });
    const chunks = await drain((await provider.chatStream(request())).body);
    expect(chunks.map((chunk) => [chunk.id, chunk.created])).toEqual([
      ["first-id", 42],
      ["first-id", 42],
    ]);
  });

  it("a stream that ends without a finish reason or [DONE] is truncated; a finish reason alone completes it", async () => {
    const content = event({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }] });
    const truncated = bare({ text: content });
    const error = await caught(drain((await truncated.provider.chatStream(request())).body));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.code).toBe("stream_truncated");
    const finished = bare({ text: `${content}${event({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}` });
    expect(await drain((await finished.provider.chatStream(request())).body)).toHaveLength(2);
  });

  it("reasoning, refusal and tool-call chunks count as the first token; a role-only chunk does not", async () => {
    // A service that streams 3 chunks of one kind 60 ms apart, then the answer: with a 150 ms first-token window,
    // only chunks that count as content keep the request alive.
    const paced = (delta: Record<string, unknown>): typeof fetch => async (_url, init) => {
      const encoder = new TextEncoder();
      const signal = init?.signal ?? undefined;
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          // As fetch does, an abort (the transfer's timeout) fails the body.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 60);
            signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
          });
          if (signal?.aborted) return controller.error(signal.reason);
          sent += 1;
          if (sent <= 3) controller.enqueue(encoder.encode(event({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: null }] })));
          else {
            controller.enqueue(encoder.encode(`${event({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}data: [DONE]\n\n`));
            controller.close();
          }
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
    };
    const run = (delta: Record<string, unknown>) => {
      const provider = new Bare({ baseUrl: "https://corp.test/v1", fetch: paced(delta), models: [{ id: "m" }] });
      return provider.chatStream(request(), { firstTokenTimeoutMs: 150, stallTimeoutMs: 150 }).then((result) => drain(result.body));
    };
    for (const delta of [{ reasoning_content: "thinking" }, { reasoning: "thinking" }, { refusal: "no" }, { content: "a" }, { tool_calls: [{ index: 0, id: "t", type: "function", function: { name: "f", arguments: "" } }] }]) {
      await expect(run(delta), JSON.stringify(delta)).resolves.toHaveLength(4);
    }
    const roleOnly = await caught(run({ role: "assistant", content: "" }));
    expect(roleOnly).toBeInstanceOf(TimeoutError);
  });
});

describe("bodies handed over unread (audio)", () => {
  it("a body that fails mid-way fails the caller's read with a ConnectionError naming the phase", async () => {
    class AudioProvider extends Bare {
      async speech(): Promise<Response> {
        return this._handOver(await this._send({ url: "/audio", body: "{}", accept: "*/*" }));
      }
    }
    const failing: typeof fetch = async () => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new TypeError("terminated"));
          sent = true;
          controller.enqueue(new Uint8Array([1, 2, 3]));
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": "audio/mpeg" } });
    };
    const audio = await new AudioProvider({ baseUrl: "https://corp.test/v1", fetch: failing }).speech();
    const reader = audio.body!.getReader();
    expect((await reader.read()).value).toEqual(new Uint8Array([1, 2, 3]));
    const error = await caught(reader.read());
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain("(reading the body)");
  });
});

describe("the caller, the signal and the end of a stream", () => {
  /** A fetch that records the signal of each request and answers with the given SSE text. */
  const watched = (text: string) => {
    const signals: AbortSignal[] = [];
    const fetch: typeof globalThis.fetch = async (_url, init) => {
      signals.push(init!.signal!);
      return new Response(text, { status: 200, headers: { "content-type": "text/event-stream" } });
    };
    return { fetch, signals };
  };
  const chunkEvent = (choices: unknown[]) => event({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices });

  it("lets go of a finished stream's request without aborting it, and aborts a truncated one's", async () => {
    const done = watched(`${chunkEvent([{ index: 0, delta: { content: "a" }, finish_reason: "stop" }])}data: [DONE]\n\n`);
    await drain((await new Bare({ baseUrl: "https://corp.test/v1", fetch: done.fetch }).chatStream(request())).body);
    expect(done.signals[0]!.aborted).toBe(false);
    const cut = watched(chunkEvent([{ index: 0, delta: { content: "a" }, finish_reason: null }]));
    const error = await caught(drain((await new Bare({ baseUrl: "https://corp.test/v1", id: "corp", fetch: cut.fetch }).chatStream(request())).body));
    expect(error).toMatchObject({ name: "ConnectionError", code: "stream_truncated", providerId: "corp", modelId: "m" });
    expect(cut.signals[0]!.aborted).toBe(true);
  });

  it("a finish reason on any one choice ends the stream (several choices)", async () => {
    const text = `${chunkEvent([{ index: 0, delta: { content: "a" }, finish_reason: null }, { index: 1, delta: { content: "b" }, finish_reason: null }])}${chunkEvent([{ index: 0, delta: {}, finish_reason: "stop" }, { index: 1, delta: { content: "c" }, finish_reason: null }])}`;
    const { provider } = bare({ text });
    expect(await drain((await provider.chatStream(request({ n: 2 }))).body)).toHaveLength(2);
  });

  it("an error answer whose body is still arriving when the caller aborts rejects with the caller's reason", async () => {
    const controller = new AbortController();
    const slowError: typeof fetch = async (_url, init) => {
      const body = new ReadableStream<Uint8Array>({
        start(stream) {
          stream.enqueue(new TextEncoder().encode('{"error":'));
          init!.signal!.addEventListener("abort", () => stream.error(init!.signal!.reason), { once: true });
        },
      });
      return new Response(body, { status: 500, headers: { "content-type": "application/json" } });
    };
    const pending = new Bare({ baseUrl: "https://corp.test/v1", fetch: slowError }).chat(request(), { signal: controller.signal });
    const reason = new Error("caller gave up");
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });

  it("a streaming call's own timeoutMs bounds the whole stream, however steadily it sends", async () => {
    const steady: typeof fetch = async (_url, init) => {
      const signal = init!.signal!;
      const body = new ReadableStream<Uint8Array>({
        async pull(stream) {
          await new Promise((resolve) => setTimeout(resolve, 30));
          if (signal.aborted) return stream.error(signal.reason);
          stream.enqueue(new TextEncoder().encode(chunkEvent([{ index: 0, delta: { content: "x" }, finish_reason: null }])));
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
    };
    const provider = new Bare({ baseUrl: "https://corp.test/v1", fetch: steady });
    const started = Date.now();
    const error = await caught(provider.chatStream(request(), { timeoutMs: 200, stallTimeoutMs: 1_000, firstTokenTimeoutMs: 1_000 }).then((result) => drain(result.body)));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toContain("did not finish within 200 ms");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a 200 body that is neither an answer nor an error is a malformed response, plain or replayed as a stream", async () => {
    const plain = bare({ json: { output: "x" } });
    expect(await caught(plain.provider.chat(request()))).toMatchObject({ code: "malformed_response" });
    const streamed = bare({ json: { output: "x" } });
    expect(await caught(streamed.provider.chatStream(request()).then((result) => drain(result.body)))).toMatchObject({ code: "malformed_response" });
  });

  it("a subclass's own event parser never hands its events' text on as the chunks' wire text", async () => {
    class Custom extends Bare {
      protected override _parseSseChunk(parsed: SseEvent) {
        const data = JSON.parse(parsed.data) as { t?: string; end?: boolean };
        if (data.end) return "done" as const;
        return { id: "s", object: "chat.completion.chunk" as const, created: 1, model: "m", choices: [{ index: 0, delta: { content: data.t ?? "" }, logprobs: null, finish_reason: null }] };
      }
    }
    const wire = wireCapture({ text: `data: {"t":"hi"}\n\ndata: {"end":true}\n\n` });
    const chunks = await drain((await new Custom({ baseUrl: "https://corp.test/v1", fetch: wire.fetch }).chatStream(request())).body);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(["hi"]);
    expect((chunks[0] as unknown as Record<symbol, unknown>)[Symbol.for("modelmesh.raw-chunk")]).toBeUndefined();
  });
});
