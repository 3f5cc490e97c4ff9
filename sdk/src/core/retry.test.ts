import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  BudgetExceededError,
  ConnectionError,
  ModelMeshError,
  ProviderError,
  RateLimitError,
  TimeoutError,
} from "../wire/errors.js";
import { backoffDelay, countsAgainstModel, DEFAULT_BACKOFF, failureAction, isContentRejection, parseDuration, parseRetryAfter, resetTime, retryDelay } from "./retry.js";
import { sleep } from "../internal/sleep.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const fields = { providerId: "openai", modelId: "gpt-4o" };

describe("parseDuration", () => {
  it.each([
    ["6m0s", 360_000],
    ["1.5s", 1_500],
    ["20ms", 20],
    ["1h2m3.5s", 3_723_500],
    ["34.4s", 34_400],
    ["7.66s", 7_660],
    ["2m59.56s", 179_560],
    ["0s", 0],
    ["30", 30_000],
    ["500us", 0.5],
  ])("%s is %d ms", (text, expected) => {
    expect(parseDuration(text)).toBeCloseTo(expected, 6);
  });

  it.each(["", "soon", "5 minutes", "1x", "s", "-1s", "1.s", ".5s", "1s5", "5mss", "1.2.3s", "2 s"])("%j is not a duration", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  // The grammar, written as the regular expressions it is (the reader is hand-written for speed): any text of
  // duration-like pieces reads the same through both.
  it("reads any text as the grammar's regular expressions do", () => {
    const UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 };
    const reference = (text: string): number | undefined => {
      const trimmed = text.trim();
      if (trimmed === "") return undefined;
      if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1_000;
      if (!/^(\d+(\.\d+)?(ms|us|µs|ns|h|m|s))+$/.test(trimmed)) return undefined;
      let total = 0;
      for (const [, number, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)) total += Number(number) * UNITS[unit!]!;
      return Number.isFinite(total) ? total : undefined;
    };
    const piece = fc.constantFrom("0", "1", "12", "3.5", "0.25", ".", "h", "m", "s", "ms", "us", "µs", "ns", " ", "x", "-", "1e3");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const text = pieces.join("");
        const expected = reference(text);
        const read = parseDuration(text);
        if (expected === undefined) expect(read).toBeUndefined();
        else expect(read).toBeCloseTo(expected, 9);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("parseRetryAfter", () => {
  it("reads retry-after in seconds", () => {
    expect(parseRetryAfter({ "retry-after": "2" }, NOW)).toBe(2_000);
  });

  it("reads retry-after as an HTTP date", () => {
    expect(parseRetryAfter({ "Retry-After": "Sun, 01 Mar 2026 12:00:30 GMT" }, NOW)).toBe(30_000);
  });

  it("a date already past means now", () => {
    expect(parseRetryAfter({ "retry-after": "Sun, 01 Mar 2026 11:00:00 GMT" }, NOW)).toBe(0);
  });

  it("retry-after-ms wins over retry-after", () => {
    expect(parseRetryAfter({ "retry-after-ms": "250", "retry-after": "3" }, NOW)).toBe(250);
  });

  it("retry-after wins over the reset headers", () => {
    expect(parseRetryAfter({ "retry-after": "4", "x-ratelimit-reset-requests": "20ms", "x-ratelimit-reset-tokens": "6m0s" }, NOW)).toBe(4_000);
  });

  it("without retry-after takes the smallest positive reset", () => {
    const headers = new Headers({ "x-ratelimit-reset-requests": "6m0s", "x-ratelimit-reset-tokens": "1.5s" });
    expect(parseRetryAfter(headers, NOW)).toBe(1_500);
  });

  it("an exhausted quota decides over one that is not", () => {
    const headers = {
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "6m0s",
      "x-ratelimit-remaining-tokens": "4000",
      "x-ratelimit-reset-tokens": "20ms",
    };
    expect(parseRetryAfter(headers, NOW)).toBe(360_000);
  });

  it("reads Anthropic's RFC 3339 reset times", () => {
    const headers = {
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": "2026-03-01T12:00:07Z",
      "anthropic-ratelimit-tokens-reset": "2026-03-01T12:00:02Z",
    };
    expect(parseRetryAfter(headers, NOW)).toBe(7_000);
  });

  it("reads OpenRouter's epoch-ms x-ratelimit-reset", () => {
    expect(parseRetryAfter({ "x-ratelimit-reset": String(NOW + 12_000), "x-ratelimit-remaining": "0" }, NOW)).toBe(12_000);
  });

  it("ignores zero and past resets, and unknown text", () => {
    expect(parseRetryAfter({ "x-ratelimit-reset-requests": "0s", "x-ratelimit-reset-tokens": "whenever" }, NOW)).toBeUndefined();
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "later" }, NOW)).toBeUndefined();
  });
});

describe("resetTime", () => {
  it("turns every reset notation into epoch ms", () => {
    expect(resetTime("1.5s", NOW)).toBe(NOW + 1_500);
    expect(resetTime("2026-03-01T12:01:00Z", NOW)).toBe(NOW + 60_000);
    expect(resetTime(String(Math.floor(NOW / 1000) + 5), NOW)).toBe(NOW + 5_000);
    expect(resetTime("nope", NOW)).toBeUndefined();
  });

  it("reads a plain number as seconds, epoch seconds or epoch ms, and nothing else as a number", () => {
    expect(resetTime("30", NOW)).toBe(NOW + 30_000);
    expect(resetTime(" 1.5 ", NOW)).toBe(NOW + 1_500);
    expect(resetTime(String(NOW + 7_000), NOW)).toBe(NOW + 7_000);
    // Epoch seconds with a fraction are still a number, not a duration of 1.7e9 s.
    expect(resetTime(`${Math.floor(NOW / 1000) + 5}.5`, NOW)).toBe(NOW + 5_500);
    // Not plain numbers (what they are instead is the duration's or the date's parser's to say).
    expect(resetTime("1.", NOW)).not.toBe(NOW + 1_000);
    expect(resetTime("1.5.2", NOW)).not.toBe(NOW + 1_500);
    expect(resetTime(".5", NOW)).not.toBe(NOW + 500);
    expect(resetTime("1x5", NOW)).toBeUndefined();
    expect(resetTime("2s", NOW)).toBe(NOW + 2_000);
  });
});

describe("backoffDelay", () => {
  const options = { baseDelayMs: 500, maxDelayMs: 8_000, jitter: "none" as const };

  it("doubles from the base (attempt 0 = before the first retry) and stops at the ceiling", () => {
    expect([0, 1, 2, 3, 4, 5, 50].map((attempt) => backoffDelay(attempt, options, () => 0.5))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it("full jitter spreads over [0, d]", () => {
    expect(backoffDelay(2, { ...options, jitter: "full" }, () => 0)).toBe(0);
    expect(backoffDelay(2, { ...options, jitter: "full" }, () => 0.5)).toBe(1_000);
  });

  it("equal jitter keeps at least half", () => {
    expect(backoffDelay(2, { ...options, jitter: "equal" }, () => 0)).toBe(1_000);
    expect(backoffDelay(2, { ...options, jitter: "equal" }, () => 0.999)).toBeCloseTo(1_999, 0);
  });

  it("treats a negative attempt like the first retry", () => {
    expect(backoffDelay(-1, options, () => 0.5)).toBe(500);
  });
});

describe("retryDelay", () => {
  it("uses the server's wait when it is under the cap", () => {
    expect(retryDelay(1, DEFAULT_BACKOFF, () => 0.5, 3_000, 10_000)).toBe(3_000);
  });

  it("returns undefined (fail over) when the server asks for longer than the cap", () => {
    expect(retryDelay(1, DEFAULT_BACKOFF, () => 0.5, 120_000, 60_000)).toBeUndefined();
    expect(retryDelay(1, DEFAULT_BACKOFF, () => 0.5, 61_000)).toBeUndefined();
  });

  it("falls back to backoff when the server says nothing", () => {
    expect(retryDelay(1, { baseDelayMs: 100, maxDelayMs: 1_000, jitter: "none" }, () => 0.5)).toBe(200);
  });
});

describe("failureAction", () => {
  it.each([
    ["AuthenticationError", "disable-key", new AuthenticationError("bad key", fields)],
    ["403 region", "failover", new AuthenticationError("region", { ...fields, status: 403, body: { error: { message: "Country, region, or territory not supported", type: "request_forbidden", code: "unsupported_country_region_territory" } } }, { code: "permission_denied" })],
    ["403 content filter", "fatal", new AuthenticationError("filtered", { ...fields, status: 403, body: { error: { message: "filtered", code: "content_filter" } } }, { code: "permission_denied" })],
    ["RateLimitError", "retry", new RateLimitError("slow down", { ...fields, retryAfter: 2 })],
    ["quota RateLimitError", "failover", new RateLimitError("pay up", fields, { code: "insufficient_quota", retryable: false })],
    ["TimeoutError", "retry", new TimeoutError("slow", fields)],
    ["ConnectionError", "retry", new ConnectionError("reset", fields)],
    ["500", "retry", new ProviderError("boom", { ...fields, status: 500 }, { code: "server_error", retryable: true })],
    ["529", "retry", new ProviderError("overloaded", { ...fields, status: 529 }, { code: "overloaded", retryable: true })],
    ["malformed", "retry", new ProviderError("bad body", fields, { code: "malformed_response", retryable: true })],
    ["404", "failover", new ProviderError("missing", { ...fields, status: 404 }, { code: "model_not_found" })],
    ["404 without a code", "failover", new ProviderError("missing", { ...fields, status: 404 })],
    ["context length", "failover", new ProviderError("too long", { ...fields, status: 400 }, { code: "context_length_exceeded" })],
    ["unsupported parameter", "failover", new ProviderError("no temperature", { ...fields, status: 400 }, { code: "unsupported_parameter" })],
    ["400", "fatal", new ProviderError("bad", { ...fields, status: 400 }, { code: "invalid_request" })],
    ["422", "fatal", new ProviderError("bad", { ...fields, status: 422 }, { code: "invalid_request" })],
    ["413", "fatal", new ProviderError("big", { ...fields, status: 413 }, { code: "payload_too_large" })],
    ["budget", "fatal", new BudgetExceededError({ limitType: "daily", limitValue: 1, scope: "mesh" })],
    ["plain Error", "fatal", new Error("bug")],
    ["abort", "fatal", new DOMException("aborted", "AbortError")],
    ["a string", "fatal", "nope"],
  ])("%s → %s", (_, action, error) => {
    expect(failureAction(error)).toBe(action);
  });

  it("works on errors revived from JSON (the extension's message port)", () => {
    const revived = ModelMeshError.fromJSON(new AuthenticationError("bad key", fields).toJSON());
    expect(failureAction(revived)).toBe("disable-key");
    const quota = ModelMeshError.fromJSON(new RateLimitError("pay", fields, { code: "insufficient_quota", retryable: false }).toJSON());
    expect(failureAction(quota)).toBe("failover");
  });
});

describe("what blames a model", () => {
  const withBody = (status: number, body: unknown, code = "invalid_request") => new ProviderError("refused", { ...fields, status, body }, { code });
  it.each([
    ["Azure content_filter code", withBody(400, { error: { code: "content_filter", message: "The response was filtered" } }), true],
    ["Azure innererror", withBody(400, { error: { code: "invalid_request_error", message: "x", innererror: { code: "ResponsibleAIPolicyViolation" } } }), true],
    ["OpenAI images policy", withBody(400, { error: { code: "content_policy_violation", message: "Your request was rejected as a result of our safety system." } }), true],
    ["moderation wording", withBody(403, { error: { message: "Your input was flagged by moderation" } }), true],
    ["region 403", withBody(403, { error: { message: "Country, region, or territory not supported", code: "unsupported_country_region_territory" } }), false],
    ["plain 400", withBody(400, { error: { message: "Invalid 'messages[0].content'", code: "string_above_max_length" } }), false],
  ])("isContentRejection: %s → %s", (_, error, expected) => {
    expect(isContentRejection(error)).toBe(expected);
  });

  it.each([
    ["server error", new ProviderError("boom", { ...fields, status: 500 }, { code: "server_error", retryable: true }), true],
    ["model not found", new ProviderError("missing", { ...fields, status: 404 }, { code: "model_not_found" }), true],
    ["context length", new ProviderError("too long", { ...fields, status: 400 }, { code: "context_length_exceeded" }), false],
    ["unsupported parameter", new ProviderError("no", { ...fields, status: 400 }, { code: "unsupported_parameter" }), false],
    ["plain 400", new ProviderError("bad", { ...fields, status: 400 }, { code: "invalid_request" }), false],
  ])("countsAgainstModel: %s → %s", (_, error, expected) => {
    expect(countsAgainstModel(error)).toBe(expected);
  });
});

describe("sleep", () => {
  it("waits, and rejects with the signal's reason on abort", async () => {
    const started = Date.now();
    await sleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const waiting = sleep(10_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    await expect(sleep(10, AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
  });
});
