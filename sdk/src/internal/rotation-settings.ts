// The settings every strategy's own config may hold besides its strategy-specific options: when a model is taken out
// and how long it rests. The FAQ builds a strategy as `CostAwarePolicy(BaseRotationConfig(failure_threshold=5,
// cooldown_seconds=120))`; in TypeScript that config reaches the constructor in either spelling, and both must rule
// the pool the strategy serves (core/pool.ts), not only the pool's own `deactivation:` and `recovery:`. It lives in
// internal/ so that rotation/rotation.ts, an interface file, may import it.
import { ConfigError } from "../wire/error-base.js";

/** What a strategy's config says about deactivation and recovery, read from either spelling; unset when not given. */
export interface OwnRotationSettings {
  /** Consecutive failures that take a model out. */
  failureThreshold?: number;
  /** How long a model taken out rests before it is probed, in ms (`cooldown_seconds` × 1000, or `cooldown_ms`). */
  cooldownMs?: number;
}

/** The value of `camel` or its snake_case spelling; two different values is a ConfigError (one would be ignored). */
function settingOf(config: Record<string, unknown>, camel: string, snake: string): { key: string; value: unknown } | undefined {
  const given = [camel, snake].filter((key) => config[key] !== undefined && config[key] !== null);
  if (given.length > 1 && config[camel] !== config[snake]) throw new ConfigError(snake, `given twice (as "${camel}" and "${snake}")`);
  return given.length ? { key: given[0]!, value: config[given[0]!] } : undefined;
}

function number(found: { key: string; value: unknown } | undefined, options: { min: number; integer?: boolean }): number | undefined {
  if (!found) return undefined;
  const { key, value } = found;
  if (typeof value !== "number" || !Number.isFinite(value) || value < options.min || (options.integer && !Number.isInteger(value))) {
    throw new ConfigError(key, `must be ${options.integer ? "a whole number" : "a number"} of at least ${options.min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Reads and checks the deactivation and recovery settings of a strategy's config (a ConfigError names the key as
 * written). A config that is not an object (a duck-typed strategy has none) holds none.
 * @example
 * rotationSettings({ failure_threshold: 5, cooldown_seconds: 120 }); // { failureThreshold: 5, cooldownMs: 120_000 }
 */
export function rotationSettings(config: unknown): OwnRotationSettings {
  if (typeof config !== "object" || config === null) return {};
  const values = config as Record<string, unknown>;
  const settings: OwnRotationSettings = {};
  const threshold = number(settingOf(values, "failureThreshold", "failure_threshold"), { min: 1, integer: true });
  if (threshold !== undefined) settings.failureThreshold = threshold;
  const seconds = settingOf(values, "cooldownSeconds", "cooldown_seconds");
  const ms = settingOf(values, "cooldownMs", "cooldown_ms");
  if (seconds && ms) throw new ConfigError(ms.key, `given together with "${seconds.key}"; give the cooldown once`);
  const cooldownMs = seconds ? number(seconds, { min: 0 })! * 1000 : number(ms, { min: 0 });
  if (cooldownMs !== undefined) settings.cooldownMs = cooldownMs;
  return settings;
}
