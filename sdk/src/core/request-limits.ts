import { ConfigError } from "../wire/error-base.js";
import type { RequestLimits } from "./options.js";
export type { RequestLimits };

/**
 * The limits used when `create()` is given none.
 * @example
 * create("chat-completion", { limits: { ...DEFAULT_REQUEST_LIMITS, maxBytes: 1_000_000 } });
 */
export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({ maxDepth: 64, maxBytes: 32 * 1024 * 1024, maxModelLength: 256 });

/**
 * Fills defaults and checks each limit is a positive whole number (ConfigError naming `limits.<key>` otherwise).
 * @example
 * resolveRequestLimits({ maxBytes: 1_000_000 }); // { maxDepth: 64, maxBytes: 1000000, maxModelLength: 256 }
 */
export function resolveRequestLimits(input: Partial<RequestLimits> | undefined): RequestLimits {
  if (input === undefined) return { ...DEFAULT_REQUEST_LIMITS };
  if (typeof input !== "object" || input === null) throw new ConfigError("limits", "must be an object");
  const result = { ...DEFAULT_REQUEST_LIMITS };
  for (const key of Object.keys(input) as Array<keyof RequestLimits>) {
    if (!(key in DEFAULT_REQUEST_LIMITS)) throw new ConfigError(`limits.${key}`, `unknown limit (expected one of: ${Object.keys(DEFAULT_REQUEST_LIMITS).join(", ")})`);
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw new ConfigError(`limits.${key}`, "must be a positive whole number");
    result[key] = value;
  }
  return result;
}

