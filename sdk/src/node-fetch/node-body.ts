/**
 * Node streams behind web streams, without paying for the web stream when nobody reads it. The relay's upstream
 * body is a Node `IncomingMessage`; the proxy hands it on inside a `Response` (the handler is Web-standard), and
 * the node adapter, finding the stream untouched, pipes the `IncomingMessage` straight into its socket.
 */
import type { Readable } from "node:stream";

const nodeBodies = new WeakMap<ReadableStream<Uint8Array>, Readable>();

/**
 * A web stream reading `source` only once someone reads it (highWaterMark 0: nothing is pulled ahead), pausing
 * the source while the reader is behind. A source that closes before its end errors the stream ("terminated", as
 * `fetch` says); `abortReason` names the error when the caller aborted.
 * @example
 * return new Response(nodeBodyStream(incoming), { status: incoming.statusCode });
 */
export function nodeBodyStream(source: Readable, abortReason?: () => unknown): ReadableStream<Uint8Array> {
  let attached = false;
  // Once the reader cancelled, or the stream was closed or errored, events still queued on the source (an 'end'
  // already on its way when a client leaves) must not touch the controller: that throws from an event handler and
  // takes the whole process down.
  let done = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (attached) {
          source.resume();
          return;
        }
        attached = true;
        nodeBodies.delete(stream);
        source.on("data", (chunk: Buffer) => {
          if (done) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        source.once("end", () => {
          if (done) return;
          done = true;
          controller.close();
        });
        const cut = (error?: Error) => {
          if (done) return;
          done = true;
          controller.error(abortReason?.() ?? new TypeError("terminated", error ? { cause: error } : undefined));
        };
        source.once("error", cut);
        source.once("close", () => cut());
        // A source someone paused (a reader that read ahead, then put the bytes back) stays paused on "data".
        source.resume();
      },
      cancel() {
        done = true;
        source.destroy();
      },
    },
    { highWaterMark: 0 },
  );
  nodeBodies.set(stream, source);
  return stream;
}

/**
 * The Node stream behind a Response's body while nobody has read it; taking it means the caller reads the Node
 * stream and must not read the Response. Otherwise undefined.
 * @example
 * const incoming = takeNodeBody(response);
 * if (incoming) incoming.pipe(outgoing);
 */
export function takeNodeBody(response: Response): Readable | undefined {
  const body = response.body;
  if (!body || body.locked || response.bodyUsed) return undefined;
  const source = nodeBodies.get(body);
  if (source) nodeBodies.delete(body);
  return source;
}
