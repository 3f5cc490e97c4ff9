/** One HTTP exchange's timer and signals, shared by every HTTP provider. */
import { ConnectionError, ModelMeshError, TimeoutError } from "../core/errors.js";
import { combineSignals, InternalAbortReason } from "../internal/abort.js";
import type { CombinedSignal } from "../internal/abort.js";
import { redactSecrets } from "./error-factory.js";

/** Control over one exchange's timer and signals (see `SentRequest.transfer`). */
export interface TransferControl {
  readonly signal: AbortSignal;
  /** (Re)starts the timeout window. */
  arm(): void;
  disarm(): void;
  /** Done normally: stop the timer and let go of the caller's signal. */
  finish(): void;
  /** Done early: abort the request (closes the connection) and let go. */
  stop(): void;
  /** Maps a failure to the caller's abort reason, a `TimeoutError` or a `ConnectionError`. */
  classify(error: unknown, phase: string): unknown;
}

/**
 * One HTTP exchange's signals and timer. The caller's signal, a timeout and our own stop are combined; which one
 * fired decides the error: the caller's abort is rethrown as the caller's reason (never made retryable), a timeout
 * becomes `TimeoutError`, anything else from the network becomes `ConnectionError`.
 */
export class Transfer implements TransferControl {
  private readonly controller = new AbortController();
  private readonly combined: CombinedSignal;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly callerSignal: AbortSignal | undefined,
    readonly timeoutMs: number,
    private readonly where: { providerId: string; modelId?: string; host: string; secrets: string[] },
  ) {
    this.combined = combineSignals([callerSignal, this.controller.signal]);
  }

  get signal(): AbortSignal {
    return this.combined.signal;
  }

  arm(): void {
    this.disarm();
    this.timer = globalThis.setTimeout(() => this.controller.abort(new InternalAbortReason("timeout")), this.timeoutMs);
  }

  disarm(): void {
    if (this.timer !== undefined) globalThis.clearTimeout(this.timer);
    this.timer = undefined;
  }

  finish(): void {
    this.disarm();
    this.combined.dispose();
  }

  stop(): void {
    this.disarm();
    if (!this.controller.signal.aborted) this.controller.abort(new InternalAbortReason("stopped"));
    this.combined.dispose();
  }

  classify(error: unknown, phase: string): unknown {
    if (error instanceof ModelMeshError) return error;
    if (this.callerSignal?.aborted) return this.callerSignal.reason ?? error;
    const fields = { providerId: this.where.providerId, ...(this.where.modelId === undefined ? {} : { modelId: this.where.modelId }) };
    const reason: unknown = this.controller.signal.reason;
    if (reason instanceof InternalAbortReason && reason.kind === "timeout") {
      return new TimeoutError(`${this.where.providerId} did not answer within ${this.timeoutMs} ms (${phase})`, { ...fields, timeoutMs: this.timeoutMs }, { cause: error });
    }
    const detail = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
    const message = redactSecrets(`${this.where.providerId}: connection to ${this.where.host} failed (${phase}): ${detail}`, this.where.secrets);
    return new ConnectionError(message, fields, { cause: error });
  }
}
