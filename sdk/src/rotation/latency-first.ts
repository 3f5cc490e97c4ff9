import { ConfigError } from "../wire/error-base.js";
import type { ModelState } from "../wire/model-state.js";
import { BaseRotationPolicy } from "./rotation.js";
import type { RotationConfig, SelectionContext } from "./rotation.js";

/**
 * Options of `LatencyFirstPolicy`.
 * @example
 * const config: LatencyFirstConfig = { explorationRate: 0.05 };
 */
export interface LatencyFirstConfig extends RotationConfig {
  /**
   * Probability (0–1) of picking a random available model instead of the fastest, so a model that
   * was slow once gets measured again. Default 0.
   */
  explorationRate?: number;
}

/**
 * Pick the model with the lowest observed latency (the router keeps an exponentially weighted moving
 * average per model). Models never measured are tried first, in pool order, so every model gets a
 * latency before the comparison starts. With `explorationRate` set, that share of requests goes to a
 * random available model (drawn from `context.random`, so seeded runs stay reproducible).
 * @example
 * const strategy = new LatencyFirstPolicy({ explorationRate: 0.05 });
 * const mesh = create("chat-completion", { strategy });
 */
export class LatencyFirstPolicy extends BaseRotationPolicy<LatencyFirstConfig> {
  static readonly connectorId = "modelmesh.latency-first.v1";
  /** The keys its config may hold besides `failureThreshold` and the cooldown: any other is a ConfigError (a typo). */
  static readonly configKeys: readonly string[] = ["explorationRate"];
  static readonly shortName = "latency-first";
  override readonly id = LatencyFirstPolicy.connectorId;

  constructor(config: LatencyFirstConfig = {}) {
    super(config);
    const rate = config.explorationRate;
    if (rate !== undefined && !(typeof rate === "number" && rate >= 0 && rate <= 1)) {
      throw new ConfigError("explorationRate", `must be a number from 0 to 1, got ${String(rate)}`);
    }
  }

  select(candidates: ModelState[], _request: unknown, context: SelectionContext): ModelState | null {
    const rate = this.config.explorationRate ?? 0;
    if (rate > 0 && context.random() < rate) {
      return candidates[Math.floor(context.random() * candidates.length)] ?? candidates[0] ?? null;
    }
    const unmeasured = candidates.find((state) => state.latencySamples === 0 || state.latencyMs === undefined);
    if (unmeasured !== undefined) return unmeasured;
    let fastest: ModelState | null = null;
    for (const candidate of candidates) {
      // Strictly lower only, so equal latencies keep pool order.
      if (fastest === null || (candidate.latencyMs ?? Infinity) < (fastest.latencyMs ?? Infinity)) fastest = candidate;
    }
    return fastest;
  }
}
