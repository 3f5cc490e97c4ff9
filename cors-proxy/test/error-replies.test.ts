import { describe, expect, it } from "vitest";
import {
  AllProvidersExhaustedError,
  AuthenticationError,
  BudgetExceededError,
  ConfigError,
  ConnectionError,
  InvalidRequestError,
  ModelMeshError,
  NoCapableModelError,
  ProviderError,
  RateLimitError,
  StreamInterruptedError,
  TimeoutError,
} from "modelmesh";
import { badRequest, errorReplyFor, errorResponse, MAX_MESSAGE_CHARS, MAX_QUOTED_NAME_CHARS, payloadTooLarge, ProxyRequestError, quoteName } from "../src/errors.js";

// Every error the proxy answers, as the exact reply a caller gets (status, OpenAI-shaped fields, headers), and the
// bounds on what a caller's own input can make an answer quote back.

const fields = { providerId: "a", modelId: "alpha" };
const same = (text: string) => text;
const known = (name: string) => name === "chat";
const attempt = (error: ModelMeshError) => ({ provider: "a", model: "alpha", error });

describe("quoteName and errorResponse", () => {
  it("quotes a short name whole and a long one as its start and length", () => {
    expect(MAX_QUOTED_NAME_CHARS).toBe(64);
    expect(quoteName("x".repeat(64))).toBe("x".repeat(64));
    expect(quoteName("x".repeat(65))).toBe(`${"x".repeat(64)}…(65 characters)`);
    expect(quoteName("abcdef", 3)).toBe("abc…(6 characters)");
  });

  it("writes the OpenAI error body, its status and headers, and caps the message", () => {
    const reply = errorResponse({ status: 418, message: "short", type: "t", param: "p", code: "c", headers: { "retry-after": "3" } });
    expect(reply.status).toBe(418);
    expect(JSON.parse(reply.text)).toEqual({ error: { message: "short", type: "t", param: "p", code: "c" } });
    expect(reply.headers.get("retry-after")).toBe("3");
    expect(reply.headers.get("content-type")).toBe("application/json");
    expect(MAX_MESSAGE_CHARS).toBe(2_000);
    const exact = JSON.parse(errorResponse({ status: 400, message: "m".repeat(2_000), type: "t", param: null, code: null }).text);
    expect(exact.error.message).toBe("m".repeat(2_000));
    const long = JSON.parse(errorResponse({ status: 400, message: "m".repeat(2_001), type: "t", param: null, code: null }).text);
    expect(long.error.message).toBe(`${"m".repeat(2_000)}…`);
  });

  it("builds the proxy's own 400 and 413 refusals", () => {
    const refusal = badRequest("bad thing", "input", "bad_code");
    expect(refusal).toBeInstanceOf(ProxyRequestError);
    expect(refusal.name).toBe("ProxyRequestError");
    expect(refusal.message).toBe("bad thing");
    expect(refusal.reply).toEqual({ status: 400, message: "bad thing", type: "invalid_request_error", param: "input", code: "bad_code" });
    expect(badRequest("plain").reply).toEqual({ status: 400, message: "plain", type: "invalid_request_error", param: null, code: null });
    expect(payloadTooLarge(1024).reply).toEqual({
      status: 413,
      message: "request body is larger than this proxy's limit of 1024 bytes",
      type: "invalid_request_error",
      param: null,
      code: "request_too_large",
    });
    expect(errorReplyFor(payloadTooLarge(5), same, known)).toEqual(payloadTooLarge(5).reply);
  });
});

describe("errorReplyFor", () => {
  it("answers a non-ModelMesh failure with a generic 500 that hides its message", () => {
    expect(errorReplyFor(new TypeError("secret internals"), same, known)).toEqual({
      status: 500,
      message: "the proxy failed while handling this request",
      type: "server_error",
      param: null,
      code: "internal_error",
    });
  });

  it("maps each error class to its exact reply, through the redactor", () => {
    const redact = (text: string) => text.replaceAll("sk-secret", "[REDACTED]");
    const cases: Array<[ModelMeshError, Record<string, unknown>]> = [
      // The SDK's generic code is not OpenAI's: null, as the service answers; a check's own OpenAI code goes as it is.
      [new InvalidRequestError("bad sk-secret", "messages"), { status: 400, message: "bad [REDACTED]", type: "invalid_request_error", param: "messages", code: null }],
      [new InvalidRequestError("Invalid type for 'n'", "n", { code: "invalid_type" }), { status: 400, message: "Invalid type for 'n'", type: "invalid_request_error", param: "n", code: "invalid_type" }],
      [new NoCapableModelError("chat", "no model sk-secret"), { status: 400, message: "no model [REDACTED]", type: "invalid_request_error", param: "model", code: "no_capable_model" }],
      [new NoCapableModelError("chat", "cooling", { retryable: true }), { status: 503, message: "cooling", type: "server_error", param: null, code: "no_model_available", headers: { "retry-after": "1" } }],
      [new NoCapableModelError("chat", "cooling", { retryable: true, retryAfter: 42 }), { status: 503, code: "no_model_available", headers: { "retry-after": "42" } }],
      [new BudgetExceededError({ limitType: "daily", limitValue: 5, scope: "openai" }), { status: 402, type: "insufficient_quota", param: null, code: "budget_exceeded" }],
      [new RateLimitError("slow", { ...fields, retryAfter: 2.2 }), { status: 429, message: "slow", type: "requests", param: null, code: "rate_limit_exceeded", headers: { "retry-after": "3" } }],
      [new RateLimitError("slow", { ...fields, retryAfter: 0.2 }), { status: 429, headers: { "retry-after": "1" } }],
      [new RateLimitError("slow", fields), { status: 429, headers: { "retry-after": "1" } }],
      [new TimeoutError("too slow", fields), { status: 504, message: "too slow", type: "server_error", param: null, code: "timeout" }],
      [new AuthenticationError("bad key", { ...fields, status: 401 }), { status: 502, message: "bad key", type: "server_error", param: null, code: "upstream_authentication_failed" }],
      [new ProviderError("too long", { ...fields, status: 413 }, { code: "too_long" }), { status: 413, message: "too long", type: "invalid_request_error", param: null, code: "too_long" }],
      [new ProviderError("refused", { ...fields, status: 422, body: { error: { param: "tools" } } }), { status: 422, type: "invalid_request_error", param: "tools" }],
      [new ProviderError("refused", { ...fields, status: 400, body: { error: { param: 7 } } }), { status: 400, type: "invalid_request_error", param: null }],
      [new ProviderError("refused", { ...fields, status: 400, body: "plain text" }), { status: 400, param: null }],
      [new ProviderError("refused", { ...fields, status: 400 }), { status: 400, param: null }],
      [new ProviderError("server", { ...fields, status: 500 }, { code: "upstream_500" }), { status: 502, message: "server", type: "server_error", param: null, code: "upstream_500" }],
      [new ProviderError("no status", fields), { status: 502, type: "server_error", param: null, code: "provider_error" }],
      [new ProviderError("forbidden", { ...fields, status: 403 }), { status: 502, type: "server_error" }],
      [new ProviderError("unauthorised", { ...fields, status: 401 }), { status: 502, type: "server_error" }],
      [new ProviderError("limited", { ...fields, status: 429 }), { status: 502, type: "server_error" }],
      [new ProviderError("odd", { ...fields, status: 399 }), { status: 502, type: "server_error" }],
      [new StreamInterruptedError({ deliveredText: "abc", modelId: "alpha" }), { status: 502, message: "stream from alpha broke after 3 characters", type: "server_error", param: null, code: "stream_interrupted" }],
      [new ConfigError("pools.chat", "bad"), { status: 500, message: "pools.chat: bad", type: "server_error", param: null, code: "config_error" }],
      [new ModelMeshError("still starting", { code: "not_ready" }), { status: 503, message: "still starting", type: "server_error", param: null, code: "not_ready", headers: { "retry-after": "1" } }],
      [new ModelMeshError("odd", { code: "storage_error" }), { status: 500, message: "odd", type: "server_error", param: null, code: "storage_error" }],
    ];
    for (const [error, reply] of cases) {
      const got = errorReplyFor(error, redact, known);
      expect(got, `${error.name}: ${error.message}`).toMatchObject(reply);
      if (!("headers" in reply)) expect(got.headers, `${error.name}: ${error.message}`).toBeUndefined();
    }
  });

  it("answers an unknown model 404 with the name quoted short and redacted, not the router's message", () => {
    const name = `sk-secret-${"y".repeat(100)}`;
    const reply = errorReplyFor(new NoCapableModelError(name, `no pool or model named ${name}`), (text) => text.replaceAll("sk-secret", "[REDACTED]"), known);
    expect(reply).toEqual({
      status: 404,
      message: `The model '[REDACTED]-${"y".repeat(54)}…(110 characters)' does not exist on this proxy (GET /v1/models lists the names it serves)`,
      type: "invalid_request_error",
      param: null,
      code: "model_not_found",
    });
  });

  it("answers an exhausted pool by what every attempt saw", () => {
    const reply = (errors: ModelMeshError[]) => errorReplyFor(new AllProvidersExhaustedError("chat", errors.map(attempt) as never), same, known);
    const limited = reply([new RateLimitError("a", { ...fields, retryAfter: 9 }), new RateLimitError("b", { ...fields, retryAfter: 4.5 })]);
    expect(limited).toMatchObject({ status: 429, type: "requests", param: null, code: "rate_limit_exceeded", headers: { "retry-after": "5" } });
    expect(reply([new RateLimitError("a", fields), new RateLimitError("b", { ...fields, retryAfter: 30 })]).headers).toEqual({ "retry-after": "30" });
    expect(reply([new RateLimitError("a", fields)]).headers).toEqual({ "retry-after": "1" });
    expect(reply([new RateLimitError("a", { ...fields, status: 429 }), new TimeoutError("slow", fields)])).toMatchObject({ status: 502 });
    expect(reply([new RateLimitError("a", fields), new TimeoutError("slow", fields)])).toMatchObject({ status: 503 });
    expect(reply([new BudgetExceededError({ limitType: "daily", limitValue: 1, scope: "a" })])).toMatchObject({ status: 402, type: "insufficient_quota", param: null, code: "budget_exceeded" });
    expect(reply([new TimeoutError("slow", fields), new TimeoutError("slower", fields)])).toMatchObject({ status: 504, type: "server_error", param: null, code: "timeout" });
    // A timeout with a status is still not an answer: none answered, so unavailable.
    expect(reply([new TimeoutError("slow", { ...fields, status: 408 }), new ConnectionError("refused", fields)])).toMatchObject({ status: 503, code: "all_providers_exhausted" });
    expect(reply([new ProviderError("500", { ...fields, status: 500 }), new ConnectionError("reset", fields)])).toMatchObject({
      status: 502,
      type: "server_error",
      param: null,
      code: "all_providers_exhausted",
    });
    expect(reply([new ConnectionError("refused", fields)])).toMatchObject({ status: 503, type: "server_error", param: null, code: "all_providers_exhausted" });
    expect(reply([])).toMatchObject({ status: 503, code: "all_providers_exhausted" });
    for (const errors of [[new ProviderError("500", { ...fields, status: 500 })], [new ConnectionError("refused", fields)]]) {
      expect(reply(errors).headers).toBeUndefined();
    }
  });

  it("answers a request every model refused by itself as the caller's error, with the provider's code: not a 502 clients retry", () => {
    const reply = (errors: ModelMeshError[]) => errorReplyFor(new AllProvidersExhaustedError("chat", errors.map(attempt) as never), same, known);
    const tooLong = (param?: string) => new ProviderError("too long", { ...fields, status: 400, ...(param ? { body: { error: { param } } } : {}) }, { code: "context_length_exceeded", retryable: false });
    expect(reply([tooLong(), tooLong()])).toMatchObject({ status: 400, type: "invalid_request_error", param: "messages", code: "context_length_exceeded" });
    expect(reply([tooLong(), tooLong("input")])).toMatchObject({ status: 400, param: "input", code: "context_length_exceeded" });
    const unsupported = new ProviderError("no", { ...fields, status: 400, body: { error: { param: "logprobs" } } }, { code: "unsupported_parameter", retryable: false });
    expect(reply([tooLong(), unsupported])).toMatchObject({ status: 400, param: "logprobs", code: "unsupported_parameter" });
    expect(reply([new ProviderError("big", { ...fields, status: 413 }, { code: "request_too_large", retryable: false })])).toMatchObject({ status: 413, param: null, code: "request_too_large" });
    // One model failed for its own reasons: the pool failed, not the request.
    expect(reply([tooLong(), new ProviderError("500", { ...fields, status: 500 })])).toMatchObject({ status: 502, code: "all_providers_exhausted" });
    expect(reply([tooLong(), new ConnectionError("refused", fields)])).toMatchObject({ status: 502, code: "all_providers_exhausted" });
  });

  it("passes a refused request's own provider code on (decimal_above_max_value), not ModelMesh's invalid_request", () => {
    const body = { error: { message: "Invalid 'temperature'", type: "invalid_request_error", param: "temperature", code: "decimal_above_max_value" } };
    const refused = new ProviderError("refused", { ...fields, status: 400, body }, { code: "invalid_request", retryable: false });
    expect(errorReplyFor(refused, same, known)).toMatchObject({ status: 400, param: "temperature", code: "decimal_above_max_value" });
    // A code is the provider's text too: it goes through the same redaction as the message.
    const leaky = new ProviderError("refused", { ...fields, status: 400, body: { error: { code: "key_sk-abc" } } }, { code: "invalid_request", retryable: false });
    expect(errorReplyFor(leaky, (text) => text.replace("sk-abc", "[REDACTED]"), known)).toMatchObject({ code: "key_[REDACTED]" });
    const longest = new ProviderError("refused", { ...fields, status: 400, body: { error: { code: "c".repeat(100) } } }, { code: "invalid_request", retryable: false });
    expect(errorReplyFor(longest, same, known)).toMatchObject({ code: "c".repeat(100) });
    // No code of its own, or one no client could use: ModelMesh's.
    for (const code of [undefined, "", 7, "x".repeat(101)]) {
      const plain = new ProviderError("refused", { ...fields, status: 400, body: { error: { code } } }, { code: "invalid_request", retryable: false });
      expect(errorReplyFor(plain, same, known)).toMatchObject({ status: 400, code: "invalid_request" });
    }
  });
});
