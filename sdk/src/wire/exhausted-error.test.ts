import { describe, expect, it } from "vitest";
import { AllProvidersExhaustedError, ProviderError, RateLimitError, TimeoutError, exhaustedError, type Attempt } from "./errors.js";

const timeout = (provider: string, model: string, timeoutMs?: number): Attempt => ({ provider, model, error: new TimeoutError(`${provider} timed out`, { providerId: provider, modelId: model, ...(timeoutMs === undefined ? {} : { timeoutMs }) }) });
const limited = (provider: string, model: string, retryAfter?: number): Attempt => ({ provider, model, error: new RateLimitError(`${provider} 429`, { providerId: provider, modelId: model, ...(retryAfter === undefined ? {} : { retryAfter }) }) });

describe("exhaustedError", () => {
  it("sums up attempts that all timed out as one TimeoutError: the last attempt's provider, model and limit", () => {
    const attempts = [timeout("a", "alpha", 100), timeout("a", "alpha", 100), timeout("b", "beta", 250)];
    const error = exhaustedError("chat", attempts) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe('every model for "chat" timed out (3 attempt(s): a/alpha, b/beta); the last had 250 ms');
    expect([error.providerId, error.modelId, error.timeoutMs]).toEqual(["b", "beta", 250]);
    expect(error.attempts).toBe(3);
    expect(error.failures).toBe(attempts);
    expect(error.cause).toBe(attempts[2]!.error);
    expect(error.lastError).toBe(attempts[2]!.error);
    expect(error.toJSON()).toMatchObject({ name: "TimeoutError", attempts: 3, timeoutMs: 250 });
  });

  it("says no limit when the timed-out attempts named none", () => {
    expect(exhaustedError("chat", [timeout("a", "alpha")]).message).toBe('every model for "chat" timed out (1 attempt(s): a/alpha)');
  });

  it("sums up rate-limited attempts as one RateLimitError with the shortest wait and the model that named it", () => {
    const attempts = [limited("a", "alpha", 30), limited("b", "beta", 5), limited("c", "gamma")];
    const error = exhaustedError("chat", attempts) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.message).toBe('every model for "chat" is rate limited (3 attempt(s): a/alpha, b/beta, c/gamma); the soonest accepts requests again in 5s');
    expect([error.providerId, error.modelId, error.retryAfter]).toEqual(["b", "beta", 5]);
    expect(error.cause).toBe(attempts[2]!.error);
    const unnamed = exhaustedError("chat", [limited("a", "alpha"), limited("c", "gamma")]) as RateLimitError;
    expect(unnamed.message).toBe('every model for "chat" is rate limited (2 attempt(s): a/alpha, c/gamma)');
    expect([unnamed.providerId, unnamed.retryAfter]).toEqual(["a", undefined]);
  });

  it("is AllProvidersExhaustedError for mixed failures or none", () => {
    const mixed = [timeout("a", "alpha", 100), { provider: "b", model: "beta", error: new ProviderError("boom", { providerId: "b", status: 500 }) }];
    expect(exhaustedError("chat", mixed)).toBeInstanceOf(AllProvidersExhaustedError);
    expect(exhaustedError("chat", [timeout("a", "alpha"), limited("b", "beta", 1)])).toBeInstanceOf(AllProvidersExhaustedError);
    expect(exhaustedError("chat", [])).toBeInstanceOf(AllProvidersExhaustedError);
  });

  it("a single error's own summary fields are empty, and only a summary's JSON carries attempts for a timeout", () => {
    const single = new TimeoutError("slow", { providerId: "a", timeoutMs: 10 });
    expect([single.attempts, single.errors, single.lastError]).toEqual([1, [], undefined]);
    expect(single.toJSON()).not.toHaveProperty("attempts");
    expect(new RateLimitError("429", { providerId: "a" }).toJSON()).toMatchObject({ attempts: 1 });
  });
});
