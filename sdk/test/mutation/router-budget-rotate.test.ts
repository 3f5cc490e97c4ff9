/**
 * The router's budget refusals under `on_budget_exceeded: rotate` (core/router.ts reserve/exhausted), observed from
 * outside: which model each request reached, and which error the caller got when no candidate was left.
 */
import { describe, expect, it } from "vitest";
import { AllProvidersExhaustedError, BudgetExceededError, ProviderError } from "../../src/wire/errors.js";
import { CHAT, hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const serverError = (providerId: string) => new ProviderError("upstream exploded", { providerId, status: 500 }, { code: "server_error", retryable: true });
/** $1000 per million output tokens: max_tokens 100 holds $0.1, max_tokens 2 holds $0.002. */
const priced = (id: string) => ({ id, capabilities: [CHAT], pricing: { input: 0, output: 1_000 } });

describe("a budget refusal under rotate", () => {
  it("releases the recovery probe it took: the half-open model is probed by the next request the budget allows", async () => {
    const clock = testClock(1_700_000_000_000);
    const a = new ScriptedProvider("a", [priced("alpha")], [{ error: serverError("a") }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model } = scriptedMesh(
      [a, b],
      clock,
      { strategy: "priority", retry: { max_retries: 0 }, on_budget_exceeded: "rotate", deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 1_000 } },
      { providers: { a: { instance: a, budget: { per_request_limit: 0.01 } }, b: { instance: b } } },
    );
    // alpha fails once and cools down; beta answers.
    expect((await mesh.chat.completions.create({ model: "chat", messages: hello, max_tokens: 2 })).model).toBe("beta");
    expect(model("alpha").status).toBe("cooldown");
    clock.advance(1_001);
    // alpha is half-open and preferred, but this request's worst case is over alpha's per-request limit.
    expect((await mesh.chat.completions.create({ model: "chat", messages: hello, max_tokens: 100 })).model).toBe("beta");
    expect(a.received).toHaveLength(1);
    // The refused pick sent no probe, so the next request the budget allows probes alpha (and it recovers).
    expect((await mesh.chat.completions.create({ model: "chat", messages: hello, max_tokens: 2 })).model).toBe("alpha");
    expect(a.received).toHaveLength(2);
    expect(model("alpha").status).toBe("active");
    await mesh.close();
  });

  it("a candidate refused by a budget and another that failed upstream: the caller gets the exhaustion, not the budget error", async () => {
    const clock = testClock(1_700_000_000_000);
    const a = new ScriptedProvider("a", [priced("alpha")], [], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ error: serverError("b") }], clock);
    const { mesh } = scriptedMesh(
      [a, b],
      clock,
      { strategy: "priority", retry: { max_retries: 0 }, on_budget_exceeded: "rotate" },
      { providers: { a: { instance: a, budget: { per_request_limit: 0.01 } }, b: { instance: b } } },
    );
    const error = await mesh.chat.completions.create({ model: "chat", messages: hello, max_tokens: 100 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AllProvidersExhaustedError);
    const attempts = (error as AllProvidersExhaustedError).errors;
    expect(attempts.map((attempt) => attempt.constructor)).toEqual([BudgetExceededError, ProviderError]);
    expect([a.received.length, b.received.length]).toEqual([0, 1]);
    await mesh.close();
  });
});
