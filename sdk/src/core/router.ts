import { markServed } from "../wire/served.js";
import { KEEP_RAW_CHUNKS, RAW_CHUNK, RAW_JSON } from "../wire/raw-text.js";
import { CHUNK_BATCHES, READY_CHUNK, type ChunkIterator } from "../wire/chunk-batches.js";
import { AllProvidersExhaustedError, ModelMeshError, NoCapableModelError, ProviderError, RateLimitError, StreamInterruptedError, type Attempt } from "../wire/errors.js";
import { InvalidRequestError } from "../wire/error-base.js";
import { countsAgainstModel, failureAction, retryDelay, type FailureAction } from "./retry.js";
import { runMiddleware, type MiddlewareContext, type MiddlewareLike } from "./middleware.js";
import { estimateTokens, unfitReason, type Pool, type RequestFeatures } from "./pool.js";
import type { ModelState } from "../wire/model-state.js";
import type { EventSink, MeshEvent, MeshEventType, Severity, UsageCounts } from "../wire/events.js";
import type { UsageTracker } from "./usage.js";
import type { Provider, ProviderCallOptions, ProviderOperation, ProviderResult, RateLimitSnapshot } from "../provider/provider.js";
import type { SelectionContext } from "../rotation/rotation.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, CompletionUsage } from "../wire/types.js";
import { RestartFilter, assembleCompletion, continuationRequest, shapeChunk, usageChunkOf } from "./stream-chunks.js";
import { completionToChunks } from "../provider/normalize.js";
import { BudgetExceededError } from "../wire/errors.js";
import { MAX_SCOPE_LENGTH, type BudgetLedger, type Reservation } from "./budget.js";
import { InFlight } from "./in-flight.js";
import { ABORT_SOURCE, LazyAbortController, onAbortOf, signalOf, type AbortSource } from "../internal/abort.js";

/** Per-call options, the second argument of every `create()` (as in the official client). */
export interface RequestOptions {
  signal?: AbortSignal;
  /** The whole of each attempt, in ms (pool `timeout_ms`; default: 60 s for a plain answer, 10 min for a stream). */
  timeout?: number;
  /** A stream's wait for the response headers, per attempt (pool `connect_timeout_ms`, default 15 s). */
  connectTimeout?: number;
  /** A stream's wait from the headers to its first content, per attempt (pool `first_token_timeout_ms`, default 30 s). */
  firstTokenTimeout?: number;
  /** A stream's longest pause between content chunks (pool `stall_timeout_ms`, default 30 s). */
  stallTimeout?: number;
  /** Session key for session-stickiness (defaults to the request's `user`). */
  session?: string;
  /**
   * Retries of the same model before the request moves to the next one, for this request (pool `retry.max_retries`,
   * default 2). `0` moves on at the first failure; failover to the pool's other models still happens.
   */
  maxRetries?: number;
  /** Extra headers sent to the provider. */
  headers?: Record<string, string>;
  /** Who the request is for (`"site:example.com"`, a proxy token's name): counted in `usage.byScope`, held to `budget.scopes`. */
  scope?: string;
  /** Streamed chunks passed on unchanged carry the service's text for them (`wire/raw-text.ts`); the proxy sets it. */
  [KEEP_RAW_CHUNKS]?: boolean;
  /** The stream yields arrays of the chunks ready together (`wire/chunk-batches.ts`); the proxy sets it. */
  [CHUNK_BATCHES]?: boolean;
}

export interface RouterDependencies {
  providers: ReadonlyMap<string, Provider>;
  sink: EventSink;
  usage: UsageTracker;
  middleware: readonly MiddlewareLike[];
  random: () => number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Finds the pool for a request's `model` (pool name, capability, or model id). */
  resolvePool: (target: string, operation: ProviderOperation) => Pool;
  /** Told whenever model state or usage changed, so it can be persisted (batched). */
  changed: () => void;
  /** Every model state (in every pool) served with one credential. */
  statesOfKey: (keyId: string) => ModelState[];
  /**
   * False when no sink would keep an event of this type and severity: the hot path then does not build it (with no
   * sink at all, none; the proxy's Prometheus sink keeps the ends of requests and attempts, not their starts).
   */
  observing: (type: MeshEventType, severity: Severity) => boolean;
  /** True when a sink keeps payloads (`log_level: full`): `request-end` then carries the request and the answer. */
  keepsBodies?: () => boolean;
  /** Budget counters; each attempt reserves its worst case here before it is sent and settles after. */
  budget?: BudgetLedger;
  /** The mesh's count of running requests, shared by the routers of every configuration it had (default: the router's own). */
  inFlight?: InFlight;
}

interface Route {
  requestId: string;
  target: string;
  pool: Pool;
  features: RequestFeatures;
  body: unknown;
  options: RequestOptions;
  /** What stops the request: the caller's signal, or a stream's own controller (its signal built only if read). */
  signal: AbortSource | undefined;
  attempts: Attempt[];
  /** Models the request has moved away from (each model is a candidate once; its retries follow at once). */
  tried: Set<string>;
  attemptCount: number;
  started: number;
  fitting: ModelState[] | undefined;
  /** Upstream attempts allowed in all, continuations included. */
  maxAttempts: number;
  /** The model of the latest attempt and how many retries it had. */
  current: ModelState | undefined;
  retriesOfCurrent: number;
  /** Set after a transient failure: wait this long, then retry the same model. */
  retryInMs: number | undefined;
  callOptions: ProviderCallOptions | undefined;
  /** The current attempt's budget reservation, settled when the next attempt reserves or the request ends. */
  reservation?: Reservation | undefined;
  /** USD booked so far, every billed attempt included. */
  cost: number;
}

interface OpenedStream {
  first: ChatCompletionChunk;
  iterator: AsyncIterator<ChatCompletionChunk>;
  /** Built only when a middleware runs (no object per attempt otherwise). */
  context: MiddlewareContext | undefined;
  started: number;
}

/** An event before the router stamps its time (Omit distributed over the union). */
type EventInput = MeshEvent extends infer Event ? (Event extends MeshEvent ? Omit<Event, "timestamp"> & { timestamp?: number } : never) : never;

const LATENCY_SMOOTHING = 0.3;
/** A stream's overall limit when none is configured: the official OpenAI client's 10 minutes. */
const STREAM_TOTAL_TIMEOUT_MS = 600_000;
let requestCounter = 0;
/** The id's time part, written once per millisecond rather than once per request. */
let idMillisecond = -1;
let idPrefix = "";

function newRequestId(): string {
  requestCounter = (requestCounter + 1) % 1_000_000;
  const now = Date.now();
  if (now !== idMillisecond) {
    idMillisecond = now;
    idPrefix = `mm-${now.toString(36)}-`;
  }
  return idPrefix + requestCounter.toString(36);
}

function abortReason(signal: AbortSource): unknown {
  return signal.reason ?? new DOMException("The request was aborted", "AbortError");
}

function usageCounts(usage: CompletionUsage | { prompt_tokens?: number; total_tokens?: number } | null | undefined): UsageCounts | undefined {
  if (!usage) return undefined;
  const prompt = usage.prompt_tokens ?? 0;
  const completion = (usage as CompletionUsage).completion_tokens ?? 0;
  const counts: UsageCounts = { promptTokens: prompt, completionTokens: completion, totalTokens: usage.total_tokens ?? prompt + completion };
  const reported = reportedCost(usage);
  if (reported !== undefined) counts.cost = reported;
  return counts;
}

/**
 * The USD cost a service put in its usage (OpenRouter's `usage.cost`, what it bills, cached tokens and all), or
 * undefined: a figure the price table can only estimate.
 * @example
 * reportedCost({ prompt_tokens: 687, completion_tokens: 187, total_tokens: 874, cost: 0.00333825 }); // 0.00333825
 */
function reportedCost(usage: object | null | undefined): number | undefined {
  const cost = (usage as { cost?: unknown } | null | undefined)?.cost;
  return typeof cost === "number" && Number.isFinite(cost) && cost >= 0 ? cost : undefined;
}

function addCounts(left: UsageCounts | undefined, right: UsageCounts | undefined): UsageCounts | undefined {
  if (!left) return right;
  if (!right) return left;
  return { promptTokens: left.promptTokens + right.promptTokens, completionTokens: left.completionTokens + right.completionTokens, totalTokens: left.totalTokens + right.totalTokens };
}

/** The usage a failed stream's error event carried (a provider error keeps the event as its `body`), if any. */
function usageInError(error: unknown): CompletionUsage | undefined {
  if (!(error instanceof ProviderError)) return undefined;
  const usage = (error.body as { usage?: unknown } | null | undefined)?.usage as CompletionUsage | undefined;
  return usage && typeof usage === "object" && typeof usage.prompt_tokens === "number" ? usage : undefined;
}

/** True when the cost of this usage is known: the service reported it, or the model's price table prices something. */
function isPriced(state: ModelState, usage: UsageCounts | undefined): boolean {
  return usage?.cost !== undefined || hasPrice(state);
}

/** True when the model's price table prices something (a table with only `readAt` prices nothing). */
function hasPrice(state: ModelState): boolean {
  const pricing = state.info.pricing;
  return !!pricing && [pricing.input, pricing.output, pricing.perRequest, pricing.perCharacter, pricing.perSecond, pricing.perImage].some((price) => price !== undefined);
}

/** Cost as reported to callers: rounded to 1e-10 USD, so float noise never shows. */
function roundCost(value: number): number {
  return Math.round(value * 1e10) / 1e10;
}

/** USD cost of one request: what the service reported, else from the model's price table (0 when it has none). */
function costOf(state: ModelState, usage: UsageCounts | undefined): number {
  if (usage?.cost !== undefined) return usage.cost;
  const pricing = state.info.pricing;
  if (!pricing) return 0;
  const tokens = usage ? ((pricing.input ?? 0) * usage.promptTokens + (pricing.output ?? 0) * usage.completionTokens) / 1_000_000 : 0;
  const units = usage ? (pricing.perCharacter ?? 0) * (usage.characters ?? 0) + (pricing.perSecond ?? 0) * (usage.seconds ?? 0) + (pricing.perImage ?? 0) * (usage.images ?? 0) : 0;
  return tokens + units + (pricing.perRequest ?? 0);
}

const TIMEOUT_OPTIONS = ["timeout", "connectTimeout", "firstTokenTimeout", "stallTimeout"] as const;

/**
 * The attempt loop: pick a model with the pool's strategy, call it through the middleware, and on failure decide
 * between retrying the same model (with backoff), moving to the next model, taking a key out, or giving up. Every
 * upstream request is an attempt, a stream's continuation included, and a request makes at most `max_attempts`.
 * Streams get one wrapper that knows what was already delivered, so failover also works mid-stream.
 */
export class Router {
  /** Requests between their route and their end (a stream's: read to its finish, failed, or left by its reader). */
  readonly inFlight: InFlight;

  constructor(private readonly deps: RouterDependencies) {
    this.inFlight = deps.inFlight ?? new InFlight();
  }

  /** Routes one non-streaming request and returns the provider's body. */
  async run<T>(
    operation: ProviderOperation,
    target: string,
    body: Record<string, unknown>,
    features: RequestFeatures,
    options: RequestOptions,
    call: (provider: Provider, request: Record<string, unknown>, callOptions: ProviderCallOptions) => Promise<ProviderResult<T>>,
    usageOf: (response: T) => UsageCounts | undefined,
  ): Promise<T> {
    const route = this.route(operation, target, body, features, options, options.signal);
    this.emitRequestStart(route);
    this.inFlight.start();
    try {
      for (;;) {
        // Awaited only when it waits (a backoff): an await of a plain value still costs a turn of the microtask queue.
        const next = this.nextModel(route);
        const state = next instanceof Promise ? await next : next;
        if (!state) throw this.exhausted(route);
        const reserving = this.reserve(route, state);
        if (!(reserving === true || (reserving !== false && (await reserving)))) continue;
        const attempt = this.beginAttempt(route, state);
        const started = this.deps.now();
        try {
          const send = async (request: unknown) => {
            const { body: responseBody, rateLimit } = await call(this.provider(state), request as Record<string, unknown>, this.callOptions(route));
            this.noteRateLimit(state, rateLimit);
            return responseBody;
          };
          const request = { ...body, model: state.modelId };
          const result = (this.deps.middleware.length ? await runMiddleware(this.deps.middleware, request, this.middlewareContext(route, state, attempt), send) : await send(request)) as T;
          const latencyMs = this.deps.now() - started;
          this.recordSuccess(state, route, latencyMs);
          this.emitAttemptEnd(route, state, attempt, latencyMs);
          const counts = usageOf(result);
          this.finish(route, state, counts, true, result);
          const priced = isPriced(state, counts);
          markServed(result, { provider: state.providerId, model: state.modelId, attempts: route.attemptCount, cost: route.cost, priced });
          // The request's cost in USD beside the tokens, as OpenRouter reports it (OpenAI's usage schema allows more
          // fields); left out for a model without a price, whose cost is unknown rather than zero.
          const usage = (result as { usage?: unknown } | null)?.usage;
          const costed = priced && !!usage && typeof usage === "object";
          if (costed) (usage as { cost?: number }).cost = roundCost(route.cost);
          // The service's text for the answer (RAW_JSON) no longer matches once the cost is written in. (Hooks cannot
          // change it in place: the mesh hands them a copy, `withCompletionView`, and a copy carries no text.)
          if (costed) delete (result as { [RAW_JSON]?: string })[RAW_JSON];
          return result;
        } catch (error) {
          this.afterFailure(route, state, attempt, started, error);
        }
      }
    } catch (error) {
      this.fail(route, error);
      throw error;
    } finally {
      this.settle(route);
      this.inFlight.end();
    }
  }

  /**
   * A controller for a stream's `MeshStream.controller`, made here (in the lazily loaded mesh, not in the client that
   * pages load up front): `stream()` follows it without building its signal (`LazyAbortController`).
   */
  streamController(): AbortController {
    return new LazyAbortController();
  }

  /**
   * Routes a streaming chat request; chunks are yielded as they arrive, across failover. `stop` is the stream's own
   * controller (`MeshStream.controller`); while the generator runs, it follows the caller's `options.signal`.
   */
  async *stream(target: string, body: ChatCompletionCreateParams, features: RequestFeatures, options: RequestOptions, stop: AbortController): AsyncGenerator<ChatCompletionChunk | ChatCompletionChunk[]> {
    // A LazyAbortController (the chat client's) is followed without building its signal: see `LazyAbortController`.
    const signal: AbortSource = stop instanceof LazyAbortController ? stop : stop.signal;
    const route = this.route("chat", target, body, features, options, signal);
    this.emitRequestStart(route);
    const wantsUsage = body.stream_options?.include_usage === true;
    const mode = route.pool.settings.streamFailover;
    let delivered = "";
    let toolCallsDelivered = false;
    let finishDelivered = false;
    let identity: { id: string; created: number } | undefined;
    /** Tokens of earlier attempts of this request, added to the usage the caller sees. */
    let billedBefore: UsageCounts | undefined;
    let lastModel: string | undefined;
    let lastFailure: ModelMeshError | undefined;
    /** Chunks delivered so far, kept only while a middleware could want them (`afterResponse` gets them assembled). */
    const received: ChatCompletionChunk[] = [];
    let deliveredChunks = 0;
    /** With `CHUNK_BATCHES`: the chunks of this step, yielded together once the provider has none ready. */
    const batch: ChatCompletionChunk[] | undefined = options[CHUNK_BATCHES] === true ? [] : undefined;
    // Through `onAbortOf`, here in the router rather than in the client (which every page loads up front): a caller
    // that passes one signal to many streams (the proxy passes its connection's) pays for one EventTarget listener in
    // all, not an add and a remove per stream. Left in `finally`, however the generator ends.
    const callerSignal = options.signal;
    const leave = callerSignal ? onAbortOf(callerSignal, () => stop.abort(callerSignal.reason)) : undefined;
    this.inFlight.start();
    try {
      for (;;) {
        // Awaited only when it waits (a backoff): an await of a plain value still costs a turn of the microtask queue.
        const next = this.nextModel(route);
        const state = next instanceof Promise ? await next : next;
        if (!state) {
          if (delivered) throw this.interrupted(delivered, lastModel ?? "", `no model could finish it after ${route.attemptCount} attempt(s)`, this.exhausted(route));
          throw this.exhausted(route);
        }
        const reserving = this.reserve(route, state);
        if (!(reserving === true || (reserving !== false && (await reserving)))) continue;
        const resume = delivered !== "";
        const prefix = resume && mode === "continue" && state.info.features?.assistantPrefix === true;
        const request = prefix ? continuationRequest(body, delivered) : body;
        const filter = resume && !prefix ? new RestartFilter(delivered) : undefined;
        const attempt = this.beginAttempt(route, state);
        const started = this.deps.now();
        let opened: OpenedStream;
        try {
          opened = await this.openStream(route, state, attempt, request, prefix);
        } catch (error) {
          try {
            lastFailure = this.afterFailure(route, state, attempt, started, error);
          } catch (stop) {
            // A resumed request the next model refuses outright still leaves the caller with partial text.
            if (delivered && stop instanceof ModelMeshError) throw this.interrupted(delivered, state.modelId, stop.message, stop);
            throw stop;
          }
          continue;
        }
        const latencyMs = this.deps.now() - started;
        // On a restart, the model whose stream broke (the error names it; the restarted model is named as the reason).
        const brokenModel = lastModel ?? state.modelId;
        lastModel = state.modelId;
        // The caller has had its role delta already when this is a second stream.
        const stripRole = deliveredChunks > 0;
        let usage: CompletionUsage | undefined;
        let attemptText = "";
        /** The upstream iterator reached its end (nothing to cancel). */
        let drained = false;
        /** The attempt's outcome is recorded. */
        let booked = false;
        // Batching: after a chunk from `next()`, the ones the provider already holds are taken without a promise each.
        const ready = batch ? (opened.iterator as ChunkIterator<ChatCompletionChunk>)[READY_CHUNK]?.bind(opened.iterator) : undefined;
        let chunk: ChatCompletionChunk = opened.first;
        /** Moves `chunk` on to the next ready one, if batching and past the first delivered chunk. */
        const takeReady = (): boolean => {
          const following = ready !== undefined && deliveredChunks > 1 ? ready() : undefined;
          if (following === undefined) return false;
          chunk = following;
          return true;
        };
        try {
          let next: IteratorResult<ChatCompletionChunk> = { done: false, value: opened.first };
          for (; !next.done; next = await opened.iterator.next()) {
            chunk = next.value;
            try {
              // Once per chunk; `continue` goes on to the next ready one. The first delivered chunk goes out alone.
              do {
                identity ??= { id: chunk.id, created: chunk.created };
                if (chunk.usage) usage = chunk.usage;
                for (const choice of chunk.choices) if (choice.index === 0 && typeof choice.delta.content === "string") attemptText += choice.delta.content;
                let shaped = shapeChunk(chunk, identity, wantsUsage, filter, stripRole);
                if (shaped === null) {
                  // The restarted answer is a different answer: joining it to the delivered text would splice two.
                  booked = true;
                  this.bookServedButUnused(route, state, attempt, latencyMs, this.attemptUsage(usage, request, attemptText));
                  throw this.interrupted(delivered, brokenModel, `${state.modelId} answered differently when the request was restarted`, lastFailure);
                }
                if (!shaped) continue;
                // Copies, not changes in place: the provider's chunk may carry the service's text for it (RAW_CHUNK), which
                // a copy leaves behind.
                if (shaped.usage && billedBefore) shaped = { ...shaped, usage: withEarlierUsage(shaped.usage, billedBefore) };
                // Earlier attempts are booked already; this one is billed by its own usage, as bookUsage will.
                if (shaped.usage) {
                  const counts = usageCounts(usage);
                  if (isPriced(state, counts)) shaped = { ...shaped, usage: { ...shaped.usage, cost: roundCost(route.cost + costOf(state, counts)) } as CompletionUsage };
                }
                // With include_usage, OpenAI's shape: `usage: null` on every chunk, the usage alone on the last one
                // (`choices: []`). Usage on a chunk with choices (a finish chunk: Groq, Mistral, DeepSeek) moves to a
                // usage chunk of its own right after it, so it reaches the caller even if the stream then breaks.
                let usageChunk: ChatCompletionChunk | undefined;
                if (wantsUsage && shaped.choices.length > 0) {
                  if (shaped.usage) {
                    usageChunk = usageChunkOf(shaped);
                    shaped = { ...shaped, usage: null };
                  } else if (shaped.usage === undefined) {
                    // In place, not a copy per chunk: the chunk is this stream's own (parsed or built for it). A copy
                    // cost every chunk of a service that leaves the field out, and the proxy the service's text for it.
                    shaped.usage = null;
                  }
                }
                deliveredChunks += 1;
                if (this.deps.middleware.length > 0) received.push(shaped);
                for (const choice of shaped.choices) {
                  if (choice.index === 0 && typeof choice.delta.content === "string") delivered += choice.delta.content;
                  if (choice.delta.tool_calls?.length) toolCallsDelivered = true;
                  if (choice.finish_reason) finishDelivered = true;
                }
                const out = this.deps.middleware.length > 0 ? this.applyChunkMiddleware(shaped, (opened.context ??= this.middlewareContext(route, state, attempt))) : shaped;
                if (batch) batch.push(out);
                else yield out;
                if (usageChunk) {
                  deliveredChunks += 1;
                  if (this.deps.middleware.length > 0) received.push(usageChunk);
                  const last = this.deps.middleware.length > 0 ? this.applyChunkMiddleware(usageChunk, (opened.context ??= this.middlewareContext(route, state, attempt))) : usageChunk;
                  if (batch) batch.push(last);
                  else yield last;
                }
              } while (takeReady());
            } catch (error) {
              // What this step delivered reaches the caller before the failure does, as it would chunk by chunk.
              if (batch?.length) yield batch.splice(0);
              throw error;
            }
            if (batch?.length) yield batch.splice(0);
          }
          drained = true;
          booked = true;
          if (filter && !filter.finish()) {
            this.bookServedButUnused(route, state, attempt, latencyMs, this.attemptUsage(usage, request, attemptText));
            throw this.interrupted(delivered, brokenModel, `${state.modelId} gave a shorter answer when the request was restarted`, lastFailure);
          }
        } catch (error) {
          if (booked) throw error;
          booked = true;
          if (signal.aborted) {
            // The caller's own abort says nothing about the model; what it generated until then is still billed.
            state.probing = false;
            this.finishAttempt(route, state, this.attemptUsage(usage, request, attemptText), false);
            throw abortReason(signal);
          }
          // A service may report what the broken stream used on the very event that reports the failure (OpenRouter's
          // in-band error carries `usage`): billed as the service counted it, not estimated.
          const counts = this.attemptUsage(usage ?? usageInError(error), request, attemptText);
          let meshError: ModelMeshError;
          try {
            meshError = this.afterFailure(route, state, attempt, started, error, counts);
          } catch (stop) {
            // Even a failure no other model would avoid (an in-band 400) leaves the caller with partial text: say so.
            if ((delivered || finishDelivered) && stop instanceof ModelMeshError) throw this.interrupted(delivered, state.modelId, stop.message, stop);
            throw stop;
          }
          lastFailure = meshError;
          billedBefore = addCounts(billedBefore, counts);
          if (!delivered && !toolCallsDelivered && !finishDelivered) continue;
          const cannotResume = toolCallsDelivered ? "tool calls cannot be resumed" : finishDelivered ? "the answer had already finished" : (body.n ?? 1) > 1 ? "n > 1 cannot be resumed" : undefined;
          if (mode === "error" || cannotResume) throw this.interrupted(delivered, state.modelId, cannotResume ?? meshError.message, meshError);
          this.emit({ type: "stream-failover", severity: "warning", component: "router", requestId: route.requestId, pool: route.pool.name, fromModel: state.key, deliveredChars: delivered.length });
          continue;
        } finally {
          // Leaving early (the caller stopped reading, or a splice was refused) must cancel the upstream body.
          if (!drained) await opened.iterator.return?.().catch(() => {});
          // The model served until the caller stopped reading: a request, not a failure, and billed as far as it went.
          if (!booked) {
            this.recordSuccess(state, route, latencyMs);
            this.bookUsage(route, state, this.attemptUsage(usage, request, attemptText), true);
          }
        }
        this.recordSuccess(state, route, latencyMs);
        this.emitAttemptEnd(route, state, attempt, latencyMs);
        if (this.deps.middleware.length > 0) await this.afterStream((opened.context ??= this.middlewareContext(route, state, attempt)), received, state.modelId);
        // A service that reports no usage for a stream is still billed: estimated as a broken attempt is, so budgets hold.
        this.finish(route, state, this.attemptUsage(usage, request, attemptText), true, { deliveredText: delivered });
        return;
      }
    } catch (error) {
      this.fail(route, error);
      throw error;
    } finally {
      leave?.();
      this.settle(route);
      this.inFlight.end();
    }
  }

  /** Which model would serve this request, and why, without sending anything. */
  explain(target: string, features: RequestFeatures, body: unknown, session?: string) {
    const pool = this.deps.resolvePool(target, features.operation);
    const now = this.deps.now();
    const context: SelectionContext = { ...this.selectionContext(pool, features, body, { session }), now };
    const fitting = pool.fitting(features, (state, operation) => this.provider(state).supports(operation));
    const snapshot = pool.policy.snapshot();
    const selected = pool.policy.pick(fitting, body, context);
    pool.policy.restore(snapshot);
    const candidates = pool.members.map((state) => {
      const unfit = unfitReason(state, features, (operation) => this.provider(state).supports(operation));
      const available = pool.policy.isAvailable(state, now);
      return {
        model: state.modelId,
        provider: state.providerId,
        status: state.status,
        available: available && !unfit,
        reason: unfit ?? (available ? undefined : this.unavailableReason(state, now)),
      };
    });
    const strategy = pool.policy.id;
    return {
      pool: pool.name,
      strategy,
      selectedModel: selected?.modelId ?? null,
      selectedProvider: selected?.providerId ?? null,
      reason: selected
        ? `${strategy} chose ${selected.key} from ${candidates.filter((c) => c.available).length} available of ${candidates.length} in pool "${pool.name}"`
        : `no model of pool "${pool.name}" is available: ${candidates.map((c) => `${c.provider}/${c.model} (${c.reason ?? c.status})`).join(", ")}`,
      candidates,
    };
  }

  private route(operation: ProviderOperation, target: string, body: unknown, features: RequestFeatures, options: RequestOptions, signal: AbortSource | undefined): Route {
    for (const name of TIMEOUT_OPTIONS) {
      const value = options[name];
      if (value !== undefined && !(typeof value === "number" && value > 0 && Number.isFinite(value))) {
        throw new InvalidRequestError(`the ${name} option must be a positive number of milliseconds, got ${String(value)}`, name);
      }
    }
    const maxRetries = options.maxRetries;
    if (maxRetries !== undefined && !(Number.isSafeInteger(maxRetries) && maxRetries >= 0)) {
      throw new InvalidRequestError(`the maxRetries option must be a whole number of at least 0, got ${String(maxRetries)}`, "maxRetries");
    }
    const scope = options.scope;
    if (scope !== undefined && !(typeof scope === "string" && scope.length > 0 && scope.length <= MAX_SCOPE_LENGTH)) {
      throw new InvalidRequestError(`the scope option must be a non-empty string of at most ${MAX_SCOPE_LENGTH} characters`, "scope");
    }
    return {
      requestId: newRequestId(),
      target,
      pool: this.deps.resolvePool(target, operation),
      features,
      body,
      options,
      signal,
      attempts: [],
      tried: new Set(),
      attemptCount: 0,
      cost: 0,
      started: this.deps.now(),
      fitting: undefined,
      maxAttempts: 0,
      current: undefined,
      retriesOfCurrent: 0,
      retryInMs: undefined,
      callOptions: undefined,
    };
  }

  /** The same model again once its backoff has passed (the only wait in choosing a model). */
  private async retryCurrent(route: Route, current: ModelState, retryIn: number): Promise<ModelState> {
    const { signal } = route;
    if (retryIn > 0) await this.deps.sleep(retryIn, signalOf(signal));
    if (signal?.aborted) throw abortReason(signal);
    route.retriesOfCurrent += 1;
    if (current.status === "cooldown") current.probing = true;
    return current;
  }

  /**
   * The model for the next attempt: the same one again after a transient failure (once its backoff has passed),
   * else the strategy's pick among the candidates not tried yet; `undefined` when the request has used its attempts
   * or no candidate is left.
   */
  private nextModel(route: Route): ModelState | undefined | Promise<ModelState | undefined> {
    const { pool, signal } = route;
    if (signal?.aborted) throw abortReason(signal);
    if (!route.fitting) {
      route.fitting = pool.fitting(route.features, (state, operation) => this.provider(state).supports(operation));
      if (route.fitting.length === 0) throw this.noCapableModel(route);
      const { retry } = pool.settings;
      route.maxAttempts = Math.min(retry.maxAttempts ?? Number.POSITIVE_INFINITY, ((route.options.maxRetries ?? retry.maxRetries) + 1) * route.fitting.length);
    }
    if (route.attemptCount >= route.maxAttempts) return undefined;
    const retryIn = route.retryInMs;
    if (retryIn !== undefined && route.current) {
      route.retryInMs = undefined;
      return this.retryCurrent(route, route.current, retryIn);
    }
    const now = this.deps.now();
    for (const state of route.fitting) this.thawKey(state, now);
    const state = pool.policy.pick(
      route.fitting.filter((candidate) => !route.tried.has(candidate.key)),
      route.body,
      this.selectionContext(pool, route.features, route.body, route.options),
    );
    if (!state) return undefined;
    // Marked in the same turn as the pick: concurrent requests must not all take a half-open model.
    if (state.status === "cooldown") state.probing = true;
    route.tried.add(state.key);
    route.current = state;
    route.retriesOfCurrent = 0;
    return state;
  }

  /** A key taken out by a 401 is probed again once its wait is over: nothing is disabled forever by one answer. */
  private thawKey(state: ModelState, now: number): void {
    if (state.status === "disabled" && now >= state.cooldownUntil) {
      state.status = "cooldown";
      state.probing = false;
    }
  }

  /**
   * Holds the attempt's worst-case cost against every budget that applies, in one synchronous step. False when a
   * budget refuses it and the pool rotates (the model is already marked tried); throws when the pool does not.
   */
  /** True when the attempt may go ahead; without an active budget, at once (no promise per attempt). */
  private reserve(route: Route, state: ModelState): boolean | Promise<boolean> {
    return this.deps.budget?.active ? this.reserveBudget(route, state, this.deps.budget) : true;
  }

  private async reserveBudget(route: Route, state: ModelState, budget: BudgetLedger): Promise<boolean> {
    this.settle(route);
    const reservation = budget.reserve({ pool: route.pool.name, scope: route.options.scope, requestId: route.requestId }, state, route.features);
    let reserved: BudgetExceededError;
    if (reservation instanceof BudgetExceededError) reserved = reservation;
    else {
      route.reservation = reservation;
      // Durable (journal) or held by the shared store (Redis) before anything is sent; the shared store may refuse.
      const committing = budget.commit(reservation);
      const refused = committing && (await committing);
      if (!refused) {
        if (this.deps.observing("budget-reserved", "debug")) {
          this.emit({ type: "budget-reserved", severity: "debug", component: "budget", requestId: route.requestId, pool: route.pool.name, provider: state.providerId, model: state.modelId, amount: reservation.amount, budgets: reservation.applied.map((applied) => applied.name) });
        }
        return true;
      }
      route.reservation = undefined;
      if (!(refused instanceof BudgetExceededError)) throw refused;
      reserved = refused;
    }
    if (route.pool.settings.onBudgetExceeded !== "rotate") throw reserved;
    route.attempts.push({ provider: state.providerId, model: state.modelId, error: reserved });
    state.probing = false;
    route.retryInMs = undefined;
    return false;
  }

  private settle(route: Route): void {
    if (!route.reservation) return;
    this.deps.budget?.settle(route.reservation);
    route.reservation = undefined;
    this.deps.changed();
  }

  private beginAttempt(route: Route, state: ModelState): number {
    const attempt = ++route.attemptCount;
    if (this.deps.observing("attempt-start", "debug")) this.emit({ type: "attempt-start", severity: "debug", component: "router", requestId: route.requestId, pool: route.pool.name, provider: state.providerId, model: state.modelId, attempt });
    return attempt;
  }

  private emitAttemptEnd(route: Route, state: ModelState, attempt: number, latencyMs: number): void {
    if (this.deps.observing("attempt-end", "debug")) this.emit({ type: "attempt-end", severity: "debug", component: "router", requestId: route.requestId, pool: route.pool.name, provider: state.providerId, model: state.modelId, attempt, ok: true, latencyMs });
  }

  /**
   * Books a failed attempt and decides what comes next (sets `route.retryInMs` for a same-model retry). Throws when
   * the request must stop here: the caller aborted, or the failure is the request's own (`fatal`).
   */
  private afterFailure(route: Route, state: ModelState, attempt: number, started: number, error: unknown, usage?: UsageCounts): ModelMeshError {
    state.probing = false;
    if (route.signal?.aborted) throw abortReason(route.signal);
    const meshError = this.toMeshError(error, state);
    const action = this.actionFor(meshError, error);
    this.emit({
      type: "attempt-end",
      severity: "warning",
      component: "router",
      requestId: route.requestId,
      pool: route.pool.name,
      provider: state.providerId,
      model: state.modelId,
      attempt,
      ok: false,
      latencyMs: this.deps.now() - started,
      error: meshError.toJSON(),
    });
    route.attempts.push({ provider: state.providerId, model: state.modelId, error: meshError });
    if (countsAgainstModel(meshError, action)) this.recordFailure(state, meshError, action, route, usage);
    else if (usage) this.finishAttempt(route, state, usage, false);
    // A request the service rejects as malformed (or for its content) fails the same way everywhere: say so at once.
    if (action === "fatal") throw meshError;
    const { retry } = route.pool.settings;
    if (action === "retry" && route.retriesOfCurrent < (route.options.maxRetries ?? retry.maxRetries)) {
      const delay = retryDelay(route.retriesOfCurrent, retry, this.deps.random, this.retryAfterMs(meshError), retry.maxRetryAfterMs);
      // Only while the model is still in: a cooldown it earned (threshold, failed probe) is not waited out here,
      // but the rest a server asked for is, when it is within max_retry_after_ms.
      const now = this.deps.now();
      const usable = state.status === "active" || (state.status === "cooldown" && delay !== undefined && state.cooldownUntil <= now + delay);
      if (delay !== undefined && usable) route.retryInMs = delay;
    }
    return meshError;
  }

  private exhausted(route: Route): ModelMeshError {
    if (route.attempts.length === 0) return this.noCapableModel(route, route.fitting);
    // Every candidate was refused by a budget (on_budget_exceeded: rotate found none that fits): say which budget.
    if (route.attempts.every((attempt) => attempt.error instanceof BudgetExceededError)) return route.attempts[0]!.error;
    return new AllProvidersExhaustedError(route.target, route.attempts);
  }

  private interrupted(delivered: string, modelId: string, reason: string, cause: ModelMeshError | undefined): StreamInterruptedError {
    return new StreamInterruptedError({ deliveredText: delivered, modelId, reason }, cause ? { cause } : {});
  }

  /** What one stream attempt cost: the service's own usage when it sent any, else an estimate (4 characters a token). */
  private attemptUsage(usage: CompletionUsage | undefined, request: ChatCompletionCreateParams, text: string): UsageCounts | undefined {
    const counted = usageCounts(usage);
    if (counted) return counted;
    const promptTokens = estimateTokens(request.messages);
    const completionTokens = estimateTokens(text);
    return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
  }

  private async openStream(route: Route, state: ModelState, attempt: number, request: ChatCompletionCreateParams, continueAssistant: boolean): Promise<OpenedStream> {
    const started = this.deps.now();
    const open = async (attemptRequest: ChatCompletionCreateParams): Promise<unknown> => {
      const callOptions = this.callOptions(route);
      const { body: iterable, rateLimit } = await this.provider(state).chatStream(attemptRequest, continueAssistant ? { ...callOptions, continueAssistant } : callOptions);
      this.noteRateLimit(state, rateLimit);
      return iterable;
    };
    // Without middleware there is no chain to run and no context to build: the provider is called directly.
    const context = this.deps.middleware.length > 0 ? this.middlewareContext(route, state, attempt) : undefined;
    const attemptRequest = { ...request, model: state.modelId } as ChatCompletionCreateParams;
    const opened = context
      ? await runMiddleware(
          this.deps.middleware.map((middleware) => ({ beforeRequest: middleware.beforeRequest?.bind(middleware), onError: middleware.onError?.bind(middleware) })),
          attemptRequest,
          context,
          open,
        )
      : await open(attemptRequest);
    // A middleware fallback may be a whole completion: stream it as chunks.
    const iterable = isAsyncIterable<ChatCompletionChunk>(opened)
      ? opened
      : (async function* () {
          yield* completionToChunks(opened as ChatCompletion);
        })();
    const iterator = iterable[Symbol.asyncIterator]();
    try {
      const first = await iterator.next();
      if (first.done) throw new ProviderError(`${state.providerId} ended the stream without a chunk`, { providerId: state.providerId, modelId: state.modelId }, { code: "malformed_response", retryable: true });
      return { first: first.value, iterator, context, started };
    } catch (error) {
      await iterator.return?.().catch(() => {});
      throw error;
    }
  }

  private applyChunkMiddleware(chunk: ChatCompletionChunk, context: MiddlewareContext): ChatCompletionChunk {
    // A middleware may change the chunk in place: the service's text for it would no longer match.
    delete (chunk as { [RAW_CHUNK]?: string })[RAW_CHUNK];
    let current = chunk;
    for (const middleware of this.deps.middleware) if (middleware.onChunk) current = middleware.onChunk(current, context) ?? current;
    return current;
  }

  private async afterStream(context: MiddlewareContext, chunks: ChatCompletionChunk[], model: string): Promise<void> {
    const hooks = this.deps.middleware.filter((middleware) => middleware.afterResponse);
    if (hooks.length === 0) return;
    const completion = assembleCompletion(chunks, model);
    for (const middleware of [...hooks].reverse()) await middleware.afterResponse!(completion, context);
  }

  private recordSuccess(state: ModelState, route: Route, latencyMs: number): void {
    const recovered = state.status === "cooldown";
    state.status = "active";
    state.probing = false;
    state.cooldownUntil = 0;
    state.cooldownMs = 0;
    state.consecutiveFailures = 0;
    state.totalRequests += 1;
    state.totalSuccesses += 1;
    state.lastUsedAt = this.deps.now();
    state.latencyMs = state.latencyMs === undefined ? latencyMs : state.latencyMs + LATENCY_SMOOTHING * (latencyMs - state.latencyMs);
    state.latencySamples += 1;
    route.pool.policy.onSuccess(state, this.selectionContext(route.pool, route.features, route.body, route.options), latencyMs);
    if (recovered) {
      // A success with a key that was taken out proves the key works: its other models come back too.
      for (const member of this.deps.statesOfKey(state.keyId)) {
        if (member.status === "disabled") {
          member.status = "active";
          member.cooldownUntil = 0;
        }
      }
      this.emit({ type: "model-recovered", severity: "info", component: "pool", provider: state.providerId, model: state.modelId });
    }
    this.deps.changed();
  }

  /** A restarted stream the model answered in full but that could not be joined to the delivered text. */
  private bookServedButUnused(route: Route, state: ModelState, attempt: number, latencyMs: number, usage: UsageCounts | undefined): void {
    this.recordSuccess(state, route, latencyMs);
    this.emitAttemptEnd(route, state, attempt, latencyMs);
    this.bookUsage(route, state, usage, false);
  }

  private recordFailure(state: ModelState, error: ModelMeshError, action: FailureAction, route: Route, usage?: UsageCounts): void {
    const now = this.deps.now();
    const { recovery } = route.pool.settings;
    const wasProbe = state.status === "cooldown";
    state.probing = false;
    state.totalRequests += 1;
    state.totalFailures += 1;
    this.bookUsage(route, state, usage, false);
    state.consecutiveFailures += 1;
    state.lastUsedAt = now;
    state.lastError = { code: error.code, message: error.message, at: now };
    route.pool.policy.onFailure(state, this.selectionContext(route.pool, route.features, route.body, route.options));
    if (action === "disable-key") {
      // Out until the key changes (reconfigure) or a probe after key_probe_ms succeeds.
      const affected = this.deps.statesOfKey(state.keyId);
      for (const member of affected) {
        member.status = "disabled";
        member.probing = false;
        member.cooldownUntil = now + recovery.keyProbeMs;
      }
      this.emit({ type: "key-disabled", severity: "error", component: "pool", provider: state.providerId, models: affected.map((member) => member.modelId), reason: error.message });
    } else if (error.code === "insufficient_quota") {
      // Billing or credits ran out: that is the account's, not this model's, so every model of the key rests (as
      // long as the service said, at least an hour for a quota 429; else the longest cooldown), then one probe,
      // instead of each being tried and refused in turn.
      const named = error instanceof RateLimitError && error.retryAfter !== undefined && error.retryAfter > 0 ? error.retryAfter * 1000 : undefined;
      for (const member of this.deps.statesOfKey(state.keyId)) {
        if (member.status === "disabled") continue;
        member.probing = false;
        this.coolDown(member, named ?? recovery.maxCooldownMs, now, `quota exhausted: ${error.message}`, named === undefined);
      }
    } else if (error instanceof RateLimitError && error.retryAfter !== undefined && error.retryAfter > 0) {
      // The service said when it will take requests again: rest exactly that long ("0" means retry now: no rest).
      this.coolDown(state, error.retryAfter * 1000, now, `rate limited (${error.retryAfter}s)`, false);
    } else if (action === "failover" && (error.code === "model_not_found" || error.code === "permission_denied")) {
      // This model (not the key) is unavailable: rest as long as the longest cooldown, then probe again.
      this.coolDown(state, recovery.maxCooldownMs, now, error.message, true);
    } else if (wasProbe) {
      const next = Math.min(Math.max(state.cooldownMs, recovery.cooldownMs) * recovery.backoffMultiplier, recovery.maxCooldownMs);
      this.coolDown(state, next, now, `recovery probe failed: ${error.message}`, true);
    } else if (route.pool.policy.shouldDeactivate(state)) {
      this.coolDown(state, recovery.cooldownMs, now, `${state.consecutiveFailures} consecutive failures: ${error.message}`, true);
    }
    this.deps.changed();
  }

  private coolDown(state: ModelState, durationMs: number, now: number, reason: string, remember: boolean): void {
    state.status = "cooldown";
    state.cooldownUntil = now + durationMs;
    if (remember) state.cooldownMs = durationMs;
    this.emit({ type: "model-deactivated", severity: "warning", component: "pool", provider: state.providerId, model: state.modelId, reason, cooldownUntil: state.cooldownUntil });
  }

  /** Books one attempt's tokens and cost on the model and in `client.usage` (`ok` counts it as a served request). */
  private bookUsage(route: Route, state: ModelState, usage: UsageCounts | undefined, ok: boolean): number {
    const cost = ok || usage ? costOf(state, usage) : 0;
    route.cost += cost;
    state.totalTokens += usage?.totalTokens ?? 0;
    state.totalCost += cost;
    this.deps.usage.record({ pool: route.pool.name, provider: state.providerId, modelKey: state.key, scope: route.options.scope }, usage, cost, ok, isPriced(state, usage));
    if (route.reservation) this.deps.budget?.record(route.reservation, usage, cost, ok);
    this.deps.changed();
    return cost;
  }

  /** Books an attempt whose failure says nothing about the model (its tokens still count). */
  private finishAttempt(route: Route, state: ModelState, usage: UsageCounts | undefined, ok: boolean): void {
    this.bookUsage(route, state, usage, ok);
  }

  private finish(route: Route, state: ModelState, usage: UsageCounts | undefined, ok: boolean, response?: unknown): void {
    const cost = this.bookUsage(route, state, usage, ok);
    if (!this.deps.observing("request-end", "info")) return;
    // The conversation itself only for a sink that asked for it; the sinks scrub keys from it like any field.
    const bodies = response !== undefined && this.deps.keepsBodies?.() === true ? { request: route.body, response } : undefined;
    this.emit({
      type: "request-end",
      severity: "info",
      component: "router",
      requestId: route.requestId,
      pool: route.pool.name,
      provider: state.providerId,
      model: state.modelId,
      ok,
      latencyMs: this.deps.now() - route.started,
      attempts: route.attemptCount,
      usage,
      // A model without a price: its cost is unknown, so the event says so instead of a cost of 0.
      ...(isPriced(state, usage) ? { cost } : { priced: false }),
      ...bodies,
    });
  }

  private fail(route: Route, error: unknown): void {
    this.emit({
      type: "request-end",
      severity: "error",
      component: "router",
      requestId: route.requestId,
      pool: route.pool.name,
      ok: false,
      latencyMs: this.deps.now() - route.started,
      attempts: route.attemptCount,
      // A failed request may still have been billed (a stream its caller left after some tokens, a broken attempt).
      ...(route.cost > 0 ? { cost: roundCost(route.cost) } : {}),
      error: error instanceof ModelMeshError ? error.toJSON() : { name: "Error", code: "aborted", message: String((error as Error)?.message ?? error), retryable: false },
    });
  }

  private noCapableModel(route: Route, fitting?: ModelState[]): NoCapableModelError | RateLimitError {
    const now = this.deps.now();
    const { pool, features } = route;
    if (!fitting || fitting.length === 0) {
      const reasons = pool.members.map((state) => `${state.key}: ${unfitReason(state, features, (operation) => this.provider(state).supports(operation))}`);
      return new NoCapableModelError(
        route.target,
        pool.members.length === 0
          ? `pool "${pool.name}" has no models (capability ${pool.capability}); configure a provider that offers it`
          : `no model of pool "${pool.name}" can serve this request: ${reasons.join("; ")}`,
      );
    }
    const reasons = fitting.map((state) => `${state.key} (${this.unavailableReason(state, now)})`);
    // The soonest a cooling-down model is back, in whole seconds (at least 1, as a retry-after header would say).
    const backAt = fitting.filter((state) => state.status === "cooldown").map((state) => state.cooldownUntil);
    const retryAfter = backAt.length === 0 ? undefined : Math.max(1, Math.ceil((Math.min(...backAt) - now) / 1000));
    // Every model that could serve rests because its service rate limited it: to the caller that is a rate limit (as
    // the first request's answer was), not a broken pool, so code written for `RateLimitError` keeps working.
    if (retryAfter !== undefined && fitting.every(isRateLimitCooldown)) {
      const soonest = fitting.reduce((first, state) => (state.cooldownUntil < first.cooldownUntil ? state : first));
      return new RateLimitError(`every model of pool "${pool.name}" is rate limited: ${reasons.join(", ")}`, { providerId: soonest.providerId, modelId: soonest.modelId, retryAfter });
    }
    return new NoCapableModelError(route.target, `every model of pool "${pool.name}" is unavailable: ${reasons.join(", ")}`, {
      retryable: backAt.length > 0,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
  }

  private unavailableReason(state: ModelState, now: number): string {
    if (state.status === "disabled") return `its API key was rejected (probed again in ${Math.max(0, Math.ceil((state.cooldownUntil - now) / 1000))}s)`;
    if (state.probing) return "a recovery probe is in flight";
    if (state.status === "cooldown") return `cooling down for ${Math.max(0, Math.ceil((state.cooldownUntil - now) / 1000))}s`;
    return "declined by the strategy";
  }

  private actionFor(meshError: ModelMeshError, original: unknown): FailureAction {
    // A connector that throws something that is not a ModelMesh error is broken for this request only.
    if (!(original instanceof ModelMeshError)) return "failover";
    return failureAction(meshError);
  }

  private toMeshError(error: unknown, state: ModelState): ModelMeshError {
    if (error instanceof ModelMeshError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderError(`${state.providerId} failed: ${message}`, { providerId: state.providerId, modelId: state.modelId }, { code: "provider_exception", cause: error });
  }

  private retryAfterMs(error: ModelMeshError): number | undefined {
    return error instanceof RateLimitError && error.retryAfter !== undefined ? error.retryAfter * 1000 : undefined;
  }

  private noteRateLimit(state: ModelState, rateLimit: RateLimitSnapshot | undefined): void {
    if (rateLimit) state.rateLimit = { ...state.rateLimit, ...rateLimit };
  }

  private provider(state: ModelState): Provider {
    const provider = this.deps.providers.get(state.providerId);
    if (!provider) throw new NoCapableModelError(state.key, `provider "${state.providerId}" is no longer configured`);
    return provider;
  }

  /** Built once per request: the call options every attempt of it shares. */
  private callOptions(route: Route): ProviderCallOptions {
    if (route.callOptions) return route.callOptions;
    const { options } = route;
    const timeouts = route.pool.settings.timeouts;
    const timeoutMs = options.timeout ?? timeouts.timeoutMs ?? (route.features.stream ? STREAM_TOTAL_TIMEOUT_MS : undefined);
    const source = route.signal;
    let callOptions: ProviderCallOptions;
    if (source instanceof LazyAbortController) {
      // The providers of this package follow the controller itself; `signal` is built only for one that reads it.
      callOptions = {
        [ABORT_SOURCE]: source,
        get signal() {
          return source.signal;
        },
      };
    } else callOptions = { signal: source };
    if (timeoutMs !== undefined) callOptions.timeoutMs = timeoutMs;
    if (route.features.stream) {
      callOptions.connectTimeoutMs = options.connectTimeout ?? timeouts.connectTimeoutMs;
      callOptions.firstTokenTimeoutMs = options.firstTokenTimeout ?? timeouts.firstTokenTimeoutMs;
      callOptions.stallTimeoutMs = options.stallTimeout ?? timeouts.stallTimeoutMs;
    }
    if (options.headers) callOptions.headers = options.headers;
    if (options[KEEP_RAW_CHUNKS] === true) callOptions[KEEP_RAW_CHUNKS] = true;
    route.callOptions = callOptions;
    return callOptions;
  }

  private selectionContext(pool: Pool, features: RequestFeatures, body: unknown, options: Pick<RequestOptions, "session">): SelectionContext {
    const user = (body as { user?: unknown } | undefined)?.user;
    return {
      poolName: pool.name,
      now: this.deps.now(),
      random: this.deps.random,
      sessionId: options.session ?? (typeof user === "string" ? user : undefined),
      estimatedInputTokens: features.estimatedInputTokens,
      estimatedOutputTokens: features.estimatedOutputTokens,
    };
  }

  private middlewareContext(route: Route, state: ModelState, attempt: number): MiddlewareContext {
    return {
      requestId: route.requestId,
      poolName: route.pool.name,
      capability: route.pool.capability,
      modelId: state.modelId,
      providerId: state.providerId,
      attempt,
      operation: route.features.operation,
      stream: route.features.stream,
      metadata: new Map(),
    };
  }

  private emitRequestStart(route: Route): void {
    if (!this.deps.observing("request-start", "debug")) return;
    this.emit({ type: "request-start", severity: "debug", component: "router", requestId: route.requestId, pool: route.pool.name, capability: route.pool.capability, stream: route.features.stream });
  }

  private emit(event: EventInput): void {
    try {
      // Every caller passes a fresh object literal: stamping it in place saves a copy per event.
      event.timestamp ??= this.deps.now();
      this.deps.sink.emit(event as MeshEvent);
    } catch {
      // Observability must never break a request.
    }
  }
}

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** The usage the caller sees on its usage chunk: this attempt's plus every earlier billed attempt of the request. */
function withEarlierUsage(usage: CompletionUsage, earlier: UsageCounts): CompletionUsage {
  return {
    ...usage,
    prompt_tokens: usage.prompt_tokens + earlier.promptTokens,
    completion_tokens: usage.completion_tokens + earlier.completionTokens,
    total_tokens: usage.total_tokens + earlier.totalTokens,
  };
}

/** Resting because its service answered 429 (not because of failures, a dead key or a used-up quota). */
function isRateLimitCooldown(state: ModelState): boolean {
  return state.status === "cooldown" && !state.probing && state.lastError?.code === "rate_limit_exceeded";
}
