import { describe, expect, it } from "vitest";
import {
  AllProvidersExhaustedError,
  AuthenticationError,
  BudgetExceededError,
  ConfigError,
  ConnectionError,
  InvalidRequestError,
  NoCapableModelError,
  ProviderError,
  RateLimitError,
  TimeoutError,
} from "modelmesh";
import { errorReplyFor } from "../src/errors.js";

const same = (text: string) => text;
const known = (name: string) => name === "chat";
const attempt = (error: InstanceType<typeof ProviderError>) => ({ provider: "a", model: "alpha", error });
const fields = { providerId: "a", modelId: "alpha" };

describe("status codes for every error", () => {
  it.each([
    ["invalid request", new InvalidRequestError("messages must be a non-empty array", "messages"), 400, "invalid_request_error", "messages"],
    ["unknown model", new NoCapableModelError("gpt-9", "not known"), 404, "invalid_request_error", null],
    ["known pool no model can serve", new NoCapableModelError("chat", "no model supports tools"), 400, "invalid_request_error", "model"],
    ["every model cooling down", new NoCapableModelError("chat", "all cooling", { retryable: true }), 503, "server_error", null],
    ["budget", new BudgetExceededError({ limitType: "daily", limitValue: 5, scope: "openai" }), 402, "insufficient_quota", null],
    ["rate limit", new RateLimitError("slow down", { ...fields, status: 429, retryAfter: 2.2 }), 429, "requests", null],
    ["timeout", new TimeoutError("too slow", { ...fields, timeoutMs: 100 }), 504, "server_error", null],
    ["upstream key rejected", new AuthenticationError("bad key", { ...fields, status: 401 }), 502, "server_error", null],
    ["upstream refused the request", new ProviderError("context too long", { ...fields, status: 400, body: { error: { param: "messages" } } }), 400, "invalid_request_error", "messages"],
    ["upstream 500 surfaced", new ProviderError("boom", { ...fields, status: 500 }), 502, "server_error", null],
    ["configuration", new ConfigError("pools.chat", "bad"), 500, "server_error", null],
    ["a bug", new TypeError("undefined is not a function"), 500, "server_error", null],
  ])("%s", (_name, error, status, type, param) => {
    const reply = errorReplyFor(error, same, known);
    expect(reply).toMatchObject({ status, type, param });
    expect(typeof reply.message).toBe("string");
  });

  it("hides a bug's message", () => expect(errorReplyFor(new TypeError("secret internals"), same, known).message).not.toContain("secret"));

  it("answers an exhausted pool by what the attempts saw", () => {
    const limited = new AllProvidersExhaustedError("chat", [attempt(new RateLimitError("a", { ...fields, retryAfter: 9 })), attempt(new RateLimitError("b", { ...fields, retryAfter: 4 }))]);
    expect(errorReplyFor(limited, same, known)).toMatchObject({ status: 429, headers: { "retry-after": "4" } });
    const unknownWait = new AllProvidersExhaustedError("chat", [attempt(new RateLimitError("a", fields))]);
    expect(errorReplyFor(unknownWait, same, known).headers).toEqual({ "retry-after": "1" });
    const answered = new AllProvidersExhaustedError("chat", [attempt(new ProviderError("500", { ...fields, status: 500 })), attempt(new ConnectionError("reset", fields))]);
    expect(errorReplyFor(answered, same, known).status).toBe(502);
    const unreachable = new AllProvidersExhaustedError("chat", [attempt(new ConnectionError("refused", fields))]);
    expect(errorReplyFor(unreachable, same, known).status).toBe(503);
    const slow = new AllProvidersExhaustedError("chat", [attempt(new TimeoutError("slow", fields))]);
    expect(errorReplyFor(slow, same, known).status).toBe(504);
    const budget = new AllProvidersExhaustedError("chat", [{ provider: "a", model: "alpha", error: new BudgetExceededError({ limitType: "daily", limitValue: 1, scope: "a" }) }]);
    expect(errorReplyFor(budget, same, known).status).toBe(402);
  });
});
