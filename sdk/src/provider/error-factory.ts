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
} from "../core/errors.js";
import type { HeadersLike } from "../core/retry.js";
import { parseDuration, parseRetryAfter } from "../core/retry.js";

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

const text = (value: unknown): string | undefined => {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (typeof value === "number") return String(value);
  return undefined;
};
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** pydantic/FastAPI validation details: `[{ loc: ["body","top_p"], msg: "..." }]`. */
function formatDetail(detail: unknown): string | undefined {
  if (typeof detail === "string") return text(detail);
  if (!Array.isArray(detail)) return undefined;
  const parts = detail.map((item) => {
    if (!isRecord(item)) return text(item);
    const location = Array.isArray(item.loc) ? item.loc.filter((part) => part !== "body").join(".") : undefined;
    const message = text(item.msg) ?? (Array.isArray(item.msg) ? item.msg.join(", ") : undefined);
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
  if (typeof body === "string") {
    const trimmed = body.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        return extractErrorDetails(JSON.parse(trimmed));
      } catch {
        // Not JSON after all: fall through and use the text.
      }
    }
    return trimmed === "" ? {} : { message: trimmed };
  }
  if (Array.isArray(body)) return body.length > 0 ? extractErrorDetails(body[0]) : {};
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

const KEY_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{16,}/g, // OpenAI, Anthropic (sk-ant-), DeepSeek, OpenRouter (sk-or-)
  /\bAIza[0-9A-Za-z_-]{30,}/g, // Google API keys
  /\bgsk_[A-Za-z0-9]{20,}/g, // Groq
  /\bxai-[A-Za-z0-9]{20,}/g, // xAI
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g,
];

/**
 * Removes the given secrets and anything shaped like a well-known API key from a text.
 * @example
 * redactSecrets("bad key sk-abcdefghijklmnopqrstu", []); // "bad key [redacted]"
 */
export function redactSecrets(value: string, secrets: readonly string[] = []): string {
  let result = value;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join("[redacted]");
  for (const pattern of KEY_PATTERNS) {
    result = result.replace(pattern, (match, prefix: unknown) => (typeof prefix === "string" && match.startsWith(prefix) ? `${prefix}[redacted]` : "[redacted]"));
  }
  return result;
}

function redactDeep(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, secrets)]));
  return value;
}

const CONTEXT_LENGTH = /maximum context length|context[_ ]length|context window|too many tokens|prompt is too long|exceeds the maximum number of tokens|input token count.*exceeds|reduce the length of the (messages|prompt)/i;
const UNSUPPORTED = /not supported (with|by|for) this model|unsupported parameter|does not support|is not supported for this model/i;
const QUOTA_EXHAUSTED = /credit balance is too low|insufficient (credits|balance|funds)|exceeded your current quota, please check your plan and billing/i;

function isQuotaExhausted(details: ErrorDetails): boolean {
  return (
    details.code === "insufficient_quota" ||
    details.type === "insufficient_quota" ||
    details.detailCode === "enforced_spend_limit_reached" ||
    details.type === "billing_error" ||
    QUOTA_EXHAUSTED.test(details.message ?? "")
  );
}

/** A 4xx that says "this model cannot take this request": another model may. */
function modelSpecificCode(status: number, details: ErrorDetails): string | undefined {
  const upstream = details.code?.toLowerCase();
  if (upstream === "model_not_found" || upstream === "model_not_supported") return upstream;
  if (upstream === "context_length_exceeded" || CONTEXT_LENGTH.test(details.message ?? "")) return "context_length_exceeded";
  if (upstream === "unsupported_parameter" || upstream === "unsupported_value") return upstream;
  if (UNSUPPORTED.test(details.message ?? "")) return "unsupported_parameter";
  // Groq answers 413 when one request exceeds the model's tokens-per-minute tier; a larger model can take it.
  if (status === 413 && (upstream === "rate_limit_exceeded" || /tokens per minute|request too large for model/i.test(details.message ?? ""))) return "request_too_large";
  return undefined;
}

/**
 * Builds the ModelMesh error for a non-2xx provider response:
 * 401/403 → `AuthenticationError`; 429 → `RateLimitError` with `retryAfter` (seconds) from the headers or Google's
 * `RetryInfo` (a billing/quota 429 is `retryable: false`, code `insufficient_quota`, `retryAfter` at least an hour);
 * 402 → `insufficient_quota`; 408 → `TimeoutError`; 404 → `model_not_found`; a 4xx about context length or a
 * parameter this model rejects → `context_length_exceeded` / `unsupported_parameter` (fail over); other 400/413/422
 * → `invalid_request` (not retryable); 409 → `conflict`, 5xx → `server_error`, 529 → `overloaded` (all retryable).
 * Headers are kept lower-cased without credentials; the message never contains `context.secrets`.
 * @example
 * if (!response.ok) throw fromResponse(response.status, await response.text(), response.headers, { providerId: "openai", modelId: "gpt-4o" });
 */
export function fromResponse(status: number, body: unknown, headers: HeadersLike, context: ErrorContext): ModelMeshError {
  const secrets = context.secrets ?? [];
  const details = extractErrorDetails(body);
  const now = context.now ?? Date.now();
  const described = details.message ?? (status >= 500 ? "the service failed" : "the request was rejected");
  const where = context.modelId ? `${context.providerId} (${context.modelId})` : context.providerId;
  // A machine name helps whoever reads the message; a numeric code only repeats the status.
  const upstream = [details.code, details.type].find((value) => value !== undefined && !/^\d+$/.test(value));
  let message = `${where} returned HTTP ${status}${upstream && !described.includes(upstream) ? ` ${upstream}` : ""}: ${described}`;
  message = redactSecrets(message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message, secrets);
  const fields = {
    providerId: context.providerId,
    ...(context.modelId === undefined ? {} : { modelId: context.modelId }),
    status,
    body: redactDeep(body, secrets),
    headers: safeHeaders(headers),
  };

  if (status === 401 || status === 403) return new AuthenticationError(message, fields, { code: status === 403 ? "permission_denied" : "authentication_error" });
  const retryAfterMs = parseRetryAfter(headers, now) ?? details.retryDelayMs;
  const retryAfter = retryAfterMs === undefined ? undefined : retryAfterMs / 1_000;
  if (status === 429 || (status === 402 && isQuotaExhausted(details))) {
    if (isQuotaExhausted(details) || status === 402) {
      return new RateLimitError(message, { ...fields, retryAfter: Math.max(retryAfter ?? 0, QUOTA_COOLDOWN_SECONDS) }, { code: "insufficient_quota", retryable: false });
    }
    return new RateLimitError(message, { ...fields, ...(retryAfter === undefined ? {} : { retryAfter }) });
  }
  if (status === 402) return new ProviderError(message, fields, { code: "insufficient_quota", retryable: false });
  if (status === 408) return new TimeoutError(message, fields);
  if (status === 404) return new ProviderError(message, fields, { code: "model_not_found", retryable: false });
  if (status === 409) return new ProviderError(message, fields, { code: "conflict", retryable: true });
  if (status === 529 || details.type === "overloaded_error") return new ProviderError(message, fields, { code: "overloaded", retryable: true });
  if (status >= 500) return new ProviderError(message, fields, { code: "server_error", retryable: true });
  if (status >= 400) {
    if (isQuotaExhausted(details)) return new ProviderError(message, fields, { code: "insufficient_quota", retryable: false });
    const code = modelSpecificCode(status, details);
    if (code) return new ProviderError(message, fields, { code, retryable: false });
    return new ProviderError(message, fields, { code: status === 413 ? "payload_too_large" : "invalid_request", retryable: false });
  }
  return new ProviderError(message, fields, { code: "unexpected_status", retryable: false });
}

/**
 * The error for a 2xx body that is not the wire format promised (bad JSON, missing `choices`): retryable, since a
 * proxy hiccup or truncated body usually does not repeat.
 * @example
 * throw malformedResponse("openai", "gpt-4o", "body is not JSON", text);
 */
export function malformedResponse(providerId: string, modelId: string | undefined, reason: string, body?: unknown, cause?: unknown): ProviderError {
  const where = modelId ? `${providerId} (${modelId})` : providerId;
  const excerpt = typeof body === "string" ? body.slice(0, 200) : body;
  return new ProviderError(
    `${where} sent a malformed response: ${reason}`,
    { providerId, ...(modelId === undefined ? {} : { modelId }), body: excerpt },
    { code: "malformed_response", retryable: true, cause },
  );
}
