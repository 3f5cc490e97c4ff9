import { ConfigError } from "../wire/error-base.js";
import type { ModelState } from "../wire/model-state.js";
import { findModelEntry } from "../internal/model-pattern.js";
import { BaseRotationPolicy } from "./rotation.js";
import type { RotationConfig, SelectionContext } from "./rotation.js";

/**
 * Options of `LoadBalancedPolicy`.
 * @example
 * const config: LoadBalancedConfig = { weights: { openai: 3, "anthropic/claude-sonnet-4-5": 1 } };
 */
export interface LoadBalancedConfig extends RotationConfig {
  /**
   * Relative share of requests per model id, `provider/model` key or provider id (a trailing `*`
   * matches by prefix); the most precise entry naming a model applies, and unnamed models weigh 1.
   * A weight of 0 means "only when every available model weighs 0".
   */
  weights?: Record<string, number>;
}

/**
 * What `LoadBalancedPolicy.snapshot()` returns: each model's running score.
 * @example
 * const snapshot: LoadBalancedSnapshot = { currentWeights: { "openai/gpt-4o": -1, "groq/llama-3.3-70b": 1 } };
 */
export interface LoadBalancedSnapshot {
  currentWeights: Record<string, number>;
}

/**
 * Share requests among the available models in proportion to their weights, by smooth weighted
 * round-robin (the algorithm nginx uses): every pick adds each model's weight to its running score,
 * takes the highest score (ties: pool order) and subtracts the total weight from the winner. Over
 * any run of picks with the same available models the shares match integer weights exactly (3:1
 * gives 3 of every 4), and the heavy model's turns are interleaved rather than bunched.
 * @example
 * const strategy = new LoadBalancedPolicy({ weights: { "openai/gpt-4o-mini": 3, anthropic: 1 } });
 * const mesh = create("chat-completion", { strategy });
 */
export class LoadBalancedPolicy extends BaseRotationPolicy<LoadBalancedConfig> {
  static readonly connectorId = "modelmesh.load-balanced.v1";
  /** The keys its config may hold besides `failureThreshold` and the cooldown: any other is a ConfigError (a typo). */
  static readonly configKeys: readonly string[] = ["weights"];
  static readonly shortName = "load-balanced";
  override readonly id = LoadBalancedPolicy.connectorId;

  private readonly currentWeights = new Map<string, number>();

  constructor(config: LoadBalancedConfig = {}) {
    super(config);
    for (const [pattern, weight] of Object.entries(config.weights ?? {})) {
      if (!(typeof weight === "number" && Number.isFinite(weight) && weight >= 0)) {
        throw new ConfigError(`weights.${pattern}`, `must be a number of at least 0, got ${String(weight)}`);
      }
    }
  }

  /**
   * The configured weight of a model (1 when no entry names it).
   * @example
   * new LoadBalancedPolicy({ weights: { openai: 3 } }).weightOf(state); // 3 for any openai model
   */
  weightOf(state: ModelState): number {
    return findModelEntry(this.config.weights, state) ?? 1;
  }

  select(candidates: ModelState[], _request: unknown, _context: SelectionContext): ModelState | null {
    let weights = candidates.map((state) => this.weightOf(state));
    // All-zero weights would leave nothing to choose; an even split is the least surprising reading.
    if (weights.every((weight) => weight === 0)) weights = weights.map(() => 1);
    let total = 0;
    let best: ModelState | null = null;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let index = 0; index < candidates.length; index++) {
      const state = candidates[index];
      const weight = weights[index] ?? 0;
      if (state === undefined || weight === 0) continue;
      const score = (this.currentWeights.get(state.key) ?? 0) + weight;
      this.currentWeights.set(state.key, score);
      total += weight;
      // Strictly greater only, so equal scores keep pool order.
      if (score > bestScore) {
        best = state;
        bestScore = score;
      }
    }
    if (best !== null) this.currentWeights.set(best.key, bestScore - total);
    return best;
  }

  override snapshot(): LoadBalancedSnapshot {
    return { currentWeights: Object.fromEntries(this.currentWeights) };
  }

  override restore(snapshot: unknown): void {
    if (typeof snapshot !== "object" || snapshot === null) return;
    const { currentWeights } = snapshot as { currentWeights?: unknown };
    if (typeof currentWeights !== "object" || currentWeights === null) return;
    this.currentWeights.clear();
    for (const [key, value] of Object.entries(currentWeights)) {
      if (typeof value === "number" && Number.isFinite(value)) this.currentWeights.set(key, value);
    }
  }
}
