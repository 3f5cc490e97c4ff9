/**
 * How the node adapter (cors-proxy/src/node-adapter.ts) writes each kind of answer to the socket: the proxy's own
 * JSON, its streamed pieces, a relayed Node stream and a Web Response, and what each does when either side fails or
 * the client leaves. A stub proxy answers; a real HTTP client reads what arrived.
 *
 * Survivors judged equivalent (what reaches the client and the source is the same; only Node-internal bookkeeping or
 * the grouping of writes changes):
 * - drained's `off("drain")` with the name emptied: it matters only when "close" came first, and then nothing drains.
 * - writeSource's onClose `if (!outgoing.writableFinished)` -> true, and both `finally` blocks (`{}`, `off("close")`
 *   with the name emptied): `finally` runs right after `end()`, before the response's "close", so a finished answer
 *   never reaches onClose; after a failure the response is destroyed anyway.
 * - every `if (pending) clearImmediate(pending)` -> true/false, `batch = ""` -> another text before `end(rest)`, and
 *   flush's early return (`batch === ""`, `destroyed`, `writableEnded` and their combinations): a leftover immediate
 *   finds nothing to write, or writes the same bytes a turn earlier.
 * - pipeNodeBody's `if (!outgoing.writableFinished) body.destroy()` and `if (!body.readableEnded) outgoing.destroy()`
 *   -> true: the body has ended and the response is detached from its socket by then ("leaves a kept-alive connection
 *   open" below passes with either).
 * - `if (nodeBody)` / `if (source)` -> false in writeResponse: the same body is then read through its web stream.
 * - the web reader's `if (outgoing.destroyed) return` -> false: the onClose cancel has already ended the reader.
 * Killed by hand where Stryker reported a survivor: `if (outgoing.destroyed) return` in writeSource ("stops pulling
 * pieces once the client has left"), `batch.length >= BATCH_LIMIT` -> `>` ("writes a batch of 64 KiB on its own"),
 * `pending ??= setImmediate(flush)` -> `&&=` ("sends the events ready before the source pauses").
 */
import { Agent, request as httpRequest, ServerResponse, type IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { JsonReply, NodeBodyReply, ReplyHeaders, SourceReply, streamOf, type BodySource } from "../src/responses.js";
import { stubProxyPerTest } from "./support/stub-proxy.js";

const { serve } = stubProxyPerTest();

/** A GET that resolves with the response head as soon as it arrives. */
function head(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, resolve);
    outgoing.once("error", reject);
    outgoing.end();
  });
}

/** Reads a response to its end: its text, or the error that cut it. */
async function readAll(incoming: IncomingMessage): Promise<{ text: string; cut: boolean }> {
  let text = "";
  try {
    for await (const part of incoming) text += String(part);
    return { text, cut: false };
  } catch {
    return { text, cut: true };
  }
}

/** A source of `pieces`, then (if given) one that never comes; records whether it was cancelled. */
function recordingSource(pieces: Array<string | Uint8Array>, options: { hangAtEnd?: boolean; failAtEnd?: boolean } = {}) {
  const state = { cancelled: 0, pulled: 0 };
  let release: (() => void) | undefined;
  const source: BodySource = {
    next: async () => {
      if (state.pulled < pieces.length) return pieces[state.pulled++];
      // Late enough that the first piece has reached the client.
      if (options.failAtEnd) await new Promise((resolve) => setTimeout(resolve, 50)).then(() => Promise.reject(new Error("source broke")));
      if (options.hangAtEnd) await new Promise<void>((resolve) => (release = resolve));
      return undefined;
    },
    cancel: async () => {
      state.cancelled += 1;
      release?.();
    },
  };
  return { source, state };
}

describe("the proxy's own answers", () => {
  it("writes a JsonReply's status, headers and text, with the status's standard reason", async () => {
    const server = await serve({ reply: () => new JsonReply(201, '{"id":"x"}', { "x-request-id": "r-1" }) });
    const incoming = await head(server.url);
    expect([incoming.statusCode, incoming.statusMessage]).toEqual([201, "Created"]);
    expect([incoming.headers["content-type"], incoming.headers["content-length"], incoming.headers["x-request-id"]]).toEqual(["application/json", "10", "r-1"]);
    expect(await readAll(incoming)).toEqual({ text: '{"id":"x"}', cut: false });
  });

  it("passes a Response's own status text through", async () => {
    const server = await serve({ reply: () => new Response("ok", { status: 299, statusText: "Fine Enough" }) });
    const incoming = await head(server.url);
    expect([incoming.statusCode, incoming.statusMessage]).toEqual([299, "Fine Enough"]);
    expect((await readAll(incoming)).text).toBe("ok");
  });

  it("ends a Response without a body at once", async () => {
    const server = await serve({ reply: () => new Response(null, { status: 202, headers: { "x-kind": "empty" } }) });
    const incoming = await head(server.url);
    expect([incoming.statusCode, incoming.headers["x-kind"]]).toEqual([202, "empty"]);
    expect(await readAll(incoming)).toEqual({ text: "", cut: false });
  });
});

describe("streamed pieces (SourceReply)", () => {
  it("writes text and byte pieces in the order the source gave them", async () => {
    const { source, state } = recordingSource(["data: 1\n\n", "data: 2\n\n", new TextEncoder().encode("data: 3\n\n"), "data: 4\n\n", "data: 5\n\n"]);
    const server = await serve({ reply: () => new SourceReply(200, source, { "content-type": "text/event-stream" }) });
    const incoming = await head(server.url);
    expect(incoming.headers["content-type"]).toBe("text/event-stream");
    expect(await readAll(incoming)).toEqual({ text: "data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\n", cut: false });
    // Read to its end, the source is not told to cancel.
    expect(state.cancelled).toBe(0);
  });

  it("writes a batch that reached 64 KiB without waiting for the source's next piece", async () => {
    const big = "x".repeat(64 * 1024);
    const { source } = recordingSource(["first ", big], { hangAtEnd: true });
    const server = await serve({ reply: () => new SourceReply(200, source, {}) });
    const incoming = await head(server.url);
    // The source holds its next piece back: the whole batch must already be out.
    let text = "";
    await new Promise<void>((resolve) => {
      incoming.on("data", (part) => {
        text += String(part);
        if (text.length === 6 + big.length) resolve();
      });
    });
    expect(text).toBe(`first ${big}`);
    incoming.destroy();
  });

  it("ends an answer whose source was already taken with an empty body", async () => {
    const { source } = recordingSource(["never written"]);
    const reply = new SourceReply(200, source, { "x-kind": "taken" });
    reply.take();
    const server = await serve({ reply: () => reply });
    const incoming = await head(server.url);
    expect([incoming.statusCode, incoming.headers["x-kind"]]).toEqual([200, "taken"]);
    expect(await readAll(incoming)).toEqual({ text: "", cut: false });
  });

  it("cancels the source when the client leaves mid-stream", async () => {
    const { source, state } = recordingSource(["data: first\n\n"], { hangAtEnd: true });
    const server = await serve({ reply: () => new SourceReply(200, source, {}) });
    const incoming = await head(server.url);
    await new Promise((resolve) => incoming.once("data", resolve));
    incoming.destroy();
    await expect.poll(() => state.cancelled, { timeout: 2_000 }).toBe(1);
  });

  it("cuts the client's connection when the source fails", async () => {
    const { source } = recordingSource(["data: first\n\n"], { failAtEnd: true });
    const server = await serve({ reply: () => new SourceReply(200, source, {}) });
    const { text, cut } = await readAll(await head(server.url));
    expect([text, cut]).toEqual(["data: first\n\n", true]);
  });

  it("stops pulling pieces while a client does not read (backpressure)", async () => {
    const piece = "y".repeat(256 * 1024);
    const { source, state } = recordingSource(Array.from({ length: 200 }, () => piece));
    const server = await serve({ reply: () => new SourceReply(200, source, {}) });
    const incoming = await head(server.url);
    incoming.pause();
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Socket and kernel buffers take a few MiB; without waiting for "drain" all 50 MiB would be pulled at once.
    expect(state.pulled).toBeLessThan(100);
    incoming.destroy();
  });
});

describe("a relayed Node stream (NodeBodyReply)", () => {
  it("pipes the stream, or ends at once when there is none", async () => {
    const server = await serve({
      reply: (request) => new NodeBodyReply(200, "Relayed", new ReplyHeaders({ "x-kind": "node" }), request.url.endsWith("/none") ? null : Readable.from(["up", "stream"])),
    });
    const piped = await head(`${server.url}/some`);
    expect([piped.statusMessage, piped.headers["x-kind"]]).toEqual(["Relayed", "node"]);
    expect(await readAll(piped)).toEqual({ text: "upstream", cut: false });
    expect(await readAll(await head(`${server.url}/none`))).toEqual({ text: "", cut: false });
  });

  it("destroys the upstream stream when the client leaves, and cuts the client when the stream fails", async () => {
    let body: Readable | undefined;
    const server = await serve({
      reply: (request) => {
        body = new Readable({ read() {} });
        body.push("first ");
        if (request.url.endsWith("/fail")) setTimeout(() => body!.destroy(new Error("upstream reset")), 50);
        return new NodeBodyReply(200, "", new ReplyHeaders({}), body);
      },
    });
    const leaving = await head(`${server.url}/leave`);
    await new Promise((resolve) => leaving.once("data", resolve));
    const left = body!;
    leaving.destroy();
    await expect.poll(() => left.destroyed, { timeout: 2_000 }).toBe(true);

    expect(await readAll(await head(`${server.url}/fail`))).toEqual({ text: "first ", cut: true });
  });
});

describe("a Web Response body", () => {
  /** A web stream of `pieces`, then (if `then` says so) an error or a wait; records a cancel. */
  function webBody(pieces: string[], then: "end" | "fail" | "hang") {
    const state = { cancelled: false };
    const encoder = new TextEncoder();
    let index = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (index < pieces.length) return controller.enqueue(encoder.encode(pieces[index++]));
        if (then === "fail") return new Promise<void>((resolve) => setTimeout(() => resolve(controller.error(new Error("upstream reset"))), 50));
        if (then === "hang") return new Promise<void>(() => {});
        controller.close();
      },
      cancel: () => void (state.cancelled = true),
    });
    return { stream, state };
  }

  it("writes every chunk and ends", async () => {
    const { stream } = webBody(["one ", "two"], "end");
    const server = await serve({ reply: () => new Response(stream) });
    expect(await readAll(await head(server.url))).toEqual({ text: "one two", cut: false });
  });

  it("cuts the client when the body fails mid-way", async () => {
    const { stream } = webBody(["one "], "fail");
    const server = await serve({ reply: () => new Response(stream) });
    expect(await readAll(await head(server.url))).toEqual({ text: "one ", cut: true });
  });

  it("cancels the body when the client leaves", async () => {
    const { stream, state } = webBody(["one "], "hang");
    const server = await serve({ reply: () => new Response(stream) });
    const incoming = await head(server.url);
    await new Promise((resolve) => incoming.once("data", resolve));
    incoming.destroy();
    await expect.poll(() => state.cancelled, { timeout: 2_000 }).toBe(true);
  });

  it("reads a body made from the proxy's pieces straight from its source, and cancels that on a leave", async () => {
    const { source, state } = recordingSource(["data: a\n\n"], { hangAtEnd: true });
    const server = await serve({ reply: () => new Response(streamOf(source)) });
    const incoming = await head(server.url);
    await new Promise((resolve) => incoming.once("data", resolve));
    incoming.destroy();
    await expect.poll(() => state.cancelled, { timeout: 2_000 }).toBe(1);
  });
});

describe("a long answer to a client that keeps the socket full", () => {
  it("leaves no listener behind per wait for the socket to drain", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      // Each 256 KiB piece overfills the response's buffer, so the adapter waits for "drain" after every one.
      const pieces = () => recordingSource(Array.from({ length: 40 }, () => "z".repeat(256 * 1024))).source;
      // The proxy's own pieces, and a plain web stream (piped through a transform: no source behind it to take).
      const server = await serve({ reply: (request) => (request.url.endsWith("/web") ? new Response(streamOf(pieces()).pipeThrough(new TransformStream())) : new SourceReply(200, pieces(), {})) });
      expect((await readAll(await head(`${server.url}/pieces`))).text.length).toBe(40 * 256 * 1024);
      expect((await readAll(await head(`${server.url}/web`))).text.length).toBe(40 * 256 * 1024);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning").map((warning) => warning.message)).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("streamed pieces, more edges", () => {
  it("sends the events ready before the source pauses without waiting for its next piece", async () => {
    const { source } = recordingSource(["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"], { hangAtEnd: true });
    const server = await serve({ reply: () => new SourceReply(200, source, {}) });
    const incoming = await head(server.url);
    let text = "";
    await new Promise<void>((resolve) => {
      incoming.on("data", (part) => {
        text += String(part);
        if (text.length >= 27) resolve();
      });
      setTimeout(resolve, 500);
    });
    expect(text).toBe("data: 1\n\ndata: 2\n\ndata: 3\n\n");
    incoming.destroy();
  });

  it("stops pulling pieces once the client has left, even from a source that ignores cancel", async () => {
    let pulled = 0;
    const endless: BodySource = {
      next: async () => {
        pulled += 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
        return `data: ${pulled}\n\n`;
      },
      cancel: async () => {},
    };
    const server = await serve({ reply: () => new SourceReply(200, endless, {}) });
    const incoming = await head(server.url);
    await new Promise((resolve) => incoming.once("data", resolve));
    incoming.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const afterLeaving = pulled;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pulled).toBe(afterLeaving);
  });

  it("writes a batch of 64 KiB on its own, not joined with the events after it", async () => {
    const writes: number[] = [];
    const original = ServerResponse.prototype.write;
    ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      writes.push(String(chunk).length);
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof original;
    try {
      // All ready in one turn: the first piece, exactly 64 KiB, then small ones.
      const { source } = recordingSource(["first", "x".repeat(64 * 1024), "a", "b", "c"]);
      const server = await serve({ reply: () => new SourceReply(200, source, {}) });
      expect((await readAll(await head(server.url))).text.length).toBe(5 + 64 * 1024 + 3);
      expect(writes.slice(0, 2)).toEqual([5, 64 * 1024]);
    } finally {
      ServerResponse.prototype.write = original;
    }
  });
});

describe("a relayed Node stream, and the connection after it", () => {
  it("leaves a kept-alive connection open for the next request once the body has ended", async () => {
    const server = await serve({ reply: () => new NodeBodyReply(200, "", new ReplyHeaders({}), Readable.from(["whole ", "body"])) });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let index = 0; index < 2; index++) {
        const incoming = await new Promise<IncomingMessage>((resolve, reject) => httpRequest(server.url, { agent }, resolve).once("error", reject).end());
        expect(await readAll(incoming)).toEqual({ text: "whole body", cut: false });
      }
      expect(server.connections).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});
