/**
 * A `fetch` for the mesh's providers on Node, built on undici's dispatcher (its lowest-level client: one handler
 * object per request, keep-alive pools per origin). Node's own `fetch` (undici's too) builds web streams, a Request,
 * an AbortSignal follower and more for every call: measured here, a pass-through on `fetch` reaches about 0.3 of one
 * on node:http. And node:http's client (a ClientRequest, an IncomingMessage, the agent's queue) costs about twice the
 * CPU of `dispatch` per JSON exchange (alternating blocks against the same upstream, 8 in flight: 69 vs 33 µs). The SDK
 * keeps `fetch` injectable (`create({ fetch })`); in Node, providers given none use this one (through
 * `src/internal/platform-fetch.ts`), and the proxy injects it.
 *
 * Same contract as `fetch` for what the providers send: string, bytes or no body; headers as an object, pairs or
 * `Headers`; an `AbortSignal` (rejects with its reason, also mid-body); network failures reject with
 * `TypeError("fetch failed", { cause })`; redirects are followed (303, and 301/302 after a POST, become a GET).
 * Anything else (a `Request` object, `FormData`, a stream body) goes to the `fallback` fetch unchanged.
 * No `accept-encoding` is sent, so bodies arrive as they are; a server that compresses anyway is decoded.
 * A JSON-sized body with a declared length is read whole before the promise resolves (one buffer, no stream);
 * anything else (SSE, audio, chunked) streams.
 */
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { Agent, type Dispatcher } from "undici";
import { nodeBodyStream } from "./node-body.js";
import { UpstreamBody } from "./upstream-body.js";
import { TargetCache, targetOf, type Target } from "./targets.js";
import { DirectBody, type NodeBodyReader } from "./direct-body.js";
// One "abort" listener per signal for its whole life, shared with the SDK's own exchanges (the SDK hands the same
// signal to one exchange after another, see RELEASES_SIGNAL): after the first request a signal costs two Set operations.
import { onAbortOf } from "../internal/abort.js";

export type { NodeBodyReader } from "./direct-body.js";

/** Options of `createNodeFetch`. */
export interface NodeFetchOptions {
  /** Where anything this transport does not handle itself goes (default: the global `fetch`). */
  fallback?: typeof fetch;
  /** Bodies with a declared length up to this many bytes are read whole before resolving (default 1 MiB). */
  bufferLimit?: number;
  /**
   * The connection pools (default: a new undici `Agent`, keep-alive, no limit on connections, no headers or body
   * timeout of its own: the mesh times its requests itself, and a long generation must not be cut by the transport).
   */
  dispatcher?: Dispatcher;
}

/** A `fetch` that also lets go of its pooled connections. */
export interface NodeFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Closes the keep-alive connections once the requests in flight have finished; no new request is taken after. */
  close(): void;
}

/** Header pairs as received (name, value, name, value...): undici gives bytes, read as latin1 as node:http does. */
type RawHeaders = readonly (Buffer | string)[];

/** Headers of the connection itself: fetch forbids them and undici refuses or writes them itself. */
const TRANSPORT_HEADERS = ["content-length", "connection", "keep-alive", "transfer-encoding", "upgrade", "expect"];

/** The four received headers the transport itself reads, in one pass over the raw pairs (the first of each name). */
function keyHeaders(raw: RawHeaders): { location?: string; encoding?: string; length?: string; type?: string } {
  const found: { location?: string; encoding?: string; length?: string; type?: string } = {};
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const size = raw[index]!.length;
    // Only names of these lengths can match: most headers are skipped without decoding their name.
    if (size !== 8 && size !== 12 && size !== 14 && size !== 16) continue;
    const name = raw[index]!.toString("latin1").toLowerCase();
    const value = () => raw[index + 1]!.toString("latin1");
    if (name === "location") found.location ??= value();
    else if (name === "content-type") found.type ??= value();
    else if (name === "content-length") found.length ??= value();
    else if (name === "content-encoding") found.encoding ??= value();
  }
  return found;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_BUFFER_LIMIT = 1024 * 1024;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/** Header pairs as lower-case names, from any form `fetch` accepts; undefined when one cannot be read. */
function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  if (headers instanceof Headers || Array.isArray(headers)) {
    for (const [name, value] of headers as Iterable<[string, string]>) {
      const key = name.toLowerCase();
      record[key] = key in record ? `${record[key]}, ${value}` : String(value);
    }
    return record;
  }
  for (const name of Object.keys(headers)) {
    const value = (headers as Record<string, string | undefined>)[name];
    if (value !== undefined) record[name.toLowerCase()] = String(value);
  }
  return record;
}

const IMMUTABLE = "immutable: the headers of a fetch response cannot be changed";

/**
 * The received headers as a `Headers`, read from the raw header pairs when first asked instead of appended one by one
 * (13 `append` calls on undici's `Headers` cost about ten times a plain map here, on every answer). Reads follow the
 * Fetch standard: names case-insensitive, repeated headers joined with ", ", iteration sorted with `set-cookie` kept
 * apart; like a fetch response's headers they cannot be changed. A body decoded here loses its content-encoding and
 * content-length, as fetch's does.
 */
class ReceivedHeaders {
  #raw: RawHeaders | undefined;
  #bodyDecoded: boolean;
  /** Values by lower-case name; a single value stays as its bytes until it is read (most never are). */
  #values: Map<string, string | Buffer> | undefined;
  #cookies: string[] = [];

  constructor(raw: RawHeaders, bodyDecoded: boolean) {
    this.#raw = raw;
    this.#bodyDecoded = bodyDecoded;
  }

  #map(): Map<string, string | Buffer> {
    if (this.#values) return this.#values;
    const values = new Map<string, string | Buffer>();
    const raw = this.#raw!;
    this.#raw = undefined;
    for (let index = 0; index + 1 < raw.length; index += 2) {
      const name = raw[index]!.toString("latin1").toLowerCase();
      if (this.#bodyDecoded && (name === "content-encoding" || name === "content-length")) continue;
      const bytes = raw[index + 1]!;
      if (name === "set-cookie") this.#cookies.push(bytes.toString("latin1"));
      const previous = values.get(name);
      values.set(name, previous === undefined ? bytes : `${latin1(previous)}, ${bytes.toString("latin1")}`);
    }
    this.#values = values;
    return values;
  }

  /** Lookups answered from the raw pairs so far; past `SCANS_BEFORE_MAP` the map is built. */
  #scans = 0;

  /**
   * The value under a lower-case name straight from the raw pairs: names of another length are skipped without being
   * decoded, so a few lookups (a request id, the quota headers) cost no map of every header.
   */
  #scan(name: string): string | undefined {
    const raw = this.#raw!;
    if (this.#bodyDecoded && (name === "content-encoding" || name === "content-length")) return undefined;
    let found: string | undefined;
    for (let index = 0; index + 1 < raw.length; index += 2) {
      const bytes = raw[index]!;
      if (bytes.length !== name.length || !sameName(bytes, name)) continue;
      const value = raw[index + 1]!.toString("latin1");
      found = found === undefined ? value : `${found}, ${value}`;
    }
    return found;
  }

  /** The value under a lower-case name, decoded (and kept decoded) on first read. */
  #value(name: string): string | undefined {
    if (this.#raw && ++this.#scans <= SCANS_BEFORE_MAP) return this.#scan(name);
    const values = this.#map();
    const value = values.get(name);
    if (value === undefined || typeof value === "string") return value;
    const text = value.toString("latin1");
    values.set(name, text);
    return text;
  }

  get(name: string): string | null {
    const asked = String(name);
    // Most callers ask in lower case already: toLowerCase then returns the same string without a copy.
    return this.#value(asked.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#map().has(String(name).toLowerCase());
  }

  getSetCookie(): string[] {
    this.#map();
    return [...this.#cookies];
  }

  *entries(): HeadersIterator<[string, string]> {
    const values = this.#map();
    for (const name of [...values.keys()].sort()) {
      if (name === "set-cookie") for (const cookie of this.#cookies) yield [name, cookie];
      else yield [name, this.#value(name)!];
    }
  }

  keys(): HeadersIterator<string> {
    return (function* (entries: Iterable<[string, string]>) {
      for (const [name] of entries) yield name;
    })(this.entries()) as HeadersIterator<string>;
  }

  values(): HeadersIterator<string> {
    return (function* (entries: Iterable<[string, string]>) {
      for (const [, value] of entries) yield value;
    })(this.entries()) as HeadersIterator<string>;
  }

  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this as unknown as Headers);
  }

  append(): void {
    throw new TypeError(IMMUTABLE);
  }

  set(): void {
    throw new TypeError(IMMUTABLE);
  }

  delete(): void {
    throw new TypeError(IMMUTABLE);
  }

  /** What `console.log` shows: the headers, not undici's internals (which this object does not have). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Headers ${JSON.stringify(Object.fromEntries(this.entries()))}`;
  }
}

// A `Headers` to `instanceof` and to the Fetch API's type checks, built without undici's constructor (its WebIDL
// conversions and an empty header list were the larger part of each answer's headers): every method of
// `Headers.prototype` is defined above, so none of undici's, which need its internal list, is ever reached.
Object.setPrototypeOf(ReceivedHeaders.prototype, Headers.prototype);

/** Header lookups a response answers by scanning its raw pairs before it builds a map of them all. */
const SCANS_BEFORE_MAP = 24;

/** True when the header name `received` (bytes or text, any case) is `lower`, a lower-case name of the same length. */
function sameName(received: Buffer | string, lower: string): boolean {
  const text = typeof received === "string";
  for (let index = 0; index < lower.length; index++) {
    let code = text ? received.charCodeAt(index) : received[index]!;
    // ASCII upper case to lower case; header names are tokens (ASCII), anything else never equals a lower-case name.
    if (code >= 65 && code <= 90) code += 32;
    if (code !== lower.charCodeAt(index)) return false;
  }
  return true;
}

function latin1(value: string | Buffer): string {
  return typeof value === "string" ? value : value.toString("latin1");
}

/** The received headers as the `Headers` they stand for. */
function receivedHeaders(raw: RawHeaders, bodyDecoded: boolean): Headers {
  return new ReceivedHeaders(raw, bodyDecoded) as unknown as Headers;
}

/** What a response of this fetch says besides its body. */
interface ResponseHead {
  status: number;
  statusText: string;
  headers: Headers;
  /** The URL answered, after redirects. */
  url: string;
  redirected: boolean;
}

/**
 * What the proxy's responses share: status, headers, URL, as a fetch `Response` has them, without undici's
 * `Response` constructor (WebIDL conversions, a `Headers` and a status-text check, thrown away at once: about 1 µs a
 * response). The prototype chain goes through `Response.prototype`, so `instanceof Response` holds; the subclasses
 * define every getter and method undici's `Response` has, so none of undici's (which need its internal state) runs.
 */
class ReceivedResponse {
  readonly #head: ResponseHead;

  constructor(head: ResponseHead) {
    this.#head = head;
  }

  get status(): number {
    return this.#head.status;
  }

  get statusText(): string {
    return this.#head.statusText;
  }

  get ok(): boolean {
    return this.#head.status >= 200 && this.#head.status <= 299;
  }

  get headers(): Headers {
    return this.#head.headers;
  }

  get url(): string {
    return this.#head.url;
  }

  get redirected(): boolean {
    return this.#head.redirected;
  }

  get type(): ResponseType {
    return "basic";
  }

  /** A real Response over `body` with this one's status and headers (for `body`, `blob()`, `clone()`...). */
  protected full(body: BodyInit | null): Response {
    return this.dressed(new Response(body, { status: this.status, statusText: this.statusText, headers: this.headers }));
  }

  /** `response` (built by undici, which keeps its own URL and type) saying what this one says. */
  protected dressed(response: Response): Response {
    return Object.defineProperties(response, { url: { value: this.url }, redirected: { value: this.redirected }, type: { value: "basic" } });
  }
}

Object.setPrototypeOf(ReceivedResponse.prototype, Response.prototype);

/** The decoder for a body the server compressed anyway (none is asked for), or undefined. */
function decoderFor(encoding: string | undefined): NodeJS.ReadWriteStream | undefined {
  const name = encoding?.trim().toLowerCase();
  return name === "gzip" || name === "x-gzip" ? createGunzip() : name === "deflate" ? createInflate() : name === "br" ? createBrotliDecompress() : undefined;
}

/** `body` through `decoder`: a failure of either fails the result; a reader that stops early cuts the body too. */
function decodedThrough(body: Readable, decoder: NodeJS.ReadWriteStream, complete: () => boolean): Readable {
  body.on("error", (error) => (decoder as unknown as Readable).destroy(error));
  (decoder as unknown as Readable).once("close", () => {
    if (!complete()) body.destroy();
  });
  return body.pipe(decoder) as unknown as Readable;
}

const NOTHING = () => {};

/** An abort of `signal` cuts the connection under `source` (the body then fails with the abort's reason). */
function cutOnAbort(source: Readable, signal: AbortSignal | undefined): void {
  if (!signal) return;
  source.once("close", onAbortOf(signal, () => source.destroy()));
}

/**
 * Where ModelMesh's providers look for a body reader that skips web streams (`sdk/src/provider/body-reader.ts`);
 * a global symbol, so this file needs nothing from the SDK but the name.
 */
export const BODY_READER = Symbol.for("modelmesh.body-reader");

/**
 * The mark ModelMesh's providers look for on a response whose fetch lets go of `init.signal` once the response
 * settled and its body ended (`sdk/src/provider/transfer.ts`): the exchange has left the signal by then (the last
 * part, cutting a streamed body, when the body's stream closes; the signal's one listener stays, calling nothing
 * of it), so the provider may use the signal's controller for its next request instead of building another
 * `AbortSignal` (about 5 µs on Node 20).
 * Responses of the `fallback` fetch never carry it.
 */
export const RELEASES_SIGNAL = Symbol.for("modelmesh.fetch-releases-signal");

/**
 * A pull reader straight over a Node stream: each `read()` takes the next chunk as it arrived (the source is paused
 * while nobody waits, so an unread body is not buffered in memory), `cancel()` destroys the source (closing the
 * connection). It ends, fails and aborts exactly as `nodeBodyStream` does: a source that closes before its end
 * fails with "terminated", and an abort fails with the caller's reason.
 * @example
 * const reader = nodeBodyReader(incoming, () => undefined);
 * for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) console.log(chunk.value.byteLength);
 */
export function nodeBodyReader(source: Readable, abortReason: () => unknown): NodeBodyReader {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let waiting: { resolve: (result: ReadableStreamReadResult<Uint8Array>) => void; reject: (error: unknown) => void } | undefined;
  const settle = () => {
    const waiter = waiting;
    if (!waiter) return;
    if (queue.length > 0) {
      waiting = undefined;
      waiter.resolve({ done: false, value: queue.shift()! });
    } else if (failure) {
      waiting = undefined;
      waiter.reject(failure.error);
    } else if (ended) {
      waiting = undefined;
      waiter.resolve({ done: true, value: undefined });
    }
  };
  const cut = (error?: Error) => {
    if (ended || failure) return;
    failure = { error: abortReason() ?? new TypeError("terminated", error ? { cause: error } : undefined) };
    // As a web stream's `error()`: chunks not yet read are dropped, the next read fails.
    queue.length = 0;
    settle();
  };
  source.on("data", (chunk: Buffer) => {
    queue.push(chunk);
    settle();
    if (queue.length > 0) source.pause();
  });
  source.once("end", () => {
    if (failure) return;
    ended = true;
    settle();
  });
  source.once("error", cut);
  source.once("close", () => cut());
  source.pause();
  return {
    read() {
      if (failure) return Promise.reject(failure.error);
      if (queue.length > 0) return Promise.resolve({ done: false, value: queue.shift()! });
      if (ended) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        source.resume();
      });
    },
    async cancel() {
      if (!ended) ended = true;
      queue.length = 0;
      source.destroy();
    },
    releaseLock() {},
  };
}

/**
 * A streamed response whose web body is built only when someone asks for it (`body`, `text()`, `clone()`...). The
 * proxy's providers take the Node stream instead, through the `BODY_READER` offer, so for them no web stream is ever
 * built (a `ReadableStream` per response was about 3 % of the proxy's CPU in a profile under load). Reading both
 * ways is refused as `fetch` refuses a second read: once one side has the body, the other gets nothing.
 */
class StreamedResponse extends ReceivedResponse {
  /** A Node stream (a decoded body, or one past the buffer limit), or the handler's bytes as they come. */
  #source: Readable | DirectBody;
  #signal: AbortSignal | undefined;
  #taken = false;
  #full: Response | undefined;

  constructor(source: Readable | DirectBody, signal: AbortSignal | undefined, head: ResponseHead) {
    super(head);
    this.#source = source;
    this.#signal = signal;
    Object.defineProperty(this, BODY_READER, { value: () => this.#takeReader() });
  }

  #whole(): Response {
    if (!this.#full) {
      const source = this.#taken ? undefined : this.#source instanceof DirectBody ? this.#source.readable() : this.#source;
      this.#full = this.full(source ? nodeBodyStream(source, () => (this.#signal?.aborted ? abortReason(this.#signal) : undefined)) : null);
    }
    return this.#full;
  }

  #takeReader(): NodeBodyReader | undefined {
    if (this.#taken || this.#full) return undefined;
    this.#taken = true;
    const signal = this.#signal;
    if (this.#source instanceof DirectBody) return this.#source.reader();
    return nodeBodyReader(this.#source, () => (signal?.aborted ? abortReason(signal) : undefined));
  }

  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.#taken ? null : (this.#whole().body as ReadableStream<Uint8Array<ArrayBuffer>> | null);
  }

  get bodyUsed(): boolean {
    return this.#taken || (this.#full?.bodyUsed ?? false);
  }

  text(): Promise<string> {
    return this.#whole().text();
  }

  json(): Promise<unknown> {
    return this.#whole().json();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#whole().arrayBuffer();
  }

  bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.#whole().bytes();
  }

  blob(): Promise<Blob> {
    return this.#whole().blob();
  }

  formData(): Promise<FormData> {
    return this.#whole().formData();
  }

  clone(): Response {
    return this.dressed(this.#whole().clone());
  }
}

Object.defineProperty(StreamedResponse.prototype, RELEASES_SIGNAL, { value: true });

function utf8Decode(bytes: Buffer): string {
  // The Fetch standard's "UTF-8 decode" drops a leading byte order mark; Buffer's toString keeps it.
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.toString("utf8", 3) : bytes.toString("utf8");
}

/**
 * A response whose body was read whole. `text()`, `json()`, `arrayBuffer()` and `bytes()` answer from the buffer
 * (undici's Response would wrap it in a web stream and read that back: a stream, a reader and several promises for
 * every JSON answer); anything else (`body`, `blob()`, `formData()`, `clone()`) goes to a real Response over the same
 * bytes, built the first time it is needed. Reading twice fails as `fetch`'s does.
 */
class BufferedResponse extends ReceivedResponse {
  #bytes: Buffer;
  #read = false;
  #full: Response | undefined;

  constructor(bytes: Buffer, head: ResponseHead) {
    super(head);
    this.#bytes = bytes;
  }

  #whole(): Response {
    this.#full ??= this.full(this.#bytes as unknown as BodyInit);
    return this.#full;
  }

  #take(): Buffer {
    if (this.#read) throw new TypeError("Body is unusable: Body has already been read");
    this.#read = true;
    return this.#bytes;
  }

  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.#read ? null : (this.#whole().body);
  }

  get bodyUsed(): boolean {
    return this.#read || (this.#full?.bodyUsed ?? false);
  }

  async text(): Promise<string> {
    return this.#full ? this.#full.text() : utf8Decode(this.#take());
  }

  async json(): Promise<unknown> {
    return this.#full ? this.#full.json() : (JSON.parse(utf8Decode(this.#take())) as unknown);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#full) return this.#full.arrayBuffer();
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#full) return this.#full.bytes();
    return new Uint8Array(await this.arrayBuffer());
  }

  async blob(): Promise<Blob> {
    return this.#whole().blob();
  }

  async formData(): Promise<FormData> {
    return this.#whole().formData();
  }

  clone(): Response {
    return this.dressed(this.#whole().clone());
  }
}

Object.defineProperty(BufferedResponse.prototype, RELEASES_SIGNAL, { value: true });

/**
 * Reads a body whole, up to `limit` bytes. Past the limit it stops, puts back what it read (`unshift`) and
 * resolves undefined: the caller then streams the body from its start.
 */
function readWhole(source: Readable, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      total += chunk.byteLength;
      if (total <= limit) return;
      source.pause();
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", reject);
      source.off("close", onClose);
      source.unshift(Buffer.concat(parts, total));
      resolve(undefined);
    };
    let ended = false;
    const onEnd = () => {
      ended = true;
      resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, total));
    };
    // Every body emits "close" after "end": an Error (with its stack) built for that normal close on every answer
    // was 2.6 % of the proxy's CPU in a profile under load.
    const onClose = () => {
      if (!ended) reject(new Error(`the connection closed after ${total} bytes of the body`));
    };
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", reject);
    source.once("close", onClose);
  });
}

/**
 * Builds the `fetch`. Give it to the mesh: `create({ config, fetch: createNodeFetch() })`.
 * @example
 * const nodeFetch = createNodeFetch();
 * const response = await nodeFetch("http://127.0.0.1:8080/v1/models", { headers: { authorization: "Bearer sk-..." } });
 * console.log(response.status, await response.json());
 * nodeFetch.close();
 */
export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  const fallback = options.fallback ?? globalThis.fetch.bind(globalThis);
  const bufferLimit = options.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
  const dispatcher = options.dispatcher ?? new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  const targets = new TargetCache();

  const send = (url: Target, init: RequestInit, redirects: number): Promise<Response> => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const method = (init.method ?? "GET").toUpperCase();
    const headers = headerRecord(init.headers);
    const body = init.body;
    let bytes: string | Uint8Array | null = null;
    if (typeof body === "string") {
      bytes = body;
      headers["content-type"] ??= "text/plain;charset=UTF-8";
    } else if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
      bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : body;
    }
    // The connection's own headers are the transport's, as fetch forbids them; undici writes the length itself
    // (0 for a POST, PUT or PATCH without a body) and refuses the others.
    for (const name of TRANSPORT_HEADERS) if (headers[name] !== undefined) delete headers[name];
    // What Node's fetch sends when the caller says nothing; some gateways refuse requests without a user agent.
    headers.accept ??= "*/*";
    headers["user-agent"] ??= "node";
    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      let cancel: ((reason: Error) => void) | undefined;
      let raw: RawHeaders = [];
      let responseInit = { status: 0, statusText: "" };
      let bodyDecoded = false;
      // Each property written out: on Node 20 a spread followed by keys its source lacks costs about 0.5 µs per key.
      const head = (): ResponseHead => ({ status: responseInit.status, statusText: responseInit.statusText, headers: receivedHeaders(raw, bodyDecoded), url: url.href, redirected: redirects > 0 });
      // What the body's bytes go to: nowhere (a redirect, a null body, a request given up), a list read whole, or a stream.
      let ignoreBody = false;
      let parts: Buffer[] | undefined;
      let total = 0;
      let stream: UpstreamBody | undefined;
      // A plain streamed body (an event stream): no Node stream unless someone asks for one.
      let direct: DirectBody | undefined;
      let complete = false;
      // undici's `resume` of a paused body (a body stream asks for more by calling it).
      let resumeBody = () => {};
      const upstreamBody = () => new UpstreamBody(() => resumeBody(), (error) => cancel?.(error));
      const onAbort = () => {
        if (!settled) {
          settled = true;
          reject(abortReason(signal!));
        }
        ignoreBody = true;
        cancel?.(abortReason(signal!) as Error);
      };
      const detach = signal ? onAbortOf(signal, onAbort) : NOTHING;
      const fail = (error: unknown) => {
        detach();
        if (settled) return;
        settled = true;
        reject(signal?.aborted ? abortReason(signal) : new TypeError("fetch failed", { cause: error }));
      };
      const streamed = (source: Readable) => {
        // From here the body stream watches the signal: the request promise is settled.
        detach();
        settled = true;
        cutOnAbort(source, signal);
        resolve(new StreamedResponse(source, signal, head()) as unknown as Response);
      };
      const streamedDirect = (body: DirectBody) => {
        // From here the body watches the signal, until it is over.
        detach();
        settled = true;
        if (signal) body.whenSettled(onAbortOf(signal, () => body.fail(undefined, true)));
        resolve(new StreamedResponse(body, signal, head()) as unknown as Response);
      };
      const buffered = (whole: Buffer) => {
        detach();
        if (settled) return;
        settled = true;
        resolve(new BufferedResponse(whole, head()) as unknown as Response);
      };
      const handler: Dispatcher.DispatchHandler = {
        onConnect(abort) {
          cancel = abort;
          if (signal?.aborted) abort(abortReason(signal) as Error);
        },
        onHeaders(status, rawHeaders, resume, statusText) {
          raw = rawHeaders;
          resumeBody = resume;
          if (settled) {
            ignoreBody = true;
            return true;
          }
          const key = keyHeaders(rawHeaders);
          const follow = init.redirect ?? "follow";
          if (REDIRECT_STATUSES.has(status) && key.location && follow !== "manual") {
            ignoreBody = true;
            detach();
            settled = true;
            if (follow === "error" || redirects >= 20) reject(new TypeError("fetch failed", { cause: new Error(`redirect ${status} to ${key.location} not followed`) }));
            else {
              // RFC 9110 §15.4: 303 always, and 301/302 after a POST (as browsers do), continue as a GET without body.
              const asGet = status === 303 || ((status === 301 || status === 302) && method === "POST");
              const next: RequestInit = asGet ? { ...init, method: "GET", body: null, headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith("content-"))) } : init;
              resolve(send(targetOf(new URL(key.location, url.href)), next, redirects + 1));
            }
            return true;
          }
          if (status < 200 || status > 599) {
            ignoreBody = true;
            fail(new Error(`unexpected status ${status}`));
            cancel?.(new Error(`unexpected status ${status}`));
            return false;
          }
          responseInit = { status, statusText: statusText ?? "" };
          if (NULL_BODY_STATUSES.has(status) || method === "HEAD") {
            ignoreBody = true;
            detach();
            settled = true;
            const { headers: received, url: answered, redirected } = head();
            const empty = new Response(null, responseInit);
            Object.defineProperties(empty, { headers: { value: received }, url: { value: answered }, redirected: { value: redirected }, type: { value: "basic" }, [RELEASES_SIGNAL]: { value: true } });
            resolve(empty);
            return true;
          }
          const declared = Number(key.length ?? Number.NaN);
          const contentType = key.type ?? "";
          // JSON is read whole whatever its framing (a chunked answer may still be small); audio and SSE stream.
          const whole = !contentType.includes("text/event-stream") && (declared <= bufferLimit || (Number.isNaN(declared) && contentType.includes("json")));
          const decoder = decoderFor(key.encoding);
          if (decoder) {
            bodyDecoded = true;
            stream = upstreamBody();
            const source = decodedThrough(stream, decoder, () => complete);
            if (!whole) streamed(source);
            else readWhole(source, bufferLimit).then((read) => (read ? buffered(read) : settled || streamed(source)), fail);
          } else if (whole) parts = [];
          else {
            direct = new DirectBody(
              () => resumeBody(),
              (error) => cancel?.(error),
              () => (signal?.aborted ? abortReason(signal) : undefined),
            );
            streamedDirect(direct);
          }
          return true;
        },
        onData(chunk) {
          if (ignoreBody) return true;
          if (direct) return direct.push(chunk);
          if (parts) {
            parts.push(chunk);
            total += chunk.byteLength;
            if (total <= bufferLimit) return true;
            // Past the limit: the body streams from its start.
            stream = upstreamBody();
            const pushed = stream.push(parts.length === 1 ? parts[0]! : Buffer.concat(parts, total));
            parts = undefined;
            streamed(stream);
            return pushed;
          }
          return stream!.push(chunk);
        },
        onComplete() {
          complete = true;
          if (ignoreBody) return;
          if (parts) buffered(parts.length === 1 ? parts[0]! : Buffer.concat(parts, total));
          else if (direct) direct.end();
          else if (stream) {
            stream.complete = true;
            stream.push(null);
          }
        },
        onError(error) {
          direct?.fail(error);
          if (stream && !stream.destroyed) stream.destroy(error);
          fail(error);
        },
      };
      dispatcher.dispatch({ origin: url.origin, path: url.path, method: method as Dispatcher.HttpMethod, headers, body: bytes }, handler);
    });
  };

  const nodeFetch = ((input: string | URL | Request, init: RequestInit = {}) => {
    const body = init.body;
    const simpleBody = body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer;
    if (typeof input !== "string" && !(input instanceof URL)) return fallback(input, init);
    const url = typeof input === "string" ? targets.of(input) : targetOf(input);
    if (!simpleBody || (url.protocol !== "http:" && url.protocol !== "https:")) return fallback(input, init);
    return send(url, init, 0);
  }) as NodeFetch;
  nodeFetch.close = () => {
    dispatcher.close().catch(() => {});
  };
  return nodeFetch;
}
