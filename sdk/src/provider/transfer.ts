/** One HTTP exchange's timers and signals, shared by every HTTP provider. */
import { ConnectionError, ModelMeshError, TimeoutError } from "../wire/errors.js";
import { InternalAbortReason, onAbortOf, type AbortSource } from "../internal/abort.js";
import { redactSecrets } from "./error-factory.js";

/** The limits of one exchange, in ms; an unset limit does not apply. */
export interface TransferLimits {
  /** The whole exchange, from sending until the body is read (or the stream ends). */
  totalMs?: number;
  /** Sending until the response headers arrive. */
  headersMs?: number;
}

/** Control over one exchange's timers and signals (see `SentRequest.transfer`). */
export interface TransferControl {
  readonly signal: AbortSignal;
  /**
   * A stream's body begins: from now on the phase timer allows `firstTokenMs` until the first `progress()`, then
   * `stallMs` between one `progress()` and the next. Time counts only while `waiting(true)` (a slow consumer never
   * times a stream out).
   */
  beginStream(firstTokenMs: number | undefined, stallMs: number | undefined): void;
  /** The reader is about to wait on the network (true) or got bytes back (false). */
  waiting(on: boolean): void;
  /** Content arrived: the stall window starts again. */
  progress(): void;
  /** Stops every timer (the body is handed on unread, or the exchange is done). */
  disarm(): void;
  /** Done normally: stop the timers and let go of the caller's signal. */
  finish(): void;
  /** Done early: abort the request (closes the connection) and let go. */
  stop(): void;
  /** Maps a failure to the caller's abort reason, a `TimeoutError` or a `ConnectionError`. */
  classify(error: unknown, phase: string): unknown;
}

type Phase = "headers" | "first token" | "stall";

const PHASE_WORDS: Record<Phase | "total", string> = {
  headers: "sent no response headers",
  "first token": "sent no content",
  stall: "sent nothing more",
  total: "did not finish",
};

/**
 * The mark of a `Response` whose `fetch` let go of `init.signal`: once the response settled and its body ended, that
 * fetch no longer acts on the signal (what it left on it, if anything, reaches nothing of that exchange) and never
 * reads it again (the proxy's Node fetch (undici dispatcher) marks its responses). A global symbol, so such a fetch need not import this package. Only after such an exchange
 * ended normally does its unaborted controller serve the next exchange: building an `AbortSignal` is among the
 * dearest steps of a request on Node 20 (about 5 µs each on a fast machine). Browsers' fetch keeps a signal's
 * abort steps for good, so its signals are never shared.
 */
export const RELEASES_SIGNAL: unique symbol = Symbol.for("modelmesh.fetch-releases-signal");

// Controllers that ended an exchange unaborted, with nothing of that exchange listening: the next exchange takes one.
const idleControllers: AbortController[] = [];
const IDLE_CONTROLLERS_MAX = 256;

/** True when `response` carries the `RELEASES_SIGNAL` mark. */
export function releasesSignal(response: unknown): boolean {
  return typeof response === "object" && response !== null && (response as { [RELEASES_SIGNAL]?: unknown })[RELEASES_SIGNAL] === true;
}

/**
 * One HTTP exchange's signals and timers: a total deadline, and one phase timer re-armed as the exchange moves from
 * headers to first token to stall watch (never a new controller per chunk). The caller's signal, the timers and our
 * own stop are combined; which one fired decides the error: the caller's abort is rethrown as the caller's reason
 * (never made retryable), a timeout becomes `TimeoutError` naming the limit, anything else from the network
 * becomes `ConnectionError`.
 * @example
 * const transfer = new Transfer(signal, { totalMs: 60_000, headersMs: 15_000 }, { providerId: "openai", host, secrets: [] });
 */
export class Transfer implements TransferControl {
  private readonly controller: AbortController;
  /** Stops our controller following the caller's signal; called when the exchange ends. */
  private followCaller: (() => void) | undefined;
  private totalTimer: ReturnType<typeof setTimeout> | undefined;
  private phaseTimer: ReturnType<typeof setTimeout> | undefined;
  private phase: Phase = "headers";
  /** What is left of the current phase's window (streams), and since when the reader has been waiting. */
  private remainingMs = Number.POSITIVE_INFINITY;
  private waitingSince = 0;
  private isWaiting = false;
  /** When the armed phase timer fires (Date.now() ms). */
  private timerDueAt = 0;
  private stallMs: number | undefined;
  private phaseWindowMs = 0;
  private firedLimit: { phase: Phase | "total"; ms: number } | undefined;
  /** `finish()` ran: the exchange ended normally and its controller is no longer ours to abort. */
  private finished = false;
  /** The response promised its fetch lets go of the signal (`RELEASES_SIGNAL`). */
  private reusable = false;

  constructor(
    private readonly callerSignal: AbortSource | undefined,
    readonly limits: TransferLimits,
    /** `secrets` may be a function: it is needed only for a failure's message, so it is read only then. */
    private readonly where: { providerId: string; modelId?: string; host: string; secrets: string[] | (() => string[]) },
  ) {
    this.controller = idleControllers.pop() ?? new AbortController();
    // Our controller follows the caller's signal (one listener) rather than both being combined into a third
    // signal: one AbortController per attempt instead of two. Its reason is then the caller's, as a combination's.
    if (callerSignal?.aborted) this.controller.abort(callerSignal.reason);
    else if (callerSignal) {
      this.followCaller = onAbortOf(callerSignal, () => {
        this.followCaller = undefined;
        this.controller.abort(callerSignal.reason);
      });
    }
    if (limits.totalMs !== undefined) this.totalTimer = globalThis.setTimeout(() => this.expire("total", limits.totalMs!), limits.totalMs);
    if (limits.headersMs !== undefined) this.phaseTimer = globalThis.setTimeout(() => this.expire("headers", limits.headersMs!), limits.headersMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The longest single limit, for messages and `TimeoutError.timeoutMs` when no limit has fired. */
  get timeoutMs(): number | undefined {
    return this.limits.totalMs ?? this.limits.headersMs;
  }

  beginStream(firstTokenMs: number | undefined, stallMs: number | undefined): void {
    this.clearPhase();
    this.phase = "first token";
    this.remainingMs = firstTokenMs ?? Number.POSITIVE_INFINITY;
    this.phaseWindowMs = firstTokenMs ?? 0;
    this.stallMs = stallMs;
  }

  waiting(on: boolean): void {
    if (on) {
      if (!Number.isFinite(this.remainingMs)) return;
      const now = Date.now();
      this.waitingSince = now;
      this.isWaiting = true;
      // One timer serves many reads (a stream waits once per network chunk): it is re-armed only when the window now
      // ends before it would fire. Firing early is fine: `watch` arms it again for what is left.
      if (this.phaseTimer === undefined || this.timerDueAt > now + this.remainingMs) this.armWatch(this.remainingMs);
      return;
    }
    if (!this.isWaiting) return;
    this.isWaiting = false;
    this.remainingMs -= Date.now() - this.waitingSince;
  }

  progress(): void {
    this.phase = "stall";
    this.remainingMs = this.stallMs ?? Number.POSITIVE_INFINITY;
    this.phaseWindowMs = this.stallMs ?? 0;
  }

  disarm(): void {
    this.clearPhase();
    if (this.totalTimer !== undefined) globalThis.clearTimeout(this.totalTimer);
    this.totalTimer = undefined;
    this.remainingMs = Number.POSITIVE_INFINITY;
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.disarm();
    this.release();
    if (this.reusable && !this.controller.signal.aborted && idleControllers.length < IDLE_CONTROLLERS_MAX) idleControllers.push(this.controller);
  }

  stop(): void {
    this.disarm();
    this.release();
    // After a normal end the controller may already serve another exchange: it must not be aborted from here.
    if (this.finished) return;
    if (!this.controller.signal.aborted) this.controller.abort(new InternalAbortReason("stopped"));
  }

  classify(error: unknown, phase: string): unknown {
    if (error instanceof ModelMeshError) return error;
    if (this.callerSignal?.aborted) return this.callerSignal.reason ?? error;
    const fields = { providerId: this.where.providerId, ...(this.where.modelId === undefined ? {} : { modelId: this.where.modelId }) };
    const reason: unknown = this.controller.signal.reason;
    if (reason instanceof InternalAbortReason && reason.kind === "timeout" && this.firedLimit) {
      const { phase: limit, ms } = this.firedLimit;
      return new TimeoutError(`${this.where.providerId} ${PHASE_WORDS[limit]} within ${ms} ms (${phase})`, { ...fields, timeoutMs: ms }, { cause: error });
    }
    const detail = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
    const secrets = typeof this.where.secrets === "function" ? this.where.secrets() : this.where.secrets;
    const message = redactSecrets(`${this.where.providerId}: connection to ${this.where.host} failed (${phase}): ${detail}`, secrets);
    return new ConnectionError(message, fields, { cause: error });
  }

  /**
   * The response headers are in: the headers limit no longer applies. A response marked with `RELEASES_SIGNAL` lets
   * the controller serve another exchange once this one finished.
   */
  headersReceived(response?: unknown): void {
    if (this.phase === "headers") this.clearPhase();
    this.reusable = releasesSignal(response);
  }

  private expire(phase: Phase | "total", ms: number): void {
    this.firedLimit = { phase, ms };
    this.controller.abort(new InternalAbortReason("timeout"));
  }

  private release(): void {
    this.followCaller?.();
    this.followCaller = undefined;
  }

  private armWatch(ms: number): void {
    this.clearPhase();
    const delay = Math.max(0, ms);
    this.timerDueAt = Date.now() + delay;
    this.phaseTimer = globalThis.setTimeout(() => this.watch(), delay);
  }

  /** The phase window may be over: only time spent waiting counts, so check what is really left. */
  private watch(): void {
    this.phaseTimer = undefined;
    if (!this.isWaiting) return;
    const left = this.remainingMs - (Date.now() - this.waitingSince);
    if (left <= 0) this.expire(this.phase, this.phaseWindowMs);
    else this.armWatch(left);
  }

  private clearPhase(): void {
    if (this.phaseTimer !== undefined) globalThis.clearTimeout(this.phaseTimer);
    this.phaseTimer = undefined;
  }
}
