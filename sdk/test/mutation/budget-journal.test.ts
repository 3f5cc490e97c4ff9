/**
 * core/budget-store.ts observed directly: readJournal keeps every well-formed counter and open reservation of a saved
 * budget journal and drops the rest (storage is outside our control), and isSharedBudgetStore's duck typing.
 */
import { describe, expect, it } from "vitest";
import { BUDGET_JOURNAL_KEY, isSharedBudgetStore, readJournal } from "../../src/core/budget-store.js";

const empty = { version: 1, counters: {}, open: {} };

describe("readJournal", () => {
  it("keeps well-formed counters and reservations as they were saved", () => {
    const saved = {
      version: 1,
      counters: { global: { day: "2026-12-02", daySpent: 1.5, month: "2026-12", monthSpent: 7 } },
      open: { r1: { amount: 0.25, budgets: ["global", "pool:chat"], day: "2026-12-02", month: "2026-12", at: 1_700_000_000_000 } },
    };
    expect(readJournal(saved)).toEqual(saved);
    expect(BUDGET_JOURNAL_KEY).toBe("modelmesh/budgets");
  });

  it("starts empty from anything that is not a version-1 journal", () => {
    for (const value of [undefined, null, "journal", 1, { version: 2, counters: { a: { day: "d", month: "m" } } }, { counters: {} }]) expect(readJournal(value)).toEqual(empty);
  });

  it("drops counters and reservations without day and month strings, and reservations without a budget list", () => {
    const journal = readJournal({
      version: 1,
      counters: { noDay: { month: "m", daySpent: 1 }, noMonth: { day: "d", daySpent: 1 }, text: "x", nothing: null, ok: { day: "d", month: "m" } },
      open: { noDay: { month: "m", budgets: [] }, noMonth: { day: "d", budgets: [] }, noList: { day: "d", month: "m", budgets: "global" }, ok: { day: "d", month: "m", budgets: ["global", 7, null] } },
    });
    expect(journal.counters).toEqual({ ok: { day: "d", month: "m", daySpent: 0, monthSpent: 0 } });
    expect(journal.open).toEqual({ ok: { day: "d", month: "m", budgets: ["global"], amount: 0, at: 0 } });
    expect(readJournal({ version: 1, counters: [{ day: "d", month: "m" }], open: "x" })).toEqual(empty);
  });

  it("turns negative, non-finite or non-number amounts into 0, keeping positive ones", () => {
    const counters = Object.fromEntries([-1, Number.NaN, Number.POSITIVE_INFINITY, "5", 0, 0.5].map((value, index) => [`c${index}`, { day: "d", month: "m", daySpent: value, monthSpent: value }]));
    const journal = readJournal({ version: 1, counters, open: { r: { day: "d", month: "m", budgets: [], amount: -3, at: Number.NaN } } });
    expect(Object.values(journal.counters).map((counter) => [counter.daySpent, counter.monthSpent])).toEqual([[0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0.5, 0.5]]);
    expect(journal.open["r"]).toMatchObject({ amount: 0, at: 0 });
  });

  it("keeps a budget or reservation named __proto__ as an ordinary, writable entry", () => {
    const journal = readJournal(JSON.parse('{"version":1,"counters":{"__proto__":{"day":"d","month":"m","daySpent":2}},"open":{"__proto__":{"day":"d","month":"m","budgets":["__proto__"],"amount":1}}}'));
    expect(Object.keys(journal.counters)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(journal.counters)).toBe(Object.prototype);
    expect(journal.counters["__proto__"]?.daySpent).toBe(2);
    expect(Object.keys(journal.open)).toEqual(["__proto__"]);
    journal.counters["__proto__"] = { day: "e", month: "m", daySpent: 3, monthSpent: 3 };
    expect(journal.counters["__proto__"]?.day).toBe("e");
    delete journal.open["__proto__"];
    expect(journal.open).toEqual({});
  });
});

describe("isSharedBudgetStore", () => {
  it("needs reserveBudgets, settleBudgets and readBudgets functions", () => {
    const store = { reserveBudgets: async () => ({ ok: true, budgets: [] }), settleBudgets: async () => [], readBudgets: async () => [] };
    expect(isSharedBudgetStore(store)).toBe(true);
    expect(isSharedBudgetStore({ ...store, reserveBudgets: undefined })).toBe(false);
    expect(isSharedBudgetStore({ ...store, settleBudgets: 1 })).toBe(false);
    expect(isSharedBudgetStore({ ...store, readBudgets: null })).toBe(false);
    expect(isSharedBudgetStore(null)).toBe(false);
  });
});
