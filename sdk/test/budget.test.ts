import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { create } from "../src/index.js";
import { AllProvidersExhaustedError, BudgetExceededError } from "../src/wire/errors.js";
import { InvalidRequestError } from "../src/wire/error-base.js";
import type { MeshEvent } from "../src/wire/events.js";
import { CallbackObservability } from "../src/observability/callback.js";
import { MemoryStorage } from "../src/storage/memory.js";
import type { FakeOpenAI } from "./fakes/openai.js";
import { hello, providerBlock, startPair, testClock } from "./support/mesh.js";

// Output tokens only, $1000 per million: a request with max_tokens 8 costs exactly $0.008 in the worst case, and the
// fake (which truncates its reply to max_tokens) bills exactly 8 tokens, so worst case and real cost agree.
const PRICED = { pricing: { input: 0, output: 1000 } };
const COST = 0.008;
const ask = { model: "chat", messages: hello, max_tokens: 8 };

let pair: Awaited<ReturnType<typeof startPair>>;
beforeEach(async () => {
  pair = await startPair();
});
afterEach(async () => {
  await pair.close();
});

const sent = (fake: FakeOpenAI) => fake.requests.filter((request) => request.path.endsWith("/chat/completions")).length;

function meshWith(options: { a?: Record<string, unknown>; b?: Record<string, unknown>; providerA?: Record<string, unknown>; providerB?: Record<string, unknown>; pool?: Record<string, unknown>; top?: Record<string, unknown>; clock?: ReturnType<typeof testClock>; storage?: MemoryStorage } = {}) {
  const events: MeshEvent[] = [];
  const clock = options.clock ?? testClock(Date.UTC(2026, 11, 1, 23, 0));
  const client = create({
    config: {
      providers: {
        a: { ...providerBlock(pair.a, "alpha", "alpha-embed", "sk-test-key-a-0000000000", { ...PRICED, ...options.a }), ...options.providerA },
        b: { ...providerBlock(pair.b, "beta", "beta-embed", "sk-test-key-b-1111111111", { ...PRICED, ...options.b }), ...options.providerB },
      },
      pools: { chat: { capability: "chat-completion", strategy: "stick-until-failure", retry: { max_retries: 0 }, ...options.pool } },
      ...options.top,
    },
    clock,
    ...(options.storage ? { storage: { instance: options.storage } } : {}),
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), logLevel: "full", minSeverity: "debug" }) },
  });
  return { client, events, clock };
}

async function refusal(promise: Promise<unknown>): Promise<BudgetExceededError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BudgetExceededError);
  return error as BudgetExceededError;
}

describe("budgets that concurrent requests cannot overshoot", () => {
  it("200 concurrent requests against a limit that fits 50: 50 are sent, 150 never leave, spend equals the limit", async () => {
    const { client } = meshWith({ top: { budget: { daily_limit: 50 * COST } } });
    const outcomes = await Promise.allSettled(Array.from({ length: 200 }, () => client.chat.completions.create(ask)));
    const refused = outcomes.filter((outcome) => outcome.status === "rejected" && outcome.reason instanceof BudgetExceededError);
    expect(sent(pair.a) + sent(pair.b)).toBe(50);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(50);
    expect(refused).toHaveLength(150);
    const usage = client.usage;
    expect(usage.totalCost).toBeCloseTo(50 * COST, 9);
    expect(usage.totalCost).toBeLessThanOrEqual(50 * COST + 1e-9);
    expect(usage.budgets.global!.daily).toMatchObject({ limit: 0.4, reserved: 0, remaining: 0 });
    expect(usage.budgets.global!.daily.spent).toBeCloseTo(0.4, 9);
    await client.close();
  });

  it("refuses before sending: the error names the limit and the budget, and the provider receives nothing", async () => {
    const { client, events } = meshWith({ top: { budget: { daily_limit: 1, per_request_limit: COST / 2 } } });
    const error = await refusal(client.chat.completions.create(ask));
    expect({ limitType: error.limitType, limitValue: error.limitValue, scope: error.scope }).toEqual({ limitType: "per-request", limitValue: COST / 2, scope: "global" });
    expect(sent(pair.a) + sent(pair.b)).toBe(0);
    const refused = events.filter((event) => event.type === "budget-exceeded");
    expect(refused).toHaveLength(1);
    // The event names the request it refused, as every other event of the request does.
    const started = events.find((event) => event.type === "request-start")!;
    expect(refused[0]).toMatchObject({ requestId: started.requestId, pool: "chat", provider: "a", model: "alpha", scope: "global", limitType: "per-request" });
    // A smaller answer fits the per-request limit (worst case 3 output tokens = $0.003).
    await client.chat.completions.create({ ...ask, max_tokens: 3 });
    expect(sent(pair.a)).toBe(1);
    await client.close();
  });

  it("the worst case uses the model's max_output_tokens when the request sets no max_tokens, else 4096 tokens", async () => {
    // 100 output tokens at most: $0.1 worst case. It fits $0.15 (4096 tokens, $4.096, would not) and not $0.05,
    // though the real answer would cost $0.008.
    const fits = meshWith({ a: { max_output_tokens: 100 }, top: { budget: { per_request_limit: 0.15 } } });
    await fits.client.chat.completions.create({ model: "chat", messages: hello });
    expect(sent(pair.a)).toBe(1);
    await fits.client.close();
    const tight = meshWith({ a: { max_output_tokens: 100 }, top: { budget: { per_request_limit: 0.05 } } });
    expect((await refusal(tight.client.chat.completions.create({ model: "chat", messages: hello }))).limitType).toBe("per-request");
    await tight.client.close();
    const unbounded = meshWith({ top: { budget: { per_request_limit: 4 } } });
    expect((await refusal(unbounded.client.chat.completions.create({ model: "chat", messages: hello }))).limitValue).toBe(4);
    expect(sent(pair.a)).toBe(1);
    await unbounded.client.close();
  });

  it("a provider's budget (the FAQ's YAML) stops its requests at the daily limit; its spend is what the fake billed", async () => {
    const { client } = meshWith({ providerA: { budget: { daily_limit: 2 * COST, monthly_limit: 100, alert_threshold: 0.8, enforce: true } } });
    await client.chat.completions.create(ask);
    await client.chat.completions.create(ask);
    const error = await refusal(client.chat.completions.create(ask));
    expect({ limitType: error.limitType, limitValue: error.limitValue, scope: error.scope }).toEqual({ limitType: "daily", limitValue: 2 * COST, scope: "provider:a" });
    expect(sent(pair.a)).toBe(2);
    expect(sent(pair.b)).toBe(0);
    const budget = client.usage.budgets["provider:a"]!;
    expect(budget.daily.spent).toBeCloseTo(2 * COST, 9);
    expect(budget.monthly).toMatchObject({ limit: 100, reserved: 0 });
    await client.close();
  });

  it("on_budget_exceeded: rotate moves to the next model that fits, and a cap shared by all stops every fallback", async () => {
    const { client } = meshWith({
      providerA: { budget: { daily_limit: COST } },
      pool: { on_budget_exceeded: "rotate" },
      top: { budget: { daily_limit: 3 * COST } },
    });
    const served = [];
    for (let index = 0; index < 3; index++) served.push((await client.chat.completions.create(ask)).model);
    expect(served.map((model) => model.replace(/-.*/, ""))).toEqual(["alpha", "beta", "beta"]);
    expect([sent(pair.a), sent(pair.b)]).toEqual([1, 2]);
    // The global cap is spent: no candidate fits, and the fallback is not allowed past it either.
    const error = await refusal(client.chat.completions.create(ask));
    expect(error.scope).toBe("global");
    expect([sent(pair.a), sent(pair.b)]).toEqual([1, 2]);
    expect(client.usage.totalCost).toBeLessThanOrEqual(3 * COST + 1e-9);
    await client.close();
  });

  it("rotate: a model whose own budget is spent is out of the rotation (poolStatus counts it on standby) until the period ends", async () => {
    const clock = testClock(Date.UTC(2026, 11, 1, 23, 0));
    const { client } = meshWith({ clock, providerA: { budget: { daily_limit: COST } }, pool: { on_budget_exceeded: "rotate" } });
    await client.ready();
    expect(client.poolStatus().chat).toEqual({ active: 2, standby: 0, total: 2 });
    await client.chat.completions.create(ask);
    // Alpha's budget is spent (not merely too small for one request): out, as the FAQ's "the router deactivates it".
    expect(client.poolStatus().chat).toEqual({ active: 1, standby: 1, total: 2 });
    const described = client.describe();
    if (described.state !== "ready") throw new Error("not ready");
    expect(described.pools.chat).toMatchObject({ active: 1, standby: 1 });
    expect(described.pools.chat!.models.map((model) => [model.model, model.available])).toEqual([["alpha", false], ["beta", true]]);
    expect((await client.chat.completions.create(ask)).model).toMatch(/^beta/);
    // The next UTC day alpha's budget is fresh: back in the rotation, and it serves again.
    clock.time = Date.UTC(2026, 11, 2, 0, 1);
    expect(client.poolStatus().chat).toEqual({ active: 2, standby: 0, total: 2 });
    expect((await client.chat.completions.create(ask)).model).toMatch(/^alpha/);
    await client.close();
  });

  it("rotate: a budget only too small for this request leaves the model active; with on_budget_exceeded: error it stays active", async () => {
    const rotating = meshWith({ providerA: { budget: { daily_limit: COST * 1.5 } }, pool: { on_budget_exceeded: "rotate" } });
    await rotating.client.chat.completions.create(ask);
    // $0.004 left: a request of 8 tokens ($0.008) goes to beta, but alpha still takes one of 3 tokens.
    expect((await rotating.client.chat.completions.create(ask)).model).toMatch(/^beta/);
    expect(rotating.client.poolStatus().chat).toEqual({ active: 2, standby: 0, total: 2 });
    await rotating.client.close();
    const strict = meshWith({ providerA: { budget: { daily_limit: COST } } });
    await strict.client.chat.completions.create(ask);
    await refusal(strict.client.chat.completions.create(ask));
    expect(strict.client.poolStatus().chat).toEqual({ active: 2, standby: 0, total: 2 });
    await strict.client.close();
  });

  it("rotate: a spent monthly budget also takes the model out; an unenforced one and a cooling-down model count as before", async () => {
    const roomy = meshWith({ providerA: { budget: { monthly_limit: 3 * COST } }, pool: { on_budget_exceeded: "rotate" } });
    await roomy.client.chat.completions.create(ask);
    // A monthly limit with room left keeps the model in.
    expect(roomy.client.poolStatus().chat).toEqual({ active: 2, standby: 0, total: 2 });
    await roomy.client.close();
    const monthly = meshWith({ providerA: { budget: { monthly_limit: COST } }, pool: { on_budget_exceeded: "rotate" } });
    await monthly.client.chat.completions.create(ask);
    expect(monthly.client.poolStatus().chat).toEqual({ active: 1, standby: 1, total: 2 });
    await monthly.client.close();
    const counted = meshWith({ providerA: { budget: { daily_limit: COST, enforce: false } }, pool: { on_budget_exceeded: "rotate" } });
    await counted.client.chat.completions.create(ask);
    await counted.client.chat.completions.create(ask);
    // Not enforced: alpha keeps serving past its limit, and stays active.
    expect([sent(pair.a), counted.client.poolStatus().chat]).toEqual([4, { active: 2, standby: 0, total: 2 }]);
    await counted.client.close();
    const cooling = meshWith({ providerB: { budget: { daily_limit: 1 } }, pool: { on_budget_exceeded: "rotate", deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 60_000 } } });
    pair.a.enqueue({ kind: "error", status: 500 });
    await cooling.client.chat.completions.create(ask);
    // Alpha cools down after its failure (no budget spent anywhere): on standby all the same.
    expect(cooling.client.poolStatus().chat).toEqual({ active: 1, standby: 1, total: 2 });
    await cooling.client.close();
  });

  it("rotate is also a global setting (defaults) and reaches a cheaper model past an expensive one", async () => {
    const { client } = meshWith({
      a: { pricing: { input: 0, output: 100_000 } },
      top: { defaults: { on_budget_exceeded: "rotate" }, budget: { per_request_limit: 0.1 } },
    });
    const response = await client.chat.completions.create(ask);
    expect(response.model).toMatch(/^beta/);
    expect([sent(pair.a), sent(pair.b)]).toEqual([0, 1]);
    await client.close();
  });

  it("a model's budget (models[].budget) and a pool's budget apply to their own requests", async () => {
    const { client } = meshWith({ a: { budget: { daily_limit: COST } }, pool: { budget: { daily_limit: 5 * COST } } });
    await client.chat.completions.create(ask);
    const error = await refusal(client.chat.completions.create(ask));
    expect(error.scope).toBe("model:a/alpha");
    expect(client.usage.budgets["pool:chat"]!.daily.spent).toBeCloseTo(COST, 9);
    expect(sent(pair.a)).toBe(1);
    await client.close();
  });

  it("says the request's worst case does not fit while the budget is not spent, and that it is reached once it is", async () => {
    const { client } = meshWith({ top: { budget: { daily_limit: 1.5 * COST } } });
    // No max_tokens: the worst case is the model's longest answer, far more than the budget.
    const tooBig = await refusal(client.chat.completions.create({ model: "chat", messages: hello }));
    expect(tooBig.message).toMatch(/^global: this request could cost up to \$[\d.]+ \(the model's longest answer at its price\), more than the \$0\.012 left of the daily budget of \$0\.012; a lower max_tokens makes it fit$/);
    expect(sent(pair.a) + sent(pair.b)).toBe(0);
    await client.chat.completions.create(ask);
    const second = await refusal(client.chat.completions.create(ask));
    expect(second.message).toContain("more than the $0.004 left");
    expect(sent(pair.a) + sent(pair.b)).toBe(1);
  });

  it("a scope given a limit mid-day holds what it already spent today: the limit is not a fresh start", async () => {
    // A global budget with no limit of its own; the site has none yet, as a site allowed without a budget.
    const { client } = meshWith({ top: { budget: { monthly_limit: 1_000 } } });
    for (let index = 0; index < 3; index += 1) await client.chat.completions.create(ask, { scope: "site:example.com" });
    expect(sent(pair.a) + sent(pair.b)).toBe(3);
    // The person sets the site's daily limit to less than it spent today.
    const errors = await client.mesh.reconfigure({
      providers: { a: providerBlock(pair.a, "alpha", "alpha-embed", "sk-test-key-a-0000000000", PRICED), b: providerBlock(pair.b, "beta", "beta-embed", "sk-test-key-b-1111111111", PRICED) },
      pools: { chat: { capability: "chat-completion", strategy: "stick-until-failure", retry: { max_retries: 0 } } },
      budget: { monthly_limit: 1_000, scopes: { "site:example.com": { daily_limit: 2 * COST } } },
    });
    expect(errors).toEqual([]);
    const error = await refusal(client.chat.completions.create(ask, { scope: "site:example.com" }));
    expect({ limitType: error.limitType, scope: error.scope }).toEqual({ limitType: "daily", scope: "scope:site:example.com" });
    expect(sent(pair.a) + sent(pair.b)).toBe(3);
    expect(client.usage.budgets["scope:site:example.com"]!.daily.spent).toBeCloseTo(3 * COST, 9);
    // Another site, unlimited, is not held by it.
    await client.chat.completions.create(ask, { scope: "site:other.example" });
    expect(sent(pair.a) + sent(pair.b)).toBe(4);
  });

  it("caller scopes: named scopes and a default per-scope limit, each scope counted on its own, usage by scope", async () => {
    const { client } = meshWith({ top: { budget: { scopes: { "site:example.com": { daily_limit: 2 * COST } }, scope_default: { daily_limit: COST } } } });
    await client.chat.completions.create(ask, { scope: "site:example.com" });
    await client.chat.completions.create(ask, { scope: "site:example.com" });
    expect((await refusal(client.chat.completions.create(ask, { scope: "site:example.com" }))).scope).toBe("scope:site:example.com");
    await client.chat.completions.create(ask, { scope: "site:other.org" });
    expect((await refusal(client.chat.completions.create(ask, { scope: "site:other.org" }))).scope).toBe("scope:site:other.org");
    await client.chat.completions.create(ask, { scope: "site:third.net" });
    // Without a scope no scope budget applies.
    await client.chat.completions.create(ask);
    expect(sent(pair.a)).toBe(5);
    const usage = client.usage;
    expect(usage.byScope["site:example.com"]).toMatchObject({ requests: 2 });
    expect(usage.byScope["site:other.org"]).toMatchObject({ requests: 1 });
    expect(Object.keys(usage.budgets).sort()).toEqual(["scope:site:example.com", "scope:site:other.org", "scope:site:third.net"]);
    expect(usage.budgets["scope:site:third.net"]!.daily.remaining).toBeCloseTo(0, 9);
    await expect(client.chat.completions.create(ask, { scope: "" })).rejects.toBeInstanceOf(InvalidRequestError);
    await client.close();
  });

  it("a model without a price is refused under an enforced budget, or counted at budget.default_price", async () => {
    const unpriced = { pricing: undefined };
    const strict = meshWith({ a: unpriced, top: { budget: { daily_limit: 1 } } });
    const error = await refusal(strict.client.chat.completions.create(ask));
    expect(error.limitType).toBe("unpriced");
    expect(error.message).toContain("a/alpha has no price");
    expect(sent(pair.a)).toBe(0);
    await strict.client.close();

    const priced = meshWith({ a: unpriced, top: { budget: { daily_limit: 1, default_price: { input: 0, output: 2000 } } } });
    await priced.client.chat.completions.create(ask);
    expect(sent(pair.a)).toBe(1);
    expect(priced.client.usage.budgets.global!.daily.spent).toBeCloseTo(2 * COST, 9);
    await priced.client.close();
  });

  it("enforce: false only alerts: requests past the limit are sent, and one budget-alert is emitted per period", async () => {
    const { client, events, clock } = meshWith({ providerA: { budget: { daily_limit: 2 * COST, enforce: false, alert_threshold: 0.5 } } });
    for (let index = 0; index < 4; index++) await client.chat.completions.create(ask);
    expect(sent(pair.a)).toBe(4);
    const alerts = () => events.filter((event) => event.type === "budget-alert");
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]).toMatchObject({ scope: "provider:a", limitType: "daily", limitValue: 2 * COST, threshold: 0.5 });
    clock.advance(2 * 3_600_000); // past midnight UTC: a new day, a new alert (one request reaches half the limit)
    await client.chat.completions.create(ask);
    expect(alerts()).toHaveLength(2);
    await client.chat.completions.create(ask);
    expect(alerts()).toHaveLength(2);
    await client.close();
  });

  it("a restart in the same period does not send the period's alert again; the next period's still comes", async () => {
    const storage = new MemoryStorage();
    const clock = testClock(Date.UTC(2026, 11, 1, 10, 0));
    const budget = { providerA: { budget: { daily_limit: 4 * COST, enforce: false, alert_threshold: 0.5 } }, storage, clock };
    const alerts = (events: MeshEvent[]) => events.filter((event) => event.type === "budget-alert");
    const first = meshWith(budget);
    for (let index = 0; index < 2; index++) await first.client.chat.completions.create(ask);
    expect(alerts(first.events)).toHaveLength(1);
    await first.client.close();
    const second = meshWith(budget);
    await second.client.chat.completions.create(ask);
    expect(second.client.usage.budgets["provider:a"]!.daily).toMatchObject({ spent: 3 * COST });
    expect(alerts(second.events)).toHaveLength(0);
    await second.client.close();
    clock.advance(24 * 3_600_000);
    const third = meshWith(budget);
    for (let index = 0; index < 2; index++) await third.client.chat.completions.create(ask);
    expect(alerts(third.events)).toHaveLength(1);
    await third.client.close();
  });

  it("the same holds for a monthly limit's alert", async () => {
    const storage = new MemoryStorage();
    const clock = testClock(Date.UTC(2026, 11, 1, 10, 0));
    const budget = { providerA: { budget: { monthly_limit: 4 * COST, enforce: false, alert_threshold: 0.5 } }, storage, clock };
    const alerts = (events: MeshEvent[]) => events.filter((event) => event.type === "budget-alert");
    const first = meshWith(budget);
    for (let index = 0; index < 2; index++) await first.client.chat.completions.create(ask);
    expect(alerts(first.events)).toMatchObject([{ limitType: "monthly" }]);
    await first.client.close();
    clock.advance(24 * 3_600_000);
    const second = meshWith(budget);
    await second.client.chat.completions.create(ask);
    expect(alerts(second.events)).toHaveLength(0);
    await second.client.close();
  });

  it("periods roll over at UTC day and month boundaries of the injected clock", async () => {
    const clock = testClock(Date.UTC(2026, 10, 30, 23, 59)); // the last minute of November
    const { client } = meshWith({ clock, top: { budget: { daily_limit: COST, monthly_limit: 2 * COST } } });
    await client.chat.completions.create(ask);
    expect((await refusal(client.chat.completions.create(ask))).limitType).toBe("daily");
    clock.advance(60_000); // 1 December 00:00 UTC: a new day and a new month
    expect(client.usage.budgets.global!.daily).toMatchObject({ period: "2026-12-01", spent: 0 });
    await client.chat.completions.create(ask);
    clock.advance(86_400_000);
    await client.chat.completions.create(ask);
    clock.advance(86_400_000);
    expect((await refusal(client.chat.completions.create(ask))).limitType).toBe("monthly");
    expect(sent(pair.a)).toBe(3);
    await client.close();
  });

  it("a failed attempt releases its reservation; a failover's attempt is held and settled on its own", async () => {
    pair.a.setMode({ kind: "error", status: 500 });
    const { client } = meshWith({ top: { budget: { daily_limit: COST } } });
    const response = await client.chat.completions.create(ask);
    expect(response.model).toMatch(/^beta/);
    expect([sent(pair.a), sent(pair.b)]).toEqual([1, 1]);
    expect(client.usage.budgets.global!.daily).toMatchObject({ reserved: 0 });
    // Beta's reply ("Hello from beta: Hello there") is 7 tokens.
    expect(client.usage.budgets.global!.daily.spent).toBeCloseTo(0.007, 9);
    await client.close();
  });

  it("a stream holds its worst case until it ends, then settles at what the service billed", async () => {
    const { client } = meshWith({ top: { budget: { daily_limit: 1 } } });
    const stream = await client.chat.completions.create({ ...ask, max_tokens: 20, stream: true, stream_options: { include_usage: true } });
    expect(client.usage.budgets.global!.daily.reserved).toBeCloseTo(0.02, 9);
    for await (const _chunk of stream) void _chunk;
    const daily = client.usage.budgets.global!.daily;
    expect(daily.reserved).toBe(0);
    // The reply is 8 tokens, below the 20 reserved.
    expect(daily.spent).toBeCloseTo(COST, 9);
    await client.close();
  });

  it("a stream the caller stops reading settles at what was generated until then, not at nothing", async () => {
    const { client } = meshWith({ a: { pricing: { input: 1000, output: 1000 } }, top: { budget: { daily_limit: 1 } } });
    const stream = await client.chat.completions.create({ ...ask, max_tokens: 20, stream: true });
    for await (const _chunk of stream) break;
    const daily = client.usage.budgets.global!.daily;
    expect(daily.reserved).toBe(0);
    // Estimated from the prompt (4 characters a token) and the text received: more than nothing, at most the worst case.
    expect(daily.spent).toBeGreaterThan(0);
    expect(daily.spent).toBeLessThanOrEqual(0.027); // (7 prompt + 20 output tokens) × $1000 per million
    expect(sent(pair.a)).toBe(1);
    await client.close();
  });

  it("spend survives a restart through storage, counted once however often the mesh restarts", async () => {
    const storage = new MemoryStorage();
    const top = { budget: { daily_limit: 3 * COST } };
    const first = meshWith({ top, storage });
    await first.client.chat.completions.create(ask);
    await first.client.chat.completions.create(ask);
    await first.client.close();
    for (let restart = 0; restart < 2; restart++) {
      const again = meshWith({ top, storage });
      await again.client.chat.completions.create({ model: "chat", messages: hello, max_tokens: 1 }); // starts the mesh: $0.001
      expect(again.client.usage.budgets.global!.daily.spent).toBeCloseTo(2 * COST + (restart + 1) * 0.001, 9);
      await again.client.close();
    }
    const last = meshWith({ top, storage });
    await refusal(last.client.chat.completions.create(ask));
    expect(sent(pair.a)).toBe(4);
    await last.client.close();
  });

  it("every attempt of one request is held against the budget: an all-refused rotation raises the budget error", async () => {
    const { client } = meshWith({ providerA: { budget: { daily_limit: 0 } }, providerB: { budget: { daily_limit: 0 } }, pool: { on_budget_exceeded: "rotate" } });
    const error = await client.chat.completions.create(ask).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).not.toBeInstanceOf(AllProvidersExhaustedError);
    expect([sent(pair.a), sent(pair.b)]).toEqual([0, 0]);
    await client.close();
  });
});
