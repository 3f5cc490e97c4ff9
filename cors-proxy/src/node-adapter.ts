/**
 * The thin node:http layer: IncomingMessage → Request (body streamed, aborted when the client leaves),
 * Response → ServerResponse (body streamed with backpressure, upstream cancelled when the client leaves).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { createProxy, type Proxy, type ProxyOptions } from "./handler.js";
import { createNodeTransport } from "./node-transport.js";
import { knownBody, rememberRequestBody } from "./responses.js";

const BODYLESS_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// Mesh routes parse the whole body anyway, so a small one with a declared length is read here with plain Node
// streams (far cheaper than a web stream per request); relay bodies and anything large or chunked stay streamed.
const PREREAD_LIMIT = 1024 * 1024;
const MESH_PREFIX = "/v1/";

function headerPairs(incoming: IncomingMessage): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const raw = incoming.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) headers.push([raw[index]!, raw[index + 1]!]);
  return headers;
}

function nodeHeaders(incoming: IncomingMessage): { get(name: string): string | null } {
  return { get: (name) => (typeof incoming.headers[name] === "string" ? (incoming.headers[name] as string) : null) };
}

function readSmallBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    incoming.on("data", (part: Buffer) => parts.push(part));
    incoming.once("end", () => resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts)));
    // A client that hangs up mid-body makes the request emit "error" (ECONNRESET), which rejects here.
    incoming.once("error", reject);
  });
}

// The abort signal travels in the request context, not in the Request: a Request given a signal builds a second,
// following signal of its own, measurable on every request.
async function toRequest(incoming: IncomingMessage, origin: string, admits: Proxy["admits"]): Promise<Request> {
  const url = `${origin}${incoming.url ?? "/"}`;
  const method = incoming.method ?? "GET";
  if (BODYLESS_METHODS.has(method)) return new Request(url, { method, headers: headerPairs(incoming) });
  const declared = Number(incoming.headers["content-length"] ?? Number.NaN);
  // Never read the body of a request its token will get refused: stream it, and the handler refuses it unread.
  if (declared <= PREREAD_LIMIT && incoming.url?.startsWith(MESH_PREFIX) && admits(nodeHeaders(incoming), incoming.url)) {
    const bytes = await readSmallBody(incoming);
    const request = new Request(url, { method, headers: headerPairs(incoming), body: bytes as unknown as BodyInit });
    rememberRequestBody(request, bytes);
    return request;
  }
  return new Request(url, { method, headers: headerPairs(incoming), body: Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array>, duplex: "half" } as RequestInit);
}

async function writeResponse(response: Response, outgoing: ServerResponse): Promise<void> {
  const headers: string[] = [];
  for (const [name, value] of response.headers) headers.push(name, value);
  // Headers go out with the first body bytes (Node buffers them until the first write), so a JSON answer is one packet.
  outgoing.writeHead(response.status, response.statusText || undefined, headers);
  const bytes = knownBody(response);
  if (bytes) {
    outgoing.end(bytes);
    return;
  }
  if (!response.body) {
    outgoing.end();
    return;
  }
  const reader = response.body.getReader();
  const onClose = () => void reader.cancel().catch(() => {});
  outgoing.once("close", onClose);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (outgoing.destroyed) return;
      if (!outgoing.write(value)) await Promise.race([once(outgoing, "drain"), once(outgoing, "close")]);
    }
    outgoing.end();
  } catch {
    // The body failed mid-way (upstream reset): cut the connection so the client sees an incomplete response.
    outgoing.destroy();
  } finally {
    outgoing.off("close", onClose);
  }
}

class UnreadableRequest extends Error {}

function simpleError(outgoing: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: null } });
  outgoing.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
}

/**
 * A `node:http` request listener around a proxy.
 * @example
 * createServer(createNodeListener(proxy, "http://127.0.0.1:8787")).listen(8787, "127.0.0.1");
 */
export function createNodeListener(proxy: Proxy, origin: string | (() => string)): (incoming: IncomingMessage, outgoing: ServerResponse) => void {
  const originOf = typeof origin === "string" ? () => origin : origin;
  return (incoming, outgoing) => {
    if (!incoming.url?.startsWith("/")) return simpleError(outgoing, 400, "request target must be a path");
    const controller = new AbortController();
    outgoing.once("close", () => {
      if (!outgoing.writableFinished) controller.abort();
    });
    toRequest(incoming, originOf(), proxy.admits)
      .then(
        (request) => proxy.handle(request, { remoteAddress: incoming.socket.remoteAddress, signal: controller.signal }),
        () => {
          throw new UnreadableRequest();
        },
      )
      .then((response) => writeResponse(response, outgoing))
      .catch((error: unknown) => {
        if (outgoing.headersSent || outgoing.destroyed) outgoing.destroy();
        else if (error instanceof UnreadableRequest) simpleError(outgoing, 400, "the request could not be read");
        else simpleError(outgoing, 500, "the proxy failed while handling this request");
      });
  };
}

/** Options of `startProxyServer`: the proxy's options plus where to listen. */
export interface ProxyServerOptions extends Omit<ProxyOptions, "listening"> {
  /** Default 127.0.0.1; anything beyond loopback requires `tokens`. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
}

/** A listening proxy. */
export interface ProxyServer {
  /** `http://host:port` to call it by (loopback when listening on every interface). */
  url: string;
  host: string;
  port: number;
  server: Server;
  proxy: Proxy;
  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts what is left. */
  close(graceMs?: number): Promise<void>;
}

function displayHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * Starts the proxy on node:http, with the relay transport that checks every resolved address.
 * @example
 * const server = await startProxyServer({ mesh: create({ config: "modelmesh.yaml" }), port: 8787 });
 * console.log(`listening on ${server.url}`);
 */
export async function startProxyServer(options: ProxyServerOptions): Promise<ProxyServer> {
  const host = options.host ?? "127.0.0.1";
  const proxy = createProxy({ ...options, listening: { host }, relay: { ...options.relay, transport: options.relay?.transport ?? createNodeTransport() } });
  let origin = `http://${displayHost(host)}`;
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, createNodeListener(proxy, () => origin));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8787, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 8787);
  origin = `http://${displayHost(host)}:${port}`;
  return {
    url: origin,
    host,
    port,
    server,
    proxy,
    close: async (graceMs = 5_000) => {
      await proxy.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}
