/**
 * The relay's direct path (Node transport): the upstream's IncomingMessage is piped into the client's socket, and
 * the request is a BufferedRequest, so no undici Request, Response, Headers or web ReadableStream is built. Checked
 * over real sockets: what the fake upstream received, what the client got, and every way an exchange can be cut.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startLocalServer, type LocalServer, type RequestHandler } from "../../sdk/test/fakes/http.js";
import { createProxy } from "../src/handler.js";
import { startProxyServer, type ProxyServer } from "../src/node-adapter.js";
import { createNodeTransport } from "../src/node-transport.js";
import type { RelayOptions } from "../src/relay.js";
import { BufferedRequest, NodeBodyReply, toResponse } from "../src/responses.js";

let upstream: LocalServer | undefined;
let proxy: ProxyServer | undefined;

afterEach(async () => {
  vi.unstubAllGlobals();
  await proxy?.close(100);
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
});

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

/** A fake upstream recording each request whole, then answering with `answer`. */
async function startUpstream(answer: RequestHandler, seen: Seen[] = []): Promise<{ server: LocalServer; seen: Seen[] }> {
  upstream = await startLocalServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    seen.push({ method: request.method!, url: request.url!, rawHeaders: request.rawHeaders, body: Buffer.concat(parts).toString() });
    await answer(request, response);
  });
  return { server: upstream, seen };
}

async function relayTo(answer: RequestHandler, relay: RelayOptions = {}): Promise<{ base: string; seen: Seen[]; server: LocalServer }> {
  const { server, seen } = await startUpstream(answer);
  proxy = await startProxyServer({ port: 0, relay: { allowPrivate: [`127.0.0.1:${server.port}`], ...relay } });
  return { base: `${proxy.url}/proxy/${server.url}`, seen, server };
}

interface Got {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** A plain node:http client (no undici): headers given as arrays go out as repeated header lines. */
function call(url: string, options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: options.method ?? "GET", headers: options.headers ?? {} }, (incoming) => {
      const parts: Buffer[] = [];
      incoming.on("data", (part: Buffer) => parts.push(part));
      incoming.on("end", () => resolve({ status: incoming.statusCode!, statusText: incoming.statusMessage!, headers: incoming.headers, rawHeaders: incoming.rawHeaders, body: Buffer.concat(parts) }));
      incoming.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

/** Pairs of a raw header list, names lower-cased. */
function pairs(raw: string[]): Array<[string, string]> {
  const result: Array<[string, string]> = [];
  for (let index = 0; index < raw.length; index += 2) result.push([raw[index]!.toLowerCase(), raw[index + 1]!]);
  return result;
}

/** Replaces the global Web classes with counting ones for the rest of the test. */
function countWebObjects(): Record<"Request" | "Response" | "Headers" | "ReadableStream", number> {
  const counts = { Request: 0, Response: 0, Headers: 0, ReadableStream: 0 };
  for (const name of Object.keys(counts) as Array<keyof typeof counts>) {
    const original = globalThis[name] as unknown as new (...args: unknown[]) => object;
    vi.stubGlobal(name, new Proxy(original, { construct: (target, args, newTarget) => ((counts[name] += 1), Reflect.construct(target, args, newTarget)) }));
  }
  return counts;
}

const JSON_ANSWER: RequestHandler = (_request, response) => {
  response.writeHead(200, "Fine", [
    ["Content-Type", "application/json"],
    ["X-Twice", "one"],
    ["X-Twice", "two"],
    ["Set-Cookie", "session=upstream-secret"],
    ["Connection", "keep-alive, X-Hop"],
    ["X-Hop", "must-not-pass"],
    ["Proxy-Authenticate", "Basic"],
    ["Access-Control-Allow-Origin", "https://upstream.example"],
    ["Strict-Transport-Security", "max-age=1"],
    ["X-Request-Id", "upstream-id"],
    ["Content-Length", "11"],
  ].flat());
  response.end('{"ok":true}');
};

describe("relay, direct path: hop-by-hop headers the upstream names", () => {
  it("drops every header named by any of the upstream's Connection lines, one name or several", async () => {
    const { base } = await relayTo((_request, response) => {
      response.writeHead(200, [
        ["Content-Type", "application/json"],
        ["Connection", "keep-alive"],
        ["Connection", "X-Hop-One"],
        ["X-Hop-One", "upstream internal"],
        ["X-Hop-Two", "upstream internal"],
        ["X-Kept", "end to end"],
        ["Content-Length", "2"],
      ].flat());
      response.end("{}");
    });
    const got = await call(`${base}/v1/models`);
    expect(got.status).toBe(200);
    expect(got.headers["x-hop-one"]).toBeUndefined();
    expect(got.headers["x-kept"]).toBe("end to end");
    expect(got.body.toString()).toBe("{}");
    await upstream?.close();
    await proxy?.close(100);
    const second = await relayTo((_request, response) => {
      response.writeHead(200, [["Connection", "X-Hop-Two, keep-alive"], ["X-Hop-Two", "upstream internal"], ["X-Kept", "end to end"], ["Content-Length", "2"]].flat());
      response.end("{}");
    });
    const again = await call(`${second.base}/v1/models`);
    expect(again.headers["x-hop-two"]).toBeUndefined();
    expect(again.headers["x-kept"]).toBe("end to end");
  });
});

describe("relay, direct path: what crosses", () => {
  it("sends method, filtered headers (repeated ones joined) and the body up, and the filtered answer down", async () => {
    const { base, seen } = await relayTo(JSON_ANSWER);
    const got = await call(`${base}/v1/chat/completions?x=1`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer sk-browser",
        "x-multi": ["a", "b"],
        accept: ["application/json", "text/plain"],
        connection: "keep-alive, X-Listed",
        "x-listed": "drop me",
        "proxy-authorization": "Basic cHJveHk6c2VjcmV0",
        "proxy-whatever": "drop me",
        cookie: "session=browser-secret",
        referer: "http://127.0.0.1/page",
        "x-forwarded-for": "10.0.0.1",
        "x-modelmesh-proxy-token": "not-for-upstream",
      },
      body: '{"model":"m"}',
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe("POST");
    expect(seen[0]!.url).toBe("/v1/chat/completions?x=1");
    expect(seen[0]!.body).toBe('{"model":"m"}');
    const upstreamHeaders = pairs(seen[0]!.rawHeaders).filter(([name]) => name !== "host" && name !== "connection");
    expect(upstreamHeaders).toEqual([
      ["content-type", "application/json"],
      ["authorization", "Bearer sk-browser"],
      ["x-multi", "a, b"],
      ["accept", "application/json, text/plain"],
      ["content-length", "13"],
    ]);

    expect([got.status, got.statusText, got.body.toString()]).toEqual([200, "Fine", '{"ok":true}']);
    const returned = pairs(got.rawHeaders).filter(([name]) => !["date", "connection", "keep-alive"].includes(name));
    expect(returned).toEqual([
      ["content-type", "application/json"],
      ["x-twice", "one, two"],
      ["x-upstream-request-id", "upstream-id"],
      ["content-length", "11"],
      ["x-content-type-options", "nosniff"],
      ["content-security-policy", "default-src 'none'; sandbox"],
      ["x-request-id", got.headers["x-request-id"]],
    ]);
  });

  it("builds no undici Request, Response, Headers or web ReadableStream for a small POST or a GET", async () => {
    const { base, seen } = await relayTo(JSON_ANSWER);
    await call(`${base}/warm`); // the first exchange opens the kept-alive connection
    const counts = countWebObjects();
    const post = await call(`${base}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"model":"m"}' });
    const get = await call(`${base}/v1/models`);
    expect(counts).toEqual({ Request: 0, Response: 0, Headers: 0, ReadableStream: 0 });
    expect([post.body.toString(), get.body.toString()]).toEqual(['{"ok":true}', '{"ok":true}']);
    expect(seen.map((entry) => `${entry.method} ${entry.url} ${entry.body}`)).toEqual(["GET /warm ", 'POST /v1/chat/completions {"model":"m"}', "GET /v1/models "]);
  });

  it("answers the proxy's own refusals unchanged: 405, 400, 403 and 413", async () => {
    const { base, seen, server } = await relayTo(JSON_ANSWER);
    proxy!.server.close();
    await proxy!.close(100);
    proxy = await startProxyServer({ port: 0, maxBodyBytes: 8, relay: { allowPrivate: [`127.0.0.1:${server.port}`] } });
    const at = (path: string) => `${proxy!.url}${path}`;
    expect((await call(at(`/proxy/${server.url}/x`), { method: "PROPFIND", body: "{}" })).status).toBe(405);
    expect((await call(at("/proxy/not-a-url"))).status).toBe(400);
    expect((await call(at("/proxy/http://127.0.0.1:1/x"))).status).toBe(403);
    expect((await call(at("/proxy/https://elsewhere.example/x"))).status).toBe(403);
    const tooLarge = await call(at(`/proxy/${server.url}/x`), { method: "POST", body: "123456789" });
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body.toString()).error.code).toBe("request_too_large");
    expect(seen).toHaveLength(0);
    void base;
  });
});

describe("relay, direct path: odd upstreams", () => {
  it("a header value with a control byte (which node:http could not write back) is a 502, not a crash", async () => {
    const { createServer } = await import("node:net");
    const raw = createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\nx-odd: a\u0001b\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"));
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    const port = (raw.address() as { port: number }).port;
    try {
      proxy = await startProxyServer({ port: 0, relay: { allowPrivate: [`127.0.0.1:${port}`] } });
      const got = await call(`${proxy.url}/proxy/http://127.0.0.1:${port}/x`);
      expect(got.status).toBe(502);
      expect(JSON.parse(got.body.toString()).error.code).toBe("upstream_unreachable");
    } finally {
      raw.close();
    }
  });
});

describe("relay, direct path: cuts", () => {
  it("a slow client's backpressure does not count as upstream silence: the whole body arrives", async () => {
    const size = 64 * 1024 * 1024;
    const piece = Buffer.alloc(1024 * 1024, 0x61);
    const { base, server } = await relayTo((_request, response) => {
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(size) });
      for (let sent = 0; sent < size; sent += piece.length) response.write(piece);
      response.end();
    }, { idleTimeoutMs: 500 });
    const received = await new Promise<{ bytes: number; complete: boolean }>((resolve, reject) => {
      const outgoing = httpRequest(`${base}/big`, (incoming) => {
        let bytes = 0;
        // The client stops reading for four idle timeouts: the proxy's socket fills and it pauses the upstream.
        // (The timeout is not shorter: a loaded machine may stall the whole process for a good part of it.)
        incoming.pause();
        setTimeout(() => {
          incoming.on("data", (part: Buffer) => (bytes += part.length));
          incoming.resume();
        }, 2_000);
        incoming.on("end", () => resolve({ bytes, complete: incoming.complete }));
        incoming.on("error", reject);
        incoming.on("aborted", () => reject(new Error(`cut after ${bytes} bytes`)));
      });
      outgoing.on("error", reject);
      outgoing.end();
    });
    expect(received).toEqual({ bytes: size, complete: true });
    await vi.waitFor(() => expect(server.exchanges[0]!.ending).toBe("completed"));
  }, 30_000);

  it("an upstream silent past idle_timeout_ms: the client's connection is cut and the upstream request closed", async () => {
    const { base, server } = await relayTo((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n"); // and then nothing, ever
    }, { idleTimeoutMs: 150 });
    const started = performance.now();
    const outcome = await new Promise<{ first: string; complete: boolean; afterMs: number }>((resolve, reject) => {
      const outgoing = httpRequest(`${base}/stream`, (incoming) => {
        let first = "";
        incoming.on("data", (part: Buffer) => (first ||= part.toString()));
        incoming.on("error", () => {});
        incoming.once("close", () => resolve({ first, complete: incoming.complete, afterMs: performance.now() - started }));
      });
      outgoing.on("error", reject);
      outgoing.end();
    });
    expect(outcome.first).toBe("data: one\n\n");
    expect(outcome.complete).toBe(false);
    expect(outcome.afterMs).toBeGreaterThanOrEqual(140);
    expect(outcome.afterMs).toBeLessThan(5_000);
    await vi.waitFor(() => expect(server.exchanges[0]!.ending).toBe("client-closed"), { timeout: 5_000 });
  });

  it("a client leaving mid-body closes the upstream request at once, long before any timeout", async () => {
    const { base, server } = await relayTo((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n");
    });
    await new Promise<void>((resolve, reject) => {
      const outgoing = httpRequest(`${base}/stream`, (incoming) => {
        incoming.once("data", () => {
          outgoing.destroy();
          resolve();
        });
      });
      outgoing.on("error", () => {});
      outgoing.once("error", reject);
      outgoing.end();
    });
    await vi.waitFor(() => expect(server.exchanges[0]!.ending).toBe("client-closed"), { timeout: 2_000 });
  });

  it("a client leaving before the upstream's headers closes the upstream request", async () => {
    let arrived!: () => void;
    const waiting = new Promise<void>((resolve) => (arrived = resolve));
    const { base, server } = await relayTo(() => arrived()); // never answers
    const outgoing = httpRequest(`${base}/slow`);
    outgoing.on("error", () => {});
    outgoing.end();
    await waiting;
    outgoing.destroy();
    await vi.waitFor(() => expect(server.exchanges[0]!.ending).toBe("client-closed"), { timeout: 2_000 });
  });
});

describe("relay, direct path through the Web-standard entry", () => {
  const local = { host: "127.0.0.1" };

  async function webProxy(answer: RequestHandler, relay: RelayOptions = {}) {
    const { server, seen } = await startUpstream(answer);
    const web = createProxy({ listening: local, relay: { transport: createNodeTransport(), allowPrivate: [`127.0.0.1:${server.port}`], ...relay } });
    return { web, seen, server, url: (path: string) => `http://127.0.0.1:8787/proxy/${server.url}${path}` };
  }

  it("handle() answers a correct Response; respond() gives the adapter the upstream's Node stream", async () => {
    const { web, seen, url } = await webProxy(JSON_ANSWER);
    const response = await web.handle(new Request(url("/v1/x"), { method: "POST", headers: { "content-type": "application/json", "x-request-id": "mine-1" }, body: "{}" }));
    expect([response.status, response.statusText, await response.text()]).toEqual([200, "Fine", '{"ok":true}']);
    expect(response.headers.get("x-twice")).toBe("one, two");
    expect(response.headers.get("x-upstream-request-id")).toBe("upstream-id");
    expect(response.headers.get("x-request-id")).toBe("mine-1");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("x-hop")).toBeNull();
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(seen[0]).toMatchObject({ method: "POST", url: "/v1/x", body: "{}" });

    const buffered = new BufferedRequest("GET", url("/v1/y"), { get: () => null, has: () => false }, null, () => [["Host", "127.0.0.1:8787"], ["X-Multi", "a"], ["x-multi", "b"]]);
    const reply = await web.respond(buffered);
    expect(reply).toBeInstanceOf(NodeBodyReply);
    const body = (reply as NodeBodyReply).take()!;
    const parts: Buffer[] = [];
    for await (const part of body) parts.push(part as Buffer);
    expect(Buffer.concat(parts).toString()).toBe('{"ok":true}');
    expect(pairs(seen[1]!.rawHeaders).filter(([name]) => name === "x-multi")).toEqual([["x-multi", "a, b"]]);
  });

  it("a silent body errors the reader with the idle timeout and closes the upstream request", async () => {
    const { web, server, url } = await webProxy((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n");
    }, { idleTimeoutMs: 100 });
    const reader = (await web.handle(new Request(url("/stream")))).body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: one\n\n");
    const failure = await reader.read().then(() => undefined, (error: unknown) => error as Error);
    expect(failure?.name).toBe("UpstreamTimeout");
    expect(failure?.message).toContain("sent nothing for 0.1 s");
    await vi.waitFor(() => expect(server.exchanges[0]!.ending).toBe("client-closed"), { timeout: 2_000 });
  });

  it("the caller's signal aborted mid-body, or before the headers, closes the upstream request", async () => {
    const { web, server, url } = await webProxy((request, response) => {
      if (request.url === "/hang") return;
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n");
    });
    const client = new AbortController();
    const reader = (await web.handle(new Request(url("/stream")), { signal: client.signal })).body!.getReader();
    await reader.read();
    client.abort(new Error("tab closed"));
    await expect(reader.read()).rejects.toThrow("tab closed");
    await vi.waitFor(() => expect(server.exchanges[0]!.ending).toBe("client-closed"), { timeout: 2_000 });

    const early = new AbortController();
    const pending = web.handle(new Request(url("/hang")), { signal: early.signal });
    await vi.waitFor(() => expect(server.exchanges).toHaveLength(2));
    early.abort(new Error("gone"));
    expect((await pending).status).toBe(499);
    await vi.waitFor(() => expect(server.exchanges[1]!.ending).toBe("client-closed"), { timeout: 2_000 });
    const gone = new AbortController();
    gone.abort();
    expect((await web.handle(new Request(url("/never")), { signal: gone.signal })).status).toBe(499);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.exchanges).toHaveLength(2);
  });

  it("no headers within timeout_ms: 504, and the upstream request is closed", async () => {
    const { web, server, url } = await webProxy(() => {}, { timeoutMs: 100 });
    const response = toResponse(await web.respond(new BufferedRequest("GET", url("/hang"), { get: () => null, has: () => false }, null, () => [])));
    expect(response.status).toBe(504);
    expect((await response.json()).error.message).toContain("sent no response headers within 0.1 s");
    await vi.waitFor(() => expect(server.exchanges[0]!.ending).toBe("client-closed"), { timeout: 2_000 });
  });
});

void ({} as IncomingMessage | ServerResponse);
