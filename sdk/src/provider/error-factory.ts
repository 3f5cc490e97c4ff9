/**
 * One factory turns any provider's HTTP error into the ModelMesh error tree (as openai-node's `APIError.generate`),
 * so retry/failover decisions (`failureAction` in core/retry.ts) never look at provider-specific bodies.
 * It reads every error body shape in use: OpenAI `{error:{message,type,param,code}}`, Anthropic
 * `{type:"error",error:{type,message}}`, Gemini `{error:{code,message,status,details}}` (also wrapped in an array),
 * Mistral `{detail}` / `{object:"error",message}` (message may hold pydantic's `{detail:[...]}`), Cohere `{message}`,
 * OpenRouter `{error:{code,message,metadata:{raw}}}`, and plain text.
 */
import {
  AuthenticationError,
  ModelMeshError,
  ProviderError,
  RateLimitError,
  TimeoutError,
} from "../wire/errors.js";
import type { HeadersLike } from "../internal/headers.js";
import { parseDuration, parseRetryAfter } from "../internal/headers.js";
import { prepareSecrets, redactAndTruncate, redactThoroughly } from "../wire/redact.js";

/** Where an error came from, for its message and fields. */
export interface ErrorContext {
  providerId: string;
  modelId?: string;
  /** Epoch ms used to turn reset dates into waits; defaults to `Date.now()`. */
  now?: number;
  /** Values that must never appear in a message or body (the API key in use). */
  secrets?: string[];
}

/** What an error body says, whatever its shape. */
export interface ErrorDetails {
  message?: string;
  /** The provider's machine code (`insufficient_quota`, `context_length_exceeded`, `429`, ...). */
  code?: string;
  /** The provider's error class (`invalid_request_error`, `overloaded_error`, Gemini's `RESOURCE_EXHAUSTED`). */
  type?: string;
  param?: string;
  /** Anthropic's `error.details.error_code` (e.g. `enforced_spend_limit_reached`). */
  detailCode?: string;
  /** Google's `RetryInfo.retryDelay`, in ms. */
  retryDelayMs?: number;
}

/**
 * A quota/billing failure lasts until someone pays or the month rolls over; when the server gives no reset time,
 * the model is kept out for an hour rather than retried.
 * @example
 * new RateLimitError("...", { providerId, retryAfter: QUOTA_COOLDOWN_SECONDS }, { retryable: false });
 */
export const QUOTA_COOLDOWN_SECONDS = 3_600;

const MAX_MESSAGE_LENGTH = 1_000;
// Classifying reads the start of a message only: a provider says "context length" in its first sentence, and a
// hostile megabyte must cost what a few kilobytes cost.
const MAX_CLASSIFIED_LENGTH = 4_096;
// pydantic lists one entry per bad field; the first few say enough.
const MAX_DETAIL_ITEMS = 20;
// Gemini wraps its error body in one array; anything nested deeper is not an error body.
const MAX_ARRAY_UNWRAP = 2;

const text = (value: unknown): string | undefined => {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (typeof value === "number") return String(value);
  return undefined;
};
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** pydantic/FastAPI validation details: `[{ loc: ["body","top_p"], msg: "..." }]`. */
function formatDetail(detail: unknown): string | undefined {
  if (typeof detail === "string") return text(detail);
  // Tavily's `{detail: {error}}`, ElevenLabs' `{detail: {status, message}}`.
  if (isRecord(detail)) return text(detail.error) ?? text(detail.message);
  if (!Array.isArray(detail)) return undefined;
  const parts = detail.slice(0, MAX_DETAIL_ITEMS).map((item) => {
    if (!isRecord(item)) return text(item);
    const location = Array.isArray(item.loc) ? item.loc.filter((part) => part !== "body").join(".") : undefined;
    const message = text(item.msg) ?? (Array.isArray(item.msg) ? item.msg.slice(0, MAX_DETAIL_ITEMS).map(String).join(", ") : undefined);
    return location && message ? `${location}: ${message}` : message;
  });
  return parts.filter(Boolean).join("; ") || undefined;
}

function messageOf(value: unknown): string | undefined {
  if (isRecord(value)) return formatDetail(value.detail) ?? text(value.message);
  return text(value) ?? formatDetail(value);
}

/**
 * Pulls message, code and type out of any known error body (object, JSON text, plain text or a Gemini array).
 * @example
 * extractErrorDetails({ error: { message: "Overloaded", type: "overloaded_error" }, type: "error" });
 * // { message: "Overloaded", type: "overloaded_error" }
 */
export function extractErrorDetails(body: unknown): ErrorDetails {
  return extractAt(body, 0);
}

function extractAt(body: unknown, unwrapped: number): ErrorDetails {
  if (typeof body === "string") {
    const trimmed = body.trim();
    if (unwrapped === 0 && (trimmed.startsWith("{") || trimmed.startsWith("["))) {
      try {
        return extractAt(JSON.parse(trimmed), unwrapped + 1);
      } catch {
        // Not JSON after all: fall through and use the text.
      }
    }
    return trimmed === "" ? {} : { message: trimmed };
  }
  if (Array.isArray(body)) return body.length > 0 && unwrapped < MAX_ARRAY_UNWRAP ? extractAt(body[0], unwrapped + 1) : {};
  if (!isRecord(body)) return {};
  const details: ErrorDetails = {};
  const error = body.error;
  if (isRecord(error)) {
    details.message = messageOf(error.message) ?? messageOf(error);
    const raw = isRecord(error.metadata) ? text(error.metadata.raw) : undefined;
    if (raw && details.message && !details.message.includes(raw)) details.message = `${details.message}: ${raw}`;
    details.code = text(error.code);
    details.type = text(error.type) ?? text(error.status);
    details.param = text(error.param);
    if (isRecord(error.details)) details.detailCode = text(error.details.error_code);
    if (Array.isArray(error.details)) {
      for (const item of error.details) {
        if (isRecord(item) && typeof item["@type"] === "string" && item["@type"].endsWith("RetryInfo")) {
          const delay = typeof item.retryDelay === "string" ? parseDuration(item.retryDelay) : undefined;
          if (delay !== undefined) details.retryDelayMs = delay;
        }
      }
    }
  } else {
    details.message = text(error) ?? formatDetail(body.detail) ?? messageOf(body.message);
    details.code = text(body.code);
    const type = text(body.type);
    if (type !== "error") details.type = type;
  }
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)) as ErrorDetails;
}

/** Header names that can carry credentials. Rate-limit headers mention "tokens" and are kept. */
const SENSITIVE_HEADER = /authorization|api[-_]?key|secret|cookie|password|credential|session|token/i;
const RATE_LIMIT_HEADER = /ratelimit|rate-limit|retry-after/i;

/**
 * Lower-cased copy of response headers without anything that can carry a credential, safe to keep on an error.
 * @example
 * safeHeaders(response.headers); // { "retry-after": "2", "x-request-id": "req_1" }
 */
export function safeHeaders(headers: HeadersLike): Record<string, string> {
  const result: Record<string, string> = {};
  const entries: Iterable<[string, string]> =
    typeof (headers as Headers).forEach === "function" && typeof (headers as Headers).get === "function"
      ? collect(headers as Headers)
      : Object.entries(headers as Record<string, string>);
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (SENSITIVE_HEADER.test(lower) && !RATE_LIMIT_HEADER.test(lower)) continue;
    result[lower] = String(value);
  }
  return result;
}

function collect(headers: Headers): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  headers.forEach((value, name) => pairs.push([name, value]));
  return pairs;
}

/**
 * Removes the given secrets (trimmed, and any cut piece of 12 characters or more) and anything shaped like a
 * well-known API key from a short text. Linear in the text's length.
 * @example
 * redactSecrets("bad key sk-abcdefghijklmnopqrstu", []); // "bad key [REDACTED]"
 */
export function redactSecrets(value: string, secrets: readonly string[] = []): string {
  return redactThoroughly(value, secrets);
}

// No unbounded `.*` between two literals: on a message repeating the first literal without the second, such a
// pattern rescans the rest of the text from every occurrence (a 195 KB message took 3.6 s, 1 MB took 56 s).
const CONTEXT_LENGTH = /maximum context length|context[_ ]length|context window|too many tokens|prompt is too long|exceeds the maximum number of tokens|input token count[^\n]{0,120}exceeds|reduce the length of the (?:messages|prompt)/i;
const UNSUPPORTED = /not supported (with|by|for) this model|unsupported parameter|does not support|is not supported for this model/i;
const QUOTA_EXHAUSTED = /credit balance is too low|insufficient (credits|balance|funds)|exceeded your current quota, please check your plan and billing/i;

const classifiable = (details: ErrorDetails): string => (details.message ?? "").slice(0, MAX_CLASSIFIED_LENGTH);

function isQuotaExhausted(details: ErrorDetails): boolean {
  return (
    details.code === "insufficient_quota" ||
    details.type === "insufficient_quota" ||
    details.detailCode === "enforced_spend_limit_reached" ||
    details.type === "billing_error" ||
    QUOTA_EXHAUSTED.test(classifiable(details))
  );
}

/** A 4xx that says "this model cannot take this request": another model may. */
function modelSpecificCode(status: number, details: ErrorDetails): string | undefined {
  const upstream = details.code?.toLowerCase();
  if (upstream === "model_not_found" || upstream === "model_not_supported") return upstream;
  const message = classifiable(details);
  if (upstream === "context_length_exceeded" || CONTEXT_LENGTH.test(message)) return "context_length_exceeded";
  if (upstream === "unsupported_parameter" || upstream === "unsupported_value") return upstream;
  if (UNSUPPORTED.test(message)) return "unsupported_parameter";
  // Groq answers 413 when one request exceeds the model's tokens-per-minute tier; a larger model can take it.
  if (status === 413 && (upstream === "rate_limit_exceeded" || /tokens per minute|request too large for model/i.test(message))) return "request_too_large";
  return undefined;
}

/**
 * Builds the ModelMesh error for a non-2xx provider response:
 * 401/403 → `AuthenticationError`; 429 → `RateLimitError` with `retryAfter` (seconds) from the headers or Google's
 * `RetryInfo` (a billing/quota 429 is `retryable: false`, code `insufficient_quota`, `retryAfter` at least an hour);
 * 402 → `insufficient_quota`; 408 → `TimeoutError`; 404 → `model_not_found`; a 4xx about context length or a
 * parameter this model rejects → `context_length_exceeded` / `unsupported_parameter` (fail over); other 400/413/422
 * → `invalid_request` (not retryable); 409 → `conflict`, 5xx → `server_error`, 529 → `overloaded` (all retryable).
 * Headers are kept lower-cased without credentials; the message, body and headers never contain `context.secrets`
 * (scrubbed before the message is cut to 1,000 characters, so no half key survives), and the body kept is bounded
 * (see `ProviderError`). Linear in the size of the body, whatever it holds.
 * @example
 * if (!response.ok) throw fromResponse(response.status, await response.text(), response.headers, { providerId: "openai", modelId: "gpt-4o" });
 */
export function fromResponse(status: number, body: unknown, headers: HeadersLike, context: ErrorContext): ModelMeshError {
  const secrets = prepareSecrets(context.secrets ?? []).values;
  const details = extractErrorDetails(body);
  const now = context.now ?? Date.now();
  const described = details.message ?? (status >= 500 ? "the service failed" : "the request was rejected");
  const where = context.modelId ? `${context.providerId} (${context.modelId})` : context.providerId;
  // A machine name helps whoever reads the message; a numeric code only repeats the status.
  const upstream = [details.code, details.type].find((value) => value !== undefined && !/^\d+$/.test(value));
  const named = upstream && !described.slice(0, MAX_CLASSIFIED_LENGTH).includes(upstream) ? ` ${upstream.slice(0, 100)}` : "";
  const message = redactAndTruncate(`${where} returned HTTP ${status}${named}: ${described}`, secrets, MAX_MESSAGE_LENGTH);
  // The constructor scrubs and bounds the body and headers with the same secrets.
  const fields = {
    providerId: context.providerId,
    ...(context.modelId === undefined ? {} : { modelId: context.modelId }),
    status,
    body,
    headers: safeHeaders(headers),
  };
  const options = { secrets };

  if (status === 401 || status === 403) return new AuthenticationError(message, fields, { ...options, code: status === 403 ? "permission_denied" : "authentication_error" });
  const retryAfterMs = parseRetryAfter(headers, now) ?? details.retryDelayMs;
  const retryAfter = retryAfterMs === undefined ? undefined : retryAfterMs / 1_000;
  if (status === 429 || (status === 402 && isQuotaExhausted(details))) {
    if (isQuotaExhausted(details) || status === 402) {
      return new RateLimitError(message, { ...fields, retryAfter: Math.max(retryAfter ?? 0, QUOTA_COOLDOWN_SECONDS) }, { ...options, code: "insufficient_quota", retryable: false });
    }
    return new RateLimitError(message, { ...fields, ...(retryAfter === undefined ? {} : { retryAfter }) }, options);
  }
  if (status === 402) return new ProviderError(message, fields, { ...options, code: "insufficient_quota", retryable: false });
  if (status === 408) return new TimeoutError(message, fields, options);
  if (status === 404) return new ProviderError(message, fields, { ...options, code: "model_not_found", retryable: false });
  if (status === 409) return new ProviderError(message, fields, { ...options, code: "conflict", retryable: true });
  if (status === 529 || details.type === "overloaded_error") return new ProviderError(message, fields, { ...options, code: "overloaded", retryable: true });
  if (status >= 500) return new ProviderError(message, fields, { ...options, code: "server_error", retryable: true });
  if (status >= 400) {
    if (isQuotaExhausted(details)) return new ProviderError(message, fields, { ...options, code: "insufficient_quota", retryable: false });
    const code = modelSpecificCode(status, details);
    if (code) return new ProviderError(message, fields, { ...options, code, retryable: false });
    return new ProviderError(message, fields, { ...options, code: status === 413 ? "payload_too_large" : "invalid_request", retryable: false });
  }
  return new ProviderError(message, fields, { ...options, code: "unexpected_status", retryable: false });
}

/**
 * The error for a 2xx body that is not the wire format promised (bad JSON, missing `choices`): retryable, since a
 * proxy hiccup or truncated body usually does not repeat.
 * @example
 * throw malformedResponse("openai", "gpt-4o", "body is not JSON", text);
 */
export function malformedResponse(providerId: string, modelId: string | undefined, reason: string, body?: unknown, cause?: unknown, secrets: readonly string[] = []): ProviderError {
  const where = modelId ? `${providerId} (${modelId})` : providerId;
  // Scrubbed before it is cut, so a key the body starts with cannot survive as a half.
  const excerpt = typeof body === "string" ? redactAndTruncate(body, secrets, 200) : body;
  return new ProviderError(
    `${where} sent a malformed response: ${reason}`,
    { providerId, ...(modelId === undefined ? {} : { modelId }), body: excerpt },
    { code: "malformed_response", retryable: true, cause, secrets },
  );
}
