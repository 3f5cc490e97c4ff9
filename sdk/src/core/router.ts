import {
  AllProvidersExhaustedError,
  ModelMeshError,
  NoCapableModelError,
  ProviderError,
  RateLimitError,
  StreamInterruptedError,
  type Attempt,
} from "./errors.js";
import { failureAction, retryDelay, type FailureAction } from "./retry.js";
import { runMiddleware, type MiddlewareContext, type MiddlewareLike } from "./middleware.js";
import { unfitReason, type Pool, type RequestFeatures } from "./pool.js";
import type { ModelState } from "./model-state.js";
import type { EventSink, MeshEvent, UsageCounts } from "./events.js";
import type { UsageTracker } from "./usage.js";
import type { Provider, ProviderCallOptions, ProviderOperation, ProviderResult, RateLimitSnapshot } from "../provider/provider.js";
import type { SelectionContext } from "../rotation/rotation.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, CompletionUsage } from "./types.js";
import { ContinuationFilter, assembleCompletion, continuationRequest, shapeChunk, textChunk } from "./stream-chunks.js";
import { completionToChunks } from "../provider/normalize.js";

/** Per-call options, the second argument of every `create()` (as in the official client). */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Per-attempt timeout in ms. */
  timeout?: number;
  /** Session key for session-stickiness (defaults to the request's `user`). */
  session?: string;
  /** Extra headers sent to the provider. */
  headers?: Record<string, string>;
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
  /** False when no sink listens: the hot path then builds no event objects at all. */
  observing: () => boolean;
}

interface Route {
  requestId: string;
  target: string;
  pool: Pool;
  features: RequestFeatures;
  body: unknown;
  options: RequestOptions;
  signal: AbortSignal | undefined;
  attempts: Attempt[];
  tried: Set<string>;
  attemptCount: number;
  started: number;
}

interface OpenedStream {
  first: ChatCompletionChunk;
  iterator: AsyncIterator<ChatCompletionChunk>;
  context: MiddlewareContext;
  started: number;
}

/** An event before the router stamps its time (Omit distributed over the union). */
type EventInput = MeshEvent extends infer Event ? (Event extends MeshEvent ? Omit<Event, "timestamp"> & { timestamp?: number } : never) : never;

const LATENCY_SMOOTHING = 0.3;
let requestCounter = 0;

function newRequestId(): string {
  requestCounter = (requestCounter + 1) % 1_000_000;
  return `mm-${Date.now().toString(36)}-${requestCounter.toString(36)}`;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The request was aborted", "AbortError");
}

function usageCounts(usage: CompletionUsage | { prompt_tokens?: number; total_tokens?: number } | null | undefined): UsageCounts | undefined {
  if (!usage) return undefined;
  const prompt = usage.prompt_tokens ?? 0;
  const completion = (usage as CompletionUsage).completion_tokens ?? 0;
  return { promptTokens: prompt, completionTokens: completion, totalTokens: usage.total_tokens ?? prompt + completion };
}

/** USD cost of one request from the model's price table (0 when it has none). */
function costOf(state: ModelState, usage: UsageCounts | undefined): number {
  const pricing = state.info.pricing;
  if (!pricing) return 0;
  const tokens = usage ? ((pricing.input ?? 0) * usage.promptTokens + (pricing.output ?? 0) * usage.completionTokens) / 1_000_000 : 0;
  return tokens + (pricing.perRequest ?? 0);
}

/**
 * The attempt loop: pick a model with the pool's strategy, call it through the middleware, and on
 * failure decide between retry, failover, taking a key out, or giving up. Streams get one wrapper
 * that knows what was already delivered, so failover also works mid-stream.
 */
export class Router {
  constructor(private readonly deps: RouterDependencies) {}

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
    try {
      const { result, state } = await this.failover(route, async (state, attempt) => {
        const context = () => this.middlewareContext(route, state, attempt);
        const started = this.deps.now();
        const send = async (request: unknown) => {
          const { body: responseBody, rateLimit } = await call(this.provider(state), request as Record<string, unknown>, this.callOptions(route));
          this.noteRateLimit(state, rateLimit);
          return responseBody;
        };
        const request = { ...body, model: state.modelId };
        const response = this.deps.middleware.length ? await runMiddleware(this.deps.middleware, request, context(), send) : await send(request);
        return { value: response as T, latencyMs: this.deps.now() - started };
      });
      const usage = usageOf(result);
      this.finish(route, state, usage, true);
      return result;
    } catch (error) {
      this.fail(route, error);
      throw error;
    }
  }

  /** Routes a streaming chat request; chunks are yielded as they arrive, across failover. */
  async *stream(target: string, body: ChatCompletionCreateParams, features: RequestFeatures, options: RequestOptions, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk> {
    const route = this.route("chat", target, body, features, options, signal);
    this.emitRequestStart(route);
    const wantsUsage = body.stream_options?.include_usage === true;
    let delivered = "";
    let toolCallsDelivered = false;
    let identity: { id: string; created: number } | undefined;
    let request: ChatCompletionCreateParams = body;
    const received: ChatCompletionChunk[] = [];
    try {
      for (;;) {
        const { result: opened, state } = await this.failover(route, async (state, attempt) => {
          const value = await this.openStream(route, state, attempt, request);
          return { value, latencyMs: this.deps.now() - value.started };
        });
        const filter = delivered ? new ContinuationFilter(delivered) : undefined;
        // The caller has had its role delta already when this is a second stream.
        const stripRole = received.length > 0;
        let usage: CompletionUsage | undefined;
        let finished = false;
        try {
          let next: IteratorResult<ChatCompletionChunk> = { done: false, value: opened.first };
          for (; !next.done; next = await opened.iterator.next()) {
            const chunk = next.value;
            identity ??= { id: chunk.id, created: chunk.created };
            if (chunk.usage) usage = chunk.usage;
            const shaped = shapeChunk(chunk, identity, wantsUsage, filter, stripRole);
            if (!shaped) continue;
            received.push(shaped);
            for (const choice of shaped.choices) {
              if (choice.index === 0 && typeof choice.delta.content === "string") delivered += choice.delta.content;
              if (choice.delta.tool_calls?.length) toolCallsDelivered = true;
            }
            yield this.applyChunkMiddleware(shaped, opened.context);
          }
          finished = true;
          const tail = filter?.flush();
          if (tail && identity) yield this.applyChunkMiddleware(textChunk(identity, state.modelId, tail), opened.context);
        } catch (error) {
          if (signal.aborted) throw abortReason(signal);
          const meshError = this.toMeshError(error, state);
          route.attempts.push({ provider: state.providerId, model: state.modelId, error: meshError });
          // The attempt was counted as a request when its stream opened; now it counts as a failure too.
          this.recordFailure(state, meshError, failureAction(meshError), route, false);
          if (!delivered && !toolCallsDelivered) continue;
          if (route.pool.settings.streamFailover === "error" || toolCallsDelivered || (body.n ?? 1) > 1) {
            throw new StreamInterruptedError(
              { deliveredText: delivered, modelId: state.modelId, reason: toolCallsDelivered ? "tool calls cannot be resumed" : meshError.message },
              { cause: meshError },
            );
          }
          this.emit({ type: "stream-failover", severity: "warning", component: "router", requestId: route.requestId, pool: route.pool.name, fromModel: state.key, deliveredChars: delivered.length });
          request = continuationRequest(body, delivered);
          continue;
        } finally {
          // Leaving early (the caller stopped reading) must cancel the upstream body; a finished one needs nothing.
          if (!finished) await opened.iterator.return?.().catch(() => {});
        }
        const counts = usageCounts(usage);
        await this.afterStream(opened.context, received, state.modelId);
        this.finish(route, state, counts, true);
        return;
      }
    } catch (error) {
      this.fail(route, error);
      throw error;
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

  private route(operation: ProviderOperation, target: string, body: unknown, features: RequestFeatures, options: RequestOptions, signal: AbortSignal | undefined): Route {
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
      started: this.deps.now(),
    };
  }

  private async failover<R>(route: Route, tryOne: (state: ModelState, attempt: number) => Promise<{ value: R; latencyMs: number }>): Promise<{ result: R; state: ModelState }> {
    const { pool, signal } = route;
    const { retry } = pool.settings;
    const fitting = pool.fitting(route.features, (state, operation) => this.provider(state).supports(operation));
    if (fitting.length === 0) throw this.noCapableModel(route);
    for (let round = 0; ; round++) {
      for (;;) {
        if (signal?.aborted) throw abortReason(signal);
        const state = pool.policy.pick(
          fitting.filter((candidate) => !route.tried.has(candidate.key)),
          route.body,
          this.selectionContext(pool, route.features, route.body, route.options),
        );
        if (!state) break;
        route.tried.add(state.key);
        for (let sameModel = 0; ; sameModel++) {
          const attempt = ++route.attemptCount;
          if (state.status === "cooldown") state.probing = true;
          if (this.deps.observing()) this.emit({ type: "attempt-start", severity: "debug", component: "router", requestId: route.requestId, pool: pool.name, provider: state.providerId, model: state.modelId, attempt });
          const started = this.deps.now();
          try {
            const { value, latencyMs } = await tryOne(state, attempt);
            this.recordSuccess(state, route, latencyMs);
            if (this.deps.observing()) this.emit({ type: "attempt-end", severity: "debug", component: "router", requestId: route.requestId, pool: pool.name, provider: state.providerId, model: state.modelId, attempt, ok: true, latencyMs });
            return { result: value, state };
          } catch (error) {
            state.probing = false;
            if (signal?.aborted) throw abortReason(signal);
            const meshError = this.toMeshError(error, state);
            const action = this.actionFor(meshError, error);
            this.emit({
              type: "attempt-end",
              severity: "warning",
              component: "router",
              requestId: route.requestId,
              pool: pool.name,
              provider: state.providerId,
              model: state.modelId,
              attempt,
              ok: false,
              latencyMs: this.deps.now() - started,
              error: meshError.toJSON(),
            });
            // A request the service rejects as malformed fails the same way everywhere: say so at once.
            if (action === "fatal") throw meshError;
            route.attempts.push({ provider: state.providerId, model: state.modelId, error: meshError });
            this.recordFailure(state, meshError, action, route);
            if (action === "retry" && sameModel < retry.sameModelRetries && pool.policy.isAvailable(state, this.deps.now())) {
              const delay = retryDelay(sameModel, retry, this.deps.random, this.retryAfterMs(meshError), retry.maxRetryAfterMs);
              if (delay !== undefined) {
                await this.deps.sleep(delay, signal);
                continue;
              }
            }
            break;
          }
        }
      }
      const delay = round < retry.maxRetries ? this.roundDelay(route, fitting, round) : undefined;
      if (delay === undefined) break;
      await this.deps.sleep(delay, signal);
      route.tried.clear();
    }
    if (route.attempts.length === 0) throw this.noCapableModel(route, fitting);
    throw new AllProvidersExhaustedError(route.target, route.attempts);
  }

  /** Wait before the next round, or undefined to give up: only transient failures earn another round. */
  private roundDelay(route: Route, fitting: ModelState[], round: number): number | undefined {
    const { retry } = route.pool.settings;
    const transient = route.attempts.some((attempt) => failureAction(attempt.error) === "retry");
    const nothingTried = route.attempts.length === 0;
    if (!transient && !nothingTried) return undefined;
    const now = this.deps.now();
    const retryAfter = route.attempts.map((attempt) => this.retryAfterMs(attempt.error)).filter((ms): ms is number => ms !== undefined);
    const backoff = retryDelay(round, retry, this.deps.random, retryAfter.length ? Math.min(...retryAfter) : undefined, retry.maxRetryAfterMs);
    if (backoff === undefined) return undefined;
    if (fitting.some((state) => route.pool.policy.isAvailable(state, now + backoff))) return backoff;
    // Everything is cooling down: wait for the first to come back, if that is soon enough. A server
    // that named the time (retry-after) may be waited for up to max_retry_after_ms; a model resting
    // after failures only up to max_delay_ms.
    const soonest = Math.min(...fitting.filter((state) => state.status === "cooldown").map((state) => state.cooldownUntil));
    const cap = retryAfter.length ? retry.maxRetryAfterMs : retry.maxDelayMs;
    return Number.isFinite(soonest) && soonest - now <= cap ? Math.max(backoff, soonest - now) : undefined;
  }

  private async openStream(route: Route, state: ModelState, attempt: number, request: ChatCompletionCreateParams): Promise<OpenedStream> {
    const context = this.middlewareContext(route, state, attempt);
    const started = this.deps.now();
    const opened = await runMiddleware(
      this.deps.middleware.map((middleware) => ({ beforeRequest: middleware.beforeRequest?.bind(middleware), onError: middleware.onError?.bind(middleware) })),
      { ...request, model: state.modelId } as ChatCompletionCreateParams,
      context,
      async (attemptRequest): Promise<unknown> => {
        const { body: iterable, rateLimit } = await this.provider(state).chatStream(attemptRequest, this.callOptions(route));
        this.noteRateLimit(state, rateLimit);
        return iterable;
      },
    );
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
    if (recovered) this.emit({ type: "model-recovered", severity: "info", component: "pool", provider: state.providerId, model: state.modelId });
    this.deps.changed();
  }

  private recordFailure(state: ModelState, error: ModelMeshError, action: FailureAction, route: Route, newRequest = true): void {
    const now = this.deps.now();
    const { recovery } = route.pool.settings;
    const wasProbe = state.status === "cooldown";
    state.probing = false;
    if (newRequest) state.totalRequests += 1;
    state.totalFailures += 1;
    this.deps.usage.record({ pool: route.pool.name, provider: state.providerId, modelKey: state.key }, undefined, 0, false);
    state.consecutiveFailures += 1;
    state.lastUsedAt = now;
    state.lastError = { code: error.code, message: error.message, at: now };
    route.pool.policy.onFailure(state, this.selectionContext(route.pool, route.features, route.body, route.options));
    if (action === "disable-key") {
      const affected = this.deps.statesOfKey(state.keyId);
      for (const member of affected) member.status = "disabled";
      this.emit({ type: "key-disabled", severity: "error", component: "pool", provider: state.providerId, models: affected.map((member) => member.modelId), reason: error.message });
    } else if (error instanceof RateLimitError && error.retryAfter !== undefined) {
      // The service said when it will take requests again: rest exactly that long.
      this.coolDown(state, Math.max(error.retryAfter * 1000, 1), now, `rate limited (${error.retryAfter}s)`, false);
    } else if (action === "failover" && error.code === "model_not_found") {
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

  private finish(route: Route, state: ModelState, usage: UsageCounts | undefined, ok: boolean): void {
    const cost = costOf(state, usage);
    state.totalTokens += usage?.totalTokens ?? 0;
    state.totalCost += cost;
    this.deps.usage.record({ pool: route.pool.name, provider: state.providerId, modelKey: state.key }, usage, cost, ok);
    this.deps.changed();
    if (!this.deps.observing()) return;
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
      cost,
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
      error: error instanceof ModelMeshError ? error.toJSON() : { name: "Error", code: "aborted", message: String((error as Error)?.message ?? error), retryable: false },
    });
  }

  private noCapableModel(route: Route, fitting?: ModelState[]): NoCapableModelError {
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
    return new NoCapableModelError(route.target, `every model of pool "${pool.name}" is unavailable: ${reasons.join(", ")}`, {
      retryable: fitting.some((state) => state.status === "cooldown"),
    });
  }

  private unavailableReason(state: ModelState, now: number): string {
    if (state.status === "disabled") return "its API key was rejected";
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

  private callOptions(route: Route): ProviderCallOptions {
    const timeoutMs = route.options.timeout ?? route.pool.settings.timeoutMs;
    return { signal: route.signal, ...(timeoutMs ? { timeoutMs } : {}), ...(route.options.headers ? { headers: route.options.headers } : {}) };
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
    if (!this.deps.observing()) return;
    this.emit({ type: "request-start", severity: "debug", component: "router", requestId: route.requestId, pool: route.pool.name, capability: route.pool.capability, stream: route.features.stream });
  }

  private emit(event: EventInput): void {
    try {
      this.deps.sink.emit({ ...event, timestamp: event.timestamp ?? this.deps.now() } as MeshEvent);
    } catch {
      // Observability must never break a request.
    }
  }
}

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
