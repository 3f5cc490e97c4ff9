import { describe, expect, it } from "vitest";
import { AuthenticationError, ProviderError, RateLimitError, TimeoutError } from "../../src/wire/errors.js";
import { extractErrorDetails, fromResponse, malformedResponse, QUOTA_COOLDOWN_SECONDS, redactSecrets, safeHeaders } from "../../src/provider/error-factory.js";

// The error factory pinned on the exact details it reads from each body shape and the exact error it builds for
// each status: the classes, codes and retry flags the router's failover decisions depend on, and the message text.

const context = { providerId: "svc", modelId: "m1", now: Date.parse("2026-03-01T12:00:00Z") };
const build = (status: number, body: unknown, headers: Record<string, string> = {}) => fromResponse(status, body, headers, context) as ProviderError;

describe("extractErrorDetails", () => {
  it("trims messages, reads numbers, ignores blank text", () => {
    expect(extractErrorDetails({ error: { message: "  spaced out \n", code: 42, type: " t ", param: " p " } })).toEqual({ message: "spaced out", code: "42", type: "t", param: "p" });
    expect(extractErrorDetails({ error: { message: "   ", detail: "from detail" } })).toEqual({ message: "from detail" });
    expect(extractErrorDetails({ message: 7 })).toEqual({ message: "7" });
    expect(extractErrorDetails({ error: "   " })).toEqual({});
  });

  it("detail objects (Tavily, ElevenLabs) and pydantic lists, bounded to 20 entries", () => {
    expect(extractErrorDetails({ detail: { error: "tavily says", message: "not this" } })).toEqual({ message: "tavily says" });
    expect(extractErrorDetails({ detail: { status: "x", message: "eleven says" } })).toEqual({ message: "eleven says" });
    expect(extractErrorDetails({ detail: { status: "x" } })).toEqual({});
    expect(
      extractErrorDetails({
        detail: [{ loc: ["body", "top_p"], msg: "must be ≤ 1" }, "plain entry", { msg: ["first", 2] }, { loc: ["body"], msg: "whole body" }, { loc: ["query", "x"] }, { loc: "body.x", msg: "loc not a list" }, 5],
      }),
    ).toEqual({ message: "top_p: must be ≤ 1; plain entry; first, 2; whole body; loc not a list; 5" });
    const many = Array.from({ length: 25 }, (_, index) => ({ msg: `e${index}` }));
    expect(extractErrorDetails({ detail: many }).message).toBe(many.slice(0, 20).map((item) => item.msg).join("; "));
    const longMessage = { msg: Array.from({ length: 25 }, (_, index) => `m${index}`) };
    expect(extractErrorDetails({ detail: [longMessage] }).message).toBe(longMessage.msg.slice(0, 20).join(", "));
    expect(extractErrorDetails({ detail: [{ loc: ["x"] }, null] })).toEqual({});
    expect(extractErrorDetails({ error: { message: [{ loc: ["body", "n"], msg: "bad n" }] } })).toEqual({ message: "n: bad n" });
    expect(extractErrorDetails({ message: '{"detail":[{"loc":["body","x"],"msg":"nested"}]}' }).message).toBe('{"detail":[{"loc":["body","x"],"msg":"nested"}]}');
  });

  it("JSON text is parsed once, at the top; other text is the message; arrays unwrap at most twice", () => {
    expect(extractErrorDetails('  {"error":{"message":"from json"}}  ')).toEqual({ message: "from json" });
    expect(extractErrorDetails('[{"error":{"message":"gemini array"}}]')).toEqual({ message: "gemini array" });
    expect(extractErrorDetails("{not json")).toEqual({ message: "{not json" });
    expect(extractErrorDetails("[not json")).toEqual({ message: "[not json" });
    expect(extractErrorDetails("  plain words ")).toEqual({ message: "plain words" });
    expect(extractErrorDetails("   ")).toEqual({});
    expect(extractErrorDetails('["{\\"message\\":\\"inner\\"}"]')).toEqual({ message: '{"message":"inner"}' });
    expect(extractErrorDetails('x{"error":{"message":"m"}}')).toEqual({ message: 'x{"error":{"message":"m"}}' });
    expect(extractErrorDetails([])).toEqual({});
    expect(extractErrorDetails([{ message: "one" }, { message: "two" }])).toEqual({ message: "one" });
    expect(extractErrorDetails([[{ message: "two deep" }]])).toEqual({ message: "two deep" });
    expect(extractErrorDetails([[[{ message: "three deep" }]]])).toEqual({});
    expect(extractErrorDetails('[[{"message":"json two deep"}]]')).toEqual({});
    expect(extractErrorDetails('[{"message":"json one deep"}]')).toEqual({ message: "json one deep" });
    expect(extractErrorDetails(42)).toEqual({});
  });

  it("OpenRouter's raw upstream text is appended once; Anthropic's error_code; Google's RetryInfo", () => {
    expect(extractErrorDetails({ error: { message: "Provider returned error", code: 429, metadata: { raw: "upstream busy" } } })).toEqual({ message: "Provider returned error: upstream busy", code: "429" });
    expect(extractErrorDetails({ error: { message: "upstream busy, really", metadata: { raw: "upstream busy" } } })).toEqual({ message: "upstream busy, really" });
    expect(extractErrorDetails({ error: { metadata: { raw: "only raw" } } })).toEqual({});
    expect(extractErrorDetails({ type: "error", error: { type: "billing_error", message: "pay", details: { error_code: "enforced_spend_limit_reached" } } })).toEqual({ message: "pay", type: "billing_error", detailCode: "enforced_spend_limit_reached" });
    expect(extractErrorDetails({ error: { code: 429, status: "RESOURCE_EXHAUSTED", message: "quota", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1.5s" }] } })).toEqual({ message: "quota", code: "429", type: "RESOURCE_EXHAUSTED", retryDelayMs: 1500 });
    const ignored = [{ "@type": "type.googleapis.com/google.rpc.QuotaFailure", retryDelay: "9s" }, { "@type": 5, retryDelay: "8s" }, { retryDelay: "7s" }, { "@type": "RetryInfo", retryDelay: 6 }, { "@type": "RetryInfo", retryDelay: "soon" }, "RetryInfo"];
    expect(extractErrorDetails({ error: { message: "q", details: ignored } })).toEqual({ message: "q" });
    expect(extractErrorDetails({ error: { message: "q", details: [...ignored, { "@type": "x.RetryInfo", retryDelay: "2s" }] } }).retryDelayMs).toBe(2000);
  });

  it("flat bodies: message, code and type, but not Anthropic's envelope type 'error'", () => {
    expect(extractErrorDetails({ type: "error", message: "flat" })).toEqual({ message: "flat" });
    expect(extractErrorDetails({ type: "invalid_request", code: "bad", message: "flat" })).toEqual({ message: "flat", code: "bad", type: "invalid_request" });
    expect(extractErrorDetails({ detail: "fastapi says", message: "not this" })).toEqual({ message: "fastapi says" });
  });
});

describe("safeHeaders and redaction", () => {
  it("drops credential headers, keeps rate-limit ones, lower-cases names, from Headers or a record", () => {
    const record = { "X-Request-Id": "r1", Authorization: "Bearer x", "x-api-key": "k", "X-ApiKey": "k", api_key: "k", "Set-Cookie": "c", "x-session-id": "s", "x-auth-token": "t", "x-ratelimit-remaining-tokens": "5", "Retry-After": "2", "x-credential": "c", "x-secret": "s", "x-password": "p" };
    const expected = { "x-request-id": "r1", "x-ratelimit-remaining-tokens": "5", "retry-after": "2" };
    expect(safeHeaders(record)).toEqual(expected);
    expect(safeHeaders(new Headers(record))).toEqual(expected);
  });

  it("redactSecrets without secrets leaves ordinary text alone, and removes well-known key shapes", () => {
    expect(redactSecrets("Stryker was here")).toBe("Stryker was here");
    expect(redactSecrets("bad key sk-abcdefghijklmnopqrstu")).toBe("bad key [REDACTED]");
    expect(redactSecrets("my own secret-VALUE-123 leaked", ["secret-VALUE-123"])).not.toContain("secret-VALUE-123");
  });
});

describe("fromResponse", () => {
  it("the message: where, status, upstream name unless numeric or already said, and a default by status", () => {
    expect(build(500, "").message).toBe("svc (m1) returned HTTP 500: the service failed");
    expect(build(499, "").message).toBe("svc (m1) returned HTTP 499: the request was rejected");
    expect(build(400, { error: { message: "nope", code: "429" } }).message).toBe("svc (m1) returned HTTP 400: nope");
    expect(build(400, { error: { message: "nope", code: "429", type: "bad_thing" } }).message).toBe("svc (m1) returned HTTP 400 bad_thing: nope");
    expect(build(400, { error: { message: "nope", code: "err2" } }).message).toBe("svc (m1) returned HTTP 400 err2: nope");
    expect(build(400, { error: { message: "nope", code: "2fast" } }).message).toBe("svc (m1) returned HTTP 400 2fast: nope");
    expect(build(400, { error: { message: "bad_request happened", code: "bad_request" } }).message).toBe("svc (m1) returned HTTP 400: bad_request happened");
    const long = "c".repeat(150);
    expect(build(400, { error: { message: "x", code: long } }).message).toBe(`svc (m1) returned HTTP 400 ${"c".repeat(100)}: x`);
    const late = `${"a ".repeat(2100)}late_code`;
    expect(build(400, { error: { message: late, code: "late_code" } }).message).toContain("HTTP 400 late_code: ");
    const anonymous = fromResponse(503, "", {}, { providerId: "svc" }) as ProviderError;
    expect(anonymous.message).toBe("svc returned HTTP 503: the service failed");
    expect(anonymous.modelId).toBeUndefined();
    expect(fromResponse(400, "Stryker was here", {}, { providerId: "svc" }).message).toBe("svc returned HTTP 400: Stryker was here");
  });

  it("secrets are scrubbed from the message and the body kept", () => {
    const error = fromResponse(400, { error: { message: "bad key my-SECRET-key-0001" } }, {}, { ...context, secrets: ["my-SECRET-key-0001"] }) as ProviderError;
    expect(error.message).not.toContain("my-SECRET-key-0001");
    expect(JSON.stringify(error.body)).not.toContain("my-SECRET-key-0001");
  });

  it("statuses to classes, codes and retry flags", () => {
    const shape = (error: ProviderError) => [error.constructor.name, error.code, error.retryable];
    expect(shape(build(401, ""))).toEqual(["AuthenticationError", "authentication_error", false]);
    expect(shape(build(403, ""))).toEqual(["AuthenticationError", "permission_denied", false]);
    expect(build(401, "")).toBeInstanceOf(AuthenticationError);
    expect(shape(build(402, { error: { message: "Your credit balance is too low" } }))).toEqual(["RateLimitError", "insufficient_quota", false]);
    expect(shape(build(402, { error: { message: "payment required" } }))).toEqual(["ProviderError", "insufficient_quota", false]);
    expect(build(402, { error: { message: "payment required" } })).not.toBeInstanceOf(RateLimitError);
    expect(build(408, "")).toBeInstanceOf(TimeoutError);
    expect(shape(build(404, ""))).toEqual(["ProviderError", "model_not_found", false]);
    expect(shape(build(409, ""))).toEqual(["ProviderError", "conflict", true]);
    expect(shape(build(529, ""))).toEqual(["ProviderError", "overloaded", true]);
    expect(shape(build(500, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }))).toEqual(["ProviderError", "overloaded", true]);
    expect(shape(build(400, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }))).toEqual(["ProviderError", "overloaded", true]);
    expect(shape(build(500, ""))).toEqual(["ProviderError", "server_error", true]);
    expect(shape(build(302, ""))).toEqual(["ProviderError", "unexpected_status", false]);
    expect(shape(build(399, { error: { message: "maximum context length" } }))).toEqual(["ProviderError", "unexpected_status", false]);
  });

  it("429: retryAfter from headers, else RetryInfo, else none; quota 429s wait at least an hour and are not retried", () => {
    const plain = build(429, { error: { message: "slow down" } }) as RateLimitError;
    expect([plain.code, plain.retryable, plain.retryAfter]).toEqual(["rate_limit_exceeded", true, undefined]);
    expect((build(429, { error: { message: "slow" } }, { "retry-after": "3" }) as RateLimitError).retryAfter).toBe(3);
    expect((build(429, { error: { message: "slow", details: [{ "@type": "RetryInfo", retryDelay: "2.5s" }] } }) as RateLimitError).retryAfter).toBe(2.5);
    for (const body of [{ error: { message: "x", code: "insufficient_quota" } }, { error: { message: "x", type: "insufficient_quota" } }, { error: { message: "x", type: "billing_error" } }, { error: { message: "x", details: { error_code: "enforced_spend_limit_reached" } } }, { error: { message: "insufficient credits left" } }]) {
      const quota = build(429, body, { "retry-after": "7200" }) as RateLimitError;
      expect([quota.code, quota.retryable, quota.retryAfter], JSON.stringify(body)).toEqual(["insufficient_quota", false, 7200]);
      expect((build(429, body) as RateLimitError).retryAfter).toBe(QUOTA_COOLDOWN_SECONDS);
      const asBadRequest = build(400, body);
      expect([asBadRequest.constructor.name, asBadRequest.code, asBadRequest.retryable]).toEqual(["ProviderError", "insufficient_quota", false]);
    }
  });

  it("4xx a different model may take: model, context, parameter, Groq's 413; other 4xx are the caller's", () => {
    const code = (status: number, error: Record<string, unknown>) => build(status, { error }).code;
    expect(code(400, { message: "x", code: "model_not_found" })).toBe("model_not_found");
    expect(code(400, { message: "x", code: "MODEL_NOT_SUPPORTED" })).toBe("model_not_supported");
    expect(code(400, { message: "x", code: "Context_Length_Exceeded" })).toBe("context_length_exceeded");
    expect(code(400, { message: "This model's maximum context length is 8192 tokens" })).toBe("context_length_exceeded");
    expect(code(400, { message: "context_length too big" })).toBe("context_length_exceeded");
    expect(code(400, { message: "contextXlength" })).toBe("invalid_request");
    expect(code(400, { message: "input token count (9000) exceeds the maximum" })).toBe("context_length_exceeded");
    expect(code(400, { message: `${"x".repeat(4100)} maximum context length` })).toBe("invalid_request");
    expect(code(400, { message: "x", code: "unsupported_parameter" })).toBe("unsupported_parameter");
    expect(code(400, { message: "x", code: "unsupported_value" })).toBe("unsupported_value");
    expect(code(422, { message: "logprobs is not supported with this model" })).toBe("unsupported_parameter");
    expect(build(400, { error: { message: "this model does not support tools" } }).retryable).toBe(false);
    expect(code(413, { message: "x", code: "rate_limit_exceeded" })).toBe("request_too_large");
    expect(code(413, { message: "Request too large for model llama on tokens per minute (TPM)" })).toBe("request_too_large");
    expect(code(400, { message: "Request too large for model llama on tokens per minute (TPM)" })).toBe("invalid_request");
    expect(code(413, { message: "too big" })).toBe("payload_too_large");
    expect(code(400, { message: "bad", code: "rate_limit_exceeded" })).toBe("invalid_request");
    expect(build(400, { error: { message: "x", code: "model_not_found" } }).retryable).toBe(false);
    expect(build(404, "").retryable).toBe(false);
  });
});

describe("malformedResponse", () => {
  it("names where, keeps a short scrubbed excerpt of text bodies, other bodies as they are", () => {
    const withModel = malformedResponse("svc", "m1", "the body is not JSON", `sk-leak-0123456789abcdef ${"x".repeat(400)}`, undefined, ["sk-leak-0123456789abcdef"]);
    expect([withModel.message, withModel.code, withModel.retryable, withModel.modelId]).toEqual(["svc (m1) sent a malformed response: the body is not JSON", "malformed_response", true, "m1"]);
    expect(String(withModel.body)).not.toContain("sk-leak");
    expect(String(withModel.body).length).toBeLessThanOrEqual(201);
    const bare = malformedResponse("svc", undefined, "r", { choices: "no" });
    expect(bare.message).toBe("svc sent a malformed response: r");
    expect(bare.body).toEqual({ choices: "no" });
    expect(bare.modelId).toBeUndefined();
    expect(malformedResponse("svc", undefined, "r", "Stryker was here").body).toBe("Stryker was here");
  });
});
