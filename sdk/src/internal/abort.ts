/**
 * Signal plumbing shared by every connector that does I/O. `AbortSignal.any` is not in every runtime ModelMesh
 * targets (older Safari, Node 20.0–20.2), and its listeners live as long as the longest input signal, so this
 * module combines signals by hand and hands back a `dispose()` that detaches them.
 */

/** A signal that aborts when any input aborts, with that input's reason. */
export interface CombinedSignal {
  signal: AbortSignal;
  /** Detaches the listeners from the inputs; the combined signal keeps its state. */
  dispose(): void;
}

/**
 * Combines signals; `undefined` entries are ignored.
 * @example
 * const { signal, dispose } = combineSignals([callerSignal, timeoutController.signal]);
 * try { await fetch(url, { signal }) } finally { dispose() }
 */
export function combineSignals(signals: Array<AbortSignal | undefined>): CombinedSignal {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  // One signal needs no combining: an AbortController per request is a measurable cost on hot paths.
  if (present.length === 1) return { signal: present[0]!, dispose: () => {} };
  const controller = new AbortController();
  const aborted = present.find((signal) => signal.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose: () => {} };
  }
  const listeners = present.map((signal) => {
    const listener = () => {
      controller.abort(signal.reason);
      dispose();
    };
    signal.addEventListener("abort", listener, { once: true });
    return { signal, listener };
  });
  const dispose = () => {
    for (const { signal, listener } of listeners) signal.removeEventListener("abort", listener);
    listeners.length = 0;
  };
  return { signal: controller.signal, dispose };
}

/**
 * True for the errors runtimes raise when a signal aborts an operation (`AbortError` DOMException, or the
 * `TimeoutError` DOMException of `AbortSignal.timeout`).
 * @example
 * catch (error) { if (isAbortError(error)) return }
 */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const name = (error as { name?: unknown }).name;
  return name === "AbortError" || name === "TimeoutError";
}

/**
 * Marks an abort that ModelMesh caused itself (a timeout, or a consumer leaving a stream), so it is never mistaken
 * for the caller's abort.
 * @example
 * controller.abort(new InternalAbortReason("timeout"));
 */
export class InternalAbortReason extends Error {
  override name = "InternalAbortReason";
  constructor(readonly kind: "timeout" | "stopped") {
    super(kind === "timeout" ? "timed out" : "stopped by the consumer");
  }
}

/**
 * An `AbortController` whose signal is built only when someone reads it. A streamed answer owns a controller (the
 * official client's `stream.controller`), and on Node 20 reading `controller.signal` builds an `AbortSignal` (about 4
 * µs) and the first listener on it costs as much again, on every stream, though almost no stream is ever stopped.
 * ModelMesh's own code follows it through `onAbortOf` (listeners kept here, no signal needed) and checks `aborted`
 * and `reason` here; whoever reads `signal` (a custom provider, a caller) gets the real one, aborted with it.
 * @example
 * const stop = new LazyAbortController();
 * const leave = onAbortOf(stop, () => upstream.abort()); // no AbortSignal built
 * stop.abort(); // calls the listener; stop.signal.aborted is true
 */
export class LazyAbortController extends AbortController {
  #listeners: Set<() => void> | undefined;
  #aborted = false;

  get aborted(): boolean {
    return this.#aborted;
  }

  /** The abort's reason (as `signal.reason`); undefined until aborted. */
  get reason(): unknown {
    return this.#aborted ? this.signal.reason : undefined;
  }

  override abort(reason?: unknown): void {
    // As on a signal, a second abort changes nothing: a follower that came after the first is never called.
    if (this.#aborted) return;
    this.#aborted = true;
    // `super.abort(undefined)` gives the default AbortError reason, as `abort()` does.
    super.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  /** Calls `listener` once when this aborts, unless the returned function was called first. */
  follow(listener: () => void): () => void {
    const listeners = (this.#listeners ??= new Set());
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }
}

/** What can stop an operation: a signal, or a `LazyAbortController` followed without building its signal. */
export type AbortSource = AbortSignal | LazyAbortController;

/** The signal of a source (built now for a `LazyAbortController`). */
export function signalOf(source: AbortSource): AbortSignal;
export function signalOf(source: AbortSource | undefined): AbortSignal | undefined;
export function signalOf(source: AbortSource | undefined): AbortSignal | undefined {
  return source instanceof LazyAbortController ? source.signal : source;
}

/**
 * The key under which the router hands a provider the source behind `ProviderCallOptions.signal`, so a provider of
 * this package follows a stream's controller without building its signal (`signal` itself is then a getter that
 * builds it, for providers that read it).
 */
export const ABORT_SOURCE: unique symbol = Symbol("modelmesh.abort-source");

/**
 * What is in flight on each signal. A signal gets one "abort" listener for its whole life, which calls whatever is
 * in flight on it when it fires; an exchange joins the set while it runs and leaves it when done. On Node an add and
 * a remove of an EventTarget listener per request are a measurable cost, and callers often pass one signal to many
 * requests (the proxy passes its connection's signal to every request on that connection).
 */
const inFlightOn = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `listener` once when `signal` aborts, unless the returned function was called first. Nothing of a listener
 * that left stays reachable from the signal.
 * @example
 * const leave = onAbortOf(callerSignal, () => controller.abort(callerSignal.reason));
 * try { await work() } finally { leave() }
 */
export function onAbortOf(signal: AbortSource, listener: () => void): () => void {
  if (signal instanceof LazyAbortController) return signal.follow(listener);
  let listeners = inFlightOn.get(signal);
  if (!listeners) {
    const created = new Set<() => void>();
    listeners = created;
    inFlightOn.set(signal, created);
    signal.addEventListener(
      "abort",
      () => {
        const now = [...created];
        created.clear();
        for (const each of now) each();
      },
      { once: true },
    );
  }
  const joined = listeners;
  joined.add(listener);
  return () => void joined.delete(listener);
}
