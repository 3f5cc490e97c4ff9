import type { ModelState } from "../wire/model-state.js";
import { rotationSettings, type OwnRotationSettings } from "../internal/rotation-settings.js";

/** What a strategy may know about the request being routed, besides its OpenAI body. */
export interface SelectionContext {
  poolName: string;
  /** Epoch ms; injected so tests control time. */
  now: number;
  /** Uniform [0, 1); seeded in tests so every strategy is deterministic. */
  random: () => number;
  /** Session key for session-stickiness: the request's `user`, or the `session` request option. */
  sessionId?: string;
  estimatedInputTokens: number;
  estimatedOutputTokens: number;
  /**
   * Keys of every model offered to `pick()` in pool order, unavailable ones included: strategies that
   * cycle need to know where a model that is resting stands. Filled in by `pick()`.
   */
  offeredOrder?: readonly string[];
}

/**
 * A strategy's config. Each key may also be written in snake_case (`failure_threshold`, `cooldown_seconds`, as the
 * FAQ's `BaseRotationConfig`); the threshold and cooldown rule the pool the strategy serves, over its `deactivation:`
 * and `recovery:` settings.
 */
export interface RotationConfig {
  /** Consecutive failures after which a model is taken out (default 3; built by name, the pool's `deactivation.failure_threshold`). */
  failureThreshold?: number;
  /** How long a model taken out rests before it is probed, in seconds (default: the pool's `recovery.cooldown_ms`). */
  cooldownSeconds?: number;
  /** The same in milliseconds; give one of the two. */
  cooldownMs?: number;
  [option: string]: unknown;
}

/**
 * Base of every rotation strategy (alias `BaseSelectionStrategy`). Override `select()` to choose among
 * available candidates; override `shouldDeactivate()` / `shouldRecover()` to change when a model is
 * taken out and when it may be probed again. The router calls `pick()`, which hands `select()` only
 * models that are available right now, so no strategy can pick a cooling or disabled model.
 * @example
 * class CheapestFirst extends BaseRotationPolicy {
 *   select(candidates: ModelState[]) { return [...candidates].sort((a, b) => a.totalCost - b.totalCost)[0] ?? null }
 * }
 */
export abstract class BaseRotationPolicy<Config extends RotationConfig = RotationConfig> {
  /** Connector id, e.g. `modelmesh.round-robin.v1`; custom strategies may leave the default. */
  readonly id: string = "custom.rotation.v1";
  readonly config: Config;
  // Read once, so a threshold or cooldown of the wrong type fails where the strategy is built, not on a failure.
  readonly #own: OwnRotationSettings;

  constructor(config?: Config) {
    this.config = (config ?? {}) as Config;
    this.#own = rotationSettings(this.config);
  }

  /** Choose one of `candidates` (all available) for this request, or null to decline. */
  abstract select(candidates: ModelState[], request: unknown, context: SelectionContext): ModelState | null;

  /** The router's entry point: filters out unavailable models, then asks `select()`. */
  pick(candidates: readonly ModelState[], request: unknown, context: SelectionContext): ModelState | null {
    const available = candidates.filter((state) => this.isAvailable(state, context.now));
    if (available.length === 0) return null;
    // Object.assign, not a spread: on Node 20 a spread followed by a key its source lacks costs about 0.5 µs.
    const chosen = this.select(available, request, Object.assign({}, context, { offeredOrder: candidates.map((state) => state.key) }));
    if (chosen === null) return null;
    // A custom select() that returns a model it was not offered must not bypass the filter.
    return available.includes(chosen) ? chosen : null;
  }

  /** Active, or cooling down with its cooldown over and no probe already in flight (half-open). */
  isAvailable(state: ModelState, now: number): boolean {
    if (state.status === "disabled") return false;
    if (state.status === "cooldown") return !state.probing && this.shouldRecover(state, now);
    return true;
  }

  /** Called after each failure; true takes the model out for its cooldown. */
  shouldDeactivate(state: ModelState): boolean {
    return state.consecutiveFailures >= (this.#own.failureThreshold ?? 3);
  }

  /** True once a cooling model may be probed by a real request. */
  shouldRecover(state: ModelState, now: number): boolean {
    return now >= state.cooldownUntil;
  }

  /** Told after every successful attempt (strategies that learn, e.g. latency, override this). */
  onSuccess(_state: ModelState, _context: SelectionContext, _latencyMs: number): void {}

  /** Told after every failed attempt. */
  onFailure(_state: ModelState, _context: SelectionContext): void {}

  /** State worth persisting across restarts (cursors, session maps); JSON-serialisable. */
  snapshot(): unknown {
    return undefined;
  }

  restore(_snapshot: unknown): void {}
}

/** The FAQ's TypeScript name for the same base class. */
export { BaseRotationPolicy as BaseSelectionStrategy };
