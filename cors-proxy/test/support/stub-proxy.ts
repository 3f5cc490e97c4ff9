import { connect } from "node:net";
import { afterEach } from "vitest";
import { startLocalServer, type LocalServer } from "../../../sdk/test/fakes/http.js";
import type { HeaderSource, Proxy, RequestContext } from "../../src/handler.js";
import { createNodeListener } from "../../src/node-adapter.js";
import { BufferedRequest, type ProxyRequest, type Reply } from "../../src/responses.js";

/** One request as the stub proxy was handed it by the node adapter. */
export interface Handed {
  method: string;
  url: string;
  /** True when the adapter passed the body as a stream (a Web `Request`), false when it read it first. */
  streamed: boolean;
  /** The body as text (read whole here for a streamed one), or null when the request had none. */
  body: string | null;
  headers: ProxyRequest["headers"];
  /** The headers as the relay forwards them (a BufferedRequest's pairs; a Request's `Headers`). */
  entries: Array<[string, string]>;
  context: RequestContext;
}

/** What the adapter asked `admits` before deciding to read a body. */
export interface Admitted {
  path: string;
  authorization: string | null;
  absent: string | null;
}

export interface StubOptions {
  /** The answer; default a JSON 200. */
  reply?: (request: ProxyRequest) => Reply | Promise<Reply>;
  admits?: (headers: HeaderSource, path: string) => boolean;
  /** Passed to createNodeListener. */
  listener?: { bodyIdleMs?: number; maxBodyBytes?: number };
  /** Default "http://proxy.test". */
  origin?: string | (() => string);
}

/**
 * For a test file: `serve(options)` puts the node adapter, over a stub proxy that records what it is handed, on a
 * `startLocalServer` (127.0.0.1); closed after each test (this registers its own `afterEach`).
 */
export function stubProxyPerTest() {
  const handed: Handed[] = [];
  const admitted: Admitted[] = [];
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    handed.length = 0;
    admitted.length = 0;
  });
  const serve = async (options: StubOptions = {}): Promise<LocalServer> => {
    const proxy = {
      admits: (headers: HeaderSource, path: string) => {
        admitted.push({ path, authorization: headers.get("authorization"), absent: headers.get("x-absent") });
        return options.admits ? options.admits(headers, path) : true;
      },
      respond: async (request: ProxyRequest, context: RequestContext = {}) => {
        const streamed = !(request instanceof BufferedRequest);
        const body = request instanceof BufferedRequest ? (request.bytes === null ? null : Buffer.from(request.bytes).toString()) : request.body === null ? null : await request.text();
        const entries = request instanceof BufferedRequest ? request.headerEntries() : [...request.headers];
        handed.push({ method: request.method, url: request.url, streamed, body, headers: request.headers, entries, context });
        return options.reply ? options.reply(request) : new Response('{"ok":true}', { status: 200, headers: { "content-type": "application/json" } });
      },
    } as unknown as Proxy;
    server = await startLocalServer(createNodeListener(proxy, options.origin ?? "http://proxy.test", options.listener));
    return server;
  };
  return { serve, handed, admitted };
}

/** What a raw exchange got back: the bytes the server wrote and whether it closed the connection. */
export interface RawReply {
  text: string;
  status: number;
  /** The body after the header block (no chunked decoding). */
  body: string;
  closed: boolean;
}

/**
 * Writes `pieces` (raw HTTP text) on a new connection to 127.0.0.1:`port`, `gapMs` apart, and collects what the
 * server sends until it closes the connection or `waitMs` passes.
 */
export function rawExchange(port: number, pieces: string[], options: { gapMs?: number; waitMs?: number } = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const [head = "", body = ""] = text.split("\r\n\r\n", 2);
      resolve({ text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body, closed });
    };
    const timer = setTimeout(() => finish(false), options.waitMs ?? 1_000);
    socket.on("data", (data) => (text += data.toString()));
    socket.on("error", () => {});
    socket.once("close", () => finish(true));
    pieces.forEach((piece, index) => setTimeout(() => socket.writable && socket.write(piece), index * (options.gapMs ?? 0)));
  });
}
