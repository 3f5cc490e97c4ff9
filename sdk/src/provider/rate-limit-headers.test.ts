import { describe, expect, it } from "vitest";
import { parseOpenAIRateLimitHeaders } from "./rate-limit-headers.js";

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
