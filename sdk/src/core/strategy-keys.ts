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
    const meant = known.find((candidate) => distance(camel, candidate) <= (Math.min(camel.length, candidate.length) <= 4 ? 1 : 3));
    const hint = meant ? `did you mean "${meant}"? ` : "";
    throw new ConfigError(`${path}.${key}`, `unknown key for this strategy (${hint}expected one of: ${known.join(", ")})`);
  }
}
