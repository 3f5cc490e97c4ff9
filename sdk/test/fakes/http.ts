import { createServer } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** Handles one request; a thrown error becomes a bare 500 (or a dropped socket once headers are out). */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/**
 * How one exchange ended on the server's side: `completed` (the whole response was handed to the socket),
 * `client-closed` (the connection closed before that, and not by the fake: the client aborted or stopped reading),
 * `server-closed` (the fake dropped it on purpose, or the server shut down), `open` (not over yet).
 */
export type ExchangeEnding = "open" | "completed" | "client-closed" | "server-closed";

/** One request as the server saw it end (every fake built on `startLocalServer` keeps these, in arrival order). */
export interface ExchangeRecord {
  method: string;
  /** Path and query as sent. */
  url: string;
  ending: ExchangeEnding;
}

/** A key and certificate to serve HTTPS with (sdk/test/fakes/tls/: a test CA and a leaf for 127.0.0.1). */
export interface LocalTls {
  key: string | Buffer;
  cert: string | Buffer;
}

/** A node:http (or node:https) server bound to 127.0.0.1. */
export interface LocalServer {
  /** `http://127.0.0.1:PORT` (`https://` with `tls`), no trailing slash. */
  url: string;
  port: number;
  server: Server;
  /** Every exchange so far and how it ended: what a test checks to prove a client really closed the upstream. */
  exchanges: ExchangeRecord[];
  /** TCP connections accepted so far: what a test checks to prove a client kept its connection alive. */
  readonly connections: number;
  /** Stops listening and destroys every open socket, so a hanging or streaming response never keeps a test alive. */
  close(): Promise<void>;
}

/**
 * Starts a node:http server on 127.0.0.1 (port 0 = any free port).
 *
 * @example
 * const local = await startLocalServer((request, response) => response.end("ok"));
 * await fetch(local.url);
 * await local.close();
 */
export async function startLocalServer(handler: RequestHandler, options: { port?: number; tls?: LocalTls } = {}): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  const exchanges: ExchangeRecord[] = [];
  const shutdown = { closing: false };
  let connections = 0;
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    exchanges.push(watchEnding(request, response, shutdown));
    runHandler(handler, request, response);
  };
  const server: Server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createServer(listener);
  // A TLS server's "connection" is the TCP socket, before the handshake: the same count as plain HTTP.
  server.on("connection", (socket: Socket) => {
    // Each SSE frame must leave as its own packet, or time-to-first-chunk measurements lie.
    socket.setNoDelay(true);
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listen(server, options.port ?? 0);
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    server,
    exchanges,
    get connections() {
      return connections;
    },
    close: () => {
      shutdown.closing = true;
      return closeServer(server, sockets);
    },
  };
}

/**
 * Records how the exchange ends. A response that closes before `finish` lost its connection early; Node closes it
 * that way without calling `response.destroy()` when the peer goes, so a `destroy()` from the fake (a break-stream
 * mode, a handler error) marks the close as the server's own.
 */
function watchEnding(request: IncomingMessage, response: ServerResponse, shutdown: { closing: boolean }): ExchangeRecord {
  const record: ExchangeRecord = { method: request.method ?? "GET", url: request.url ?? "/", ending: "open" };
  let destroyedHere = false;
  const destroy = response.destroy.bind(response);
  response.destroy = (error?: Error) => {
    destroyedHere = true;
    return destroy(error);
  };
  response.once("finish", () => {
    if (record.ending === "open") record.ending = "completed";
  });
  response.once("close", () => {
    if (record.ending === "open") record.ending = destroyedHere || shutdown.closing ? "server-closed" : "client-closed";
  });
  return record;
}

function runHandler(handler: RequestHandler, request: IncomingMessage, response: ServerResponse): void {
  Promise.resolve()
    .then(() => handler(request, response))
    .catch(() => {
      if (!response.headersSent) {
        response.writeHead(500, { "content-type": "text/plain" });
        response.end("fake server handler failed");
      } else {
        response.destroy();
      }
    });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("fake server has no TCP address"));
        return;
      }
      resolve(address.port);
    });
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  });
}
