import type { Readable } from "node:stream";
import { nodeBodyStream } from "modelmesh/node-fetch";

/** Headers of a `JsonReply`: the few `Headers` methods the proxy uses, names lower-cased as `Headers` does. */
export class ReplyHeaders {
  readonly #values = new Map<string, string>();

  constructor(initial?: Record<string, string>) {
    if (initial) for (const name of Object.keys(initial)) this.#values.set(name.toLowerCase(), initial[name]!);
  }

  get(name: string): string | null {
    return this.#values.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    this.#values.set(name.toLowerCase(), value);
  }

  delete(name: string): void {
    this.#values.delete(name.toLowerCase());
  }

  /** Adds a value; a repeated header reads as its values joined with ", ", as `Headers` joins them. */
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const seen = this.#values.get(key);
    this.#values.set(key, seen === undefined ? value : `${seen}, ${value}`);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#values.entries();
  }
}

/**
 * A JSON answer the proxy wrote itself: status, headers and the text, without a Web `Response` (undici builds a
 * body stream and a header list for each one). `handle()` turns it into a `Response`; the Node adapter writes it
 * to the socket as it is.
 * @example
 * const reply = jsonResponse({ status: "ok" });
 * outgoing.writeHead(reply.status, [...reply.headers].flat()).end(reply.text);
 */
export class JsonReply {
  readonly headers: ReplyHeaders;
  readonly statusText = "";

  constructor(
    readonly status: number,
    readonly text: string,
    headers?: Record<string, string>,
  ) {
    this.headers = new ReplyHeaders({ "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
  }

  /** A JSON answer has a body: a server must not treat it as bodyless. */
  get body(): string {
    return this.text;
  }
}

/**
 * A streamed answer the proxy produces itself (SSE events), as its source of pieces: no Web `Response`, header list
 * or `ReadableStream` is built for it unless `toResponse()` needs one. The Node adapter takes the source and writes
 * each piece to the socket.
 * @example
 * const reply = new SourceReply(200, source, { "content-type": "text/event-stream" });
 * const source = reply.take()!;
 * for (let piece = await source.next(); piece !== undefined; piece = await source.next()) socket.write(piece);
 */
export class SourceReply {
  readonly headers: ReplyHeaders;
  readonly statusText = "";
  #source: BodySource | undefined;

  constructor(
    readonly status: number,
    source: BodySource,
    headers: Record<string, string>,
  ) {
    this.#source = source;
    this.headers = new ReplyHeaders(headers);
  }

  /** The body's source until someone takes it: a streamed answer always has a body. */
  get body(): BodySource | null {
    return this.#source ?? null;
  }

  /** The source, once: whoever takes it writes the body and must read it to its end or `cancel()` it. */
  take(): BodySource | undefined {
    const source = this.#source;
    this.#source = undefined;
    return source;
  }
}

/**
 * An answer whose body is a Node stream (the relay's upstream `IncomingMessage`): no Web `Response`, `Headers` or
 * `ReadableStream` is built for it unless `toResponse()` needs one. The Node adapter pipes the stream to the socket.
 * @example
 * const reply = new NodeBodyReply(200, "OK", new ReplyHeaders({ "content-type": "application/json" }), incoming);
 * reply.take()?.pipe(outgoing);
 */
export class NodeBodyReply {
  #body: Readable | null;

  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: ReplyHeaders,
    body: Readable | null,
    /** Why the body was cut, when its producer cut it (a reader of the web stream gets this error). */
    readonly cutReason: () => unknown = () => undefined,
  ) {
    this.#body = body;
  }

  /** The stream until someone takes it, or null for a bodyless answer. */
  get body(): Readable | null {
    return this.#body;
  }

  /** The stream, once: whoever takes it reads it to its end or destroys it (which cuts the upstream). */
  take(): Readable | undefined {
    const body = this.#body ?? undefined;
    this.#body = null;
    return body;
  }
}

/** What a route or check answers: a Web `Response`, or a `JsonReply`, `SourceReply` or `NodeBodyReply` the proxy built itself. */
export type Reply = Response | JsonReply | SourceReply | NodeBodyReply;

/**
 * A JSON answer with its length known, so the server sends it in one piece instead of chunked.
 * @example
 * return jsonResponse({ status: "ok" });
 */
export function jsonResponse(value: unknown, status = 200, headers?: Record<string, string>): JsonReply {
  return new JsonReply(status, JSON.stringify(value), headers);
}

/**
 * `reply` as a Web `Response` (what `handle()` returns).
 * @example
 * const response = toResponse(jsonResponse({ status: "ok" }));
 */
export function toResponse(reply: Reply): Response {
  if (reply instanceof SourceReply) {
    const source = reply.take();
    return new Response(source ? streamOf(source) : null, { status: reply.status, headers: [...reply.headers] });
  }
  if (reply instanceof NodeBodyReply) {
    const body = reply.take();
    return new Response(body ? nodeBodyStream(body, reply.cutReason) : null, { status: reply.status, statusText: reply.statusText, headers: [...reply.headers] });
  }
  if (!(reply instanceof JsonReply)) return reply;
  return new Response(reply.text, { status: reply.status, headers: [...reply.headers] });
}

/**
 * A request whose body an adapter already read whole (or that has none): the parts of a Web `Request` the proxy's
 * checks and mesh routes read, without building one (undici builds a body stream, a header list and a signal).
 * @example
 * const request = new BufferedRequest("POST", "http://127.0.0.1:8787/v1/embeddings", { get: (name) => headers[name] ?? null, has: (name) => name in headers }, bytes);
 */
export class BufferedRequest {
  readonly bodyUsed = false;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: { get(name: string): string | null; has(name: string): boolean },
    readonly bytes: Uint8Array | null,
    /** Pairs of the headers as received, for `headerEntries`. */
    private readonly headerPairs: () => Array<[string, string]>,
  ) {}

  /** The body, or null when the request has none (as `Request.body`). */
  get body(): Uint8Array | null {
    return this.bytes;
  }

  /**
   * The headers as a `Headers` iterates them (names lower-cased, the values of a repeated header joined with ", "),
   * in the order they first arrived: what the relay filters and forwards, without building a `Headers`.
   */
  headerEntries(): Array<[string, string]> {
    const entries: Array<[string, string]> = [];
    const byName = new Map<string, [string, string]>();
    for (const [name, value] of this.headerPairs()) {
      const key = name.toLowerCase();
      const seen = byName.get(key);
      if (seen) seen[1] = `${seen[1]}, ${value}`;
      else {
        const entry: [string, string] = [key, value];
        byName.set(key, entry);
        entries.push(entry);
      }
    }
    return entries;
  }
}

/** What the proxy takes: a Web `Request`, or an adapter's `BufferedRequest`. */
export type ProxyRequest = Request | BufferedRequest;

/** The bytes of a request an adapter read whole (a `BufferedRequest`); undefined for a Web `Request`, read as a stream. */
export function knownRequestBody(request: ProxyRequest): Uint8Array | undefined {
  return request instanceof BufferedRequest ? (request.bytes ?? undefined) : undefined;
}

/** Pieces of a body the proxy produces itself, one at a time (SSE events), and how to stop producing them. */
export interface BodySource {
  /** The next piece, or undefined at the end. A failure must already be turned into a last piece by the source. */
  next(): Promise<string | Uint8Array | undefined>;
  /** The reader went away: stop and release what the source holds (the upstream request). */
  cancel(): Promise<void>;
}

// Bodies a server adapter may pull piece by piece and write straight to its socket, instead of reading the
// Response's web stream (a stream, a reader and several promises per piece).
const bodySources = new WeakMap<ReadableStream<Uint8Array>, BodySource>();

/**
 * A web stream over `source` (for any reader of the Response), registered so a server adapter can read `source`
 * directly while nobody has touched the stream.
 * @example
 * return new Response(streamOf(source), { headers: { "content-type": "text/event-stream" } });
 */
export function streamOf(source: BodySource): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const piece = await source.next();
        if (piece === undefined) controller.close();
        else controller.enqueue(typeof piece === "string" ? encoder.encode(piece) : piece);
      },
      cancel: () => source.cancel(),
    },
    { highWaterMark: 0 },
  );
  bodySources.set(stream, source);
  return stream;
}

/**
 * The source behind a Response's body while its stream is untouched (not locked, not read); otherwise undefined.
 * Reading it takes the body: the caller must not read the Response afterwards.
 * @example
 * const source = takeBodySource(response);
 * if (source) for (let piece = await source.next(); piece !== undefined; piece = await source.next()) socket.write(piece);
 */
export function takeBodySource(response: Response): BodySource | undefined {
  const body = response.body;
  if (!body || body.locked || response.bodyUsed) return undefined;
  const source = bodySources.get(body);
  if (source) bodySources.delete(body);
  return source;
}
