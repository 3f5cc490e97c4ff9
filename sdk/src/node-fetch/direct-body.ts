/**
 * A streamed answer's body as undici's handler delivers it, held until someone reads it, and read without a Node
 * stream in between when the reader is the providers' body reader (the proxy's streams: SSE).
 *
 * Why: through a `Readable` every network read of a stream cost a pause, a `resume()` and a `nextTick` or three
 * (about 18 `nextTick`s per short SSE answer, counted), for bytes that go to exactly one reader. Anyone who wants a
 * Node stream after all (`response.body`, `text()`, `clone()`) gets one, fed the same bytes from where they are.
 */
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { UpstreamBody } from "./upstream-body.js";

/** What a body reader gives: `ReadableStreamDefaultReader`'s reading part. */
export interface NodeBodyReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /** The same bytes as UTF-8 text (see `BodyReader.readText` in the SDK's `provider/body-reader.ts`). */
  readText?(): Promise<ReadableStreamReadResult<string>>;
  /** The whole body arrived and was read (see `BodyReader.drained` in the SDK). */
  drained?(): boolean;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/** Bytes held for a reader that is behind before the connection is paused: a `Readable`'s default high-water mark. */
const HELD_BYTES_MAX = 16 * 1024;

type Waiter = { resolve: (result: ReadableStreamReadResult<Uint8Array | string>) => void; reject: (error: unknown) => void; text: boolean };

/**
 * Fed by the dispatch handler (`push`, `end`, `fail`), read once: by `reader()` directly, or as the Node stream
 * `readable()` gives. Until one of them is chosen, what arrives is held (up to `HELD_BYTES_MAX`, then the connection
 * pauses). It ends, fails and aborts as `nodeBodyReader` over an `UpstreamBody` does: a body cut before its end fails
 * with "terminated" (or the abort's reason), a reader that cancels closes the connection unless the body was complete.
 */
export class DirectBody {
  readonly #resume: () => void;
  readonly #cut: (error: Error) => void;
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** The connection is paused (`push` returned false) until a read wants more. */
  #paused = false;
  /** undici delivered the whole body: cancelling or destroying it now cuts nothing. */
  #complete = false;
  /** Set once the body can give nothing more (cut, failed, or cancelled by its reader). */
  #failure: { error: unknown } | undefined;
  #cancelled = false;
  #waiting: Waiter | undefined;
  /** The caller's abort reason once it aborted: what a read fails with then, instead of "terminated". */
  readonly #abortReason: () => unknown;
  /** The Node stream, once someone asked for one: from then on everything goes through it. */
  #stream: UpstreamBody | undefined;
  #taken = false;
  /** Called once when the body is over (ended and read, failed, cancelled): the owner lets go of what watched it. */
  #onSettled: (() => void) | undefined;
  /**
   * Decodes for `readText()`: Node's StringDecoder keeps a character split across chunks for the next one, as
   * TextDecoder's streaming mode does, at about a third of its cost per chunk on Node 20 (0.08 against 0.24 µs for an
   * SSE event's 330 bytes, more under load), once per network read of every stream the proxy relays.
   */
  #decoder: StringDecoder | undefined;
  /** No text has been decoded yet: a leading byte order mark is still to be dropped, as TextDecoder does. */
  #textStart = true;

  constructor(resume: () => void, cut: (error: Error) => void, abortReason: () => unknown = () => undefined) {
    this.#resume = resume;
    this.#cut = cut;
    this.#abortReason = abortReason;
  }

  /** `settled` runs once the body is over. Given before the first byte (the fetch does, when the headers arrive). */
  whenSettled(settled: () => void): void {
    this.#onSettled = settled;
  }

  // ---- the handler's side ----

  /** A chunk from the network; false asks undici to pause the connection. */
  push(chunk: Buffer): boolean {
    if (this.#stream) return this.#stream.push(chunk);
    if (this.#failure || this.#cancelled) return true;
    const waiter = this.#waiting;
    if (waiter) {
      this.#waiting = undefined;
      waiter.resolve({ done: false, value: waiter.text ? this.#decode(chunk) : chunk });
      return true;
    }
    this.#held.push(chunk);
    this.#heldBytes += chunk.byteLength;
    if (this.#heldBytes < HELD_BYTES_MAX) return true;
    this.#paused = true;
    return false;
  }

  /** undici delivered the whole body. */
  end(): void {
    this.#complete = true;
    if (this.#stream) {
      this.#stream.complete = true;
      this.#stream.push(null);
      return;
    }
    this.#settleWaiter();
    if (this.#held.length === 0) this.#settled();
  }

  /**
   * The connection failed mid-body, or the caller aborted (`cut`: then the connection is cut too, unless the body is
   * already complete). The reader's next read fails with the abort's reason or "terminated".
   */
  fail(error?: Error, cut = false): void {
    if (this.#stream) {
      this.#stream.destroy(error);
      return;
    }
    if (this.#failure || this.#cancelled || (this.#complete && this.#held.length === 0)) return;
    if (cut && !this.#complete) this.#cut(error ?? new Error("the body was cancelled"));
    this.#failure = { error: this.#abortReason() ?? new TypeError("terminated", error ? { cause: error } : undefined) };
    // As a web stream's `error()`: chunks not yet read are dropped, the next read fails.
    this.#held = [];
    this.#heldBytes = 0;
    this.#settleWaiter();
    this.#settled();
  }

  // ---- the reader's side ----

  /** The body read directly (once; `undefined` when it was taken). */
  reader(): NodeBodyReader | undefined {
    if (this.#taken) return undefined;
    this.#taken = true;
    return {
      read: () => this.#read(false) as Promise<ReadableStreamReadResult<Uint8Array>>,
      readText: () => this.#read(true) as Promise<ReadableStreamReadResult<string>>,
      drained: () => this.#complete && this.#held.length === 0 && this.#failure === undefined,
      cancel: async () => this.#cancel(),
      releaseLock() {},
    };
  }

  /** The body as a Node stream (once; `undefined` when it was taken), fed what was held and what still comes. */
  readable(): Readable | undefined {
    if (this.#taken) return undefined;
    this.#taken = true;
    // The stream asks for more (`_read`) whenever it has room: undici's resume, as for any `UpstreamBody`; and it
    // cuts the connection only when destroyed before its end (`complete`), as any `UpstreamBody` does.
    const stream = new UpstreamBody(this.#resume, this.#cut);
    this.#stream = stream;
    stream.once("close", () => this.#settled());
    for (const chunk of this.#held) stream.push(chunk);
    this.#held = [];
    this.#heldBytes = 0;
    if (this.#complete) {
      stream.complete = true;
      stream.push(null);
    } else if (this.#failure) stream.destroy(new Error("terminated"));
    return stream;
  }

  /** The next chunk, as text when `text` (a reader may mix the two: the SSE reader drains the body's end as bytes). */
  #read(text: boolean): Promise<ReadableStreamReadResult<Uint8Array | string>> {
    if (this.#failure) return Promise.reject(this.#failure.error);
    if (this.#held.length > 0) {
      // Everything held, in one read: a reader that fell behind (the network delivered several SSE events while it
      // worked on one) catches up in one step, parsing the events together, instead of paying a read, a decode and
      // a turn of every layer above it per network chunk. One copy of at most about `HELD_BYTES_MAX` bytes.
      const held = this.#held;
      const chunk = held.length === 1 ? held[0]! : Buffer.concat(held, this.#heldBytes);
      this.#held = [];
      this.#heldBytes = 0;
      if (this.#complete) this.#settled();
      return Promise.resolve({ done: false, value: text ? this.#decode(chunk) : chunk });
    }
    if (this.#complete || this.#cancelled) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject, text };
      this.#resumeConnection();
    });
  }

  /**
   * A chunk as text. A character cut at the chunk's end waits in the decoder for the rest; one still cut when the
   * body ends is dropped, where TextDecoder would give U+FFFD: it can only be part of an event the body never finished
   * (an SSE event ends with a blank line), which a reader drops anyway.
   */
  #decode(chunk: Buffer): string {
    const text = (this.#decoder ??= new StringDecoder("utf8")).write(chunk);
    if (!this.#textStart || text === "") return text;
    this.#textStart = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  #cancel(): void {
    if (this.#cancelled || this.#failure) return;
    this.#cancelled = true;
    this.#held = [];
    this.#heldBytes = 0;
    // A body delivered whole leaves the connection to its next request; otherwise the rest is not wanted.
    if (!this.#complete) this.#cut(new Error("the body was cancelled"));
    this.#settleWaiter();
    this.#settled();
  }

  #resumeConnection(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#resume();
  }

  /**
   * A read waiting when the body ends, fails or is cancelled: only ever with nothing held (a chunk that arrives while
   * a read waits goes straight to it).
   */
  #settleWaiter(): void {
    const waiter = this.#waiting;
    if (!waiter) return;
    this.#waiting = undefined;
    if (this.#failure) waiter.reject(this.#failure.error);
    else waiter.resolve({ done: true, value: undefined });
  }

  #settled(): void {
    const settled = this.#onSettled;
    this.#onSettled = undefined;
    settled?.();
  }
}
