import { gzipSync } from "node:zlib";
import { Agent, type Dispatcher } from "undici";
import { BODY_READER } from "modelmesh/node-fetch";
import { describe, expect, it, vi } from "vitest";
import { recordingFetchPerTest } from "./support/recording-server.js";

const { serve, received, server } = recordingFetchPerTest();

describe("createNodeFetch", () => {
  it("sends method, path, headers and a string body, and answers status, headers and body like fetch", async () => {
    const { url, fetch } = await serve((_request, response) => {
      response.writeHead(201, "Created", { "content-type": "application/json", "x-ratelimit-remaining-requests": "41" }).end('{"ok":true}');
    });
    const response = await fetch(`${url}/v1/chat/completions?x=1`, { method: "POST", headers: { Authorization: "Bearer sk-test", "Content-Type": "application/json" }, body: '{"model":"m"}' });
    expect(received).toEqual([expect.objectContaining({ method: "POST", url: "/v1/chat/completions?x=1", body: '{"model":"m"}' })]);
    expect(received[0]!.headers).toMatchObject({ authorization: "Bearer sk-test", "content-type": "application/json", "content-length": "13" });
    expect(received[0]!.headers["accept-encoding"]).toBeUndefined();
    expect(received[0]!.headers).toMatchObject({ accept: "*/*", "user-agent": "node" });
    expect(response).toBeInstanceOf(Response);
    expect([response.status, response.statusText, response.ok]).toEqual([201, "Created", true]);
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("41");
    expect(await response.json()).toEqual({ ok: true });
  });

  it("answers a body read whole like fetch: one read only, byte order mark dropped, and body, blob and clone still work", async () => {
    const payload = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"text":"héllo"}')]);
    const { url, fetch } = await serve((_request, response) => void response.writeHead(200, { "content-type": "application/json" }).end(payload));
    const first = await fetch(url);
    expect(first.bodyUsed).toBe(false);
    expect(await first.json()).toEqual({ text: "héllo" });
    expect(first.bodyUsed).toBe(true);
    await expect(first.text()).rejects.toThrow(TypeError);
    const second = await fetch(url);
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(new Uint8Array(payload));
    await expect(second.arrayBuffer()).rejects.toThrow(TypeError);
    const third = await fetch(url);
    const copy = third.clone();
    expect(await new Response(third.body).text()).toBe('{"text":"héllo"}');
    expect(third.bodyUsed).toBe(true);
    expect(await (await copy.blob()).text()).toBe('{"text":"héllo"}');
  });

  it("sends each of many URLs to its own path and query, the same text after its parsed form was let go included", async () => {
    const { url, fetch } = await serve((request, response) => void response.end(request.url));
    // More distinct URLs than the transport keeps parsed (it empties its cache when full), then the first again.
    const paths = Array.from({ length: 300 }, (_, index) => `/v1/item/${index % 7}?page=${index}&q=a%20b`);
    for (const path of [...paths, paths[0]!, `${paths[1]!}#fragment`]) expect(await (await fetch(`${url}${path}`)).text()).toBe(path.replace(/#.*$/, ""));
    expect(received.map((entry) => entry.url)).toEqual([...paths, paths[0], paths[1]]);
    const answered = await fetch(new URL(`${url}/v1/as-url?x=1`));
    expect([await answered.text(), answered.url]).toEqual(["/v1/as-url?x=1", `${url}/v1/as-url?x=1`]);
  });

  it("takes headers as Headers or pairs and bytes as the body", async () => {
    const { url, fetch } = await serve((_request, response) => void response.end("done"));
    await fetch(url, { method: "POST", headers: new Headers({ "x-one": "1" }), body: new TextEncoder().encode("bytes") });
    await fetch(url, { method: "POST", headers: [["x-two", "2"]], body: new TextEncoder().encode("more").buffer });
    expect(received.map((entry) => [entry.headers["x-one"] ?? entry.headers["x-two"], entry.body])).toEqual([["1", "bytes"], ["2", "more"]]);
  });

  it("reuses keep-alive connections for sequential requests", async () => {
    const { url, fetch } = await serve((_request, response) => void response.end("ok"));
    // undici hands a connection to the next request one event-loop turn after an answer ends (a server that said
    // keep-alive may still close it), so back-to-back requests alternate over two connections; never one per request.
    for (let index = 0; index < 20; index++) await (await fetch(url)).text();
    expect(new Set(received.map((entry) => entry.port)).size).toBeLessThanOrEqual(2);
    // With that turn between requests, a single connection serves them all.
    received.length = 0;
    for (let index = 0; index < 5; index++) {
      await (await fetch(url)).text();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(new Set(received.map((entry) => entry.port)).size).toBe(1);
  });

  it("reads a chunked JSON answer whole, also past the buffer limit (then streamed from its start)", async () => {
    const big = JSON.stringify({ data: "x".repeat(5000) });
    const { url, fetch } = await serve(async (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      for (let index = 0; index < big.length; index += 1000) {
        response.write(big.slice(index, index + 1000));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      response.end();
    }, { bufferLimit: 1500 });
    expect(await (await fetch(url)).text()).toBe(big);
    expect(JSON.parse(await (await fetch(url)).text())).toEqual({ data: "x".repeat(5000) });
  });

  it("streams an SSE body: the first event is readable before the server sends the second", async () => {
    let sendSecond: () => void = () => {};
    const second = new Promise<void>((resolve) => (sendSecond = resolve));
    const { url, fetch } = await serve(async (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n");
      await second;
      response.end("data: two\n\n");
    });
    const response = await fetch(url, { method: "POST", body: "{}" });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: one\n\n");
    sendSecond();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: two\n\n");
    expect((await reader.read()).done).toBe(true);
  });

  it("decodes a body the server compressed anyway", async () => {
    const { url, fetch } = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(gzipSync('{"zipped":true}'));
    });
    const response = await fetch(url);
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(await response.json()).toEqual({ zipped: true });
  });

  it("rejects with the signal's reason, before the answer and in the middle of a stream, and closes the connection", async () => {
    let closed = 0;
    const { url, fetch } = await serve(async (request, response) => {
      request.socket.once("close", () => closed++);
      if (request.url === "/stream") {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write("data: one\n\n");
      }
      // Otherwise never answers.
    });
    const early = new AbortController();
    const pending = fetch(`${url}/hang`, { signal: early.signal });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    early.abort(new Error("caller gave up"));
    await expect(pending).rejects.toThrow("caller gave up");

    const late = new AbortController();
    const response = await fetch(`${url}/stream`, { signal: late.signal });
    const reader = response.body!.getReader();
    await reader.read();
    late.abort(new Error("stop streaming"));
    await expect(reader.read()).rejects.toThrow("stop streaming");
    await vi.waitFor(() => expect(closed).toBe(2));

    const already = new AbortController();
    already.abort(new Error("too late"));
    await expect(fetch(url, { signal: already.signal })).rejects.toThrow("too late");
    expect(received).toHaveLength(2);
  });

  it("a connection cut mid-body errors the stream ('terminated'); a refused connection is TypeError fetch failed", async () => {
    const { url, fetch } = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n", () => setTimeout(() => response.socket?.destroy(), 20));
    });
    const reader = (await fetch(url)).body!.getReader();
    await reader.read();
    await expect(reader.read()).rejects.toThrow("terminated");

    const port = server().port;
    await server().close();
    const failure = await fetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe("fetch failed");
    expect(((failure as TypeError).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  it("a JSON answer cut before its declared length rejects with fetch failed instead of resolving short", async () => {
    const { url, fetch } = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      response.write('{"partial":', () => setTimeout(() => response.socket?.destroy(), 20));
    });
    const failure = await fetch(url).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe("fetch failed");
  });

  it("follows redirects: 307 keeps the method and body, 303 continues as a GET without body", async () => {
    const { url, fetch } = await serve((request, response) => {
      if (request.url === "/temporary") response.writeHead(307, { location: "/kept" }).end();
      else if (request.url === "/see-other") response.writeHead(303, { location: `${url}/got` }).end();
      else response.end(`at ${request.url}`);
    });
    expect(await (await fetch(`${url}/temporary`, { method: "POST", body: "payload", headers: { "content-type": "text/plain" } })).text()).toBe("at /kept");
    expect(await (await fetch(`${url}/see-other`, { method: "POST", body: "payload", headers: { "content-type": "text/plain" } })).text()).toBe("at /got");
    expect(received.map((entry) => [entry.method, entry.url, entry.body, entry.headers["content-type"]])).toEqual([
      ["POST", "/temporary", "payload", "text/plain"],
      ["POST", "/kept", "payload", "text/plain"],
      ["POST", "/see-other", "payload", "text/plain"],
      ["GET", "/got", "", undefined],
    ]);
    const manual = await fetch(`${url}/temporary`, { method: "POST", body: "x", redirect: "manual" });
    expect([manual.status, manual.headers.get("location")]).toEqual([307, "/kept"]);
  });

  it("hands what it does not handle itself (FormData, a Request) to the fallback fetch", async () => {
    const fallback = vi.fn(async () => new Response("from fallback"));
    const { url, fetch } = await serve((_request, response) => void response.end("direct"), { fallback });
    const form = new FormData();
    form.set("field", "value");
    expect(await (await fetch(url, { method: "POST", body: form })).text()).toBe("from fallback");
    expect(await (await fetch(new Request(url))).text()).toBe("from fallback");
    expect(fallback).toHaveBeenCalledTimes(2);
    expect(received).toHaveLength(0);
    expect(await (await fetch(url)).text()).toBe("direct");
  });

  it("gives a null body for 204 and HEAD", async () => {
    const { url, fetch } = await serve((request, response) => {
      if (request.method === "HEAD") response.writeHead(200, { "content-length": "5" }).end();
      else response.writeHead(204).end();
    });
    expect((await fetch(url, { method: "DELETE" })).body).toBeNull();
    const head = await fetch(url, { method: "HEAD" });
    expect([head.status, head.body]).toEqual([200, null]);
  });

  it("sends through the dispatcher it is given, and leaves the connection's own headers to it", async () => {
    const agent = new Agent();
    const origins: string[] = [];
    const counting = { dispatch: (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) => (origins.push(String(options.origin)), agent.dispatch(options, handler)), close: () => agent.close() } as unknown as Dispatcher;
    const { url, fetch } = await serve((_request, response) => void response.end("ok"), { dispatcher: counting });
    // fetch forbids these headers; the transport writes its own length and framing whatever the caller says.
    const response = await fetch(`${url}/v1/x`, { method: "POST", body: "four", headers: { "content-length": "99", connection: "close", "transfer-encoding": "chunked" } });
    expect(await response.text()).toBe("ok");
    expect(origins).toEqual([url]);
    expect(received[0]!.headers).toMatchObject({ "content-length": "4" });
    expect(received[0]!.headers["transfer-encoding"]).toBeUndefined();
    expect(received[0]!.body).toBe("four");
  });

  it("a stream read to its end keeps its connection; one dropped half way closes it", async () => {
    const sockets = new Set<unknown>();
    let closed = 0;
    const { url, fetch } = await serve(async (request, response) => {
      if (!sockets.has(request.socket)) request.socket.once("close", () => closed++);
      sockets.add(request.socket);
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n");
      if (request.url === "/whole") response.end("data: two\n\n");
    });
    for (let index = 0; index < 3; index++) {
      expect(await (await fetch(`${url}/whole`)).text()).toBe("data: one\n\ndata: two\n\n");
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sockets.size).toBe(1);
    const reader = (await fetch(`${url}/half`)).body!.getReader();
    await reader.read();
    await reader.cancel();
    await vi.waitFor(() => expect(closed).toBe(1));
  });

  it("reads a JSON body of up to bufferLimit bytes whole (no stream reader offered) and streams a longer one or an event stream", async () => {
    const exact = JSON.stringify({ text: "x".repeat(89) });
    const over = JSON.stringify({ text: "x".repeat(90) });
    expect([exact.length, over.length]).toEqual([100, 101]);
    const { url, fetch } = await serve((request, response) => {
      if (request.url === "/sse") return void response.writeHead(200, { "content-type": "text/event-stream" }).end("data: one\n\n");
      const body = request.url === "/exact" ? exact : over;
      response.writeHead(200, { "content-type": "application/json", "content-length": String(body.length), "x-request-id": "req_12345678" }).end(body);
    }, { bufferLimit: 100 });
    const whole = await fetch(`${url}/exact`);
    expect(BODY_READER in whole).toBe(false);
    expect(await whole.text()).toBe(exact);
    const streamed = await fetch(`${url}/over`);
    expect(BODY_READER in streamed).toBe(true);
    expect(await streamed.text()).toBe(over);
    const events = await fetch(`${url}/sse`);
    expect(BODY_READER in events).toBe(true);
    expect(await events.text()).toBe("data: one\n\n");
  });

  it("an answer whose status no HTTP allows is TypeError fetch failed", async () => {
    const { url, fetch } = await serve((_request, response) => void response.writeHead(600).end("odd"));
    const failure = await fetch(url).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(((failure as TypeError).cause as Error).message).toBe("unexpected status 600");
  });
});
