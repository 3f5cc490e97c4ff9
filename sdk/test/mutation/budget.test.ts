/**
 * The budget ledger (core/budget.ts) observed directly: which budgets a request is held against, what a refusal
 * says and emits, how reservations settle, what the report and the snapshot contain, and how periods roll.
 */
import { describe, expect, it } from "vitest";
import { BudgetLedger, DEFAULT_OUTPUT_TOKENS, MAX_BUDGET_SCOPES, MAX_SCOPE_LENGTH, worstCaseCost, type BudgetEvents, type BudgetLimits, type BudgetPlan, type CostFeatures, type Reservation } from "../../src/core/budget.js";
import { BudgetExceededError } from "../../src/wire/errors.js";
import { createModelState } from "../../src/wire/model-state.js";
import type { ModelPricing } from "../../src/provider/provider.js";

const DAY = 86_400_000;
const JAN_1 = Date.UTC(2026, 0, 1, 12);
const limits = (values: Partial<BudgetLimits>): BudgetLimits => ({ alertThreshold: 0.8, enforce: true, ...values });
const plan = (values: Partial<BudgetPlan>): BudgetPlan => ({ providers: new Map(), models: new Map(), pools: new Map(), ...values });
const model = (pricing?: ModelPricing, maxOutputTokens?: number, id = "m") => createModelState("p", "key", { id, capabilities: [], ...(pricing ? { pricing } : {}), ...(maxOutputTokens ? { maxOutputTokens } : {}) });
/** 1 000 000 input tokens cost `input` dollars: 1 token at input 1e6 costs $1. */
const chat = (input: number, output = 0): CostFeatures => ({ operation: "chat", estimatedInputTokens: input, reservedOutputTokens: output });
const perToken: ModelPricing = { input: 1_000_000, output: 1_000_000 };
/** $1 an input token, output free: the worst case is the input estimate. */
const perInput: ModelPricing = { input: 1_000_000 };

function ledger(time = { now: JAN_1 }) {
  const exceeded: Array<Parameters<BudgetEvents["exceeded"]>[0]> = [];
  const alerts: Array<Parameters<BudgetEvents["alert"]>[0]> = [];
  const instance = new BudgetLedger(() => time.now, { exceeded: (event) => void exceeded.push(event), alert: (event) => void alerts.push(event) });
  return { ledger: instance, exceeded, alerts, time };
}

const reserveOk = (instance: BudgetLedger, where: { pool: string; scope?: string }, state: ReturnType<typeof model>, features: CostFeatures): Reservation => {
  const result = instance.reserve(where, state, features);
  if (result instanceof BudgetExceededError) throw result;
  return result;
};

describe("worstCaseCost", () => {
  it("chat: the request's output cap, else the model's, else 4096 tokens; input from the estimate; plus the per-request price", () => {
    const pricing = { input: 2, output: 10, perRequest: 0.5 };
    expect(worstCaseCost(pricing, chat(1_000, 100), 50)).toBeCloseTo((2 * 1_000 + 10 * 100) / 1e6 + 0.5, 12);
    expect(worstCaseCost(pricing, chat(1_000, 0), 50)).toBeCloseTo((2 * 1_000 + 10 * 50) / 1e6 + 0.5, 12);
    expect(worstCaseCost(pricing, chat(1_000, 0), undefined)).toBeCloseTo((2 * 1_000 + 10 * DEFAULT_OUTPUT_TOKENS) / 1e6 + 0.5, 12);
    expect(DEFAULT_OUTPUT_TOKENS).toBe(4_096);
  });

  it("missing prices count as 0; other operations produce no output tokens", () => {
    expect(worstCaseCost({ output: 1_000_000 }, chat(5, 3), undefined)).toBe(3);
    expect(worstCaseCost({ input: 1_000_000 }, chat(5, 3), undefined)).toBe(5);
    expect(worstCaseCost({ perRequest: 0.25 }, chat(5, 3), undefined)).toBe(0.25);
    expect(worstCaseCost(perToken, { operation: "speech", estimatedInputTokens: 4, reservedOutputTokens: 9 }, 9)).toBe(4);
  });
});

describe("which budgets apply", () => {
  it("no budget configured: inactive; any one kind makes it active", () => {
    const { ledger: instance } = ledger();
    expect(instance.active).toBe(false);
    instance.configure(plan({ global: { alertThreshold: 0.5 } }));
    expect(instance.active).toBe(true);
    for (const kind of ["providers", "models", "pools"] as const) {
      instance.configure(plan({ [kind]: new Map([["x", limits({ dailyLimit: 1 })]]) }));
      expect(instance.active, kind).toBe(true);
    }
  });

  it("holds a request against the global, provider, model, pool and scope budgets that exist, and only those", () => {
    const { ledger: instance } = ledger();
    instance.configure(
      plan({
        global: { dailyLimit: 100, scopes: { "site:a": limits({ dailyLimit: 10 }) } },
        providers: new Map([["p", limits({ dailyLimit: 50 })], ["other", limits({ dailyLimit: 1 })]]),
        models: new Map([["p/m", limits({ monthlyLimit: 40 })]]),
        pools: new Map([["chat", limits({ perRequestLimit: 30 })]]),
      }),
    );
    const reservation = reserveOk(instance, { pool: "chat", scope: "site:a" }, model(perInput), chat(2));
    expect(reservation.applied.map((item) => item.name)).toEqual(["global", "provider:p", "model:p/m", "pool:chat", "scope:site:a"]);
    expect(reservation.amount).toBe(2);
    const report = instance.report();
    expect(Object.keys(report)).toEqual(["global", "provider:p", "provider:other", "model:p/m", "pool:chat", "scope:site:a"]);
    for (const name of ["global", "provider:p", "model:p/m", "pool:chat", "scope:site:a"]) expect(report[name]!.daily.reserved, name).toBe(2);
    // Output tokens are held too: 4096 by default at the model's output price.
    expect(reserveOk(instance, { pool: "chat" }, model({ output: 1_000 }), chat(2)).amount).toBeCloseTo(DEFAULT_OUTPUT_TOKENS / 1_000, 12);
    expect(report["provider:other"]!.daily.reserved).toBe(0);
    // Another pool and no scope: only what applies to them.
    expect(reserveOk(instance, { pool: "fast" }, model(perInput), chat(1, 1)).applied.map((item) => item.name)).toEqual(["global", "provider:p", "model:p/m"]);
  });

  it("a global block without limits applies nothing; its defaults are an 0.8 alert and enforcement", () => {
    const { ledger: instance } = ledger();
    instance.configure(plan({ global: { alertThreshold: 0.5, enforce: false, scopeDefault: limits({ dailyLimit: 1 }) } }));
    expect(reserveOk(instance, { pool: "chat" }, model(perInput), chat(1, 1)).applied).toEqual([]);
    expect(instance.report()).toEqual({});
    instance.configure(plan({ global: { monthlyLimit: 5 } }));
    expect(instance.report()["global"]).toMatchObject({ enforce: true, perRequestLimit: null, monthly: { limit: 5 } });
    instance.configure(plan({ global: { perRequestLimit: 5 } }));
    expect(instance.report()["global"]).toMatchObject({ enforce: true, perRequestLimit: 5, daily: { limit: null, remaining: null } });
  });

  it("a scope not named gets scopeDefault, counted on its own; named scopes keep their own limits", () => {
    const { ledger: instance } = ledger();
    instance.configure(plan({ global: { scopes: { vip: limits({ dailyLimit: 100 }) }, scopeDefault: limits({ dailyLimit: 3 }) } }));
    const first = reserveOk(instance, { pool: "chat", scope: "site:one" }, model(perInput), chat(1, 1));
    expect(first.applied.map((item) => [item.name, item.limits.dailyLimit])).toEqual([["scope:site:one", 3]]);
    instance.record(first, { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 2.5, true);
    instance.settle(first);
    expect(instance.reserve({ pool: "chat", scope: "site:one" }, model(perInput), chat(1, 1))).toBeInstanceOf(BudgetExceededError);
    expect(reserveOk(instance, { pool: "chat", scope: "site:two" }, model(perInput), chat(1, 1)).applied[0]!.name).toBe("scope:site:two");
    expect(reserveOk(instance, { pool: "chat", scope: "vip" }, model(perInput), chat(50, 0)).applied.map((item) => [item.name, item.limits.dailyLimit])).toEqual([["scope:vip", 100]]);
    // A scope named like an inherited property is not a named scope.
    expect(reserveOk(instance, { pool: "chat", scope: "toString" }, model(perInput), chat(1, 1)).applied.map((item) => [item.name, item.limits.dailyLimit])).toEqual([["scope:toString", 3]]);
    const report = instance.report();
    expect(Object.keys(report).sort()).toEqual(["scope:site:one", "scope:site:two", "scope:toString", "scope:vip"]);
    expect(report["scope:site:one"]!.daily).toMatchObject({ limit: 3, spent: 2.5, remaining: 0.5 });
    expect(report["scope:vip"]!.daily.limit).toBe(100);
  });

  it("without scopeDefault, an unnamed scope is counted, not limited, and not reported", () => {
    const { ledger: instance } = ledger();
    instance.configure(plan({ global: { dailyLimit: 10, scopes: { vip: limits({ dailyLimit: 1 }) } } }));
    const held = reserveOk(instance, { pool: "chat", scope: "nobody" }, model(perInput), chat(1, 1));
    expect(held.applied.map((item) => [item.name, item.limits.enforce, item.limits.dailyLimit])).toEqual([["global", true, 10], ["scope:nobody", false, undefined]]);
    expect(Object.keys(instance.report())).toEqual(["global", "scope:vip"]);
    // Its spend is kept (and saved), so a limit given to it later holds what it spent.
    instance.record(held, undefined, 0, true);
    instance.settle(held);
    expect(instance.snapshot()["scope:nobody"]!.daySpent).toBeGreaterThan(0);
  });

  it("scope limits are the documented ones", () => {
    expect(MAX_SCOPE_LENGTH).toBe(256);
    expect(MAX_BUDGET_SCOPES).toBe(10_000);
  });
});

describe("refusals", () => {
  it("per-request: a worst case over the limit is refused, exactly the limit passes", () => {
    const { ledger: instance, exceeded } = ledger();
    instance.configure(plan({ pools: new Map([["chat", limits({ perRequestLimit: 10 })]]) }));
    expect(instance.reserve({ pool: "chat" }, model(perToken), chat(5, 5))).not.toBeInstanceOf(BudgetExceededError);
    const refused = instance.reserve({ pool: "chat" }, model(perToken), chat(5, 6)) as BudgetExceededError;
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect([refused.limitType, refused.limitValue, refused.scope]).toEqual(["per-request", 10, "pool:chat"]);
    expect(exceeded).toMatchObject([{ scope: "pool:chat", limitType: "per-request", limitValue: 10, spent: 0 }]);
  });

  it("daily counts spend and reservations; monthly reports the month's spend", () => {
    const { ledger: instance, exceeded, time } = ledger({ now: Date.UTC(2026, 0, 10, 12) });
    instance.configure(plan({ providers: new Map([["p", limits({ dailyLimit: 10, monthlyLimit: 15 })]]) }));
    const spend = (amount: number) => {
      const reservation = reserveOk(instance, { pool: "chat" }, model(perInput), chat(amount, 0));
      instance.record(reservation, { promptTokens: amount, completionTokens: 0, totalTokens: amount }, amount, true);
      instance.settle(reservation);
    };
    spend(6);
    const held = reserveOk(instance, { pool: "chat" }, model(perInput), chat(3, 0));
    expect(held.amount).toBe(3);
    // 6 spent + 3 held + 1 = 10: fits exactly; + 2 does not.
    const fits = reserveOk(instance, { pool: "chat" }, model({ input: 1_000_000 }), chat(1, 0));
    const daily = instance.reserve({ pool: "chat" }, model({ input: 1_000_000 }), chat(1, 0)) as BudgetExceededError;
    expect([daily.limitType, daily.limitValue, daily.scope]).toEqual(["daily", 10, "provider:p"]);
    expect(exceeded.at(-1)).toMatchObject({ scope: "provider:p", limitType: "daily", limitValue: 10, spent: 6 });
    instance.settle(held);
    instance.settle(fits);
    time.now += DAY;
    spend(8);
    // New day: 8 spent today, 14 + 1 this month... 15 fits, 16 does not (the month is the limit now).
    const monthly = instance.reserve({ pool: "chat" }, model({ input: 1_000_000 }), chat(2, 0)) as BudgetExceededError;
    expect([monthly.limitType, monthly.limitValue]).toEqual(["monthly", 15]);
    expect(exceeded.at(-1)).toMatchObject({ scope: "provider:p", limitType: "monthly", limitValue: 15, spent: 14 });
  });

  it("sums of binary fractions are compared rounded: 50 × $0.008 fits $0.40", () => {
    const { ledger: instance } = ledger();
    instance.configure(plan({ global: { dailyLimit: 0.4 } }));
    const cheap = model({ output: 1_000 });
    const passed = Array.from({ length: 51 }, () => instance.reserve({ pool: "chat" }, cheap, chat(0, 8))).filter((result) => !(result instanceof BudgetExceededError));
    expect(passed).toHaveLength(50);
  });

  it("the first enforced budget that breaches decides; unenforced ones only count", () => {
    const { ledger: instance, exceeded } = ledger();
    instance.configure(plan({ providers: new Map([["p", limits({ dailyLimit: 1, enforce: false })]]), pools: new Map([["chat", limits({ dailyLimit: 2 })]]) }));
    const reservation = reserveOk(instance, { pool: "chat" }, model(perInput), chat(2, 0));
    expect(reservation.applied.map((item) => item.name)).toEqual(["provider:p", "pool:chat"]);
    expect(instance.report()["provider:p"]!.daily.reserved).toBe(2);
    const refused = instance.reserve({ pool: "chat" }, model(perInput), chat(1, 0)) as BudgetExceededError;
    expect(refused.scope).toBe("pool:chat");
    expect(exceeded).toHaveLength(1);
  });

  it("a refused request reserves nothing anywhere", () => {
    const { ledger: instance } = ledger();
    instance.configure(plan({ global: { dailyLimit: 100 }, pools: new Map([["chat", limits({ perRequestLimit: 1 })]]) }));
    expect(instance.reserve({ pool: "chat" }, model(perInput), chat(5, 0))).toBeInstanceOf(BudgetExceededError);
    expect(instance.report()["global"]!.daily.reserved).toBe(0);
  });

  it("a model without a price is refused under an enforced budget, naming the first one and its limit", () => {
    const { ledger: instance, exceeded } = ledger();
    instance.configure(plan({ providers: new Map([["p", limits({ dailyLimit: 1, enforce: false })]]), models: new Map([["p/m", limits({ monthlyLimit: 7 })]]) }));
    const refused = instance.reserve({ pool: "chat" }, model(), chat(1, 1)) as BudgetExceededError;
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect([refused.limitType, refused.limitValue, refused.scope]).toEqual(["unpriced", 7, "model:p/m"]);
    expect(refused.message).toBe("model:p/m: p/m has no price, so its cost cannot be held against the budget; give the model a pricing or set budget.default_price");
    expect(exceeded).toMatchObject([{ scope: "model:p/m", limitType: "unpriced", limitValue: 7, spent: 0 }]);
    // A price table with only a date prices nothing.
    expect(instance.reserve({ pool: "chat" }, model({ readAt: "2026-01-01" } as ModelPricing), chat(1, 1))).toBeInstanceOf(BudgetExceededError);
    for (const [budget, value] of [[limits({ perRequestLimit: 3 }), 3], [limits({ dailyLimit: 2, monthlyLimit: 9 }), 2], [limits({}), 0]] as const) {
      instance.configure(plan({ pools: new Map([["chat", budget]]) }));
      expect((instance.reserve({ pool: "chat" }, model(), chat(1, 1)) as BudgetExceededError).limitValue).toBe(value);
    }
  });

  it("an unpriced model passes unenforced budgets at no cost, and an enforced one at the default price", () => {
    const { ledger: instance } = ledger();
    instance.configure(plan({ pools: new Map([["chat", limits({ dailyLimit: 1, enforce: false })]]) }));
    const free = reserveOk(instance, { pool: "chat" }, model(), chat(5, 5));
    expect(free.amount).toBe(0);
    expect(free).not.toHaveProperty("price");
    instance.configure(plan({ global: { dailyLimit: 100, defaultPrice: { input: 1_000_000, perRequest: 0.5 } } }));
    const priced = reserveOk(instance, { pool: "chat" }, model(), chat(5, 5));
    expect(priced.amount).toBe(5.5);
    expect(priced.price).toEqual({ input: 1_000_000, perRequest: 0.5 });
    // Settled at the default price of what was used, not at the cost the router computed (0 for an unpriced model).
    instance.record(priced, { promptTokens: 3, completionTokens: 9, totalTokens: 12 }, 0, true);
    instance.settle(priced);
    expect(instance.report()["global"]!.daily.spent).toBe(3.5);
    // A priced model ignores the default price.
    expect(reserveOk(instance, { pool: "chat" }, model({ input: 2_000_000 }), chat(5, 5))).not.toHaveProperty("price");
  });
});

describe("settling", () => {
  function setup() {
    const context = ledger();
    context.ledger.configure(plan({ global: { dailyLimit: 100, monthlyLimit: 1_000 } }));
    return context;
  }

  it("usage from the service: the router's cost; no usage but served: the worst case; failed: its cost if any, else nothing", () => {
    const { ledger: instance } = setup();
    const cases: Array<[Parameters<BudgetLedger["record"]>[1], number, boolean, number]> = [
      [{ promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 0.5, true, 0.5],
      [{ promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 0.25, false, 0.25],
      [undefined, 0, true, 7],
      [undefined, 0.125, false, 0.125],
      [undefined, 0, false, 0],
    ];
    let expected = 0;
    for (const [usage, cost, ok, billed] of cases) {
      const reservation = reserveOk(instance, { pool: "chat" }, model(perInput), chat(7, 0));
      expect(reservation.amount).toBe(7);
      instance.record(reservation, usage, cost, ok);
      expect(reservation.billed).toBe(billed > 0);
      instance.settle(reservation);
      expected += billed;
      expect(instance.report()["global"]!.daily.spent).toBeCloseTo(expected, 9);
      expect(instance.report()["global"]!.monthly.spent).toBeCloseTo(expected, 9);
    }
    expect(instance.report()["global"]!.daily.reserved).toBe(0);
  });

  it("several records add up; a record after settling and a second settle change nothing", () => {
    const { ledger: instance } = setup();
    const reservation = reserveOk(instance, { pool: "chat" }, model(perInput), chat(7, 0));
    instance.record(reservation, { promptTokens: 1, completionTokens: 0, totalTokens: 1 }, 1, false);
    instance.record(reservation, { promptTokens: 2, completionTokens: 0, totalTokens: 2 }, 2, true);
    instance.settle(reservation);
    instance.record(reservation, { promptTokens: 2, completionTokens: 0, totalTokens: 2 }, 50, true);
    instance.settle(reservation);
    expect(instance.report()["global"]!.daily).toMatchObject({ spent: 3, reserved: 0, remaining: 97 });
    expect(reservation.settled).toBe(true);
  });

  it("remaining is limit − spent − reserved, never below 0", () => {
    const { ledger: instance } = ledger();
    instance.configure(plan({ global: { dailyLimit: 10, enforce: false } }));
    const first = reserveOk(instance, { pool: "chat" }, model(perInput), chat(4, 0));
    expect(instance.report()["global"]!.daily).toMatchObject({ limit: 10, spent: 0, reserved: 4, remaining: 6 });
    instance.record(first, undefined, 0, true);
    instance.settle(first);
    const second = reserveOk(instance, { pool: "chat" }, model(perInput), chat(20, 0));
    expect(instance.report()["global"]!.daily).toMatchObject({ spent: 4, reserved: 20, remaining: 0 });
    instance.settle(second);
    expect(instance.report()["global"]!.daily).toMatchObject({ spent: 4, reserved: 0, remaining: 6 });
  });

  it("alerts once per budget and period when spend reaches the threshold (reaching it exactly counts)", () => {
    const { ledger: instance, alerts, time } = ledger();
    instance.configure(plan({ global: { dailyLimit: 10, monthlyLimit: 100, alertThreshold: 0.5 } }));
    const spend = (amount: number) => {
      const reservation = reserveOk(instance, { pool: "chat" }, model(perInput), chat(amount, 0));
      instance.record(reservation, undefined, 0, true);
      instance.settle(reservation);
    };
    spend(4);
    expect(alerts).toEqual([]);
    spend(1);
    expect(alerts).toEqual([{ scope: "global", limitType: "daily", limitValue: 10, spent: 5, threshold: 0.5 }]);
    spend(1);
    expect(alerts).toHaveLength(1);
    // Next day: the daily alert may fire again; the month has not reached its threshold.
    time.now += DAY;
    spend(5);
    expect(alerts.map((alert) => `${alert.limitType} ${alert.spent}`)).toEqual(["daily 5", "daily 5"]);
    for (let day = 0; day < 8; day += 1) {
      time.now += DAY;
      spend(5);
    }
    expect(alerts.filter((alert) => alert.limitType === "monthly")).toEqual([{ scope: "global", limitType: "monthly", limitValue: 100, spent: 51, threshold: 0.5 }]);
  });

  it("a budget without a daily or monthly limit never alerts", () => {
    const { ledger: instance, alerts } = ledger();
    instance.configure(plan({ global: { perRequestLimit: 1_000, alertThreshold: 0 } }));
    const reservation = reserveOk(instance, { pool: "chat" }, model(perInput), chat(5, 0));
    instance.record(reservation, undefined, 0, true);
    instance.settle(reservation);
    expect(alerts).toEqual([]);
  });
});

describe("periods", () => {
  it("report names the UTC day and month; a new day clears the day's spend, a new month the month's", () => {
    const { ledger: instance, time } = ledger({ now: Date.UTC(2026, 0, 31, 23, 30) });
    instance.configure(plan({ global: { dailyLimit: 100, monthlyLimit: 1_000 } }));
    const spend = (amount: number) => {
      const reservation = reserveOk(instance, { pool: "chat" }, model(perInput), chat(amount, 0));
      instance.record(reservation, undefined, 0, true);
      instance.settle(reservation);
    };
    spend(3);
    expect(instance.report()["global"]).toEqual({
      enforce: true,
      perRequestLimit: null,
      daily: { period: "2026-01-31", limit: 100, spent: 3, reserved: 0, remaining: 97 },
      monthly: { period: "2026-01", limit: 1_000, spent: 3, reserved: 0, remaining: 997 },
    });
    time.now = Date.UTC(2026, 1, 1, 0, 30);
    expect(instance.report()["global"]).toMatchObject({ daily: { period: "2026-02-01", spent: 0 }, monthly: { period: "2026-02", spent: 0 } });
    spend(2);
    time.now = Date.UTC(2026, 1, 2, 0, 30);
    expect(instance.report()["global"]).toMatchObject({ daily: { period: "2026-02-02", spent: 0 }, monthly: { period: "2026-02", spent: 2 } });
  });

  it("a budget with no counter yet reports an empty current period", () => {
    const { ledger: instance } = ledger({ now: Date.UTC(2026, 4, 6) });
    instance.configure(plan({ pools: new Map([["chat", limits({ monthlyLimit: 5 })]]) }));
    expect(instance.report()).toEqual({ "pool:chat": { enforce: true, perRequestLimit: null, daily: { period: "2026-05-06", limit: null, spent: 0, reserved: 0, remaining: null }, monthly: { period: "2026-05", limit: 5, spent: 0, reserved: 0, remaining: 5 } } });
  });
});

describe("snapshot and restore", () => {
  it("saves spend per budget and period, without reservations", () => {
    const { ledger: instance } = ledger({ now: Date.UTC(2026, 2, 3) });
    instance.configure(plan({ global: { dailyLimit: 100 }, pools: new Map([["chat", limits({ dailyLimit: 100 })]]) }));
    const spent = reserveOk(instance, { pool: "chat" }, model(perInput), chat(4, 0));
    instance.record(spent, undefined, 0, true);
    instance.settle(spent);
    reserveOk(instance, { pool: "chat" }, model(perInput), chat(9, 0));
    expect(instance.snapshot()).toEqual({
      global: { day: "2026-03-03", daySpent: 4, month: "2026-03", monthSpent: 4 },
      "pool:chat": { day: "2026-03-03", daySpent: 4, month: "2026-03", monthSpent: 4 },
    });
    expect(JSON.parse(JSON.stringify(instance.snapshot()))).toEqual(instance.snapshot());
  });

  it("restores by replacing the current period's spend; other periods, junk and bad amounts count as nothing", () => {
    const { ledger: instance } = ledger({ now: Date.UTC(2026, 2, 3) });
    instance.configure(plan({ global: { dailyLimit: 100, monthlyLimit: 1_000 } }));
    instance.restore({ global: { day: "2026-03-03", daySpent: 5, month: "2026-03", monthSpent: 50 } });
    instance.restore({ global: { day: "2026-03-03", daySpent: 6, month: "2026-03", monthSpent: 60 } });
    expect(instance.report()["global"]).toMatchObject({ daily: { spent: 6 }, monthly: { spent: 60 } });
    instance.restore({ global: { day: "2026-03-02", daySpent: 99, month: "2026-03", monthSpent: 61 } });
    expect(instance.report()["global"]).toMatchObject({ daily: { spent: 6 }, monthly: { spent: 61 } });
    instance.restore({ global: { day: "2026-03-03", daySpent: 7, month: "2026-02", monthSpent: 999 } });
    expect(instance.report()["global"]).toMatchObject({ daily: { spent: 7 }, monthly: { spent: 61 } });
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, "8", null]) {
      instance.restore({ global: { day: "2026-03-03", daySpent: bad, month: "2026-03", monthSpent: bad } });
      expect(instance.report()["global"], String(bad)).toMatchObject({ daily: { spent: 0 }, monthly: { spent: 0 } });
    }
    instance.restore({ global: { day: 20260303, daySpent: 9, month: ["2026-03"], monthSpent: 9 } });
    expect(instance.report()["global"]).toMatchObject({ daily: { spent: 0 }, monthly: { spent: 0 } });
    for (const junk of [null, undefined, 42, "text", { global: null }, { global: "x" }]) instance.restore(junk as never);
    expect(instance.report()["global"]).toMatchObject({ daily: { spent: 0 }, monthly: { spent: 0 } });
    // A saved scope counter comes back and is reported under scopeDefault.
    instance.configure(plan({ global: { dailyLimit: 100, scopeDefault: limits({ dailyLimit: 10 }) } }));
    instance.restore({ "scope:site:x": { day: "2026-03-03", daySpent: 2, month: "2026-03", monthSpent: 2 } });
    expect(instance.report()["scope:site:x"]!.daily).toMatchObject({ limit: 10, spent: 2, remaining: 8 });
  });

  it("a full scope table: a saved scope that cannot be counted is skipped, the others still restore", () => {
    const { ledger: instance } = ledger({ now: Date.UTC(2026, 2, 3) });
    instance.configure(plan({ global: { dailyLimit: 1_000_000, scopeDefault: limits({ dailyLimit: 1_000_000 }) } }));
    for (let index = 0; index < MAX_BUDGET_SCOPES; index += 1) {
      const reservation = reserveOk(instance, { pool: "chat", scope: `s${index}` }, model(perInput), chat(1, 0));
      instance.record(reservation, undefined, 0, true);
      instance.settle(reservation);
    }
    instance.restore({ "scope:new": { day: "2026-03-03", daySpent: 5, month: "2026-03", monthSpent: 5 }, global: { day: "2026-03-03", daySpent: 1, month: "2026-03", monthSpent: 1 } });
    expect(instance.report()["scope:new"]).toBeUndefined();
    expect(instance.report()["global"]!.daily.spent).toBe(1);
  });
});

describe("the scope table", () => {
  it("a full table drops scopes with nothing in flight and nothing spent this month, keeps the rest", () => {
    const { ledger: instance, time } = ledger({ now: Date.UTC(2026, 2, 3) });
    instance.configure(plan({ global: { scopeDefault: limits({ dailyLimit: 1_000_000 }) } }));
    // One scope with spend, one with a reservation in flight, the rest idle.
    const paid = reserveOk(instance, { pool: "chat", scope: "paid" }, model(perInput), chat(1, 0));
    instance.record(paid, undefined, 0, true);
    instance.settle(paid);
    reserveOk(instance, { pool: "chat", scope: "busy" }, model({ perRequest: 0 }), chat(0, 0));
    const held = reserveOk(instance, { pool: "chat", scope: "held" }, model(perInput), chat(1, 0));
    for (let index = 3; index < MAX_BUDGET_SCOPES; index += 1) instance.settle(reserveOk(instance, { pool: "chat", scope: `idle${index}` }, model(perInput), chat(1, 0)));
    expect(Object.keys(instance.report())).toHaveLength(MAX_BUDGET_SCOPES);
    // The next scope prunes the idle ones (and "busy", which reserved $0), keeping spend and what is in flight.
    expect(instance.reserve({ pool: "chat", scope: "newcomer" }, model(perInput), chat(1, 0))).not.toBeInstanceOf(BudgetExceededError);
    expect(Object.keys(instance.report()).sort()).toEqual(["scope:held", "scope:newcomer", "scope:paid"]);
    instance.settle(held);
    // Next month the paid scope has spent nothing this month: it can go too when the table fills again.
    time.now = Date.UTC(2026, 3, 1);
    for (let index = 0; index < MAX_BUDGET_SCOPES - 3; index += 1) instance.settle(reserveOk(instance, { pool: "chat", scope: `april${index}` }, model(perInput), chat(1, 0)));
    expect(instance.reserve({ pool: "chat", scope: "late" }, model(perInput), chat(1, 0))).not.toBeInstanceOf(BudgetExceededError);
    expect(Object.keys(instance.report())).toContain("scope:late");
    expect(Object.keys(instance.report())).not.toContain("scope:paid");
  });

  it("a full table with nothing to drop refuses a new scope, naming the limit", () => {
    const { ledger: instance, exceeded } = ledger();
    instance.configure(plan({ global: { scopeDefault: limits({ dailyLimit: 1_000_000 }) } }));
    for (let index = 0; index < MAX_BUDGET_SCOPES; index += 1) reserveOk(instance, { pool: "chat", scope: `s${index}` }, model(perInput), chat(1, 0));
    const refused = instance.reserve({ pool: "chat", scope: "one-too-many" }, model(perInput), chat(1, 0)) as BudgetExceededError;
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect([refused.limitType, refused.limitValue, refused.scope]).toEqual(["scopes", MAX_BUDGET_SCOPES, "scope:one-too-many"]);
    // An existing scope is still served.
    expect(instance.reserve({ pool: "chat", scope: "s5" }, model(perInput), chat(1, 0))).not.toBeInstanceOf(BudgetExceededError);
    expect(exceeded).toEqual([]);
  });
});

describe("more ledger edges", () => {
  it("a daily refusal reports the day's spend, a monthly one counts what is in flight", () => {
    const { ledger: instance, exceeded, time } = ledger({ now: Date.UTC(2026, 0, 10, 12) });
    instance.configure(plan({ providers: new Map([["p", limits({ dailyLimit: 4, monthlyLimit: 20 })]]) }));
    const spend = (amount: number) => {
      const reservation = reserveOk(instance, { pool: "chat" }, model(perInput), chat(amount, 0));
      instance.record(reservation, undefined, 0, true);
      instance.settle(reservation);
    };
    spend(4);
    time.now += DAY;
    spend(3);
    expect(instance.reserve({ pool: "chat" }, model(perInput), chat(2, 0))).toBeInstanceOf(BudgetExceededError);
    expect(exceeded.at(-1)).toMatchObject({ scope: "provider:p", limitType: "daily", limitValue: 4, spent: 3 });
    // A monthly limit counts what is in flight: 6 held + 5 asked > 10.
    instance.configure(plan({ pools: new Map([["chat", limits({ monthlyLimit: 10 })]]) }));
    const held = reserveOk(instance, { pool: "chat" }, model(perInput), chat(6, 0));
    const refused = instance.reserve({ pool: "chat" }, model(perInput), chat(5, 0)) as BudgetExceededError;
    expect([refused.limitType, refused.limitValue, refused.scope]).toEqual(["monthly", 10, "pool:chat"]);
    instance.settle(held);
    expect(instance.reserve({ pool: "chat" }, model(perInput), chat(5, 0))).not.toBeInstanceOf(BudgetExceededError);
  });

  it("a scope on a mesh without a global block is counted without a limit", () => {
    const { ledger: instance } = ledger();
    instance.configure(plan({ pools: new Map([["chat", limits({ dailyLimit: 10 })]]) }));
    expect(reserveOk(instance, { pool: "chat", scope: "site:x" }, model(perInput), chat(1, 0)).applied.map((item) => [item.name, item.limits.enforce])).toEqual([["pool:chat", true], ["scope:site:x", false]]);
  });

  it("reading the report creates no counters", () => {
    const { ledger: instance } = ledger();
    instance.configure(plan({ global: { dailyLimit: 10 }, pools: new Map([["chat", limits({ dailyLimit: 10 })]]) }));
    instance.report();
    expect(instance.snapshot()).toEqual({});
  });

  it("a restored scope counter without a default scope budget is not reported", () => {
    const { ledger: instance } = ledger({ now: Date.UTC(2026, 2, 3) });
    const saved = { "scope:site:x": { day: "2026-03-03", daySpent: 2, month: "2026-03", monthSpent: 2 } };
    instance.configure(plan({ pools: new Map([["chat", limits({ dailyLimit: 10 })]]) }));
    instance.restore(saved);
    expect(Object.keys(instance.report())).toEqual(["pool:chat"]);
    instance.configure(plan({ global: { dailyLimit: 10 } }));
    instance.restore(saved);
    expect(Object.keys(instance.report())).toEqual(["global"]);
  });

  it("a monthly alert is not repeated on the next day of the same month", () => {
    const { ledger: instance, alerts, time } = ledger({ now: Date.UTC(2026, 0, 10, 12) });
    instance.configure(plan({ global: { monthlyLimit: 10, alertThreshold: 0.5 } }));
    const spend = (amount: number) => {
      const reservation = reserveOk(instance, { pool: "chat" }, model(perInput), chat(amount, 0));
      instance.record(reservation, undefined, 0, true);
      instance.settle(reservation);
    };
    spend(6);
    time.now += DAY;
    spend(1);
    expect(alerts).toEqual([{ scope: "global", limitType: "monthly", limitValue: 10, spent: 6, threshold: 0.5 }]);
    // A new month may alert again.
    time.now = Date.UTC(2026, 1, 1, 12);
    spend(5);
    expect(alerts.map((alert) => alert.spent)).toEqual([6, 5]);
  });

  it("only scope counters are dropped from a full table; other budgets' counters stay and do not make room", () => {
    const { ledger: instance } = ledger({ now: Date.UTC(2026, 2, 3) });
    instance.configure(plan({ global: { scopeDefault: limits({ dailyLimit: 1_000_000 }) } }));
    // An idle non-scope counter (restored with nothing spent).
    instance.restore({ "provider:other": { day: "2026-03-03", daySpent: 0, month: "2026-03", monthSpent: 0 } });
    for (let index = 0; index < MAX_BUDGET_SCOPES; index += 1) reserveOk(instance, { pool: "chat", scope: `s${index}` }, model(perInput), chat(1, 0));
    expect(instance.reserve({ pool: "chat", scope: "one-too-many" }, model(perInput), chat(1, 0))).toBeInstanceOf(BudgetExceededError);
    expect(Object.keys(instance.snapshot())).toContain("provider:other");
  });
});
