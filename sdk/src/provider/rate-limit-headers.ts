/** The `x-ratelimit-*` header family (OpenAI and most compatible services) as a RateLimitSnapshot. */
import { readHeader, resetTime } from "../internal/headers.js";
import type { RateLimitSnapshot } from "./provider.js";

/**
 * Reads OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets are durations like "6m0s", turned
 * into epoch ms) and the single-window `x-ratelimit-{limit,remaining,reset}` of OpenRouter-style gateways (requests).
 * Negative values (Azure sends -1 for "not reported") are ignored.
 * @example
 * parseOpenAIRateLimitHeaders(response.headers, Date.now()); // { limitRequests: 5000, remainingRequests: 4999, resetRequestsAt: ... }
 */
export function parseOpenAIRateLimitHeaders(headers: Headers | Record<string, string>, now = Date.now()): RateLimitSnapshot | undefined {
  const count = (...names: string[]) => {
    for (const name of names) {
      const text = readHeader(headers, name)?.trim();
      // Number("") is 0: an empty header must not read as an exhausted quota.
      if (!text) continue;
      const value = Number(text);
      if (Number.isFinite(value) && value >= 0) return value;
    }
    return undefined;
  };
  const reset = (...names: string[]) => {
    for (const name of names) {
      const text = readHeader(headers, name);
      const at = text === undefined ? undefined : resetTime(text, now);
      if (at !== undefined) return at;
    }
    return undefined;
  };
  const snapshot: RateLimitSnapshot = {
    limitRequests: count("x-ratelimit-limit-requests", "x-ratelimit-limit"),
    remainingRequests: count("x-ratelimit-remaining-requests", "x-ratelimit-remaining"),
    resetRequestsAt: reset("x-ratelimit-reset-requests", "x-ratelimit-reset"),
    limitTokens: count("x-ratelimit-limit-tokens"),
    remainingTokens: count("x-ratelimit-remaining-tokens"),
    resetTokensAt: reset("x-ratelimit-reset-tokens"),
  };
  const present = Object.entries(snapshot).filter(([, value]) => value !== undefined);
  return present.length > 0 ? (Object.fromEntries(present) as RateLimitSnapshot) : undefined;
}
