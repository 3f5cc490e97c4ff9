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

/**
 * Reads the rest of a body whose answer is complete, so an HTTP/1.1 connection goes back to its pool rather than
 * being closed (a new TCP and TLS handshake for the next request). Bounded: a body that goes on past
 * `SSE_DRAIN_LIMITS` is cancelled. The lock is released once done.
 */
async function drainRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let bytes = 0;
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), SSE_DRAIN_LIMITS.ms);
  // A Node process must not stay alive for a server that never ends its body.
  (timer as { unref?: () => void }).unref?.();
  try {
    for (let result = await reader.read(); !result.done; result = await reader.read()) {
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
 * Parses an SSE byte stream into events as bytes arrive. UTF-8 is decoded in streaming mode, so a character split
 * across two network chunks is never mangled. Comments (`: keep-alive`, `: OPENROUTER PROCESSING`) are skipped.
 * An event is dispatched only at its blank line: a body that ends mid-event drops that partial event, as the spec
 * says. Leaving the loop early (`break`, `return()`) cancels the body, which closes the connection, unless
 * `options.complete()` says the answer is complete: then the rest of the body is read, so the connection is kept.
 * @example
 * for await (const event of parseSse(response.body)) {
 *   if (isDoneSentinel(event.data)) break;
 *   console.log(JSON.parse(event.data));
 * }
 */
export async function* parseSse(stream: ReadableStream<Uint8Array>, options: ParseSseOptions = {}): AsyncGenerator<SseEvent, void, undefined> {
  const pending: SseEvent[] = [];
  const parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      const event: SseEvent = { data: message.data };
      if (message.event !== undefined) event.event = message.event;
      if (message.id !== undefined) event.id = message.id;
      pending.push(event);
    },
  });
  const decoder = new TextDecoder("utf-8");
  const lineEnds = { afterCR: false };
  const reader = stream.getReader();
  let finished = false;
  try {
    while (true) {
      options.onWait?.(true);
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } finally {
        options.onWait?.(false);
      }
      if (result.done) break;
      parser.feed(toLineFeeds(decoder.decode(result.value, { stream: true }), lineEnds));
      while (pending.length > 0) yield pending.shift() as SseEvent;
    }
    parser.feed(toLineFeeds(decoder.decode(), lineEnds));
    while (pending.length > 0) yield pending.shift() as SseEvent;
    finished = true;
  } finally {
    if (finished) reader.releaseLock();
    // The answer is complete but its body not yet ended: read the rest. Its end is normally already on its way (the
    // `[DONE]` line and the end of the chunked body come together): wait one turn of the event loop for it, so the
    // connection is free before the caller's next request; then the caller goes on and the read finishes alone.
    else if (options.complete?.()) await Promise.race([drainRest(reader), nextTurn()]);
    else {
      // Early exit or failure: tell the source we are gone so the connection closes instead of buffering on.
      await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
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
