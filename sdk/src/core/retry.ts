/**
 * Retry timing and failure classification, in one pure module: no timers, no clock, no randomness of its own
 * (callers inject `now` and `random`), so the router's attempt loop is testable to the millisecond.
 * Rules follow openai-node's retry logic and ky's retry timing: honour what the server says
 * (`retry-after-ms`, `retry-after`, the `x-ratelimit-reset-*` and `anthropic-ratelimit-*-reset` families),
 * cap what it may ask for, else exponential backoff with jitter.
 */
import { AuthenticationError, ModelMeshError, ProviderError } from "../wire/errors.js";

// The header parsing lives in internal/ so providers can use it without importing core/; re-exported for callers of this module.
export { parseDuration, parseRetryAfter, readHeader, resetTime, type HeadersLike } from "../internal/headers.js";

/** How exponential backoff grows and is jittered. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** Ceiling of the exponential curve. */
  maxDelayMs: number;
  /** "full": uniform in [0, d]; "equal": uniform in [d/2, d]; "none": exactly d (AWS's names). */
  jitter: "full" | "none" | "equal";
}

/**
 * Backoff the router uses when the configuration says nothing: 0.5 s doubling to 8 s, full jitter.
 * @example
 * backoffDelay(0, DEFAULT_BACKOFF, Math.random);
 */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ baseDelayMs: 500, maxDelayMs: 8_000, jitter: "full" });

/**
 * The longest server-requested wait worth sitting through (openai-node uses the same minute); beyond it, fail over.
 * @example
 * retryDelay(0, DEFAULT_BACKOFF, Math.random, retryAfterMs, DEFAULT_MAX_RETRY_AFTER_MS);
 */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/**
 * Failover codes that say "this model rejects this particular request" rather than "this model is unwell": the
 * request moves on, but the model is not cooled down and the failure does not count against it.
 * @example
 * if (REQUEST_SPECIFIC_CODES.has(error.code)) failOverWithoutBlame();
 */
export const REQUEST_SPECIFIC_CODES: ReadonlySet<string> = new Set(["context_length_exceeded", "unsupported_parameter", "unsupported_value", "request_too_large"]);

/** What the router should do after a failed attempt. */
export type FailureAction = "retry" | "failover" | "disable-key" | "fatal";

/**
 * ModelMesh error codes that mean "this model cannot serve this request, another one may": the request is
 * fine, the model (or the key's quota) is not. `fromResponse` produces exactly these codes.
 * @example
 * if (FAILOVER_CODES.has(error.code)) tryNextModel();
 */
export const FAILOVER_CODES: ReadonlySet<string> = new Set([
  "model_not_found",
  "model_not_supported",
  "context_length_exceeded",
  "unsupported_parameter",
  "unsupported_value",
  "insufficient_quota",
  "request_too_large",
]);

/**
 * Exponential backoff: `baseDelayMs * 2^attempt` capped at `maxDelayMs`, then jittered.
 * @param attempt retries already made: 0 before the first retry, 1 before the second, ...
 * @param random a uniform source in [0, 1) (inject a fixed one in tests)
 * @example
 * backoffDelay(2, { baseDelayMs: 500, maxDelayMs: 8000, jitter: "none" }, Math.random); // 2000
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const exponent = Math.max(0, Math.floor(attempt));
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(exponent, 52));
  switch (options.jitter) {
    case "none":
      return ceiling;
    case "equal":
      return ceiling / 2 + random() * (ceiling / 2);
    default:
      return random() * ceiling;
  }
}

/**
 * The wait before retrying on the same model. A server-requested wait wins over backoff when it is at most
 * `maxRetryAfterMs`; a longer one returns `undefined`, meaning "do not wait here, fail over" (the model is put in
 * cooldown for that long instead). `attempt` counts retries already made, as in `backoffDelay`.
 * @example
 * const wait = retryDelay(attempt, DEFAULT_BACKOFF, Math.random, parseRetryAfter(error.headers, Date.now()));
 * if (wait === undefined) failOver(); else await sleep(wait, signal);
 */
export function retryDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
  retryAfterMs?: number,
  maxRetryAfterMs: number = DEFAULT_MAX_RETRY_AFTER_MS,
): number | undefined {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
    if (retryAfterMs > maxRetryAfterMs) return undefined;
    return Math.max(0, retryAfterMs);
  }
  return backoffDelay(attempt, options, random);
}

/** Upstream codes and wording that mean "refused because of what the request says" (moderation, content policy). */
const CONTENT_CODES = /^(content_filter|content_policy_violation|content_management_policy|responsibleaipolicyviolation|moderation_blocked|safety|flagged)/i;
const CONTENT_WORDS = /content (management )?polic|content[ _]filter|moderation|safety system|flagged|responsible ?ai/i;

function fieldsOf(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * True when a provider refused the request because of its content (OpenAI's `content_policy_violation` and safety
 * system wording, Azure's `content_filter` / `ResponsibleAIPolicyViolation`, moderation blocks): another model may
 * answer, but the model that refused is not unwell and its key is not bad.
 * @example
 * isContentRejection(error); // true for a 403 whose body says "content_filter"
 */
export function isContentRejection(error: unknown): boolean {
  if (!(error instanceof ProviderError)) return false;
  const envelope = fieldsOf(error.body);
  const detail = fieldsOf(envelope.error ?? envelope);
  const inner = fieldsOf(detail.innererror ?? detail.inner_error);
  const codes = [detail.code, detail.type, inner.code, envelope.code].filter((value): value is string => typeof value === "string");
  if (codes.some((code) => CONTENT_CODES.test(code))) return true;
  return CONTENT_WORDS.test(typeof detail.message === "string" ? detail.message : error.message);
}

/**
 * Decides what a failed attempt means for the router:
 * - `disable-key`: 401 — the key is bad for every model it serves, until it changes or a slow re-probe succeeds;
 * - `failover`: this model cannot serve this request (404, model not found, a 403 not about content, context too
 *   long, a parameter this model rejects, quota/billing exhausted) — try another model now, do not retry this one;
 * - `retry`: transient (network, timeout, 408, 409, 429, 5xx, 529, malformed response, a broken stream) — retry the
 *   same model with backoff, then fail over;
 * - `fatal`: the request itself is wrong (400, 413, 422, a refusal because of its content), or it is not a ModelMesh
 *   error (a bug, or the caller's own abort) — no other model would do better, surface it.
 * @example
 * switch (failureAction(error)) { case "retry": ...; case "failover": ...; }
 */
export function failureAction(error: unknown): FailureAction {
  if (!(error instanceof ModelMeshError)) return "fatal";
  if (error instanceof AuthenticationError || error.name === "AuthenticationError") {
    if (error.code !== "permission_denied") return "disable-key";
    // 403 is about one model (no access, region) or about the content, never about the whole key.
    return isContentRejection(error) ? "fatal" : "failover";
  }
  if (FAILOVER_CODES.has(error.code)) return "failover";
  if (error.retryable) return "retry";
  if (error instanceof ProviderError && error.status === 404) return "failover";
  return "fatal";
}

/**
 * Whether a failure says something about the model's health (and so counts towards cooling it down). A request the
 * model rejects for what it asks (too long, an unsupported parameter, its content) or a fatal error does not.
 * @example
 * if (countsAgainstModel(error)) state.consecutiveFailures += 1;
 */
export function countsAgainstModel(error: ModelMeshError, action: FailureAction = failureAction(error)): boolean {
  if (action === "fatal") return false;
  return !REQUEST_SPECIFIC_CODES.has(error.code);
}
