import { describe, expect, it } from "vitest";
import { AuthenticationError, ProviderError, RateLimitError, TimeoutError } from "../wire/errors.js";
import { failureAction } from "../core/retry.js";
import { extractErrorDetails, fromResponse, malformedResponse, QUOTA_COOLDOWN_SECONDS, redactSecrets, safeHeaders } from "./error-factory.js";

// Bodies below have the shapes the services really send (quoted in public issue threads and the providers' docs;
// Gemini and OpenRouter shapes as in recorded traffic). Values are our own.
const NOW = Date.parse("2026-03-01T12:00:00Z");
const context = { providerId: "openai", modelId: "gpt-4o", now: NOW };

const openAIError = (message: string, type: string, code: string | null, param: string | null = null) => ({ error: { message, type, param, code } });

describe("fromResponse: status mapping", () => {
  it("401 → AuthenticationError (disable the key)", () => {
    const body = openAIError("Incorrect API key provided: sk-proj-********wxyz. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key");
    const error = fromResponse(401, body, { "x-request-id": "req_1" }, context);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("openai (gpt-4o) returned HTTP 401");
    expect(error.message).toContain("Incorrect API key provided");
    expect(failureAction(error)).toBe("disable-key");
  });

  it("403 → AuthenticationError with code permission_denied", () => {
    const error = fromResponse(403, openAIError("Country, region, or territory not supported", "request_forbidden", "unsupported_country_region_territory"), {}, context);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.code).toBe("permission_denied");
  });

  it("429 rate limit → RateLimitError with retryAfter in seconds from retry-after", () => {
    const body = openAIError("Rate limit reached for gpt-4o in organization org-x on requests per min (RPM): Limit 500, Used 500, Requested 1.", "requests", "rate_limit_exceeded");
    const error = fromResponse(429, body, { "retry-after": "2", "x-ratelimit-reset-requests": "120ms" }, context);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(2);
    expect(error.retryable).toBe(true);
    expect(failureAction(error)).toBe("retry");
  });

  it("429 without retry-after uses the x-ratelimit reset of the exhausted quota", () => {
    const error = fromResponse(429, openAIError("Rate limit reached", "tokens", "rate_limit_exceeded"), new Headers({ "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "6m0s" }), context);
    expect((error as RateLimitError).retryAfter).toBe(360);
  });

  it("429 insufficient_quota is not transient: failover with a long cooldown", () => {
    const body = openAIError(
      "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
      "insufficient_quota",
      "insufficient_quota",
    );
    const error = fromResponse(429, body, {}, context) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.code).toBe("insufficient_quota");
    expect(error.retryable).toBe(false);
    expect(error.retryAfter).toBe(QUOTA_COOLDOWN_SECONDS);
    expect(failureAction(error)).toBe("failover");
  });

  it("429 from Gemini takes retryAfter from the body's RetryInfo", () => {
    const body = {
      error: {
        code: 429,
        message: "You exceeded your current quota, please check your plan.",
        status: "RESOURCE_EXHAUSTED",
        details: [
          { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier" }] },
          { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "21.5s" },
        ],
      },
    };
    const error = fromResponse(429, body, { "content-type": "application/json; charset=UTF-8" }, { providerId: "gemini", modelId: "gemini-2.0-flash", now: NOW }) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBe(21.5);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("RESOURCE_EXHAUSTED");
  });

  it("429 from OpenRouter keeps the upstream's raw reason in the message", () => {
    const body = {
      error: { code: 429, message: "Provider returned error", metadata: { provider_name: "Google", raw: "google/gemma-3-27b-it:free is temporarily rate-limited upstream. Please retry shortly." } },
      user_id: "user_abc",
    };
    const error = fromResponse(429, body, {}, { providerId: "openrouter", now: NOW });
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.message).toContain("Provider returned error: google/gemma-3-27b-it:free is temporarily rate-limited upstream");
  });

  it("429 from Anthropic reads anthropic-ratelimit reset times", () => {
    const body = { type: "error", error: { type: "rate_limit_error", message: "This request would exceed your organization's rate limit of 50 requests per minute." } };
    const headers = {
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": "2026-03-01T12:00:09Z",
      "request-id": "req_011",
    };
    const error = fromResponse(429, body, headers, { providerId: "anthropic", modelId: "claude-sonnet-4", now: NOW }) as RateLimitError;
    expect(error.retryAfter).toBe(9);
    expect(error.message).toContain("rate_limit_error");
  });

  it("429 from Anthropic's spend limit is a quota failure", () => {
    const body = { type: "error", error: { type: "rate_limit_error", message: "You have reached your monthly spend limit.", details: { error_code: "enforced_spend_limit_reached" } } };
    const error = fromResponse(429, body, {}, { providerId: "anthropic", now: NOW });
    expect(error.code).toBe("insufficient_quota");
    expect(failureAction(error)).toBe("failover");
  });

  it("400 'credit balance is too low' (Anthropic) and 402 (OpenRouter) are quota failures", () => {
    const anthropic = fromResponse(400, { type: "error", error: { type: "invalid_request_error", message: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits." } }, {}, { providerId: "anthropic" });
    expect(anthropic.code).toBe("insufficient_quota");
    expect(failureAction(anthropic)).toBe("failover");
    const openrouter = fromResponse(402, { error: { message: "Insufficient credits. Add more using https://openrouter.ai/credits", code: 402 } }, {}, { providerId: "openrouter" });
    expect(openrouter.code).toBe("insufficient_quota");
    expect(failureAction(openrouter)).toBe("failover");
  });

  it("408 → TimeoutError (retry)", () => {
    const error = fromResponse(408, "Request Timeout", {}, context);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(failureAction(error)).toBe("retry");
  });

  it("404 → model_not_found (failover), OpenAI and Gemini shapes", () => {
    const openai = fromResponse(404, openAIError("The model `gpt-5-turbo` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"), {}, { ...context, modelId: "gpt-5-turbo" });
    expect(openai.code).toBe("model_not_found");
    expect(failureAction(openai)).toBe("failover");
    const gemini = fromResponse(
      404,
      { error: { code: 404, message: "models/gemini-0-flash is not found for API version v1beta, or is not supported for generateContent.", status: "NOT_FOUND" } },
      {},
      { providerId: "gemini" },
    );
    expect(gemini.code).toBe("model_not_found");
    expect(gemini.message).toContain("models/gemini-0-flash is not found");
  });

  it("Gemini errors wrapped in an array (its streaming endpoints) are read too", () => {
    const error = fromResponse(400, [{ error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT" } }], {}, { providerId: "gemini" });
    expect(error.message).toContain("API key not valid");
  });

  it("400 context_length_exceeded → failover; DeepSeek's variant is recognised by its message", () => {
    const openai = fromResponse(
      400,
      openAIError("This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.", "invalid_request_error", "context_length_exceeded", "messages"),
      {},
      context,
    );
    expect(openai.code).toBe("context_length_exceeded");
    expect(failureAction(openai)).toBe("failover");
    const deepseek = fromResponse(
      400,
      openAIError("This model's maximum context length is 131072 tokens. However, you requested 131134 tokens (122942 in the messages, 8192 in the completion).", "invalid_request_error", "invalid_request_error"),
      {},
      { providerId: "deepseek" },
    );
    expect(deepseek.code).toBe("context_length_exceeded");
    const anthropic = fromResponse(400, { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 215000 tokens > 200000 maximum" } }, {}, { providerId: "anthropic" });
    expect(anthropic.code).toBe("context_length_exceeded");
  });

  it("400 unsupported parameter for this model → failover", () => {
    const error = fromResponse(400, openAIError("Unsupported parameter: 'temperature' is not supported with this model.", "invalid_request_error", "unsupported_parameter", "temperature"), {}, { ...context, modelId: "o3-mini" });
    expect(error.code).toBe("unsupported_parameter");
    expect(failureAction(error)).toBe("failover");
    const notSupported = fromResponse(400, openAIError("The requested model is not supported.", "invalid_request_error", "model_not_supported", "model"), {}, context);
    expect(notSupported.code).toBe("model_not_supported");
  });

  it("other 400 and 422 (Mistral's pydantic detail) are fatal", () => {
    const bad = fromResponse(400, openAIError("Invalid 'messages[0].content': string too long.", "invalid_request_error", "string_above_max_length", "messages[0].content"), {}, context);
    expect(bad).toBeInstanceOf(ProviderError);
    expect(bad.code).toBe("invalid_request");
    expect(bad.retryable).toBe(false);
    expect(failureAction(bad)).toBe("fatal");
    const mistral = fromResponse(
      422,
      { object: "error", message: { detail: [{ type: "extra_forbidden", loc: ["body", "safe_mode"], msg: "Extra inputs are not permitted", input: false }] }, type: "invalid_request_error", param: null, code: null },
      {},
      { providerId: "mistral", modelId: "mistral-small-latest" },
    );
    expect(mistral.code).toBe("invalid_request");
    expect(mistral.message).toContain("safe_mode: Extra inputs are not permitted");
    expect(failureAction(mistral)).toBe("fatal");
  });

  it("413: Groq's per-model TPM limit fails over, a plain payload limit is fatal", () => {
    const groq = fromResponse(
      413,
      openAIError("Request too large for model `llama-3.1-8b-instant` in organization `org_1` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Requested 9000.", "tokens", "rate_limit_exceeded"),
      {},
      { providerId: "groq" },
    );
    expect(groq.code).toBe("request_too_large");
    expect(failureAction(groq)).toBe("failover");
    const plain = fromResponse(413, "<html><body>413 Request Entity Too Large</body></html>", {}, context);
    expect(plain.code).toBe("payload_too_large");
    expect(failureAction(plain)).toBe("fatal");
  });

  it("409, 5xx and 529 are retryable; 529 is 'overloaded'", () => {
    expect(fromResponse(409, openAIError("Conflict", "invalid_request_error", null), {}, context)).toMatchObject({ code: "conflict", retryable: true, status: 409 });
    expect(fromResponse(500, openAIError("The server had an error while processing your request. Sorry about that!", "server_error", null), {}, context)).toMatchObject({ code: "server_error", retryable: true });
    expect(fromResponse(502, "<html><head><title>502 Bad Gateway</title></head></html>", {}, context)).toMatchObject({ code: "server_error", retryable: true });
    const overloaded = fromResponse(529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, {}, { providerId: "anthropic" });
    expect(overloaded).toMatchObject({ code: "overloaded", retryable: true, status: 529 });
    expect(failureAction(overloaded)).toBe("retry");
  });

  it("Cohere {message} and Mistral {detail} bodies", () => {
    expect(fromResponse(400, { id: "3f8e", message: "invalid request: message must be at least 1 token long" }, {}, { providerId: "cohere" }).message).toContain("message must be at least 1 token long");
    expect(fromResponse(401, { detail: "Unauthorized" }, {}, { providerId: "mistral" }).message).toContain("Unauthorized");
  });

  it("an empty body still says what failed", () => {
    expect(fromResponse(503, "", {}, context).message).toBe("openai (gpt-4o) returned HTTP 503: the service failed");
    expect(fromResponse(400, undefined, {}, { providerId: "x" }).message).toBe("x returned HTTP 400: the request was rejected");
  });
});

describe("fromResponse: what is kept", () => {
  it("keeps headers lower-cased, minus anything that can carry a credential", () => {
    const error = fromResponse(
      500,
      "boom",
      new Headers({
        "X-Request-ID": "req_1",
        "Set-Cookie": "__cf_bm=secret",
        Authorization: "Bearer sk-leak",
        "x-api-key": "sk-ant-leak",
        "x-ratelimit-remaining-tokens": "10",
        "retry-after": "1",
      }),
      context,
    ) as ProviderError;
    expect(error.headers).toEqual({ "x-request-id": "req_1", "x-ratelimit-remaining-tokens": "10", "retry-after": "1" });
  });

  it("never puts the key in the message or the body", () => {
    const key = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
    const body = { error: { message: `Key ${key} is revoked (Bearer ${key})`, type: "invalid_request_error", code: "invalid_api_key", param: null } };
    const error = fromResponse(401, body, {}, { ...context, secrets: [key] }) as ProviderError;
    expect(error.message).not.toContain(key);
    expect(JSON.stringify(error.toJSON())).not.toContain(key);
    expect(error.message).toContain("[REDACTED]");
  });

  it("redacts key-shaped strings even when the key is not known", () => {
    expect(redactSecrets("got AIzaSyA1234567890abcdefghijklmnopqrstuv and gsk_abcdefghijklmnopqrstuvwx")).toBe("got [REDACTED] and [REDACTED]");
    expect(redactSecrets("Authorization: Bearer abc.def.ghi-123")).toBe("Authorization: Bearer [REDACTED]");
  });

  it("keeps the parsed body and the status", () => {
    const body = openAIError("bad", "invalid_request_error", null);
    const error = fromResponse(400, JSON.stringify(body), {}, context) as ProviderError;
    expect(error.status).toBe(400);
    expect(error.providerId).toBe("openai");
    expect(error.modelId).toBe("gpt-4o");
    expect(error.message).toContain("bad");
  });

  it("caps very long messages", () => {
    const error = fromResponse(500, "x".repeat(5_000), {}, context);
    expect(error.message.length).toBeLessThan(1_100);
  });
});

describe("extractErrorDetails", () => {
  it("reads code, type and param", () => {
    expect(extractErrorDetails(openAIError("m", "invalid_request_error", "c", "p"))).toEqual({ message: "m", type: "invalid_request_error", code: "c", param: "p" });
    expect(extractErrorDetails({ error: { code: 404, message: "m", status: "NOT_FOUND" } })).toEqual({ message: "m", code: "404", type: "NOT_FOUND" });
    expect(extractErrorDetails("plain text")).toEqual({ message: "plain text" });
    expect(extractErrorDetails({ error: "just a string" })).toEqual({ message: "just a string" });
    expect(extractErrorDetails(null)).toEqual({});
  });
});

describe("safeHeaders and malformedResponse", () => {
  it("accepts plain records", () => {
    expect(safeHeaders({ "X-Goog-Api-Key": "AIza...", "Content-Type": "application/json" })).toEqual({ "content-type": "application/json" });
  });

  it("malformed responses are retryable provider errors", () => {
    const error = malformedResponse("openai", "gpt-4o", "the body is not JSON", "{not json");
    expect(error).toMatchObject({ code: "malformed_response", retryable: true, providerId: "openai" });
    expect(failureAction(error)).toBe("retry");
  });
});
