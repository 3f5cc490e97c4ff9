import { describe, expect, it } from "vitest";
import { BudgetLedger, MAX_BUDGET_SCOPES, worstCaseCost, type BudgetLimits, type BudgetPlan, type Reservation } from "./budget.js";
import { BudgetExceededError } from "../wire/errors.js";
import { createModelState } from "../wire/model-state.js";
import { chatFeatures, simpleFeatures } from "./pool.js";

const limits = (values: Partial<BudgetLimits>): BudgetLimits => ({ alertThreshold: 0.8, enforce: true, ...values });
const plan = (values: Partial<BudgetPlan>): BudgetPlan => ({ providers: new Map(), models: new Map(), pools: new Map(), ...values });
const state = createModelState("p", "key", { id: "m", capabilities: [], pricing: { input: 0, output: 1000 } });
const features = chatFeatures({ model: "m", messages: [{ role: "user", content: "Hi" }], max_tokens: 8 }); // $0.008 worst case

function ledgerAt(time: { now: number }) {
  const events: string[] = [];
  const ledger = new BudgetLedger(() => time.now, { exceeded: (event) => void events.push(`exceeded ${event.scope} ${event.limitType}`), alert: (event) => void events.push(`alert ${event.scope} ${event.limitType}`) });
  return { ledger, events };
}

describe("BudgetLedger", () => {
  it("reserves in the same step as it checks: back-to-back reservations never pass the limit together", () => {
    const { ledger } = ledgerAt({ now: Date.UTC(2026, 0, 1) });
    ledger.configure(plan({ global: { dailyLimit: 0.08 } }));
    const results = Array.from({ length: 100 }, () => ledger.reserve({ pool: "chat" }, state, features));
    expect(results.filter((result) => !(result instanceof BudgetExceededError))).toHaveLength(10);
    expect(ledger.report().global!.daily).toMatchObject({ spent: 0, reserved: 0.08, remaining: 0 });
  });

  it("settles at the billed cost, releases an attempt that billed nothing, and charges the worst case when usage is missing", () => {
    const { ledger } = ledgerAt({ now: Date.UTC(2026, 0, 1) });
    ledger.configure(plan({ global: { dailyLimit: 1 } }));
    const billed = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    ledger.record(billed, { promptTokens: 1, completionTokens: 2, totalTokens: 3 }, 0.002, true);
    ledger.settle(billed);
    ledger.settle(billed); // twice is once
    const failed = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    ledger.record(failed, undefined, 0, false);
    ledger.settle(failed);
    const silent = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    ledger.record(silent, undefined, 0, true);
    ledger.settle(silent);
    expect(ledger.report().global!.daily).toMatchObject({ spent: 0.01, reserved: 0 });
  });

  it("a non-chat request reserves no output tokens", () => {
    expect(worstCaseCost({ input: 1_000_000, output: 1_000_000 }, simpleFeatures("embeddings", "abcdefgh"), 100)).toBe(2);
  });

  it("restores saved spend of the current period by replacing, never adding, and ignores other periods and junk", () => {
    const time = { now: Date.UTC(2026, 4, 10, 12) };
    const { ledger } = ledgerAt(time);
    ledger.configure(plan({ global: { dailyLimit: 1, monthlyLimit: 10 } }));
    const saved = { global: { day: "2026-05-10", daySpent: 0.5, month: "2026-05", monthSpent: 4 }, "scope:x": "junk" };
    ledger.restore(saved);
    ledger.restore(saved);
    expect(ledger.report().global).toMatchObject({ daily: { spent: 0.5 }, monthly: { spent: 4 } });
    const { ledger: nextDay } = ledgerAt({ now: Date.UTC(2026, 4, 11, 1) });
    nextDay.configure(plan({ global: { dailyLimit: 1, monthlyLimit: 10 } }));
    nextDay.restore(saved);
    expect(nextDay.report().global).toMatchObject({ daily: { spent: 0, period: "2026-05-11" }, monthly: { spent: 4 } });
    expect(() => nextDay.restore(null)).not.toThrow();
  });

  it("keeps at most MAX_BUDGET_SCOPES scope counters: a new scope is refused rather than left uncounted, until stale ones can go", () => {
    const time = { now: Date.UTC(2026, 0, 31, 12) };
    const { ledger } = ledgerAt(time);
    ledger.configure(plan({ global: { scopeDefault: limits({ dailyLimit: 1 }) } }));
    for (let index = 0; index < MAX_BUDGET_SCOPES; index++) {
      const held = ledger.reserve({ pool: "chat", scope: `s${index}` }, state, features) as Reservation;
      ledger.record(held, { promptTokens: 0, completionTokens: 8, totalTokens: 8 }, 0.008, true);
      ledger.settle(held);
    }
    const refused = ledger.reserve({ pool: "chat", scope: "one-more" }, state, features);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect((refused as BudgetExceededError).limitType).toBe("scopes");
    time.now = Date.UTC(2026, 1, 1, 0, 1); // a new month: last month's scopes spent nothing this month
    expect(ledger.reserve({ pool: "chat", scope: "one-more" }, state, features)).not.toBeInstanceOf(BudgetExceededError);
  });
});
