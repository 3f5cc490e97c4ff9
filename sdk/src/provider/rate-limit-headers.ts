/** The `x-ratelimit-*` header family (OpenAI and most compatible services) as a RateLimitSnapshot. */
import { readHeader, resetTime } from "../internal/headers.js";
import type { RateLimitSnapshot } from "./provider.js";

/**
 * Reads OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets are durations like "6m0s", turned
 * into epoch ms) and the single-window `x-ratelimit-{limit,remaining,reset}` of OpenRouter-style gateways (requests),
 * with Together's `x-tokenlimit-{limit,remaining}` for tokens (same window as its `x-ratelimit-reset`, in seconds).
 * Negative values (Azure sends -1 for "not reported") are ignored.
 * @example
 * parseOpenAIRateLimitHeaders(response.headers, Date.now()); // { limitRequests: 5000, remainingRequests: 4999, resetRequestsAt: ... }
 */
export function parseOpenAIRateLimitHeaders(headers: Headers | Record<string, string>, now = Date.now()): RateLimitSnapshot | undefined {
  // Read on every answer: fixed name lists and one snapshot, no closures or entry arrays per call.
  return present({
    limitRequests: firstCount(headers, LIMIT_REQUESTS),
    remainingRequests: firstCount(headers, REMAINING_REQUESTS),
    resetRequestsAt: firstReset(headers, RESET_REQUESTS, now),
    limitTokens: firstCount(headers, LIMIT_TOKENS),
    remainingTokens: firstCount(headers, REMAINING_TOKENS),
    resetTokensAt: firstReset(headers, RESET_TOKENS, now) ?? (readHeader(headers, "x-tokenlimit-remaining") === undefined ? undefined : firstReset(headers, RESET_WINDOW, now)),
  });
}

const LIMIT_REQUESTS = ["x-ratelimit-limit-requests", "x-ratelimit-limit"] as const;
const REMAINING_REQUESTS = ["x-ratelimit-remaining-requests", "x-ratelimit-remaining"] as const;
const RESET_REQUESTS = ["x-ratelimit-reset-requests", "x-ratelimit-reset"] as const;
const LIMIT_TOKENS = ["x-ratelimit-limit-tokens", "x-tokenlimit-limit"] as const;
const REMAINING_TOKENS = ["x-ratelimit-remaining-tokens", "x-tokenlimit-remaining"] as const;
const RESET_TOKENS = ["x-ratelimit-reset-tokens"] as const;
const RESET_WINDOW = ["x-ratelimit-reset"] as const;

/** When the window of the first of the headers that says so resets, as epoch ms. */
function firstReset(headers: Headers | Record<string, string>, names: readonly string[], now: number): number | undefined {
  for (const name of names) {
    const text = readHeader(headers, name);
    const at = text === undefined ? undefined : resetTime(text, now);
    if (at !== undefined) return at;
  }
  return undefined;
}

/** A non-negative count from the first of the headers that has one ("" and negatives say nothing). */
function firstCount(headers: Headers | Record<string, string>, names: readonly string[]): number | undefined {
  for (const name of names) {
    const text = readHeader(headers, name)?.trim();
    if (!text) continue;
    const value = Number(text);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  return undefined;
}

/** The snapshot without its unknown fields, or undefined when nothing is known. */
function present(snapshot: RateLimitSnapshot): RateLimitSnapshot | undefined {
  let known: Record<string, number> | undefined;
  for (const key in snapshot) {
    const value = snapshot[key as keyof RateLimitSnapshot];
    if (value !== undefined) (known ??= {})[key] = value;
  }
  return known as RateLimitSnapshot | undefined;
}

/** A per-minute window without a reset header is restored at the latest a minute after it was reported. */
const MINUTE_MS = 60_000;

/**
 * Reads Mistral's quota headers: per minute `x-ratelimit-{limit,remaining}-req-minute` and
 * `x-ratelimit-{limit,remaining}-tokens-minute` (what api.mistral.ai sends today), and the older token-window names
 * `x-ratelimitbysize-{limit,remaining}-minute` and `ratelimitbysize-{limit,remaining,reset}` (reset in seconds).
 * Mistral sends no reset for its per-minute windows, so they count as restored a minute after the response.
 * Monthly quotas (`*-month`) are not read: their reset is unknown, and a month-long wait is not a rotation decision.
 * @example
 * parseMistralRateLimitHeaders({ "x-ratelimit-limit-req-minute": "720", "x-ratelimit-remaining-req-minute": "717" }, now);
 * // { limitRequests: 720, remainingRequests: 717, resetRequestsAt: now + 60000 }
 */
export function parseMistralRateLimitHeaders(headers: Headers | Record<string, string>, now = Date.now()): RateLimitSnapshot | undefined {
  const limitRequests = firstCount(headers, ["x-ratelimit-limit-req-minute"]);
  const remainingRequests = firstCount(headers, ["x-ratelimit-remaining-req-minute"]);
  const limitTokens = firstCount(headers, ["x-ratelimit-limit-tokens-minute", "x-ratelimitbysize-limit-minute", "ratelimitbysize-limit"]);
  const remainingTokens = firstCount(headers, ["x-ratelimit-remaining-tokens-minute", "x-ratelimitbysize-remaining-minute", "ratelimitbysize-remaining"]);
  const resetSeconds = firstCount(headers, ["ratelimitbysize-reset"]);
  const hasRequests = limitRequests !== undefined || remainingRequests !== undefined;
  const hasTokens = limitTokens !== undefined || remainingTokens !== undefined;
  const mistral = present({
    limitRequests,
    remainingRequests,
    resetRequestsAt: hasRequests ? now + MINUTE_MS : undefined,
    limitTokens,
    remainingTokens,
    resetTokensAt: hasTokens ? now + (resetSeconds === undefined ? MINUTE_MS : resetSeconds * 1_000) : undefined,
  });
  // A deployment behind an OpenAI-style gateway (Azure, a proxy) may send the usual family instead.
  return mistral ?? parseOpenAIRateLimitHeaders(headers, now);
}

/**
 * Reads Cohere's quota headers. A trial key's answers carry `x-trial-endpoint-call-limit` and
 * `x-trial-endpoint-call-remaining` (calls a minute for that endpoint; no reset header, so the window counts as
 * restored a minute after the response) and `x-endpoint-monthly-call-limit` (1,000 calls a month, with no
 * remaining count, so nothing to decide on). Production keys send none of these.
 * @example
 * parseCohereRateLimitHeaders({ "x-trial-endpoint-call-limit": "20", "x-trial-endpoint-call-remaining": "19" }, now);
 * // { limitRequests: 20, remainingRequests: 19, resetRequestsAt: now + 60000 }
 */
export function parseCohereRateLimitHeaders(headers: Headers | Record<string, string>, now = Date.now()): RateLimitSnapshot | undefined {
  const limitRequests = firstCount(headers, ["x-trial-endpoint-call-limit"]);
  const remainingRequests = firstCount(headers, ["x-trial-endpoint-call-remaining"]);
  if (limitRequests === undefined && remainingRequests === undefined) return undefined;
  return present({ limitRequests, remainingRequests, resetRequestsAt: now + MINUTE_MS });
}
