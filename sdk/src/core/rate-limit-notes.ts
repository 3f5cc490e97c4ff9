/**
 * Rate-limit snapshots noted now and merged into the models' states later. The router notes each answer's quota as
 * it arrives, in order; the snapshot is read (for this package's providers that is when the headers are parsed,
 * 10–15 µs an answer on the proxy's machine) and merged when the event loop has nothing else to do — after the
 * answer went out: in the proxy, after `res.end()` — or earlier when something is about to read `state.rateLimit`:
 * the router before every pick (so every rotation strategy, a custom one too, sees each answer noted so far) and
 * the state snapshot before it is saved.
 */
import type { ModelState } from "../wire/model-state.js";
import type { RateLimitSnapshot } from "../wire/models.js";

/** Reads a snapshot; `undefined` when the answer reported none. */
export type RateLimitReader = () => RateLimitSnapshot | undefined;

/** Notes not merged yet, in the order they came: a state, then its reader. */
let unread: Array<ModelState | RateLimitReader> = [];
let scheduled = false;
// Past this many unread notes (idle never came: fake timers in tests, a throttled tab) they are merged at once.
const MAX_UNREAD = 64;

// setImmediate runs after this turn's I/O callbacks (the answer is written by then); browsers have setTimeout.
const whenIdle: (run: () => void) => void = typeof setImmediate === "function" ? (run) => void setImmediate(run) : (run) => void setTimeout(run, 0);

/** Merges every note not merged yet into its state, in order. Cheap when there are none. */
export function settleRateLimits(): void {
  if (unread.length === 0) return;
  const notes = unread;
  unread = [];
  for (let index = 0; index < notes.length; index += 2) {
    const state = notes[index] as ModelState;
    let snapshot: RateLimitSnapshot | undefined;
    try {
      snapshot = (notes[index + 1] as RateLimitReader)();
    } catch {
      // A quota header nobody can read is no reason to fail anything: the answer was served.
      snapshot = undefined;
    }
    if (snapshot) state.rateLimit = { ...state.rateLimit, ...snapshot };
  }
}

function settleWhenIdle(): void {
  scheduled = false;
  settleRateLimits();
}

/** Notes `read` for the state; its snapshot is merged over what the state holds when idle or before a read. */
export function noteRateLimitLater(state: ModelState, read: RateLimitReader): void {
  unread.push(state, read);
  if (unread.length >= MAX_UNREAD * 2) {
    settleRateLimits();
    return;
  }
  if (!scheduled) {
    scheduled = true;
    whenIdle(settleWhenIdle);
  }
}
