/**
 * What the node adapter (cors-proxy/src/node-adapter.ts) hands the proxy: the request's method, URL, headers and
 * body (read first or streamed), the connection's signal, and the answers it writes itself when no request can be
 * built. Each test drives a real node:http exchange against the adapter over a stub proxy that records what it got.
 *
 * Survivors judged equivalent:
 * - headerPairs' `index + 1 < raw.length` -> `<=`: rawHeaders always has an even length.
 * - distinctHeaders' `values.length === 1 ? values[0] : join` with the test -> false: joining one value gives it back.
 * - readSmallBody's `parts.length === 1 ? parts[0] : Buffer.concat(parts)` -> concat: the same bytes.
 * - readSmallBody's `once("error", reject)` with the event name emptied: a client that hung up mid-body never gets an
 *   answer either way (only a pending promise is left behind).
 * - `incoming.url ?? "/"`, `incoming.method ?? "GET"` and `incoming.url?.startsWith`: node:http's server always sets
 *   both on a request.
 * - `bodyIdleMs > 0` -> `>= 0`: `socket.setTimeout(0)` sets no timeout.
 * Stryker reports `if (bodyIdleMs > 0 && !incoming.complete)` -> `if (true)` as surviving; applied by hand, "keeps
 * waiting for a slow answer once the body is in" below fails (the bodyless GET is cut after bodyIdleMs).
 */
import { request as httpRequest, Agent } from "node:http";
import { describe, expect, it } from "vitest";
import { rawExchange, stubProxyPerTest } from "./support/stub-proxy.js";

const { serve, handed, admitted } = stubProxyPerTest();

const head = (lines: string[]) => `${lines.join("\r\n")}\r\n\r\n`;

describe("requests without a body", () => {
  for (const method of ["GET", "HEAD", "OPTIONS"]) {
    it(`hands a ${method} over unread, with the origin's URL and repeated headers joined as Headers joins them`, async () => {
      const server = await serve();
      const reply = await rawExchange(server.port, [head([`${method} /v1/models?limit=2 HTTP/1.1`, "Host: 127.0.0.1", "X-Dup: one", "x-dup: two", "X-Single: only", "Connection: close"])]);
      expect(reply.status).toBe(200);
      expect(handed).toHaveLength(1);
      const [request] = handed;
      expect([request!.method, request!.url, request!.streamed, request!.body]).toEqual([method, "http://proxy.test/v1/models?limit=2", false, null]);
      expect([request!.headers.get("x-dup"), request!.headers.get("x-single"), request!.headers.get("x-absent")]).toEqual(["one, two", "only", null]);
      expect([request!.headers.has("x-dup"), request!.headers.has("x-absent")]).toEqual([true, false]);
      // The relay forwards these: names lower-cased, a repeated header once with its values joined, in arrival order.
      expect(request!.entries).toEqual([
        ["host", "127.0.0.1"],
        ["x-dup", "one, two"],
        ["x-single", "only"],
        ["connection", "close"],
      ]);
      // A bodyless request is never weighed against the token check before reading: there is nothing to read.
      expect(admitted).toEqual([]);
    });
  }

  it("asks an origin given as a function again on every request", async () => {
    let origin = "http://first.test:1";
    const server = await serve({ origin: () => origin });
    await (await fetch(`${server.url}/a`)).text();
    origin = "http://second.test:2";
    await (await fetch(`${server.url}/b`)).text();
    expect(handed.map((request) => request.url)).toEqual(["http://first.test:1/a", "http://second.test:2/b"]);
  });
});

describe("requests with a body", () => {
  it("reads a body of declared length whole, even when it arrives in pieces, after asking admits with the path", async () => {
    const server = await serve();
    const body = '{"model":"m","input":"split in two"}';
    const reply = await rawExchange(
      server.port,
      [head(["POST /v1/embeddings?x=1 HTTP/1.1", "Host: 127.0.0.1", "Authorization: Bearer t-1", "Content-Type: application/json", `Content-Length: ${body.length}`, "Connection: close"]) + body.slice(0, 10), body.slice(10)],
      { gapMs: 30 },
    );
    expect(reply.status).toBe(200);
    expect(handed.map(({ method, url, streamed, body }) => ({ method, url, streamed, body }))).toEqual([{ method: "POST", url: "http://proxy.test/v1/embeddings?x=1", streamed: false, body }]);
    expect(handed[0]!.headers.get("content-type")).toBe("application/json");
    // admits sees node:http's headers: a string value, or null (never undefined) for a header that is not there.
    expect(admitted).toEqual([{ path: "/v1/embeddings?x=1", authorization: "Bearer t-1", absent: null }]);
  });

  it("streams a body of unknown length (chunked) to the proxy, whole and with its headers", async () => {
    const server = await serve();
    const reply = await rawExchange(
      server.port,
      [head(["PUT /up HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked", "X-Dup: a", "X-Dup: b", "Connection: close"]) + "5\r\nhello\r\n", "6\r\n world\r\n0\r\n\r\n"],
      { gapMs: 30 },
    );
    expect(reply.status).toBe(200);
    expect(handed.map(({ method, url, streamed, body }) => ({ method, url, streamed, body }))).toEqual([{ method: "PUT", url: "http://proxy.test/up", streamed: true, body: "hello world" }]);
    expect(handed[0]!.headers.get("x-dup")).toBe("a, b");
  });

  it("does not read ahead a body the token check will refuse: the proxy gets it as a stream", async () => {
    const server = await serve({ admits: () => false });
    const response = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer wrong" }, body: "{}" });
    expect(response.status).toBe(200);
    expect(admitted).toEqual([{ path: "/v1/chat/completions", authorization: "Bearer wrong", absent: null }]);
    expect(handed.map(({ streamed, body }) => ({ streamed, body }))).toEqual([{ streamed: true, body: "{}" }]);
  });

  it("reads a body of exactly maxBodyBytes first, and streams one a byte longer", async () => {
    const server = await serve({ listener: { maxBodyBytes: 10 } });
    await (await fetch(server.url, { method: "POST", body: "0123456789" })).text();
    await (await fetch(server.url, { method: "POST", body: "0123456789A" })).text();
    expect(handed.map(({ streamed, body }) => ({ streamed, body }))).toEqual([
      { streamed: false, body: "0123456789" },
      { streamed: true, body: "0123456789A" },
    ]);
  });

  it("reads up to 1 MiB first when maxBodyBytes is larger or unset, and streams anything longer", async () => {
    const mib = 1024 * 1024;
    for (const listener of [{}, { maxBodyBytes: 8 * mib }]) {
      const server = await serve({ listener });
      await (await fetch(server.url, { method: "POST", body: "x".repeat(mib) })).text();
      await (await fetch(server.url, { method: "POST", body: "x".repeat(mib + 1) })).text();
      expect(handed.map(({ streamed, body }) => [streamed, body?.length])).toEqual([
        [false, mib],
        [true, mib + 1],
      ]);
      handed.length = 0;
      await server.close();
    }
  });
});

describe("answers the adapter writes itself", () => {
  const errorBody = (message: string) => ({ error: { message, type: "invalid_request_error", param: null, code: null } });

  it("answers 400 to a request target that is not a path, without calling the proxy", async () => {
    const server = await serve();
    for (const target of ["http://example.test/v1/models", "*"]) {
      const reply = await rawExchange(server.port, [head([`OPTIONS ${target} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close"])]);
      expect(reply.status).toBe(400);
      expect(reply.text).toMatch(/\r\ncontent-type: application\/json\r\n/i);
      expect(reply.text).toMatch(new RegExp(`\\r\\ncontent-length: ${Buffer.byteLength(reply.body)}\\r\\n`, "i"));
      expect(JSON.parse(reply.body)).toEqual(errorBody("request target must be a path"));
    }
    expect(handed).toEqual([]);
  });

  it("answers 400 when the request cannot be read (the token check failed), without calling the proxy", async () => {
    const server = await serve({
      admits: () => {
        throw new Error("token store unreachable");
      },
    });
    const response = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", body: "{}" });
    expect([response.status, response.headers.get("content-type")]).toEqual([400, "application/json"]);
    expect(await response.json()).toEqual(errorBody("the request could not be read"));
    expect(handed).toEqual([]);
  });

  it("answers 500 when the proxy fails before answering", async () => {
    const server = await serve({
      reply: () => {
        throw new Error("boom");
      },
    });
    const response = await fetch(`${server.url}/v1/models`);
    expect([response.status, response.headers.get("content-type")]).toEqual([500, "application/json"]);
    expect(await response.json()).toEqual(errorBody("the proxy failed while handling this request"));
  });

  it("cuts the connection when the answer fails after its status line went out", async () => {
    const server = await serve({
      reply: () => {
        const headers = { *[Symbol.iterator]() {
          yield ["content-type", "text/plain"] as [string, string];
        } };
        // An answer of a kind the adapter does not know, whose body getter fails once the head is written.
        return { status: 200, statusText: "", headers, get body(): never {
          throw new Error("body unreadable");
        } } as never;
      },
    });
    const reply = await rawExchange(server.port, [head(["GET / HTTP/1.1", "Host: 127.0.0.1"])]);
    // No 500 after a 200's head: the client sees the connection end with no answer, not a second status line.
    expect(reply.closed).toBe(true);
    expect(reply.text).not.toContain("500");
  });
});

describe("the request context", () => {
  it("gives the client's address and one signal per connection, aborted when the connection closes", async () => {
    const server = await serve();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<void>((resolve, reject) => {
        httpRequest(`${server.url}/v1/models`, { agent }, (incoming) => {
          incoming.resume();
          incoming.once("end", resolve);
        })
          .once("error", reject)
          .end();
      });
    await get();
    await get();
    expect(server.connections).toBe(1);
    const [first, second] = handed.map((request) => request.context);
    expect([first!.remoteAddress, second!.remoteAddress]).toEqual(["127.0.0.1", "127.0.0.1"]);
    // The same connection, the same signal: nothing is built per request.
    expect(second!.signal).toBe(first!.signal);
    expect(first!.signal!.aborted).toBe(false);

    // A request on another connection has its own signal, which the first connection's close leaves alone.
    await (await fetch(`${server.url}/v1/models`)).text();
    const other = handed[2]!.context.signal!;
    expect(other).not.toBe(first!.signal);
    agent.destroy();
    await expect.poll(() => first!.signal!.aborted, { timeout: 2_000 }).toBe(true);
    expect(other.aborted).toBe(false);
  });
});

describe("bodyIdleMs", () => {
  it("closes a connection whose body stops half-way once the body has been silent that long", async () => {
    const server = await serve({ listener: { bodyIdleMs: 100 } });
    const started = performance.now();
    const reply = await rawExchange(server.port, [head(["POST /v1/embeddings HTTP/1.1", "Host: 127.0.0.1", "Content-Length: 100"]) + '{"model":'], { waitMs: 2_000 });
    expect(reply.closed).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(handed).toEqual([]);
  });

  it("keeps waiting for a slow answer once the body is in, for a body read first or none", async () => {
    const server = await serve({ listener: { bodyIdleMs: 100 }, reply: async () => (await new Promise((resolve) => setTimeout(resolve, 400)), new Response("late")) });
    const posted = await fetch(`${server.url}/v1/embeddings`, { method: "POST", body: "{}" });
    expect([posted.status, await posted.text()]).toEqual([200, "late"]);
    const got = await fetch(`${server.url}/v1/models`);
    expect([got.status, await got.text()]).toEqual([200, "late"]);
  });

  it("leaves a connection open without it (bodyIdleMs 0)", async () => {
    const server = await serve({ listener: { bodyIdleMs: 0 } });
    const reply = await rawExchange(server.port, [head(["POST /v1/embeddings HTTP/1.1", "Host: 127.0.0.1", "Content-Length: 100"]) + '{"model":'], { waitMs: 400 });
    expect(reply.closed).toBe(false);
  });
});
