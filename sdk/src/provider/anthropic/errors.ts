/**
 * Anthropic's error shapes and quota headers, adapted to what the shared error factory and the router read.
 * HTTP errors (`{"type":"error","error":{"type":"rate_limit_error","message":...}}`, 529 overloaded) already go
 * through `fromResponse` by their status. An error inside a 200 stream (`event: error`) has no status: its
 * `error.type` says which status the same failure has over HTTP (docs.anthropic.com/en/api/errors).
 */
import type { ModelMeshError } from "../../wire/errors.js";
import { readHeader, resetTime, type HeadersLike } from "../../internal/headers.js";
import { fromResponse } from "../error-factory.js";
import { isRecord } from "../provider-config.js";
import type { RateLimitSnapshot } from "../provider.js";
import { ownValue } from "../../internal/own.js";

/**
 * Anthropic's error types and their HTTP statuses (docs.anthropic.com/en/api/errors).
 * @example
 * ERROR_TYPE_STATUS.overloaded_error; // 529
 */
export const ERROR_TYPE_STATUS: Readonly<Record<string, number>> = Object.freeze({
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
});

/**
 * The ModelMesh error for an Anthropic error body that arrived without a status (a stream's `error` event).
 * @example
 * anthropicStreamError({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, { providerId: "anthropic", modelId: "claude-haiku-4-5", secrets: [key] });
 * // ProviderError, code "overloaded", retryable
 */
export function anthropicStreamError(body: unknown, context: { providerId: string; modelId?: string; secrets: string[] }): ModelMeshError {
  const type = isRecord(body) && isRecord(body.error) && typeof body.error.type === "string" ? body.error.type : "api_error";
  return fromResponse(ownValue(ERROR_TYPE_STATUS, type) ?? 500, body, {}, context);
}

/**
 * Reads `anthropic-ratelimit-{requests,tokens,input-tokens}-{limit,remaining,reset}` (resets are RFC 3339 dates).
 * `tokens-*` is the most restrictive token limit in effect; without it the input-token limit stands for it.
 * @example
 * parseAnthropicRateLimitHeaders(response.headers); // { limitRequests: 50, remainingRequests: 49, resetRequestsAt: 1767225600000, ... }
 */
export function parseAnthropicRateLimitHeaders(headers: HeadersLike, now = Date.now()): RateLimitSnapshot | undefined {
  const count = (name: string) => {
    const value = Number(readHeader(headers, name) ?? Number.NaN);
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const reset = (name: string) => {
    const text = readHeader(headers, name);
    return text === undefined ? undefined : resetTime(text, now);
  };
  const tokens = count("anthropic-ratelimit-tokens-limit") !== undefined ? "tokens" : "input-tokens";
  const snapshot: RateLimitSnapshot = {
    limitRequests: count("anthropic-ratelimit-requests-limit"),
    remainingRequests: count("anthropic-ratelimit-requests-remaining"),
    resetRequestsAt: reset("anthropic-ratelimit-requests-reset"),
    limitTokens: count(`anthropic-ratelimit-${tokens}-limit`),
    remainingTokens: count(`anthropic-ratelimit-${tokens}-remaining`),
    resetTokensAt: reset(`anthropic-ratelimit-${tokens}-reset`),
  };
  const present = Object.entries(snapshot).filter(([, value]) => value !== undefined);
  return present.length > 0 ? (Object.fromEntries(present) as RateLimitSnapshot) : undefined;
}
