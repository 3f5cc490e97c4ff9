/**
 * The body of an answer undici's dispatcher delivers, as a Node stream: what the proxy's Node fetch and its relay
 * transport hand on (a dispatcher handler gets bytes by callback, a reader wants a stream it can pause).
 */
import { Readable } from "node:stream";

/**
 * A streamed body fed by undici's handler: a chunk the reader has no room for pauses the connection (the handler's
 * `onData` returns false) until the reader asks again (`_read` resumes it). Destroyed before its end, it cuts the
 * request, so the connection is not left half read.
 */
export class UpstreamBody extends Readable {
  #resume: () => void;
  #cut: (error: Error) => void;
  /** Set when undici delivered the whole body: destroying the stream then (as every stream is at its end) cuts nothing. */
  complete = false;

  constructor(resume: () => void, cut: (error: Error) => void) {
    super();
    this.#resume = resume;
    this.#cut = cut;
  }

  override _read(): void {
    this.#resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // An Error (with its stack) only for a body really cut short: one per ended stream was 2 % of a profile.
    if (!this.complete) this.#cut(error ?? new Error("the body was cancelled"));
    callback(error);
  }
}

