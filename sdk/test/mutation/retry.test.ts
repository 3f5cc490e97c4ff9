/**
 * Edges of core/retry.ts that the mutation run showed unpinned: each test names the rule it holds.
 */
import { describe, expect, it } from "vitest";
import { ModelMeshError, ProviderError, RateLimitError } from "../../src/wire/errors.js";
import { countsAgainstModel, DEFAULT_BACKOFF, DEFAULT_MAX_RETRY_AFTER_MS, failureAction, isContentRejection, retryDelay } from "../../src/core/retry.js";

const fields = { providerId: "openai", modelId: "gpt-4o" };
const fixed = { baseDelayMs: 500, maxDelayMs: 8_000, jitter: "none" as const };
const refused = (status: number, body: unknown, code = "invalid_request") => new ProviderError("refused", { ...fields, status, body }, { code });

describe("the documented defaults", () => {
  it("backoff is 0.5 s doubling to 8 s with full jitter, and the longest wait sat through is a minute", () => {
    // The documented default curve: attempt 4 reaches the ceiling, full jitter scales it by the random draw.
    expect(DEFAULT_BACKOFF).toEqual({ baseDelayMs: 500, maxDelayMs: 8_000, jitter: "full" });
    expect(retryDelay(0, DEFAULT_BACKOFF, () => 0.5)).toBe(250);
    expect(retryDelay(10, DEFAULT_BACKOFF, () => 0.5)).toBe(4_000);
    expect(DEFAULT_MAX_RETRY_AFTER_MS).toBe(60_000);
  });
});

describe("retryDelay edges", () => {
  it("a wait of exactly the cap is still waited out", () => {
    expect(retryDelay(0, fixed, () => 0.5, 60_000)).toBe(60_000);
    expect(retryDelay(0, fixed, () => 0.5, 5_000, 5_000)).toBe(5_000);
    expect(retryDelay(0, fixed, () => 0.5, 5_001, 5_000)).toBeUndefined();
  });

  it("a server wait that is not a finite number is ignored: backoff decides", () => {
    expect(retryDelay(0, fixed, () => 0.5, Number.NaN)).toBe(500);
    expect(retryDelay(1, fixed, () => 0.5, Number.POSITIVE_INFINITY)).toBe(1_000);
  });

  it("a negative server wait means now", () => {
    expect(retryDelay(3, fixed, () => 0.5, -250)).toBe(0);
  });
});

describe("failureAction edges", () => {
  it("each failover code moves the request on, even without a status that would", () => {
    for (const code of ["model_not_found", "model_not_supported", "context_length_exceeded", "unsupported_parameter", "unsupported_value", "insufficient_quota", "request_too_large"]) {
      // No status and not retryable: only the code can make this a failover.
      expect(failureAction(new ProviderError("no", fields, { code })), code).toBe("failover");
    }
    expect(failureAction(new ProviderError("no", fields, { code: "something_else" }))).toBe("fatal");
  });

  it("a ModelMesh error named AuthenticationError (a connector's own class) takes the key out", () => {
    const named = Object.assign(new ModelMeshError("key rejected", { code: "invalid_api_key" }), { name: "AuthenticationError" });
    expect(failureAction(named)).toBe("disable-key");
    const namedForbidden = Object.assign(new ModelMeshError("no access to this model", { code: "permission_denied" }), { name: "AuthenticationError" });
    expect(failureAction(namedForbidden)).toBe("failover");
  });

  it("errors that are not ModelMesh errors are fatal whatever they claim", () => {
    expect(failureAction(Object.assign(new Error("flaky"), { retryable: true }))).toBe("fatal");
    expect(failureAction(Object.assign(new Error("bad key"), { name: "AuthenticationError", code: "invalid_api_key" }))).toBe("fatal");
    expect(failureAction({ name: "AuthenticationError", code: "invalid_api_key", message: "x" })).toBe("fatal");
    expect(failureAction(Object.assign(new Error("gone"), { code: "model_not_found" }))).toBe("fatal");
  });
});

describe("countsAgainstModel edges", () => {
  it("request-specific codes never blame the model, whatever the action", () => {
    for (const code of ["context_length_exceeded", "unsupported_parameter", "unsupported_value", "request_too_large"]) {
      expect(countsAgainstModel(new ProviderError("no", fields, { code }), "failover"), code).toBe(false);
      expect(countsAgainstModel(new ProviderError("no", fields, { code }), "retry"), code).toBe(false);
    }
    expect(countsAgainstModel(new ProviderError("no", fields, { code: "model_not_supported" }), "failover")).toBe(true);
    expect(countsAgainstModel(new RateLimitError("slow", fields), "retry")).toBe(true);
  });
});

describe("isContentRejection edges", () => {
  it("content codes count only from their start (a code that merely contains the word is not one)", () => {
    expect(isContentRejection(refused(400, { error: { code: "invalid_safety_settings", message: "Invalid value for safety_settings" } }))).toBe(false);
    expect(isContentRejection(refused(400, { error: { code: "not_flagged_enough", message: "x" } }))).toBe(false);
    expect(isContentRejection(refused(400, { error: { code: "SAFETY", message: "x" } }))).toBe(true);
  });

  it("reads the wording when no code says so", () => {
    expect(isContentRejection(refused(400, { error: { code: "x", message: "This request violates our content policy." } }))).toBe(true);
    expect(isContentRejection(refused(400, { error: { code: "x", message: "Blocked by the content management policy." } }))).toBe(true);
    expect(isContentRejection(refused(400, { error: { code: "x", message: "The prompt was blocked by the content filter" } }))).toBe(true);
    expect(isContentRejection(refused(400, { error: { code: "x", message: "Blocked by ResponsibleAI rules" } }))).toBe(true);
    expect(isContentRejection(refused(400, { error: { code: "x", message: "Blocked by Responsible AI rules" } }))).toBe(true);
    expect(isContentRejection(refused(400, { error: { code: "x", message: "content was fine, the filter was not" } }))).toBe(false);
  });

  it("falls back to the error's own message when the body has none, or no body at all", () => {
    expect(isContentRejection(new ProviderError("Your input was flagged", fields))).toBe(true);
    expect(isContentRejection(new ProviderError("Bad gateway", fields))).toBe(false);
    expect(isContentRejection(new ProviderError("The response was filtered by the content filter", { ...fields, status: 400, body: { error: { code: "x" } } }))).toBe(true);
    expect(isContentRejection(new ProviderError("Plain failure", { ...fields, status: 400, body: { error: { code: "x", message: 42 } } }))).toBe(false);
    expect(isContentRejection(new ProviderError("upstream said: moderation", { ...fields, status: 400, body: "moderation blocked this" }))).toBe(true);
  });

  it("null where an object may stand is read as nothing", () => {
    expect(isContentRejection(refused(400, { error: { code: "x", innererror: null, message: "Blocked by the safety system" } }))).toBe(true);
    expect(isContentRejection(refused(400, { error: null, code: "flagged" }))).toBe(true);
    expect(isContentRejection(new ProviderError("the content filter refused it", { ...fields, status: 400, body: null }))).toBe(true);
  });

  it("only string codes are codes", () => {
    expect(isContentRejection(refused(400, { error: { code: ["content_filter"], message: "x" } }))).toBe(false);
    expect(isContentRejection(refused(400, { error: { type: ["flagged"], message: "x" } }))).toBe(false);
  });

  it("only provider errors can be content rejections", () => {
    expect(isContentRejection(new Error("blocked by the content filter"))).toBe(false);
    expect(isContentRejection("content filter")).toBe(false);
  });
});
