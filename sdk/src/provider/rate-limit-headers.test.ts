import { describe, expect, it } from "vitest";
import { parseCohereRateLimitHeaders, parseMistralRateLimitHeaders, parseOpenAIRateLimitHeaders } from "./rate-limit-headers.js";

const NOW = 1_700_000_000_000;

describe("parseOpenAIRateLimitHeaders", () => {
  it("keeps only the fields a header gave, so a missing quota is not mistaken for an empty one", () => {
    expect(parseOpenAIRateLimitHeaders({ "x-ratelimit-remaining-tokens": "10" }, NOW)).toStrictEqual({ remainingTokens: 10 });
    expect(parseOpenAIRateLimitHeaders(new Headers({ "X-RateLimit-Limit-Tokens": "90000", "x-ratelimit-reset-tokens": "2s" }), NOW)).toStrictEqual({
      limitTokens: 90_000,
      resetTokensAt: NOW + 2_000,
    });
  });

  it("reads a zero count (an exhausted quota) and skips negative or non-numeric ones for the next header name", () => {
    expect(parseOpenAIRateLimitHeaders({ "x-ratelimit-remaining-requests": "0" }, NOW)).toStrictEqual({ remainingRequests: 0 });
    expect(parseOpenAIRateLimitHeaders({ "x-ratelimit-limit-requests": "lots", "x-ratelimit-limit": "20" }, NOW)).toStrictEqual({ limitRequests: 20 });
    expect(parseOpenAIRateLimitHeaders({ "x-ratelimit-remaining-requests": "-3", "x-ratelimit-remaining": "7" }, NOW)).toStrictEqual({ remainingRequests: 7 });
    // An empty header says nothing; Number("") would read it as 0 left.
    expect(parseOpenAIRateLimitHeaders({ "x-ratelimit-remaining-requests": "", "x-ratelimit-remaining": " " }, NOW)).toBeUndefined();
  });

  it("prefers the per-kind header over the generic one and falls back when a reset cannot be read", () => {
    expect(parseOpenAIRateLimitHeaders({ "x-ratelimit-limit-requests": "500", "x-ratelimit-limit": "20" }, NOW)).toStrictEqual({ limitRequests: 500 });
    expect(parseOpenAIRateLimitHeaders({ "x-ratelimit-reset-requests": "1s", "x-ratelimit-reset": "9s" }, NOW)).toStrictEqual({ resetRequestsAt: NOW + 1_000 });
    expect(parseOpenAIRateLimitHeaders({ "x-ratelimit-reset-requests": "soon", "x-ratelimit-reset": "9s" }, NOW)).toStrictEqual({ resetRequestsAt: NOW + 9_000 });
  });
});

describe("Together's headers", () => {
  it("x-ratelimit-* (per second) for requests and x-tokenlimit-* for tokens, both restored at x-ratelimit-reset", () => {
    expect(parseOpenAIRateLimitHeaders({ "x-ratelimit-limit": "10", "x-ratelimit-remaining": "9", "x-ratelimit-reset": "1", "x-tokenlimit-limit": "200000", "x-tokenlimit-remaining": "199950" }, NOW)).toStrictEqual({
      limitRequests: 10,
      remainingRequests: 9,
      resetRequestsAt: NOW + 1_000,
      limitTokens: 200_000,
      remainingTokens: 199_950,
      resetTokensAt: NOW + 1_000,
    });
  });
});

describe("parseMistralRateLimitHeaders", () => {
  it("reads today's per-minute request and token quotas, restored a minute after the answer (Mistral sends no reset)", () => {
    const headers = new Headers({
      "x-ratelimit-limit-tokens-minute": "5000000",
      "x-ratelimit-remaining-tokens-minute": "4999911",
      "x-ratelimit-tokens-query-cost": "52",
      "x-ratelimit-limit-req-minute": "720",
      "x-ratelimit-remaining-req-minute": "717",
    });
    expect(parseMistralRateLimitHeaders(headers, NOW)).toStrictEqual({
      limitRequests: 720,
      remainingRequests: 717,
      resetRequestsAt: NOW + 60_000,
      limitTokens: 5_000_000,
      remainingTokens: 4_999_911,
      resetTokensAt: NOW + 60_000,
    });
  });

  it("reads the older ratelimitbysize-* names with their reset in seconds, and the x-ratelimitbysize-*-minute ones", () => {
    expect(parseMistralRateLimitHeaders({ "ratelimitbysize-limit": "500000", "ratelimitbysize-remaining": "0", "ratelimitbysize-reset": "12", "ratelimitbysize-query-cost": "40" }, NOW)).toStrictEqual({
      limitTokens: 500_000,
      remainingTokens: 0,
      resetTokensAt: NOW + 12_000,
    });
    expect(parseMistralRateLimitHeaders({ "x-ratelimitbysize-limit-minute": "2000", "x-ratelimitbysize-remaining-minute": "10" }, NOW)).toStrictEqual({ limitTokens: 2_000, remainingTokens: 10, resetTokensAt: NOW + 60_000 });
  });

  it("falls back to the x-ratelimit-* family, and monthly quotas alone say nothing", () => {
    expect(parseMistralRateLimitHeaders({ "x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "2s" }, NOW)).toStrictEqual({ remainingRequests: 3, resetRequestsAt: NOW + 2_000 });
    expect(parseMistralRateLimitHeaders({ "x-ratelimitbysize-limit-month": "1000000", "x-ratelimitbysize-remaining-month": "5" }, NOW)).toBeUndefined();
  });
});

describe("parseCohereRateLimitHeaders", () => {
  it("reads a trial key's per-minute call quota; the monthly limit without a remaining count is not a quota to track", () => {
    const headers = new Headers({ "x-endpoint-monthly-call-limit": "1000", "x-trial-endpoint-call-limit": "40", "x-trial-endpoint-call-remaining": "39" });
    expect(parseCohereRateLimitHeaders(headers, NOW)).toStrictEqual({ limitRequests: 40, remainingRequests: 39, resetRequestsAt: NOW + 60_000 });
    expect(parseCohereRateLimitHeaders({ "x-endpoint-monthly-call-limit": "1000" }, NOW)).toBeUndefined();
    expect(parseCohereRateLimitHeaders({ "x-trial-endpoint-call-remaining": "" }, NOW)).toBeUndefined();
  });
});
