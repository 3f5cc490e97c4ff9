import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createNodeTransport, type ResolvedAddress } from "../src/node-transport.js";
import { BlockedAddressError, type RelayRequest } from "../src/relay.js";

// The relay's Node transport against real local servers: what the upstream receives, what the caller gets back
// (status, status text, headers exactly, no body where HTTP has none), keep-alive, and every way a lookup can fail.

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Received {
  method: string;
  url: string;
  body: string;
  remotePort: number;
}

async function startUpstream(host = "127.0.0.1", answer?: (request: IncomingMessage, response: import("node:http").ServerResponse) => void) {
  const received: Received[] = [];
  const server: Server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ method: request.method!, url: request.url!, body: Buffer.concat(chunks).toString(), remotePort: request.socket.remotePort! });
      if (answer) return answer(request, response);
      response.writeHead(200, "Fine Here", [["X-Twice", "one"], ["X-Twice", "two"], ["Content-Type", "text/plain"]]);
      response.end(`got ${chunks.reduce((total, chunk) => total + chunk.length, 0)} bytes`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  closers.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  return { port: (server.address() as AddressInfo).port, received };
}

/** A raw TCP server answering every connection with `reply` (for status lines node:http would not write). */
async function startRaw(reply: string) {
  const server: TcpServer = createTcpServer((socket) => {
    socket.once("data", () => socket.end(reply));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

const request = (overrides: Partial<RelayRequest> = {}): RelayRequest => ({
  method: "GET",
  headers: [],
  body: null,
  signal: new AbortController().signal,
  allowPrivateAddresses: true,
  ...overrides,
});

/** A resolver that records the names asked and answers from a table. */
function resolver(table: Record<string, ResolvedAddress[]>) {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    return table[hostname] ?? [];
  };
  return { asked, resolve };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: Error & { code?: string }) => error,
  );
}

describe("createNodeTransport", () => {
  it("returns the upstream's status, status text and headers exactly, and its body", async () => {
    const { port, received } = await startUpstream();
    const { resolve } = resolver({ "upstream.test": [{ address: "127.0.0.1", family: 4 }] });
    const response = await createNodeTransport({ resolve })(new URL(`http://upstream.test:${port}/v1/models?x=1`), request());
    expect(response.status).toBe(200);
    expect(response.statusText).toBe("Fine Here");
    expect([...response.headers]).toEqual([
      ["connection", "keep-alive"],
      ["content-type", "text/plain"],
      ["date", response.headers.get("date")],
      ["keep-alive", "timeout=5"],
      ["transfer-encoding", "chunked"],
      ["x-twice", "one, two"],
    ]);
    expect(await response.text()).toBe("got 0 bytes");
    expect(received[0]).toMatchObject({ method: "GET", url: "/v1/models?x=1" });
  });

  it("reuses one kept-alive connection for consecutive requests", async () => {
    const { port, received } = await startUpstream();
    const transport = createNodeTransport();
    // undici hands a connection on one event-loop turn after an answer ends (a server that said keep-alive may
    // still close it): with that turn between the requests, the second goes over the first one's connection.
    for (let index = 0; index < 2; index++) {
      await (await transport(new URL(`http://127.0.0.1:${port}/`), request())).text();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(received).toHaveLength(2);
    expect(received[1]!.remotePort).toBe(received[0]!.remotePort);
  });

  it("reaches an IPv6 literal without asking the resolver", async () => {
    const { port, received } = await startUpstream("::1");
    const { asked, resolve } = resolver({});
    const response = await createNodeTransport({ resolve })(new URL(`http://[::1]:${port}/v6`), request());
    expect(response.status).toBe(200);
    await response.text();
    expect(asked).toEqual([]);
    expect(received[0]!.url).toBe("/v6");
  });

  it("streams a large request body through back-pressure", async () => {
    const { port, received } = await startUpstream();
    const piece = new Uint8Array(64 * 1024).fill(0x61);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8 * 1024 * 1024) return controller.close();
        sent += piece.length;
        controller.enqueue(piece);
      },
    });
    const response = await createNodeTransport()(new URL(`http://127.0.0.1:${port}/upload`), request({ method: "POST", body }));
    expect(await response.text()).toBe(`got ${8 * 1024 * 1024} bytes`);
    expect(received[0]!.body.length).toBe(8 * 1024 * 1024);
  }, 30_000);

  it("sends a body given as bytes", async () => {
    const { port, received } = await startUpstream();
    const response = await createNodeTransport()(new URL(`http://127.0.0.1:${port}/`), request({ method: "POST", body: new TextEncoder().encode("hello") }));
    expect(await response.text()).toBe("got 5 bytes");
    expect(received[0]!.body).toBe("hello");
  });

  it("gives no body for HEAD and for 204, 205 and 304", async () => {
    for (const status of [204, 205, 304]) {
      const { port } = await startUpstream("127.0.0.1", (_request, response) => response.writeHead(status).end());
      const response = await createNodeTransport()(new URL(`http://127.0.0.1:${port}/`), request());
      expect(response.status, String(status)).toBe(status);
      expect(response.body, String(status)).toBeNull();
    }
    const { port } = await startUpstream("127.0.0.1", (_request, response) => response.writeHead(200, { "content-length": "5" }).end());
    const head = await createNodeTransport()(new URL(`http://127.0.0.1:${port}/`), request({ method: "HEAD" }));
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect(head.headers.get("content-length")).toBe("5");
  });

  it("refuses a status outside 200-599", async () => {
    const port = await startRaw("HTTP/1.1 600 Odd\r\ncontent-length: 0\r\n\r\n");
    expect((await rejection(createNodeTransport()(new URL(`http://127.0.0.1:${port}/`), request()))).message).toBe("upstream answered with status 600");
    const ok = await startRaw("HTTP/1.1 599 Edge\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    expect((await createNodeTransport()(new URL(`http://127.0.0.1:${ok}/`), request())).status).toBe(599);
  });

  it("gives an empty status text when the upstream sends none", async () => {
    const port = await startRaw("HTTP/1.1 200 \r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    const response = await createNodeTransport()(new URL(`http://127.0.0.1:${port}/`), request());
    expect(response.statusText).toBe("");
    expect(await response.text()).toBe("ok");
  });

  it("refuses a name that resolves to a private address, unless the host is allowed", async () => {
    const { port } = await startUpstream();
    const { resolve } = resolver({ "rebind.test": [{ address: "127.0.0.1", family: 4 }] });
    const transport = createNodeTransport({ resolve });
    const error = await rejection(transport(new URL(`http://rebind.test:${port}/`), request({ allowPrivateAddresses: false })));
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(error.message).toBe("rebind.test resolves to 127.0.0.1, a loopback, private or link-local address");
    expect((await transport(new URL(`http://rebind.test:${port}/`), request({ allowPrivateAddresses: true }))).status).toBe(200);
  });

  it("fails with ENOTFOUND when a name has no address, and with the resolver's own error", async () => {
    const { resolve } = resolver({});
    const missing = await rejection(createNodeTransport({ resolve })(new URL("http://nowhere.test/"), request()));
    expect(missing.code).toBe("ENOTFOUND");
    expect(missing.message).toBe("no address for nowhere.test");
    const failing = async () => {
      throw Object.assign(new Error("resolver down"), { code: "ESERVFAIL" });
    };
    const error = await rejection(createNodeTransport({ resolve: failing })(new URL("http://down.test/"), request()));
    expect(error.message).toBe("resolver down");
    expect(error.code).toBe("ESERVFAIL");
  });
});
