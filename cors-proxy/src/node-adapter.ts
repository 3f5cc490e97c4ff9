/**
 * The thin node:http layer: IncomingMessage → Request (body streamed, aborted when the client leaves),
 * Response → ServerResponse (body streamed with backpressure, upstream cancelled when the client leaves).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { createProxy, type Proxy, type ProxyOptions } from "./handler.js";
import { takeNodeBody } from "modelmesh/node-fetch";
import { createNodeTransport } from "./node-transport.js";
import { BufferedRequest, JsonReply, NodeBodyReply, SourceReply, takeBodySource, type BodySource, type ProxyRequest, type Reply } from "./responses.js";

const BODYLESS_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// A small body with a declared length is read here with plain Node streams (far cheaper than web streams per
// request: mesh routes parse it whole anyway, the relay sends it on in one write); anything large or chunked
// stays streamed.
const PREREAD_LIMIT = 1024 * 1024;

function headerPairs(incoming: IncomingMessage): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const raw = incoming.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) headers.push([raw[index]!, raw[index + 1]!]);
  return headers;
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

/**
 * Headers as a Web `Headers` reads them: names in lower case, every value of a repeated header joined with ", "
 * (node:http's own `headers` keeps only the first Authorization, Host, Content-Type, ..., which would let a second
 * one go unseen). Built in one pass over `rawHeaders` the first time a header is asked for: node:http's `headers`
 * and `headersDistinct` would each build an object of their own.
 */
class IncomingHeaders {
  #values: Map<string, string> | undefined;

  constructor(private readonly incoming: IncomingMessage) {}

  #map(): Map<string, string> {
    if (this.#values) return this.#values;
    const values = new Map<string, string>();
    const raw = this.incoming.rawHeaders;
    for (let index = 0; index + 1 < raw.length; index += 2) {
      const name = raw[index]!.toLowerCase();
      const previous = values.get(name);
      values.set(name, previous === undefined ? raw[index + 1]! : `${previous}, ${raw[index + 1]!}`);
    }
    this.#values = values;
    return values;
  }

  get(name: string): string | null {
    return this.#map().get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#map().has(name.toLowerCase());
  }
}

// The abort signal travels in the request context, not in the Request: a Request given a signal builds a second,
// following signal of its own, measurable on every request. A request whose body is read (or absent) is a
// BufferedRequest, the relay's included: the checks, mesh routes and relay read headers and whole bytes only, and
// undici's Request would build a body stream, a header list and a signal for each one. Only a body too large to
// read first (or of unknown length) makes a Web Request, to stream it.
async function toRequest(incoming: IncomingMessage, origin: string, prereadLimit: number, admits: Proxy["admits"]): Promise<ProxyRequest> {
  const path = incoming.url ?? "/";
  const url = `${origin}${path}`;
  const method = incoming.method ?? "GET";
  const headers = new IncomingHeaders(incoming);
  const length = headers.get("content-length");
  // HTTP/1.1 (RFC 9112 §6.3): without Content-Length or Transfer-Encoding a request has no body (a DELETE, mostly);
  // streamed on, it would reach the upstream as an empty chunked body, which some servers refuse.
  if (BODYLESS_METHODS.has(method) || (length === null && headers.get("transfer-encoding") === null)) return new BufferedRequest(method, url, headers, null, () => headerPairs(incoming));
  const declared = Number(length ?? Number.NaN);
  // Never read the body of a request its token will get refused: stream it, and the handler refuses it unread.
  if (declared <= prereadLimit && admits(headers, path)) {
    const bytes = await readSmallBody(incoming);
    return new BufferedRequest(method, url, headers, bytes, () => headerPairs(incoming));
  }
  return new Request(url, { method, headers: headerPairs(incoming), body: Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array>, duplex: "half" } as RequestInit);
}

/**
 * Resolves when the socket can take more, or is gone. Both listeners go when either fires: a long answer to a slow
 * client waits here once per write, and listeners left behind would pile up on the response.
 */
function drained(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off("drain", done);
      outgoing.off("close", done);
      resolve();
    };
    outgoing.once("drain", done);
    outgoing.once("close", done);
  });
}

// Past this many characters a batch of events is written at once, without waiting for the turn to end.
const BATCH_LIMIT = 64 * 1024;

/**
 * Pieces the proxy produced itself (SSE events), written as they come; the source stops if the client leaves.
 * After the first piece (written at once, so the client sees the first token as soon as the proxy has it), events
 * that are ready in the same turn of the event loop (one upstream read often holds several) go out as one write:
 * node:http flushes each write of a chunked body on its own (a chunk header, the data, a CRLF, a syscall). The batch
 * is written when the turn ends (`setImmediate`), so no event waits for the next one to arrive.
 */
async function writeSource(source: BodySource, outgoing: ServerResponse): Promise<void> {
  const onClose = () => {
    if (!outgoing.writableFinished) void source.cancel().catch(() => {});
  };
  outgoing.once("close", onClose);
  let batch = "";
  let pending: NodeJS.Immediate | undefined;
  const flush = () => {
    if (pending) clearImmediate(pending);
    pending = undefined;
    if (batch === "" || outgoing.destroyed || outgoing.writableEnded) return;
    const text = batch;
    batch = "";
    outgoing.write(text);
  };
  // node:http corks the socket on a write and uncorks it on `process.nextTick`, which waits until the promise jobs
  // queued now have run: the rest of a burst already read (tens of events through the provider, router and client)
  // would go first, and the first token would sit in the socket meanwhile. It is pushed out at once.
  const now = (piece: string | Uint8Array) => {
    outgoing.write(piece);
    outgoing.socket?.uncork();
  };
  // The first piece goes out at once, with the status line: batching it would hold the time to first token back by
  // a whole upstream read's worth of events.
  let first = true;
  try {
    for (let piece = await source.next(); piece !== undefined; piece = await source.next()) {
      if (outgoing.destroyed) return;
      if (first) {
        first = false;
        now(piece);
      } else if (typeof piece === "string") {
        batch += piece;
        // A batch this big fills the socket's buffer: the wait for "drain" below lets node:http send it.
        if (batch.length >= BATCH_LIMIT) flush();
        else pending ??= setImmediate(flush);
      } else {
        flush();
        outgoing.write(piece);
      }
      if (outgoing.writableNeedDrain) await drained(outgoing);
    }
    if (pending) clearImmediate(pending);
    pending = undefined;
    const rest = batch;
    batch = "";
    outgoing.end(rest);
  } catch {
    outgoing.destroy();
  } finally {
    if (pending) clearImmediate(pending);
    outgoing.off("close", onClose);
  }
}

/**
 * A relayed upstream body, piped: a failure on either side destroys the other (the client sees a cut response, the
 * upstream connection is released). Not `stream.pipeline`: it builds and aborts an AbortController per call.
 */
function pipeNodeBody(body: Readable, outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    outgoing.once("close", () => {
      if (!outgoing.writableFinished) body.destroy();
      resolve();
    });
    body.once("close", () => {
      if (!body.readableEnded) outgoing.destroy();
    });
    // The "close" above handles a failed body; without a listener its "error" would crash the process.
    body.on("error", () => {});
    body.pipe(outgoing);
  });
}

async function writeResponse(response: Reply, outgoing: ServerResponse): Promise<void> {
  const headers: string[] = [];
  for (const [name, value] of response.headers) headers.push(name, value);
  // Headers go out with the first body bytes (Node buffers them until the first write), so a JSON answer is one packet.
  outgoing.writeHead(response.status, response.statusText || undefined, headers);
  if (response instanceof JsonReply) {
    outgoing.end(response.text);
    return;
  }
  if (response instanceof SourceReply) {
    const source = response.take();
    if (source) return writeSource(source, outgoing);
    outgoing.end();
    return;
  }
  // The relay's upstream stream goes to the socket as node:http pass-through would send it.
  if (response instanceof NodeBodyReply) {
    const body = response.take();
    if (body) return pipeNodeBody(body, outgoing);
    outgoing.end();
    return;
  }
  if (!response.body) {
    outgoing.end();
    return;
  }
  // Bodies that are Node streams or the proxy's own pieces skip the web stream entirely.
  const nodeBody = takeNodeBody(response);
  if (nodeBody) return pipeNodeBody(nodeBody, outgoing);
  const source = takeBodySource(response);
  if (source) return writeSource(source, outgoing);
  const reader = response.body.getReader();
  const onClose = () => void reader.cancel().catch(() => {});
  outgoing.once("close", onClose);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (outgoing.destroyed) return;
      if (!outgoing.write(value)) await drained(outgoing);
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

const connectionAborts = new WeakMap<Socket, AbortController>();

/**
 * The abort signal of a request: one per connection, aborted when the connection closes. An HTTP/1.1 client gives up
 * on a request only by closing its connection, and a response closes before its end only when the connection does,
 * so the connection's signal says exactly what a request's would; and an `AbortSignal` is dear on Node 20 (about
 * 5 µs to build, more for its first listener), where a keep-alive connection carries thousands of requests. Whoever
 * listens to it must stop listening when its request ends (the SDK's exchanges, streams and waits all do), or the
 * listeners would pile up on a long-lived connection.
 */
function connectionSignal(socket: Socket): AbortSignal {
  let controller = connectionAborts.get(socket);
  if (!controller) {
    const created = new AbortController();
    controller = created;
    connectionAborts.set(socket, created);
    socket.once("close", () => created.abort());
  }
  return controller.signal;
}

function simpleError(outgoing: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: null } });
  outgoing.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
}

/**
 * A `node:http` request listener around a proxy.
 * @example
 * createServer(createNodeListener(proxy, "http://127.0.0.1:8787")).listen(8787, "127.0.0.1");
 */
export function createNodeListener(proxy: Proxy, origin: string | (() => string), options: { bodyIdleMs?: number; maxBodyBytes?: number } = {}): (incoming: IncomingMessage, outgoing: ServerResponse) => void {
  const originOf = typeof origin === "string" ? () => origin : origin;
  // Never read ahead a body the proxy will refuse anyway (the handler answers 413 without reading it).
  const prereadLimit = Math.min(PREREAD_LIMIT, options.maxBodyBytes ?? PREREAD_LIMIT);
  const bodyIdleMs = options.bodyIdleMs ?? 0;
  return (incoming, outgoing) => {
    if (!incoming.url?.startsWith("/")) return simpleError(outgoing, 400, "request target must be a path");
    if (bodyIdleMs > 0 && !incoming.complete) {
      // A client that stops sending its body mid-way must not hold the socket (and the request) forever. With no
      // timeout listener, node:http destroys the socket when it fires; once the body is in, the wait for the
      // answer (a slow model) is not the client's fault, so the timer stops.
      const socket = incoming.socket;
      socket.setTimeout(bodyIdleMs);
      incoming.once("end", () => socket.setTimeout(0));
    }
    const socket = incoming.socket;
    toRequest(incoming, originOf(), prereadLimit, proxy.admits)
      .then(
        (request) => proxy.respond(request, { remoteAddress: socket.remoteAddress, signal: connectionSignal(socket) }),
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

/** How long a client may take to send its request; past these, node:http answers 408 or closes the socket. */
export interface ServerTimeouts {
  /** Until the whole header block arrived (default 20 s). */
  headersMs?: number;
  /** Until the whole request, body included, arrived (default 120 s: a 25 MiB upload on a slow link). */
  requestMs?: number;
  /** Longest silence while the body is being received (default 30 s). */
  bodyIdleMs?: number;
}

/** The defaults of `ServerTimeouts`. */
export const DEFAULT_SERVER_TIMEOUTS: Required<ServerTimeouts> = { headersMs: 20_000, requestMs: 120_000, bodyIdleMs: 30_000 };

/** Options of `startProxyServer`: the proxy's options plus where to listen. */
export interface ProxyServerOptions extends Omit<ProxyOptions, "listening"> {
  /** Default 127.0.0.1; anything beyond loopback requires `tokens`. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Bounds on slow clients (slowloris): see `ServerTimeouts`. */
  timeouts?: ServerTimeouts;
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
  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...options.timeouts };
  const server = createServer(
    {
      noDelay: true,
      keepAliveTimeout: 65_000,
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // node:http enforces the two limits above on this sweep, so it must run well within the shorter one.
      connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 4))),
    },
    createNodeListener(proxy, () => origin, { bodyIdleMs: timeouts.bodyIdleMs, ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }) }),
  );
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
