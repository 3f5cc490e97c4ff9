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

/** What `guardIdle` keeps on a guarded stream (a property, so its listeners are shared functions, not closures). */
interface IdleState {
  idleMs: number;
  onSilence: () => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  paused: boolean;
  over: boolean;
}

const IDLE = Symbol("modelmesh.idleGuard");
type Guarded = Readable & { [IDLE]?: IdleState; complete?: boolean };

/**
 * Calls `onSilence` once `source` has delivered nothing for `idleMs` while someone reads it. The clock starts when
 * a reader first resumes the stream (an unread body is nobody's wait), stands still while the reader holds the
 * stream paused (a slow client's backpressure — `pipe` pauses the source and resumes it on drain — is not the
 * upstream's silence), and stops at the end. One timer per stream, refreshed on each chunk, never re-created.
 * An `IncomingMessage` that is `complete` (its whole message arrived) has nothing left to wait for: no timer at all,
 * which is the common case of a small answer.
 * @example
 * guardIdle(incoming, 120_000, () => incoming.destroy(new Error("the upstream went silent")));
 */
export function guardIdle(source: Readable, idleMs: number, onSilence: () => void): void {
  const guarded = source as Guarded;
  if (guarded.complete === true) return;
  guarded[IDLE] = { idleMs, onSilence, timer: undefined, paused: false, over: false };
  source.on("resume", onResume);
  source.on("pause", onPause);
  source.on("end", onOver);
  source.on("close", onOver);
}

function onResume(this: Guarded): void {
  const state = this[IDLE]!;
  if (state.over) return;
  if (this.complete === true) {
    onOver.call(this);
    return;
  }
  state.paused = false;
  if (state.timer) {
    state.timer.refresh();
    return;
  }
  state.timer = setTimeout(onIdleTimer, state.idleMs, this);
  // Added once the reader made the stream flow ("resume" comes before the first chunk), so this listener never
  // starts the flow itself and never takes a chunk the reader has not subscribed to yet.
  this.on("data", onData);
}

function onData(this: Guarded): void {
  this[IDLE]!.timer?.refresh();
}

function onPause(this: Guarded): void {
  // A timer that fires while the reader holds the stream paused is ignored; `refresh()` on resume re-arms it.
  this[IDLE]!.paused = true;
}

function onOver(this: Guarded): void {
  const state = this[IDLE]!;
  state.over = true;
  clearTimeout(state.timer);
}

function onIdleTimer(source: Guarded): void {
  const state = source[IDLE]!;
  if (!state.paused && !state.over && source.complete !== true) state.onSilence();
}
