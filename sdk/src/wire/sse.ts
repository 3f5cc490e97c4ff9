/**
 * Server-sent events, both directions. Reading is done once, here, with `eventsource-parser` (WHATWG rules: LF,
 * CR and CRLF line ends, multi-line `data:`, comments, `event:`/`id:` fields); providers only see whole events.
 * The OpenAI `[DONE]` sentinel is known only in this file: readers ask `isDoneSentinel`, writers use `SSE_DONE`.
 */
import { createParser } from "eventsource-parser";
import type { EventSourceMessage } from "eventsource-parser";

/** One dispatched event. `event` is undefined when the server sent no `event:` line (not "message"). */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/** Hooks into `parseSse`'s reading loop. */
export interface ParseSseOptions {
  /**
   * Called when a read is about to wait for the network and when it returns; the provider uses it to run an idle
   * timer only while it is really waiting on the server (never while the consumer is busy).
   */
  onWait?: (waiting: boolean) => void;
  /**
   * Asked when the reader stops before the body ended: true when the answer is complete (its end marker or finish
   * reason was read), so what is left of the body (the `[DONE]` line, the end of the chunked body) is read to its end
   * in the background and the connection can carry the next request. False or absent: the body is cancelled, which
   * closes the connection and stops the service generating what nobody reads.
   */
  complete?: () => boolean;
}

/** What the background read after a complete answer may take before it gives up and closes the connection instead. */
export const SSE_DRAIN_LIMITS = { bytes: 64 * 1024, ms: 2_000 } as const;

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** What `soon()` resolves to: a race against it is won by whatever had already settled. */
const NOT_YET: unique symbol = Symbol("not yet");
/** Resolves after a few microtask turns, long before any timer or network event: "is it there already?". */
const soon = (): Promise<typeof NOT_YET> =>
  Promise.resolve()
    .then(() => undefined)
    .then(() => NOT_YET);

/**
 * Reads the rest of a body whose answer is complete, so an HTTP/1.1 connection goes back to its pool rather than
 * being closed (a new TCP and TLS handshake for the next request). Bounded: a body that goes on past
 * `SSE_DRAIN_LIMITS` is cancelled. The lock is released once done. `first` is the read already begun.
 */
async function drainRest(reader: ReadableStreamDefaultReader<Uint8Array>, first: Promise<ReadableStreamReadResult<Uint8Array>>): Promise<void> {
  let bytes = 0;
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), SSE_DRAIN_LIMITS.ms);
  // A Node process must not stay alive for a server that never ends its body.
  (timer as { unref?: () => void }).unref?.();
  try {
    for (let result = await first; !result.done; result = await reader.read()) {
      bytes += result.value.byteLength;
      if (bytes > SSE_DRAIN_LIMITS.bytes) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    // Cut by the timer or by the connection: nothing to keep.
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

/**
 * An SSE byte stream read one network read at a time: `read()` resolves to the events that read completed (often
 * one, sometimes none or several), or `undefined` once the body has ended. UTF-8 is decoded in streaming mode, so a
 * character split across two reads is never mangled; comments (`: keep-alive`) are skipped; an event is dispatched
 * only at its blank line, so a body that ends mid-event drops that partial event, as the spec says. A consumer that
 * handles a read's events together (the providers' stream loop) pays one `await` per network read instead of an
 * async-generator step per event; `parseSse` is the per-event generator over it.
 * @example
 * const sse = new SseReader(response.body);
 * for (let events = await sse.read(); events; events = await sse.read()) for (const event of events) console.log(event.data);
 * await sse.close(false);
 */
export class SseReader {
  #stream: ReadableStream<Uint8Array>;
  /** `readText` is there when the body's reader decodes itself (a body reader of the proxy's Node `fetch`). */
  #reader: (ReadableStreamDefaultReader<Uint8Array> & { readText?: () => Promise<ReadableStreamReadResult<string>>; drained?: () => boolean }) | undefined;
  #onWait: ((waiting: boolean) => void) | undefined;
  #events: SseEvent[] = [];
  #parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      const event: SseEvent = { data: message.data };
      if (message.event !== undefined) event.event = message.event;
      if (message.id !== undefined) event.id = message.id;
      this.#events.push(event);
    },
  });
  /** Made at the first bytes to decode: a body reader that gives text never needs one. */
  #decoder: TextDecoder | undefined;
  #lineEnds = { afterCR: false };
  #ended = false;
  #closed = false;

  constructor(stream: ReadableStream<Uint8Array>, options: Pick<ParseSseOptions, "onWait"> = {}) {
    this.#stream = stream;
    this.#onWait = options.onWait;
  }

  /** The events the next network read completes; `undefined` once the body has ended (or after `close`). */
  async read(): Promise<SseEvent[] | undefined> {
    if (this.#ended || this.#closed) return undefined;
    // The body is locked at the first read, not before: until then the caller may still cancel it as it is.
    this.#reader ??= this.#stream.getReader();
    this.#onWait?.(true);
    let result: ReadableStreamReadResult<Uint8Array | string>;
    try {
      result = this.#reader.readText ? await this.#reader.readText() : await this.#reader.read();
    } finally {
      this.#onWait?.(false);
    }
    if (result.done) {
      this.#ended = true;
      // What a character cut at the very end leaves in the decoder (U+FFFD), as the stream's end says.
      if (this.#decoder) this.#parser.feed(toLineFeeds(this.#decoder.decode(), this.#lineEnds));
    } else {
      const value = result.value;
      this.#parser.feed(toLineFeeds(typeof value === "string" ? value : (this.#decoder ??= new TextDecoder("utf-8")).decode(value, { stream: true }), this.#lineEnds));
    }
    const events = this.#events;
    if (events.length === 0) return this.#ended ? undefined : events;
    this.#events = [];
    return events;
  }

  /**
   * Lets go of the body (once; later calls do nothing). A body read to its end is only released. Otherwise, when
   * `complete` (the answer's end marker or finish reason was read), what is left of the body (the `[DONE]` line, the
   * end of the chunked body) is read in the background so an HTTP/1.1 connection can carry the next request: one
   * turn of the event loop is waited for it, since its end is normally already on its way, and past
   * `SSE_DRAIN_LIMITS` it is cancelled after all. Not complete: the body is cancelled, which closes the connection and
   * stops the service generating what nobody reads.
   */
  async close(complete: boolean): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const reader = this.#reader;
    // Never read: nothing of it was wanted (a body is only ended once it has been read).
    if (!reader) {
      await this.#stream.cancel().catch(() => {});
      return;
    }
    // Read to its end, or (a reader that can tell) arrived whole and read: nothing is left to drain or wait for.
    if (this.#ended || reader.drained?.() === true) reader.releaseLock();
    else if (complete) {
      // Normally the rest (the `[DONE]` line's end, the end of the chunked body) has arrived with the last events: one
      // read that is already settled says so, and the body is let go without a timer. Otherwise it is read in the
      // background, and one turn of the event loop is waited for it.
      const first = reader.read();
      const settled = await Promise.race([first, soon()]).catch(() => undefined);
      if (settled === undefined || (settled !== NOT_YET && settled.done)) reader.releaseLock();
      else await Promise.race([drainRest(reader, first), nextTurn()]);
    } else {
      await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
}

/**
 * Parses an SSE byte stream into events as bytes arrive (an `SseReader`, one event per step). Leaving the loop early
 * (`break`, `return()`) cancels the body, which closes the connection, unless `options.complete()` says the answer is
 * complete: then the rest of the body is read, so the connection is kept.
 * @example
 * for await (const event of parseSse(response.body)) {
 *   if (isDoneSentinel(event.data)) break;
 *   console.log(JSON.parse(event.data));
 * }
 */
export async function* parseSse(stream: ReadableStream<Uint8Array>, options: ParseSseOptions = {}): AsyncGenerator<SseEvent, void, undefined> {
  const sse = new SseReader(stream, options);
  try {
    for (let events = await sse.read(); events; events = await sse.read()) for (const event of events) yield event;
  } finally {
    await sse.close(options.complete?.() === true);
  }
}

/**
 * Rewrites CR and CRLF line ends as LF before the parser sees them. A CR that ends a network chunk cannot be told
 * apart from the first half of a CRLF until the next byte arrives; eventsource-parser 3.1 then keeps it pending until
 * some later chunk brings a line break, so the event it ends is delayed, and lost if the stream closes first
 * (found by fuzzing: `data: x\n` `\r` ` ` dispatched nothing, `data: x\n\r ` in one chunk dispatched the event).
 * Here the CR counts as a line end at once, and an LF that follows it in the next chunk is dropped.
 * SSE data cannot hold a raw CR (it always ends a line), so nothing else changes.
 */
function toLineFeeds(text: string, state: { afterCR: boolean }): string {
  if (text === "") return text;
  const input = state.afterCR && text.charCodeAt(0) === 10 ? text.slice(1) : text;
  state.afterCR = input.length > 0 && input.charCodeAt(input.length - 1) === 13;
  return input.includes("\r") ? input.replace(/\r\n?/g, "\n") : input;
}

/**
 * True for OpenAI's end-of-stream marker (`data: [DONE]`), which is not JSON and must not be parsed as a chunk.
 * @example
 * if (isDoneSentinel(event.data)) return "done";
 */
export function isDoneSentinel(data: string): boolean {
  return data.trim() === "[DONE]";
}

/**
 * Formats one SSE event. Multi-line data becomes several `data:` lines (the reader joins them back with "\n");
 * CR and LF are removed from the event name, since they would end the field early.
 * @example
 * formatSseEvent(JSON.stringify(chunk)); // "data: {...}\n\n"
 * formatSseEvent("{}", "ping");           // "event: ping\ndata: {}\n\n"
 */
export function formatSseEvent(data: string, event?: string): string {
  const name = event === undefined ? "" : `event: ${event.replace(/[\r\n]/g, "")}\n`;
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`).join("");
  return `${name}${lines}\n`;
}

/**
 * The OpenAI stream terminator, ready to write.
 * @example
 * writer.write(SSE_DONE);
 */
export const SSE_DONE = "data: [DONE]\n\n";

/**
 * A comment line, which every SSE reader ignores; proxies send it to keep idle connections open.
 * @example
 * writer.write(formatSseComment("keep-alive"));
 */
export function formatSseComment(text: string): string {
  return text.split(/\r\n|\r|\n/).map((line) => `: ${line}\n`).join("") + "\n";
}
