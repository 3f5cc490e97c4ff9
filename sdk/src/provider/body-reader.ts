/**
 * A streamed body without web streams, when the injected `fetch` can offer one. A web `ReadableStream` costs a
 * queue, a controller and several promises per network chunk; on Node the bytes already arrive on a `Readable`, so
 * a `fetch` built on Node's own streams (the proxy's) can hand the provider a plain reader over it instead. Browsers, and
 * any `fetch` that offers nothing, keep `response.body`.
 *
 * The contract is the global symbol `Symbol.for("modelmesh.body-reader")` (global so a `fetch` need not import
 * this package): a function stored under it on a `Response` returns a reader over the same bytes `response.body`
 * would give, or `undefined` when the body can no longer be taken (someone read it). After it returned a reader,
 * `response.body` must not be read.
 */

/** The symbol a `fetch` stores its reader factory under, on the `Response` it returns. */
export const BODY_READER: unique symbol = Symbol.for("modelmesh.body-reader");

/** What a body reader must do: the part of `ReadableStreamDefaultReader` that SSE parsing uses. */
export interface BodyReader {
  /** The next chunk; rejects with the caller's abort reason after an abort, or an error when the body was cut. */
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /**
   * Optional: the next chunk as UTF-8 text, for a `fetch` that decodes faster than `TextDecoder` (Node's own
   * decoder does). A character split across chunks is joined, a leading byte order mark dropped, as `TextDecoder`'s
   * streaming mode does; a character still cut when the body ends may be dropped. A reader may mix the two calls.
   */
  readText?(): Promise<ReadableStreamReadResult<string>>;
  /**
   * Optional: true when the whole body has arrived and every byte of it was read, so a reader that stops now leaves
   * nothing behind on the connection and need not read on to find the end.
   */
  drained?(): boolean;
  /** Stops reading and closes the connection. */
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/**
 * The stream to read a streamed answer from: the `fetch`'s own reader (wrapped in the two methods a reader of
 * `ReadableStream` calls, `getReader` and `cancel`) when it offers one, else `response.body`.
 * @example
 * const body = streamedBody(response);
 * if (body) for await (const event of parseSse(body)) console.log(event.data);
 */
export function streamedBody(response: Response): ReadableStream<Uint8Array> | null {
  const offer = (response as Response & { [BODY_READER]?: () => BodyReader | undefined })[BODY_READER];
  const reader = typeof offer === "function" ? offer.call(response) : undefined;
  if (!reader) return response.body;
  // Only `getReader()` and `cancel()` are ever called on a body here (parseSse, and leaving a stream early).
  return { getReader: () => reader, cancel: (reason?: unknown) => reader.cancel(reason) } as unknown as ReadableStream<Uint8Array>;
}
