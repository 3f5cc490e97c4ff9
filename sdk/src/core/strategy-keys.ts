import { ConfigError } from "../wire/error-base.js";
import { toCamelCase } from "./config-source.js";
import { distance } from "./config-typos.js";

/** What every strategy's config may hold (read by `BaseRotationPolicy` itself), in camelCase. */
const COMMON_KEYS = ["failureThreshold", "cooldownSeconds", "cooldownMs"];

/**
 * Refuses a key a built-in strategy does not know (`priority` for `priorities`): a strategy otherwise ignores it and
 * routes in its default order with no word of why. Strategies that declare no `configKeys` (custom ones) are not
 * checked. Keys compare in camelCase, so `max_sessions` is `maxSessions`.
 * @example
 * checkStrategyKeys(PrioritySelectionPolicy, { priority: ["a"] }, "pools.chat.strategyConfig"); // ConfigError: ... did you mean "priorities"?
 */
export function checkStrategyKeys(connector: unknown, config: Record<string, unknown>, path: string): void {
  const own = (connector as { configKeys?: unknown }).configKeys;
  if (!Array.isArray(own)) return;
  const known = [...(own as string[]), ...COMMON_KEYS];
  for (const key of Object.keys(config)) {
    const camel = toCamelCase(key);
    if (known.includes(camel)) continue;
    const meant = known.find((candidate) => isNear(camel, candidate));
    const hint = meant ? `did you mean "${meant}"? ` : "";
    throw new ConfigError(`${path}.${key}`, `unknown key for this strategy (${hint}expected one of: ${known.join(", ")})`);
  }
}

/** A likely misspelling: one edit for names of up to 4 letters, two up to 7, three beyond (`priority`, `priorities`). */
function isNear(given: string, known: string): boolean {
  const shorter = Math.min(given.length, known.length);
  // distance() stops counting at 3 for lengths 3 apart or more: such names are never near.
  if (Math.abs(given.length - known.length) > 2) return false;
  return distance(given, known) <= (shorter <= 4 ? 1 : shorter <= 7 ? 2 : 3);
}
