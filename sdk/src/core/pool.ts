import type { BaseRotationPolicy } from "../rotation/rotation.js";
import { rotationSettings } from "../internal/rotation-settings.js";
import type { ModelState } from "../wire/model-state.js";
import type { PoolSettings } from "./config.js";
import type { ProviderOperation } from "../provider/provider.js";

import type { RequestFeatures } from "./features.js";
export { chatFeatures, estimateTokens, simpleFeatures, type RequestFeatures } from "./features.js";

/** Why a model cannot serve a request, or undefined when it can. */
export function unfitReason(state: ModelState, features: RequestFeatures, supports: (operation: ProviderOperation) => boolean): string | undefined {
  const { features: modelFeatures, contextWindow } = state.info;
  if (!supports(features.operation)) return `cannot serve ${features.operation}`;
  if (features.tools && modelFeatures?.tools === false) return "no tool calling";
  if (features.vision && modelFeatures?.vision === false) return "no image input";
  if (features.jsonMode && modelFeatures?.jsonMode === false) return "no JSON mode";
  if (features.stream && modelFeatures?.streaming === false) return "no streaming";
  if (contextWindow && features.estimatedInputTokens + features.reservedOutputTokens > contextWindow)
    return `request (~${features.estimatedInputTokens} tokens) exceeds its ${contextWindow}-token context window`;
  return undefined;
}

/**
 * `settings` with the strategy's own threshold and cooldown over the pool's (`new CostAwareStrategy({
 * failureThreshold: 5, cooldownSeconds: 120 })`): the router rests a model for `recovery.cooldownMs`, so a cooldown
 * the strategy was built with must reach it. The longest rest is raised to that cooldown, so a failed probe never
 * rests the model for less than the strategy asked.
 * @example
 * withStrategySettings(DEFAULT_POOL_SETTINGS, new CostFirstPolicy({ cooldown_seconds: 120 })).recovery.cooldownMs; // 120000
 */
export function withStrategySettings(settings: PoolSettings, policy: BaseRotationPolicy): PoolSettings {
  const own = rotationSettings((policy as { config?: unknown }).config);
  if (own.failureThreshold === undefined && own.cooldownMs === undefined) return settings;
  const { deactivation, recovery } = settings;
  return {
    ...settings,
    deactivation: { ...deactivation, failureThreshold: own.failureThreshold ?? deactivation.failureThreshold },
    recovery: own.cooldownMs === undefined ? recovery : { ...recovery, cooldownMs: own.cooldownMs, maxCooldownMs: Math.max(recovery.maxCooldownMs, own.cooldownMs) },
  };
}

/** A named group of models that can serve one capability, with its own strategy and retry settings. */
export class Pool {
  /** The pool's settings, with its strategy's own threshold and cooldown over them (`withStrategySettings`). */
  readonly settings: PoolSettings;

  constructor(
    readonly name: string,
    readonly capability: string,
    readonly members: readonly ModelState[],
    readonly policy: BaseRotationPolicy,
    settings: PoolSettings,
    /** True for pools built on demand for a capability or a model id, rather than configured. */
    readonly implicit: boolean,
  ) {
    this.settings = withStrategySettings(settings, policy);
  }

  /** Members that can serve these features, in pool order, whatever their health (the policy filters that). */
  fitting(features: RequestFeatures, supports: (state: ModelState, operation: ProviderOperation) => boolean): ModelState[] {
    return this.members.filter((state) => unfitReason(state, features, (operation) => supports(state, operation)) === undefined);
  }

  status(now: number): { active: number; standby: number; total: number } {
    const active = this.members.filter((state) => this.policy.isAvailable(state, now)).length;
    return { active, standby: this.members.length - active, total: this.members.length };
  }
}
