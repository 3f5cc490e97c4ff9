/**
 * Errors as OpenAI sends them (`{ "error": { "message", "type", "param", "code" } }`) with the status codes the
 * official clients map to their exception classes. One table decides every status, so the README can list it.
 */
import {
  AllProvidersExhaustedError,
  AuthenticationError,
  BudgetExceededError,
  ConfigError,
  InvalidRequestError,
  ModelMeshError,
  NoCapableModelError,
  ProviderError,
  RateLimitError,
  StreamInterruptedError,
  TimeoutError,
  isModelMeshError,
  isModelMeshErrorOf,
} from "modelmesh";
import { jsonResponse, type JsonReply } from "./responses.js";

/** Everything an error response needs. */
export interface ErrorReply {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
  /** Extra response headers (`retry-after`). */
  headers?: Record<string, string>;
}

/** Raised by the proxy itself for a request it refuses before any routing. */
export class ProxyRequestError extends Error {
  override name = "ProxyRequestError" as const;
  constructor(readonly reply: ErrorReply) {
    super(reply.message);
  }
}

/** Longest message an error answer carries: whatever a caller sent, quoted back, cannot grow an answer past this. */
export const MAX_MESSAGE_CHARS = 2_000;
/** Longest caller-chosen name (a model, a path) quoted whole in a message. */
export const MAX_QUOTED_NAME_CHARS = 64;

/**
 * A caller-chosen name as a message may quote it: whole when short, else its start and its length.
 * @example
 * quoteName("x".repeat(10_000)); // "xxxx…(10000 characters)" with the first 64 characters
 */
export function quoteName(name: string, limit = MAX_QUOTED_NAME_CHARS): string {
  return name.length <= limit ? name : `${name.slice(0, limit)}…(${name.length} characters)`;
}

function capped(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS)}…`;
}

/**
 * An OpenAI-shaped error response.
 * @example
 * return errorResponse({ status: 401, message: "invalid proxy token", type: "invalid_request_error", param: null, code: "invalid_api_key" });
 */
export function errorResponse(reply: ErrorReply): JsonReply {
  return jsonResponse({ error: { message: capped(reply.message), type: reply.type, param: reply.param, code: reply.code } }, reply.status, reply.headers);
}

/** 400 for a request that is not what the endpoint takes. */
export function badRequest(message: string, param: string | null = null, code: string | null = null): ProxyRequestError {
  return new ProxyRequestError({ status: 400, message, type: "invalid_request_error", param, code });
}

/** 413 for a body over the configured limit. */
export function payloadTooLarge(limit: number): ProxyRequestError {
  return new ProxyRequestError({ status: 413, message: `request body is larger than this proxy's limit of ${limit} bytes`, type: "invalid_request_error", param: null, code: "request_too_large" });
}

/** Seconds to wait, as `retry-after` wants them: a whole number, at least 1. */
function retryAfterSeconds(seconds: number | undefined): string {
  return String(Math.max(1, Math.ceil(seconds ?? 1)));
}

function providerParam(error: ProviderError): string | null {
  const body = error.body as { error?: { param?: unknown } } | undefined;
  return typeof body?.error?.param === "string" ? body.error.param : null;
}

/** The provider's own machine code (`decimal_above_max_value`), when its body names one; else ModelMesh's. */
function providerCode(error: ProviderError): string {
  const body = error.body as { error?: { code?: unknown } } | undefined;
  const code = body?.error?.code;
  return typeof code === "string" && code !== "" && code.length <= 100 ? code : error.code;
}

/** What only this request makes a model refuse (see the SDK's `REQUEST_SPECIFIC_CODES`): another request would pass. */
const REQUEST_SPECIFIC = new Set(["context_length_exceeded", "unsupported_parameter", "unsupported_value", "request_too_large"]);

function exhausted(error: AllProvidersExhaustedError, message: string): ErrorReply {
  const errors = error.errors;
  const every = (test: (item: ModelMeshError) => boolean) => errors.length > 0 && errors.every(test);
  // Every model refused the request itself (too long for each one's context, a parameter none takes): the caller must
  // change it, so this is the caller's error (400, 413 for too large) with the provider's code, not a 502 that clients
  // retry to the same end.
  if (every((item) => isModelMeshErrorOf(item, ProviderError) && REQUEST_SPECIFIC.has(item.code))) {
    const last = errors.at(-1) as ProviderError;
    const param = providerParam(last) ?? (last.code === "context_length_exceeded" ? "messages" : null);
    return { status: last.code === "request_too_large" ? 413 : 400, message, type: "invalid_request_error", param, code: last.code };
  }
  if (every((item) => isModelMeshErrorOf(item, RateLimitError))) {
    const waits = errors.map((item) => (item as RateLimitError).retryAfter).filter((value): value is number => typeof value === "number");
    return { status: 429, message, type: "requests", param: null, code: "rate_limit_exceeded", headers: { "retry-after": retryAfterSeconds(waits.length ? Math.min(...waits) : undefined) } };
  }
  if (every((item) => isModelMeshErrorOf(item, BudgetExceededError))) return { status: 402, message, type: "insufficient_quota", param: null, code: "budget_exceeded" };
  if (every((item) => isModelMeshErrorOf(item, TimeoutError))) return { status: 504, message, type: "server_error", param: null, code: "timeout" };
  // Some provider answered with an HTTP error: a bad gateway. None answered at all (refused, reset, DNS): unavailable.
  const answered = errors.some((item) => isModelMeshErrorOf(item, ProviderError) && item.status !== undefined && !(isModelMeshErrorOf(item, TimeoutError)));
  return { status: answered ? 502 : 503, message, type: "server_error", param: null, code: "all_providers_exhausted" };
}

/**
 * The status and body for anything a route threw. Errors are classified by name (`isModelMeshErrorOf`), never by
 * `instanceof`: the proxy may run beside an app's own copy of `modelmesh`, whose error classes are other objects.
 * `redact` scrubs keys from messages (provider messages can quote
 * a key); `isKnownModel` tells an unknown model (404) from a known one no model can serve (400).
 * @example
 * const reply = errorReplyFor(error, (text) => text, () => false);
 */
export function errorReplyFor(error: unknown, redact: (text: string) => string, isKnownModel: (name: string) => boolean): ErrorReply {
  if (error instanceof ProxyRequestError) return error.reply;
  if (!isModelMeshError(error)) {
    return { status: 500, message: "the proxy failed while handling this request", type: "server_error", param: null, code: "internal_error" };
  }
  const message = redact(error.message);
  // OpenAI's own code when the check has one (`missing_required_parameter`, `invalid_type`, ...), else null, as the
  // service answers a request it refuses without one; never the SDK's generic `invalid_request`, which it does not use.
  if (isModelMeshErrorOf(error, InvalidRequestError)) return { status: 400, message, type: "invalid_request_error", param: error.param, code: error.code === "invalid_request" ? null : error.code };
  if (isModelMeshErrorOf(error, NoCapableModelError)) {
    if (error.retryable) return { status: 503, message, type: "server_error", param: null, code: "no_model_available", headers: { "retry-after": retryAfterSeconds(error.retryAfter) } };
    if (!isKnownModel(error.target)) {
      // Not the router's message, which quotes the name whole: a caller's junk is not echoed back in full.
      const unknown = `The model '${redact(quoteName(String(error.target)))}' does not exist on this proxy (GET /v1/models lists the names it serves)`;
      // param null, as OpenAI's own model_not_found answer to a request.
      return { status: 404, message: unknown, type: "invalid_request_error", param: null, code: "model_not_found" };
    }
    return { status: 400, message, type: "invalid_request_error", param: "model", code: "no_capable_model" };
  }
  if (isModelMeshErrorOf(error, AllProvidersExhaustedError)) return exhausted(error, message);
  if (isModelMeshErrorOf(error, BudgetExceededError)) return { status: 402, message, type: "insufficient_quota", param: null, code: "budget_exceeded" };
  if (isModelMeshErrorOf(error, RateLimitError)) return { status: 429, message, type: "requests", param: null, code: "rate_limit_exceeded", headers: { "retry-after": retryAfterSeconds(error.retryAfter) } };
  if (isModelMeshErrorOf(error, TimeoutError)) return { status: 504, message, type: "server_error", param: null, code: "timeout" };
  // The provider's key is the operator's problem, not the caller's: never answer 401, which would blame the caller's token.
  if (isModelMeshErrorOf(error, AuthenticationError)) return { status: 502, message, type: "server_error", param: null, code: "upstream_authentication_failed" };
  if (isModelMeshErrorOf(error, ProviderError)) {
    const status = error.status ?? 502;
    // The router surfaces a provider error only when the request itself was refused (400, 413, 422): pass that on.
    if (status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429) {
      return { status, message, type: "invalid_request_error", param: providerParam(error), code: redact(providerCode(error)) };
    }
    return { status: 502, message, type: "server_error", param: null, code: error.code };
  }
  if (isModelMeshErrorOf(error, StreamInterruptedError)) return { status: 502, message, type: "server_error", param: null, code: error.code };
  if (isModelMeshErrorOf(error, ConfigError)) return { status: 500, message, type: "server_error", param: null, code: "config_error" };
  if (error.code === "not_ready") return { status: 503, message, type: "server_error", param: null, code: "not_ready", headers: { "retry-after": "1" } };
  return { status: 500, message, type: "server_error", param: null, code: error.code };
}
