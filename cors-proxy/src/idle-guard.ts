/**
 * The relay's guard against an upstream that goes silent mid-body, kept apart from the reading itself: the timer
 * stands still while the reader holds the stream paused, so a slow client is never taken for a silent upstream.
 */
import type { Readable } from "node:stream";

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
