import { getEventListeners } from "node:events";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { BODY_READER, nodeBodyReader, type NodeBodyReader, type NodeFetch } from "modelmesh/node-fetch";
import { recordingFetchPerTest } from "./support/recording-server.js";

// Tests for mutants of src/node-fetch.ts that node-fetch.test.ts, node-fetch-headers.test.ts and body-reader.test.ts
// let survive: what the fake server receives, which answers are read whole (the connection goes back to the pool
// before the caller reads) and which stream, redirects, and the listeners left on the caller's signal.
//
// Equivalent mutants (no observable difference), left alive:
// - abortReason's DOMException (message, name): AbortController.abort() always sets `signal.reason`, so the fallback
//   is never built.
// - ReceivedHeaders loop `index + 1 <= raw.length`: rawHeaders has an even length, the loop stops at the same index.
// - decoded(): `if (!incoming.complete)` -> `if (true)`: destroying a complete IncomingMessage keeps its socket.
// - onAbortOf's `{ once: true }` (the one listener a signal gets): an aborted signal never fires again, and the set
//   it calls is emptied before anything in it runs.
// - nodeBodyReader: `if (queue.length > 0) source.pause()` -> always pause (the next read() resumes: same chunks);
//   `if (failure) return` on "end" removed, `if (!ended)` -> `if (true)` on cancel: read() checks failure first;
//   settle()'s `else if (ended)` -> `true`: settle() runs only after a chunk, the end or a failure, so with an empty
//   queue and no failure the source has ended.
// - utf8Decode `bytes.length >= 3` -> `true` / `||`: a body shorter than 3 bytes has no bytes[2] equal to 0xbf.
// - readWhole: the `source.off(...)` of end/error/close past the limit, `ended` and the "close" handler, and the
//   "error"/"close" event names: the promise is settled by then, or an "error" always comes before the "close" of a
//   cut body, and both reject with the same TypeError("fetch failed"). `total < limit` at exactly `limit` bytes:
//   the body is then streamed instead of held, same bytes. `parts.length === 1` -> `false`: concat of one part.
// - send(): method default "GET" -> "" (node:http sends an empty method as GET); content-length "0" for a bodiless
//   POST/PUT/PATCH removed or its condition made false (node:http sends `content-length: 0` for them itself);
//   `follow` default "follow" -> "" (only "manual" and "error" are compared); the redirect's `method: "GET"` -> ""
//   (same); `settled = false` after a settle and `if (settled) return` in fail/readWhole (a promise settles once,
//   and the abort listener is already removed); onAbort's `if (!settled)` block (the request's "error" that
//   `outgoing.destroy()` raises rejects with the same abort reason); `status < 200` (node:http gives 1xx answers to
//   "information", never "response"); statusText `?? ""` (statusMessage is always a string); content-type
//   `?? "Stryker was here!"` (a missing content-type matches neither "json" nor "text/event-stream" either way).
// - BufferedResponse.bytes(): `if (this.#full)` -> `false`: it then goes through arrayBuffer(), which reads #full too.
//
// Left alive though not equivalent: the RELEASES_SIGNAL mark on a bodiless answer (only the mark itself shows it;
// the SDK's use of it is tested in sdk/), and the "[::1]" hostname unwrapping (needs an IPv6 server; LocalServer
// binds 127.0.0.1).

const { serve, received, server } = recordingFetchPerTest();

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

describe("createNodeFetch: what the server receives", () => {
  it("sends content-length 0 only for a bodiless POST, PUT or PATCH, never for GET or DELETE", async () => {
    const { url, fetch } = await serve((_request, response) => void response.end("ok"));
    for (const method of ["GET", "DELETE", "POST", "PUT", "PATCH"]) await (await fetch(url, { method })).text();
    expect(received.map((entry) => [entry.method, entry.headers["content-length"]])).toEqual([
      ["GET", undefined],
      ["DELETE", undefined],
      ["POST", "0"],
      ["PUT", "0"],
      ["PATCH", "0"],
    ]);
  });

  it("labels a string body text/plain when the caller gave no content-type", async () => {
    const { url, fetch } = await serve((_request, response) => void response.end("ok"));
    await (await fetch(url, { method: "POST", body: "plain" })).text();
    expect(received[0]!.headers["content-type"]).toBe("text/plain;charset=UTF-8");
  });

  it("sends pair headers once under their lower-case name, repeated ones joined, and skips undefined values", async () => {
    const { url, fetch } = await serve((_request, response) => void response.end("ok"));
    // A name kept in its case would be sent beside the default accept / content-type: the server would see both.
    await (await fetch(url, { method: "POST", body: "{}", headers: [["Accept", "application/json"], ["Content-Type", "application/json"], ["X-Tag", "a"], ["x-tag", "b"]] })).text();
    await (await fetch(url, { headers: { "x-kept": "1", "x-skipped": undefined } as unknown as Record<string, string> })).text();
    expect(received[0]!.headers).toMatchObject({ accept: "application/json", "content-type": "application/json", "x-tag": "a, b" });
    expect(received[1]!.headers["x-kept"]).toBe("1");
    expect(received[1]!.headers).not.toHaveProperty("x-skipped");
  });

  it("speaks TLS to an https URL: a plain-HTTP server on that port never gets a request", async () => {
    const { fetch } = await serve((_request, response) => void response.end("ok"));
    const failure = await fetch(`https://127.0.0.1:${server().port}/`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe("fetch failed");
    expect(received).toHaveLength(0);
  });

  it("closes its idle keep-alive connections on close()", async () => {
    const { url, fetch } = await serve((_request, response) => void response.end("ok"));
    await (await fetch(url)).text();
    expect(server().connections).toBe(1);
    fetch.close();
    // The server sees its side of the connection close: nothing is left open to it.
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 2_000;
      const poll = () =>
        server().server.getConnections((error, count) => {
          if (error) return reject(error);
          if (count === 0) return resolve();
          if (Date.now() > deadline) return reject(new Error(`${count} connection(s) still open after close()`));
          setTimeout(poll, 10);
        });
      poll();
    });
  });
});

describe("createNodeFetch: read whole or streamed", () => {
  // A body read whole frees the connection before the caller reads it: two answers left unread share one
  // connection. A streamed one holds its connection until read: the second request needs a new one.
  async function connectionsForTwoUnread(fetch: NodeFetch, url: string): Promise<number> {
    await fetch(url);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await fetch(url);
    return server().connections;
  }

  it("reads whole a small answer with a declared length, even not JSON, and a chunked JSON one", async () => {
    const plain = await serve((_request, response) => void response.writeHead(200, { "content-type": "text/plain", "content-length": "5" }).end("hello"));
    expect(await connectionsForTwoUnread(plain.fetch, plain.url)).toBe(1);
    plain.fetch.close();
    await server().close();
    const chunked = await serve(async (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"a":');
      await new Promise((resolve) => setTimeout(resolve, 5));
      response.end("1}");
    });
    expect(await connectionsForTwoUnread(chunked.fetch, chunked.url)).toBe(1);
  });

  it("reads whole an answer of exactly bufferLimit bytes", async () => {
    const { url, fetch } = await serve((_request, response) => void response.writeHead(200, { "content-type": "text/plain", "content-length": "5" }).end("hello"), { bufferLimit: 5 });
    expect(await connectionsForTwoUnread(fetch, url)).toBe(1);
  });

  it("joins a chunked JSON answer read whole from all its pieces", async () => {
    const { url, fetch } = await serve(async (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      for (const piece of ['{"parts":', '["one",', '"two"]}']) {
        response.write(piece);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      response.end();
    });
    expect(await (await fetch(url)).json()).toEqual({ parts: ["one", "two"] });
  });

  it("resolves a chunked non-JSON answer (audio) and an SSE answer with a declared length before their end", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const { url, fetch } = await serve(async (request, response) => {
      if (request.url === "/audio") response.writeHead(200, { "content-type": "audio/mpeg" });
      else response.writeHead(200, { "content-type": "text/event-stream", "content-length": "22" });
      response.write(request.url === "/audio" ? "ID3" : "data: one\n\n");
      await held;
      response.end(request.url === "/audio" ? "more" : "data: two\n\n");
    });
    const audio = await fetch(`${url}/audio`);
    const events = await fetch(`${url}/events`);
    release();
    expect(await audio.text()).toBe("ID3more");
    expect(await events.text()).toBe("data: one\n\ndata: two\n\n");
  });

  it("resolves a chunked JSON answer past bufferLimit before its end, then streams it from its start", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const { url, fetch } = await serve(async (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write(`{"data":"${"x".repeat(100)}`);
      await held;
      response.end('"}');
    }, { bufferLimit: 50 });
    const response = await fetch(url);
    release();
    expect(await response.json()).toEqual({ data: "x".repeat(100) });
  });
});

describe("createNodeFetch: answers", () => {
  it("does not follow a Location header on an answer that is not a redirect", async () => {
    const { url, fetch } = await serve((request, response) => void response.writeHead(201, { location: "/elsewhere" }).end(`created at ${request.url}`));
    const response = await fetch(`${url}/things`, { method: "POST", body: "{}" });
    expect([response.status, await response.text()]).toEqual([201, "created at /things"]);
    expect(received.map((entry) => entry.url)).toEqual(["/things"]);
  });

  it("refuses a redirect with redirect: 'error', and stops after 20 redirects", async () => {
    const { url, fetch } = await serve((request, response) => {
      const hop = Number(request.url!.slice(1) || "0");
      response.writeHead(302, { location: `/${hop + 1}` }).end();
    });
    const refused = await fetch(url, { redirect: "error" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as TypeError).message).toBe("fetch failed");
    expect(((refused as TypeError).cause as Error).message).toBe("redirect 302 to /1 not followed");
    expect(received).toHaveLength(1);
    received.length = 0;
    const looping = await fetch(url).catch((error: unknown) => error);
    expect(looping).toBeInstanceOf(TypeError);
    expect(((looping as TypeError).cause as Error).message).toBe("redirect 302 to /21 not followed");
    // The first request and 20 followed redirects.
    expect(received).toHaveLength(21);
  });

  it("turns a POST into a GET on 301 and 302, keeps a PUT on 302, and keeps all but content-* headers", async () => {
    const { url, fetch } = await serve((request, response) => {
      if (request.url === "/moved") response.writeHead(301, { location: "/new" }).end();
      else if (request.url === "/found") response.writeHead(302, { location: "/new" }).end();
      else response.end("ok");
    });
    const init = { body: "payload", headers: { authorization: "Bearer sk-test", "content-type": "text/plain" } };
    for (const [method, path] of [["POST", "/moved"], ["POST", "/found"], ["PUT", "/found"]] as const) await (await fetch(`${url}${path}`, { ...init, method })).text();
    expect(received.filter((entry) => entry.url === "/new").map((entry) => [entry.method, entry.body, entry.headers.authorization, entry.headers["content-type"]])).toEqual([
      ["GET", "", "Bearer sk-test", undefined],
      ["GET", "", "Bearer sk-test", undefined],
      ["PUT", "payload", "Bearer sk-test", "text/plain"],
    ]);
  });

  it("fails on a status past 599 and answers 599", async () => {
    const { url, fetch } = await serve((request, response) => void response.writeHead(request.url === "/600" ? 600 : 599).end("odd"));
    const failure = await fetch(`${url}/600`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(((failure as TypeError).cause as Error).message).toBe("unexpected status 600");
    expect((await fetch(`${url}/599`)).status).toBe(599);
  });

  it("keeps content-length on a HEAD answer, and the other headers of a body it decoded", async () => {
    const { url, fetch } = await serve((request, response) => {
      if (request.method === "HEAD") response.writeHead(200, { "content-length": "5" }).end();
      else response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "x-request-id": "req-1" }).end(gzipSync("{}"));
    });
    expect((await fetch(url, { method: "HEAD" })).headers.get("content-length")).toBe("5");
    const decoded = await fetch(url);
    expect([decoded.headers.get("content-type"), decoded.headers.get("x-request-id")]).toEqual(["application/json", "req-1"]);
  });

  it("decodes x-gzip, deflate and br bodies", async () => {
    const { url, fetch } = await serve((request, response) => {
      const encoding = request.url!.slice(1);
      const packed = encoding === "deflate" ? deflateSync("packed") : encoding === "br" ? brotliCompressSync("packed") : gzipSync("packed");
      response.writeHead(200, { "content-type": "text/plain", "content-encoding": encoding }).end(packed);
    });
    for (const encoding of ["x-gzip", "deflate", "br"]) expect([encoding, await (await fetch(`${url}/${encoding}`)).text()]).toEqual([encoding, "packed"]);
  });

  it("a compressed stream cut mid-body fails; one its reader leaves closes the connection", async () => {
    const { url, fetch } = await serve((request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream", "content-encoding": "gzip" });
      const packed = gzipSync("data: one\n\n".repeat(50));
      // Half the compressed bytes, then either a cut or nothing more (the exchange stays open).
      response.write(packed.subarray(0, packed.length / 2), () => {
        if (request.url === "/cut") setTimeout(() => response.socket?.destroy(), 20);
      });
    });
    const cut = (await fetch(`${url}/cut`)).body!.getReader();
    await expect((async () => {
      for (;;) if ((await cut.read()).done) return "ended";
    })()).rejects.toThrow();
    const left = (await fetch(`${url}/left`)).body!.getReader();
    await left.read();
    await left.cancel();
    const exchange = () => server().exchanges.find((entry) => entry.url === "/left");
    await expect.poll(() => exchange()?.ending).toBe("client-closed");
  });
});

describe("createNodeFetch: the caller's signal", () => {
  // The fetch promises (RELEASES_SIGNAL) that an exchange leaves the signal once its answer settled and its body
  // ended, so the SDK may reuse the controller for the next exchange: every way an answer settles must leave it, and
  // a signal that serves exchange after exchange carries one listener, not one per exchange.
  const answers = (request: { url?: string }, response: import("node:http").ServerResponse) => {
    if (request.url === "/streamed") response.writeHead(200, { "content-type": "text/event-stream" }).end("data: [DONE]\n\n");
    else if (request.url === "/empty") response.writeHead(204).end();
    else if (request.url === "/redirect") response.writeHead(307, { location: "/buffered" }).end();
    else if (request.url === "/slow") setTimeout(() => response.writeHead(200).end("late"), 5_000).unref();
    else response.writeHead(200, { "content-type": "application/json" }).end("{}");
  };

  it("keeps one abort listener on a signal however many buffered, streamed, empty, redirected or failed answers used it", async () => {
    const { url, fetch } = await serve(answers);
    const controller = new AbortController();
    for (let round = 0; round < 3; round++) {
      for (const path of ["/buffered", "/streamed", "/empty", "/redirect"]) {
        await (await fetch(`${url}${path}`, { signal: controller.signal })).text();
        await new Promise((resolve) => setImmediate(resolve));
        expect([path, abortListeners(controller.signal)]).toEqual([path, 1]);
      }
    }
    const port = server().port;
    await server().close();
    await expect(fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal })).rejects.toThrow("fetch failed");
    expect(abortListeners(controller.signal)).toBe(1);
  });

  it("aborts the exchange in flight on a signal that served earlier exchanges, and only that one", async () => {
    const { url, fetch } = await serve(answers);
    const controller = new AbortController();
    const finished = await fetch(`${url}/streamed`, { signal: controller.signal });
    const body = finished.body!.getReader();
    while (!(await body.read()).done);
    await (await fetch(`${url}/buffered`, { signal: controller.signal })).text();
    const pending = fetch(`${url}/slow`, { signal: controller.signal });
    await expect.poll(() => server().exchanges.filter((entry) => entry.url === "/slow").length).toBe(1);
    controller.abort(new Error("caller left"));
    await expect(pending).rejects.toThrow("caller left");
    // The connection of the exchange in flight is cut; the server sees its client go.
    await expect.poll(() => server().exchanges.find((entry) => entry.url === "/slow")?.ending).toBe("client-closed");
  });
});

describe("createNodeFetch: streamed and buffered responses", () => {
  const streamedServer = () =>
    serve((request, response) => {
      const type = request.url === "/form" ? "application/x-www-form-urlencoded" : "application/json";
      // Longer than bufferLimit: streamed.
      response.writeHead(201, "Made", { "content-type": type, "x-id": "s1" }).end(request.url === "/form" ? "a=1&b=two" : '{"streamed":true}');
    }, { bufferLimit: 4 });

  it("a streamed answer reads through json, arrayBuffer, bytes, blob, formData and clone, and reports bodyUsed", async () => {
    const { url, fetch } = await streamedServer();
    const first = await fetch(url);
    expect(first.bodyUsed).toBe(false);
    expect(await first.json()).toEqual({ streamed: true });
    expect(first.bodyUsed).toBe(true);
    expect(new TextDecoder().decode(await (await fetch(url)).arrayBuffer())).toBe('{"streamed":true}');
    expect(new TextDecoder().decode(await (await fetch(url)).bytes())).toBe('{"streamed":true}');
    expect(await (await (await fetch(url)).blob()).text()).toBe('{"streamed":true}');
    expect([...(await (await fetch(`${url}/form`)).formData()).entries()]).toEqual([["a", "1"], ["b", "two"]]);
    const copy = (await fetch(url)).clone();
    expect([copy.status, copy.statusText, copy.headers.get("x-id"), await copy.text()]).toEqual([201, "Made", "s1", '{"streamed":true}']);
  });

  it("a buffered answer reads through bytes, blob and formData, also after clone(), and only once", async () => {
    const { url, fetch } = await serve((request, response) => {
      const type = request.url === "/form" ? "application/x-www-form-urlencoded" : "application/json";
      const body = request.url === "/form" ? "a=1" : '{"b":1}';
      // A declared length: read whole, not streamed.
      response.writeHead(200, { "content-type": type, "content-length": String(body.length) }).end(body);
    });
    const bytes = await fetch(url);
    expect(new TextDecoder().decode(await bytes.bytes())).toBe('{"b":1}');
    await expect(bytes.bytes()).rejects.toThrow("Body has already been read");
    const cloned = await fetch(url);
    cloned.clone();
    expect(new TextDecoder().decode(await cloned.bytes())).toBe('{"b":1}');
    expect(await (await (await fetch(url)).blob()).text()).toBe('{"b":1}');
    expect([...(await (await fetch(`${url}/form`)).formData()).entries()]).toEqual([["a", "1"]]);
    // Read through `body` first: the bytes are gone, as with fetch.
    const viaBody = await fetch(url);
    expect(await new Response(viaBody.body).text()).toBe('{"b":1}');
    await expect(viaBody.arrayBuffer()).rejects.toThrow(TypeError);
  });

  it("drops only a real UTF-8 byte order mark from text()", async () => {
    const bodies: Record<string, Buffer> = {
      "/bom": Buffer.from([0xef, 0xbb, 0xbf]),
      "/hangul": Buffer.from("껿"), // ea bb bf: the BOM's last two bytes
      "/private": Buffer.from([0xef, 0x82, 0xbf]), // the BOM's first and last byte
      "/arabic": Buffer.from([0xef, 0xbb, 0x80]), // the BOM's first two bytes
      "/inverted": Buffer.from("a¿x"), // 61 c2 bf: third byte 0xbf
    };
    // With its length declared, so that the body is read whole and decoded here (a web stream's text() drops a BOM itself).
    const { url, fetch } = await serve((request, response) => {
      const body = bodies[request.url!]!;
      response.writeHead(200, { "content-type": "text/plain", "content-length": String(body.length) }).end(body);
    });
    const texts: Record<string, string> = {};
    for (const path of Object.keys(bodies)) texts[path] = await (await fetch(`${url}${path}`)).text();
    expect(texts).toEqual({ "/bom": "", "/hangul": "껿", "/private": "\uf0bf", "/arabic": "\ufec0", "/inverted": "a¿x" });
  });

  it("the body reader of a streamed answer fails with the caller's abort reason, or 'terminated' without a signal", async () => {
    const { url, fetch } = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n", () => setTimeout(() => response.socket?.destroy(), 30));
    });
    const take = (response: Response) => (response as Response & { [BODY_READER]: () => NodeBodyReader | undefined })[BODY_READER]()!;
    const controller = new AbortController();
    const aborted = take(await fetch(url, { signal: controller.signal }));
    await aborted.read();
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await expect(aborted.read()).rejects.toBe(reason);
    const cut = take(await fetch(url));
    await cut.read();
    await expect(cut.read()).rejects.toThrow("terminated");
  });
});

describe("nodeBodyReader", () => {
  it("ends a read that was already waiting when the source ends", async () => {
    const source = new PassThrough();
    const reader = nodeBodyReader(source, () => undefined);
    const waiting = reader.read();
    source.end();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });

  it("reads as done after cancel(), as a web stream's reader does", async () => {
    const source = new PassThrough();
    const reader = nodeBodyReader(source, () => undefined);
    await reader.cancel();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  it("leaves in the source what arrives while nobody reads", async () => {
    const source = new PassThrough();
    const reader = nodeBodyReader(source, () => undefined);
    const first = reader.read();
    source.write("a");
    expect(Buffer.from((await first).value!).toString()).toBe("a");
    source.write("b");
    source.write("c");
    await new Promise((resolve) => setImmediate(resolve));
    // "b" went to the reader's queue, which paused the source: "c" still waits in the source's own buffer.
    expect(source.readableLength).toBe(1);
  });
});
