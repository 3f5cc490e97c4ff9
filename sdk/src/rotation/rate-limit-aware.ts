import { ConfigError } from "../wire/error-base.js";
import type { ModelState } from "../wire/model-state.js";
import { findModelEntry } from "../internal/model-pattern.js";
import { BaseRotationPolicy } from "./rotation.js";
import type { RotationConfig, SelectionContext } from "./rotation.js";

/**
 * A quota you know a model has, for services that do not report one in their headers.
 * @example
 * const freeTier: ConfiguredRateLimit = { requestsPerMinute: 30, tokensPerMinute: 6_000 };
 */
export interface ConfiguredRateLimit {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/**
 * Options of `RateLimitAwarePolicy`.
 * @example
 * const config: RateLimitAwareConfig = { threshold: 0.2, prefer: "order", limits: { groq: { requestsPerMinute: 30 } } };
 */
export interface RateLimitAwareConfig extends RotationConfig {
  /** Remaining share of a quota (0–1) below which a model is avoided while others have more. Default 0.1. */
  threshold?: number;
  /**
   * Quotas per model id, `provider/model` key or provider id (a trailing `*` matches by prefix); the
   * most precise entry naming a model applies. Counted by this strategy in one-minute windows.
   */
  limits?: Record<string, ConfiguredRateLimit>;
  /**
   * Which model to use among those not low: `"headroom"` (default) the one with the most quota left,
   * spreading load so no quota runs down; `"order"` the first in pool order, staying on the preferred
   * model until it drops below `threshold` and returning to it once its quota resets.
   */
  prefer?: "headroom" | "order";
}

/**
 * Requests and tokens counted against a configured limit since `startedAt` (epoch ms).
 * @example
 * const window: RateLimitWindow = { startedAt: Date.now(), requests: 3, tokens: 2_400, estimatedTokens: 0 };
 */
export interface RateLimitWindow {
  startedAt: number;
  requests: number;
  /** Tokens the model reported using (growth of its `totalTokens`). */
  tokens: number;
  /** Estimates for successes whose usage has not shown up in `totalTokens` yet. */
  estimatedTokens: number;
}

/**
 * What `RateLimitAwarePolicy.snapshot()` returns.
 * @example
 * const snapshot: RateLimitAwareSnapshot = { windows: {}, tokenBaselines: { "groq/llama-3.3-70b": 120_000 } };
 */
export interface RateLimitAwareSnapshot {
  windows: Record<string, RateLimitWindow>;
  /** Each model's `totalTokens` when last seen, so only growth since then is counted. */
  tokenBaselines: Record<string, number>;
}

const WINDOW_MS = 60_000;

/**
 * Switch models before a quota runs out rather than after a 429. Each model's headroom is the
 * smallest remaining share of any quota known for it: the remaining requests and tokens its provider
 * last reported in rate-limit headers (`state.rateLimit`), and the configured per-minute `limits`,
 * counted here as requests succeed (tokens from the growth of the model's `totalTokens`, standing
 * in the request's estimate until that usage shows up, or for good when the provider reports none). A quota counts as restored from its reset time on
 * (one minute after a configured window opened, or after a reported quota without a reset time was first seen). A model is avoided when its headroom is below
 * `threshold`, when it has no request left, or when it has fewer tokens left than the request is
 * estimated to need; among the others the most headroom wins (ties: pool order), or with
 * `prefer: "order"` the first in pool order. When every model is low, the one with the most headroom
 * is used rather than none. A model with no known quota has full headroom.
 * @example
 * const strategy = new RateLimitAwarePolicy({
 *   threshold: 0.2,
 *   limits: { groq: { requestsPerMinute: 30, tokensPerMinute: 6_000 } },
 * });
 * const mesh = create("chat-completion", { strategy });
 */
export class RateLimitAwarePolicy extends BaseRotationPolicy<RateLimitAwareConfig> {
  static readonly connectorId = "modelmesh.rate-limit-aware.v1";
  /** The keys its config may hold besides `failureThreshold` and the cooldown: any other is a ConfigError (a typo). */
  static readonly configKeys: readonly string[] = ["threshold", "limits", "prefer"];
  static readonly shortName = "rate-limit-aware";
  override readonly id = RateLimitAwarePolicy.connectorId;

  /** `config.limits`, validated, with YAML's snake_case keys read too (nested maps keep their spelling). */
  private readonly limits: Record<string, ConfiguredRateLimit>;
  private readonly windows = new Map<string, RateLimitWindow>();
  private readonly tokenBaselines = new Map<string, number>();
  /**
   * When each reported snapshot was first assessed. A quota reported without a reset time (Azure, gateways) would
   * otherwise keep a model out for good, since a model nobody picks reports nothing new: it counts for a minute,
   * the shortest window services use. The router stores a new snapshot object with every response.
   */
  private readonly firstSeen = new WeakMap<object, number>();

  constructor(config: RateLimitAwareConfig = {}) {
    super(config);
    const { threshold, limits, prefer } = config;
    if (prefer !== undefined && prefer !== "headroom" && prefer !== "order") {
      throw new ConfigError("prefer", `must be "headroom" or "order", got ${String(prefer)}`);
    }
    if (threshold !== undefined && !(typeof threshold === "number" && threshold >= 0 && threshold <= 1)) {
      throw new ConfigError("threshold", `must be a number from 0 to 1, got ${String(threshold)}`);
    }
    this.limits = normaliseLimits(limits);
  }

  select(candidates: ModelState[], _request: unknown, context: SelectionContext): ModelState | null {
    let bestHealthy: ModelState | null = null;
    let bestHealthyHeadroom = -1;
    let bestAny: ModelState | null = null;
    let bestAnyHeadroom = -1;
    const byOrder = this.config.prefer === "order";
    // Strictly greater only, so equal headroom keeps pool order.
    for (const candidate of candidates) {
      const { headroom, low } = this.assess(candidate, context);
      if (!low && (byOrder ? bestHealthy === null : headroom > bestHealthyHeadroom)) {
        bestHealthy = candidate;
        bestHealthyHeadroom = headroom;
      }
      if (headroom > bestAnyHeadroom) {
        bestAny = candidate;
        bestAnyHeadroom = headroom;
      }
    }
    return bestHealthy ?? bestAny;
  }

  /**
   * The model's headroom (0–1, the smallest remaining share of its known quotas) and whether it is
   * too low to use while another model has more.
   * @example
   * strategy.assess(state, context); // { headroom: 0.08, low: true } with 8 of 100 requests left
   */
  assess(state: ModelState, context: SelectionContext): { headroom: number; low: boolean } {
    const neededTokens = context.estimatedInputTokens + context.estimatedOutputTokens;
    let headroom = 1;
    let exhausted = false;
    const consider = (remaining: number | undefined, limit: number | undefined, needed: number): void => {
      if (remaining === undefined) return;
      if (remaining < needed) exhausted = true;
      if (limit !== undefined && limit > 0) headroom = Math.min(headroom, Math.max(0, remaining) / limit);
    };

    const reported = state.rateLimit;
    if (reported !== undefined) {
      let seenAt = this.firstSeen.get(reported);
      if (seenAt === undefined) this.firstSeen.set(reported, (seenAt = context.now));
      const expired = (resetAt: number | undefined) => (resetAt === undefined ? context.now >= seenAt + WINDOW_MS : isPast(resetAt, context.now));
      if (!expired(reported.resetRequestsAt)) consider(reported.remainingRequests, reported.limitRequests, 1);
      if (!expired(reported.resetTokensAt)) consider(reported.remainingTokens, reported.limitTokens, neededTokens);
    }

    const configured = findModelEntry(this.limits, state);
    if (configured !== undefined) {
      this.countReportedTokens(state, context.now);
      const window = this.openWindow(state.key, context.now);
      const used = window === undefined ? 0 : window.tokens + window.estimatedTokens;
      const { requestsPerMinute, tokensPerMinute } = configured;
      if (requestsPerMinute !== undefined) consider(requestsPerMinute - (window?.requests ?? 0), requestsPerMinute, 1);
      if (tokensPerMinute !== undefined) consider(tokensPerMinute - used, tokensPerMinute, neededTokens);
    }

    // An exhausted model must lose even to a nearly exhausted one when every model is low.
    if (exhausted) headroom = 0;
    return { headroom, low: exhausted || headroom < (this.config.threshold ?? 0.1) };
  }

  override onSuccess(state: ModelState, context: SelectionContext, _latencyMs: number): void {
    // Only configured limits need our own counts; reported quotas come fresh with every response.
    if (findModelEntry(this.limits, state) === undefined) return;
    let window = this.openWindow(state.key, context.now);
    if (window === undefined) {
      window = { startedAt: context.now, requests: 0, tokens: 0, estimatedTokens: 0 };
      this.windows.set(state.key, window);
    }
    window.requests += 1;
    window.estimatedTokens += context.estimatedInputTokens + context.estimatedOutputTokens;
    // The router may add this request's usage to totalTokens before or after telling us; whichever it
    // does, the growth replaces the estimates as soon as it is seen (here or at the next selection).
    this.countReportedTokens(state, context.now);
  }

  override snapshot(): RateLimitAwareSnapshot {
    return {
      windows: Object.fromEntries([...this.windows].map(([key, window]) => [key, { ...window }])),
      tokenBaselines: Object.fromEntries(this.tokenBaselines),
    };
  }

  override restore(snapshot: unknown): void {
    if (typeof snapshot !== "object" || snapshot === null) return;
    const { windows, tokenBaselines } = snapshot as Partial<Record<keyof RateLimitAwareSnapshot, unknown>>;
    this.windows.clear();
    this.tokenBaselines.clear();
    if (typeof windows === "object" && windows !== null) {
      for (const [key, value] of Object.entries(windows)) {
        const { startedAt, requests, tokens, estimatedTokens } = (value ?? {}) as Partial<Record<keyof RateLimitWindow, unknown>>;
        if (typeof startedAt === "number" && typeof requests === "number" && typeof tokens === "number") {
          this.windows.set(key, { startedAt, requests, tokens, estimatedTokens: typeof estimatedTokens === "number" ? estimatedTokens : 0 });
        }
      }
    }
    if (typeof tokenBaselines === "object" && tokenBaselines !== null) {
      for (const [key, value] of Object.entries(tokenBaselines)) {
        if (typeof value === "number") this.tokenBaselines.set(key, value);
      }
    }
  }

  /** Move the growth of the model's `totalTokens` since last seen into its open window. */
  private countReportedTokens(state: ModelState, now: number): void {
    const baseline = this.tokenBaselines.get(state.key);
    this.tokenBaselines.set(state.key, state.totalTokens);
    // Usage from before we first looked, or from a window already closed, counts against nothing.
    const growth = baseline === undefined ? 0 : state.totalTokens - baseline;
    const window = this.openWindow(state.key, now);
    if (window === undefined || growth <= 0) return;
    window.tokens += growth;
    window.estimatedTokens = 0;
  }

  /** The model's counting window if one is still open at `now`; an expired one is dropped. */
  private openWindow(key: string, now: number): RateLimitWindow | undefined {
    const window = this.windows.get(key);
    if (window === undefined) return undefined;
    if (now >= window.startedAt + WINDOW_MS) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}

const LIMIT_FIELDS: Record<string, keyof ConfiguredRateLimit> = {
  requestsPerMinute: "requestsPerMinute",
  requests_per_minute: "requestsPerMinute",
  tokensPerMinute: "tokensPerMinute",
  tokens_per_minute: "tokensPerMinute",
};

function normaliseLimits(limits: unknown): Record<string, ConfiguredRateLimit> {
  if (limits === undefined) return {};
  if (typeof limits !== "object" || limits === null || Array.isArray(limits)) {
    throw new ConfigError("limits", "must map model ids, provider/model keys or provider ids to { requestsPerMinute, tokensPerMinute }");
  }
  const normalised: Record<string, ConfiguredRateLimit> = {};
  for (const [pattern, limit] of Object.entries(limits)) {
    if (typeof limit !== "object" || limit === null) throw new ConfigError(`limits.${pattern}`, "must be { requestsPerMinute, tokensPerMinute }");
    const entry: ConfiguredRateLimit = {};
    for (const [field, value] of Object.entries(limit)) {
      const name = LIMIT_FIELDS[field];
      if (name === undefined) throw new ConfigError(`limits.${pattern}.${field}`, "unknown limit (use requestsPerMinute or tokensPerMinute)");
      if (!(typeof value === "number" && value > 0)) throw new ConfigError(`limits.${pattern}.${field}`, `must be a positive number, got ${String(value)}`);
      entry[name] = value;
    }
    normalised[pattern] = entry;
  }
  return normalised;
}

function isPast(resetAt: number | undefined, now: number): boolean {
  return resetAt !== undefined && now >= resetAt;
}
