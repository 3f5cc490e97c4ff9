import { describe, expect, it } from "vitest";
import { BaseProvider, ProviderError } from "../../src/index.js";
import type { SseEvent } from "../../src/wire/sse.js";
import type { ChatCompletionChunk, ChatCompletionCreateParams } from "../../src/wire/types.js";
import type { ChunkDraftResult } from "../../src/provider/provider-config.js";
import { caught, drain, wireCapture } from "./wire-capture.js";
import { KEEP_RAW_CHUNKS } from "../../src/wire/raw-text.js";
import { ABORT_SOURCE, LazyAbortController } from "../../src/internal/abort.js";

// Answers at the edges of what BaseProvider reads, seen by the caller: an `error: null` beside a body without choices,
// an error status whose body breaks while it is read, a subclass parser that returns undefined, and which chunks keep
// the service's JSON text (only a chunk that is exactly what the service sent).

class Bare extends BaseProvider {}

const RAW = Symbol.for("modelmesh.raw-chunk");
const rawOf = (chunk: ChatCompletionChunk) => (chunk as unknown as Record<symbol, unknown>)[RAW];
const request: ChatCompletionCreateParams = { model: "m", messages: [{ role: "user", content: "Hi" }] };
const provider = (fetch: typeof globalThis.fetch) => new Bare({ baseUrl: "https://corp.test/v1", apiKey: "corp-key-0123456789", fetch, models: [{ id: "m" }] });

describe("`error: null` is no error", () => {
  it("a body with `error: null` and no choices is a malformed answer (not a server error), plain or replayed as a stream", async () => {
    const body = { id: "c1", object: "chat.completion", created: 7, model: "m", error: null };
    const plain = await caught(provider(wireCapture({ json: body }).fetch).chat(request));
    expect(plain).toMatchObject({ code: "malformed_response" });
    const streamed = await caught(provider(wireCapture({ json: body }).fetch).chatStream(request).then((result) => drain(result.body)));
    expect(streamed).toMatchObject({ code: "malformed_response" });
  });
});

describe("an error status whose body breaks while it is read", () => {
  it("is reported by its status alone, as an empty body would be, with no signal given", async () => {
    const breaking: typeof fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.error(new Error("socket hang up"));
          },
        }),
        { status: 503, headers: { "content-type": "application/json" } },
      );
    const empty: typeof fetch = async () => new Response("", { status: 503, headers: { "content-type": "application/json" } });
    const broken = await caught(provider(breaking).chat(request, {}));
    const expected = await caught(provider(empty).chat(request, {}));
    expect(broken).toBeInstanceOf(ProviderError);
    expect(broken.status).toBe(503);
    expect(broken.message).toBe(expected.message);
    expect(broken.code).toBe(expected.code);
  });
});

describe("an error status whose body the caller stops reading", () => {
  it("rejects with the caller's reason, not the status, for a signal and for a stream's controller alike", async () => {
    // The body waits until the exchange's signal (which follows the caller) aborts, as a network body does.
    const waiting: typeof fetch = async (_url, init) =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            return new Promise<void>((resolve) => {
              init!.signal!.addEventListener("abort", () => {
                controller.error(init!.signal!.reason);
                resolve();
              });
            });
          },
        }),
        { status: 503, headers: { "content-type": "application/json" } },
      );
    const reason = new Error("the user left");
    const caller = new AbortController();
    const plain = provider(waiting).chat(request, { signal: caller.signal });
    setTimeout(() => caller.abort(reason), 5);
    expect(await caught(plain)).toBe(reason);
    const stop = new LazyAbortController();
    const streamed = provider(waiting).chatStream({ ...request, stream: true }, { [ABORT_SOURCE]: stop });
    setTimeout(() => stop.abort(reason), 5);
    expect(await caught(streamed)).toBe(reason);
  });
});

describe("a transport failure that quotes the key", () => {
  it("reaches the caller of the provider as a connection error without the key", async () => {
    // A key of no well-known shape: only the provider's own secrets can find it in the message.
    const key = "zebra9lantern";
    const quoting: typeof fetch = async () => {
      throw new TypeError(`fetch failed: proxy said no to ${key}`);
    };
    const error = await caught(new Bare({ baseUrl: "https://corp.test/v1", apiKey: key, fetch: quoting, models: [{ id: "m" }] }).chat(request));
    expect(error).toMatchObject({ code: "connection_error" });
    expect(error.message).toContain("proxy said no to");
    expect(error.message).not.toContain(key);
  });
});

describe("a subclass's SSE parser", () => {
  it("that returns undefined for an event skips it, as null does", async () => {
    class Lenient extends Bare {
      protected override _parseSseChunk(event: SseEvent): ChunkDraftResult {
        if (event.data === "ping") return undefined as unknown as ChunkDraftResult;
        if (event.data === "[DONE]") return "done";
        return JSON.parse(event.data) as ChunkDraftResult;
      }
    }
    const chunk = { id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "hi" }, finish_reason: "stop" }] };
    const wire = wireCapture({ text: `data: ping\n\ndata: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n` });
    const chunks = await drain((await new Lenient({ baseUrl: "https://corp.test/v1", fetch: wire.fetch }).chatStream(request)).body);
    expect(chunks.map((entry) => entry.choices[0]?.delta.content)).toEqual(["hi"]);
  });
});

describe("the service's JSON text of a chunk", () => {
  it("is kept only when the chunk is the event as it came, not when the chunk had to be completed", async () => {
    const complete = { id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "a" }, logprobs: null, finish_reason: null }] };
    // No object, created or logprobs: the normalised chunk is a completed copy, not what the service sent.
    const partial = { id: "s", model: "m", choices: [{ index: 0, delta: { content: "b" }, finish_reason: "stop" }] };
    const wire = wireCapture({ text: `data: ${JSON.stringify(complete)}\n\ndata: ${JSON.stringify(partial)}\n\ndata: [DONE]\n\n` });
    const chunks = await drain((await provider(wire.fetch).chatStream(request, { [KEEP_RAW_CHUNKS]: true })).body);
    expect(chunks.map((entry) => entry.choices[0]?.delta.content)).toEqual(["a", "b"]);
    expect(rawOf(chunks[0]!)).toBe(JSON.stringify(complete));
    expect(chunks[1]!.object).toBe("chat.completion.chunk");
    expect(rawOf(chunks[1]!)).toBeUndefined();
  });
});
