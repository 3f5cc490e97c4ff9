/**
 * BudgetLedger with a storage that reserves itself (a SharedBudgetStore, as Redis is) and with a journal storage:
 * what the store is asked (ids, amounts, the limits each budget enforces), what a refusal or a failing store gives
 * the caller, what the ledger's report mirrors, and what the journal holds after a restart. The store here is an
 * in-memory one that keeps counters the way the Redis script does, and records every call.
 */
import { describe, expect, it } from "vitest";
import { BudgetLedger, worstCaseCost, type BudgetLimits, type BudgetPlan, type Reservation } from "../../src/core/budget.js";
import { BUDGET_JOURNAL_KEY, type SharedBudgetState, type SharedReservation, type SharedReserveResult } from "../../src/core/budget-store.js";
import { BudgetExceededError, StorageError } from "../../src/wire/errors.js";
import { createModelState } from "../../src/wire/model-state.js";
import { chatFeatures } from "../../src/core/pool.js";
import { MemoryStorage } from "../../src/storage/memory.js";

const limits = (values: Partial<BudgetLimits>): BudgetLimits => ({ alertThreshold: 0.8, enforce: true, ...values });
const plan = (values: Partial<BudgetPlan>): BudgetPlan => ({ providers: new Map(), models: new Map(), pools: new Map(), ...values });
const state = createModelState("p", "key", { id: "m", capabilities: [], pricing: { input: 0, output: 1000 } });
const features = chatFeatures({ model: "m", messages: [{ role: "user", content: "Hi" }], max_tokens: 8 }); // $0.008 worst case
const DAY = Date.UTC(2026, 4, 10, 12);

/** Counters per budget, reservations by id; checks daily/monthly limits of enforced budgets like the Redis script. */
class FakeSharedStore {
  readonly id = "test.shared.v1";
  calls: Array<[string, ...unknown[]]> = [];
  counters = new Map<string, SharedBudgetState>();
  held = new Map<string, { amount: number; names: string[] }>();
  failReserve: Error | undefined;
  failSettle = false;
  /** Budgets the store answers a settlement for (all it holds when unset). */
  settleOnly: string[] | undefined;
  refuse: SharedReserveResult | undefined;

  state(name: string, day: string, month: string): SharedBudgetState {
    let counter = this.counters.get(name);
    if (!counter) this.counters.set(name, (counter = { name, day, daySpent: 0, month, monthSpent: 0, reserved: 0 }));
    return counter;
  }
  async reserveBudgets(reservation: SharedReservation): Promise<SharedReserveResult> {
    this.calls.push(["reserve", structuredClone(reservation)]);
    if (this.failReserve) throw this.failReserve;
    if (this.refuse) return this.refuse;
    for (const budget of reservation.budgets) this.state(budget.name, reservation.day, reservation.month).reserved += reservation.amount;
    this.held.set(reservation.id, { amount: reservation.amount, names: reservation.budgets.map((budget) => budget.name) });
    return { ok: true, budgets: reservation.budgets.map((budget) => ({ ...this.state(budget.name, reservation.day, reservation.month) })) };
  }
  async settleBudgets(id: string, cost: number, day: string, month: string, now: number): Promise<SharedBudgetState[]> {
    this.calls.push(["settle", id, cost, day, month, now]);
    if (this.failSettle) throw new Error("connection reset");
    const held = this.held.get(id);
    if (!held) return [];
    this.held.delete(id);
    return held.names.filter((name) => this.settleOnly?.includes(name) ?? true).map((name) => {
      const counter = this.state(name, day, month);
      counter.reserved -= held.amount;
      counter.daySpent += cost;
      counter.monthSpent += cost;
      return { ...counter };
    });
  }
  async readBudgets(names: string[], day: string, month: string, now: number): Promise<SharedBudgetState[]> {
    this.calls.push(["read", names, day, month, now]);
    return names.flatMap((name) => (this.counters.has(name) ? [{ ...this.counters.get(name)! }] : []));
  }
  // BaseStorage's surface, as the mesh would give it.
  async loadData(): Promise<unknown> {
    return undefined;
  }
  async saveData(): Promise<void> {}
}

function ledgerAt(time: { now: number }) {
  const events: string[] = [];
  const ledger = new BudgetLedger(() => time.now, {
    exceeded: (event) => void events.push(`exceeded ${event.scope} ${event.limitType} ${event.limitValue} ${event.spent}`),
    alert: (event) => void events.push(`alert ${event.scope} ${event.limitType} ${event.spent}`),
  });
  return { ledger, events };
}

describe("a shared budget store", () => {
  it("attach reads every configured budget from the store into the report (nothing read without a budget)", async () => {
    const store = new FakeSharedStore();
    store.counters.set("global", { name: "global", day: "2026-05-10", daySpent: 0.3, month: "2026-05", monthSpent: 2.5, reserved: 0.05 });
    store.counters.set("pool:chat", { name: "pool:chat", day: "2026-05-10", daySpent: 0.1, month: "2026-05", monthSpent: 0.1, reserved: -1 });
    const idle = ledgerAt({ now: DAY }).ledger;
    await idle.attach(store as never);
    expect(store.calls).toEqual([]);
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 1, monthlyLimit: 10 }, pools: new Map([["chat", limits({ dailyLimit: 5 })]]) }));
    await ledger.attach(store as never);
    expect(store.calls).toEqual([["read", ["global", "pool:chat"], "2026-05-10", "2026-05", DAY]]);
    const report = ledger.report();
    expect(report["global"]!.daily).toEqual({ period: "2026-05-10", limit: 1, spent: 0.3, reserved: 0.05, remaining: 0.65 });
    expect(report["global"]!.monthly).toEqual({ period: "2026-05", limit: 10, spent: 2.5, reserved: 0.05, remaining: 7.45 });
    // A negative reserved count from the store is shown as nothing reserved.
    expect(report["pool:chat"]!.daily).toMatchObject({ spent: 0.1, reserved: 0 });
  });

  it("commit asks the store to reserve, with only the limits enforced budgets have; the reply is mirrored", async () => {
    const store = new FakeSharedStore();
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 1, monthlyLimit: 10 }, pools: new Map([["chat", limits({ dailyLimit: 5, monthlyLimit: 50, enforce: false })]]) }));
    await ledger.attach(store as never);
    const reservation = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    // The local counters are only a mirror in shared mode: nothing is held here before the store holds it.
    expect(ledger.report()["global"]!.daily.reserved).toBe(0);
    expect(await ledger.commit(reservation)).toBeUndefined();
    expect(store.calls[1]).toEqual([
      "reserve",
      {
        id: reservation.id,
        amount: 0.008,
        day: "2026-05-10",
        month: "2026-05",
        now: DAY,
        budgets: [
          { name: "global", enforce: true, dailyLimit: 1, monthlyLimit: 10 },
          { name: "pool:chat", enforce: false },
        ],
      },
    ]);
    expect(reservation.held).toBe("shared");
    expect(ledger.report()["global"]!.daily).toMatchObject({ reserved: 0.008, remaining: 0.992 });
  });

  it("settling books the real cost in the store (once), mirrors the reply and alerts from it", async () => {
    const store = new FakeSharedStore();
    const time = { now: DAY };
    const { ledger, events } = ledgerAt(time);
    ledger.configure(plan({ global: { dailyLimit: 0.01 }, pools: new Map([["chat", limits({ dailyLimit: 100 })]]) }));
    await ledger.attach(store as never);
    const reservation = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    await ledger.commit(reservation);
    ledger.record(reservation, { promptTokens: 1, completionTokens: 9, totalTokens: 10 }, 0.009, true);
    time.now = DAY + 1000;
    ledger.settle(reservation);
    ledger.settle(reservation);
    await ledger.flush();
    expect(store.calls.filter((call) => call[0] === "settle")).toEqual([["settle", reservation.id, 0.009, "2026-05-10", "2026-05", DAY + 1000]]);
    expect(ledger.report()["global"]!.daily).toMatchObject({ spent: 0.009, reserved: 0 });
    expect(ledger.report()["pool:chat"]!.daily).toMatchObject({ spent: 0.009, reserved: 0 });
    expect(events).toEqual(["alert global daily 0.009"]);
  });

  it("a settlement the store no longer holds (lease ran out) alerts nobody; a failing one is dropped quietly", async () => {
    const store = new FakeSharedStore();
    const { ledger, events } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 0.01 } }));
    await ledger.attach(store as never);
    // The store already counts 0.0095 of 0.01: the mirror shows it, past the alert threshold.
    store.state("global", "2026-05-10", "2026-05").daySpent = 0.0095;
    const expired = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    await ledger.commit(expired);
    expect(ledger.report()["global"]!.daily.spent).toBe(0.0095);
    store.held.clear();
    ledger.record(expired, undefined, 0, true);
    ledger.settle(expired);
    await ledger.flush();
    expect(events).toEqual([]);
    const failing = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    await ledger.commit(failing);
    store.failSettle = true;
    ledger.record(failing, undefined, 0, true);
    ledger.settle(failing);
    await expect(ledger.flush()).resolves.toBeUndefined();
  });

  it("a settlement alerts only the budgets the store answered for", async () => {
    const store = new FakeSharedStore();
    const { ledger, events } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 100 }, pools: new Map([["chat", limits({ dailyLimit: 0.01 })]]) }));
    await ledger.attach(store as never);
    store.state("pool:chat", "2026-05-10", "2026-05").daySpent = 0.0095;
    const reservation = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    await ledger.commit(reservation);
    store.settleOnly = ["global"];
    ledger.record(reservation, undefined, 0, true);
    ledger.settle(reservation);
    await ledger.flush();
    expect(ledger.report()["global"]!.daily.spent).toBe(0.008);
    expect(events).toEqual([]);
  });

  it("the store's refusal is a BudgetExceededError with its numbers, and an exceeded event; nothing is settled later", async () => {
    const store = new FakeSharedStore();
    const { ledger, events } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 1 } }));
    await ledger.attach(store as never);
    store.refuse = { ok: false, name: "global", limitType: "daily", limitValue: 1, spent: 0.995 };
    const reservation = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    const refused = await ledger.commit(reservation);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect(refused).toMatchObject({ limitType: "daily", limitValue: 1, scope: "global" });
    expect(events).toEqual(["exceeded global daily 1 0.995"]);
    ledger.settle(reservation);
    await ledger.flush();
    expect(store.calls.map((call) => call[0])).toEqual(["read", "reserve"]);
    expect(await ledger.commit(reservation)).toBeUndefined();
    expect(store.calls).toHaveLength(2);
  });

  it("in shared mode only the per-request limit is checked locally: daily and monthly are the store's to check", async () => {
    const store = new FakeSharedStore();
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 0.001, perRequestLimit: 0.5 } }));
    await ledger.attach(store as never);
    expect(ledger.reserve({ pool: "chat" }, state, features)).not.toBeInstanceOf(BudgetExceededError);
    ledger.configure(plan({ global: { perRequestLimit: 0.001 } }));
    expect(ledger.reserve({ pool: "chat" }, state, features)).toMatchObject({ limitType: "per-request" });
  });

  it("a failing store refuses the request with a StorageError when a budget is enforced, lets it go otherwise", async () => {
    const store = new FakeSharedStore();
    store.failReserve = new Error("READONLY replica");
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ pools: new Map([["chat", limits({ dailyLimit: 1 })]]) }));
    await ledger.attach(store as never);
    const enforced = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    const error = await ledger.commit(enforced);
    expect(error).toBeInstanceOf(StorageError);
    expect(error!.message).toContain("pool:chat: the shared budget store could not reserve this request (READONLY replica)");
    expect(enforced.settled).toBe(true);
    ledger.configure(plan({ pools: new Map([["chat", limits({ dailyLimit: 1, enforce: false })]]) }));
    const counted = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    expect(await ledger.commit(counted)).toBeUndefined();
    expect(counted.held).toBeUndefined();
    // Not held by the store: its settlement is nobody's to count here (the counters are the store's mirror).
    ledger.record(counted, undefined, 0, true);
    ledger.settle(counted);
    await ledger.flush();
    expect(ledger.report()["pool:chat"]!.daily).toMatchObject({ spent: 0, reserved: 0 });
    expect(store.calls.filter((call) => call[0] === "settle")).toEqual([]);
    // Never committed (the request was not sent): settling it counts nothing here either.
    const unsent = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    ledger.record(unsent, undefined, 0, true);
    ledger.settle(unsent);
    expect(ledger.report()["pool:chat"]!.daily).toMatchObject({ spent: 0, reserved: 0 });
  });

  it("refresh reads the store again; without a shared store it reads nothing", async () => {
    const store = new FakeSharedStore();
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 1 } }));
    await ledger.attach(store as never);
    store.counters.set("global", { name: "global", day: "2026-05-10", daySpent: 0.4, month: "2026-05", monthSpent: 0.4, reserved: 0 });
    await ledger.refresh();
    expect(ledger.report()["global"]!.daily.spent).toBe(0.4);
    await ledger.attach(new MemoryStorage());
    store.counters.get("global")!.daySpent = 0.9;
    await ledger.refresh();
    expect(ledger.report()["global"]!.daily.spent).toBe(0.4);
    expect(store.calls.filter((call) => call[0] === "read")).toHaveLength(2);
  });
});

/** A persistent storage that keeps what is saved, and can be made to fail. */
class JournalStorage {
  readonly id = "test.journal.v1";
  data = new Map<string, unknown>();
  saves = 0;
  options: unknown[] = [];
  fail: Error | undefined;
  async loadData(key: string): Promise<unknown> {
    return structuredClone(this.data.get(key));
  }
  async saveData(key: string, value: unknown, options?: unknown): Promise<void> {
    if (this.fail) throw this.fail;
    this.saves += 1;
    this.options.push(options);
    this.data.set(key, structuredClone(value));
  }
}

const journalOf = (storage: JournalStorage) => storage.data.get(BUDGET_JOURNAL_KEY) as { counters: Record<string, { daySpent: number; monthSpent: number }>; open: Record<string, { amount: number; budgets: string[] }> };

describe("the budget journal", () => {
  it("memory storage gets no journal: commit has nothing to wait for and nothing is saved", async () => {
    const memory = new MemoryStorage();
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 1 } }));
    await ledger.attach(memory);
    const reservation = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    expect(ledger.commit(reservation)).toBeUndefined();
    expect(await memory.loadData(BUDGET_JOURNAL_KEY)).toBeNull();
    expect(ledger.journalWrites).toBe(0);
    expect(ledger.recovered).toEqual({ reservations: 0, amount: 0 });
  });

  it("a reservation is in the journal before the request goes, and its settlement with the next write", async () => {
    const storage = new JournalStorage();
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 1 }, pools: new Map([["chat", limits({ monthlyLimit: 5 })]]) }));
    await ledger.attach(storage as never);
    expect(storage.saves).toBe(0);
    const reservation = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    expect(await ledger.commit(reservation)).toBeUndefined();
    expect(reservation.held).toBe("journal");
    expect(journalOf(storage).open[reservation.id]).toEqual({ amount: 0.008, budgets: ["global", "pool:chat"], day: "2026-05-10", month: "2026-05", at: DAY });
    ledger.record(reservation, { promptTokens: 1, completionTokens: 3, totalTokens: 4 }, 0.003, true);
    ledger.settle(reservation);
    await ledger.flush();
    expect(journalOf(storage).open).toEqual({});
    expect(journalOf(storage).counters["global"]).toMatchObject({ daySpent: 0.003, monthSpent: 0.003 });
    expect(ledger.journalWrites).toBe(2);
    expect(storage.options).toEqual([{ version: 1 }, { version: 1 }]);
    await ledger.flush();
    expect(ledger.journalWrites).toBe(2);
  });

  it("a write that fails releases an enforced reservation with a StorageError and is retried by the next flush", async () => {
    const storage = new JournalStorage();
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 1 } }));
    await ledger.attach(storage as never);
    const other = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    const cause = new Error("disk full");
    storage.fail = cause;
    const reservation = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    const error = await ledger.commit(reservation);
    expect(error).toBeInstanceOf(StorageError);
    expect(error!.message).toContain("global: the budget reservation could not be written to storage (disk full)");
    expect((error as StorageError & { cause?: unknown }).cause).toBe(cause);
    // Released: only the other reservation is still held, and settling the released one books nothing.
    expect(ledger.report()["global"]!.daily.reserved).toBe(0.008);
    ledger.record(reservation, { promptTokens: 1, completionTokens: 5, totalTokens: 6 }, 0.005, true);
    ledger.settle(reservation);
    expect(ledger.report()["global"]!.daily).toMatchObject({ spent: 0, reserved: 0.008 });
    storage.fail = undefined;
    await ledger.flush();
    expect(Object.keys(journalOf(storage).open)).toEqual([other.id]);
    expect(storage.saves).toBe(1);
  });

  it("a write that fails lets an unenforced budget's request go, still reserved", async () => {
    const storage = new JournalStorage();
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ pools: new Map([["chat", limits({ dailyLimit: 1, enforce: false })]]) }));
    await ledger.attach(storage as never);
    storage.fail = new Error("disk full");
    const reservation = ledger.reserve({ pool: "chat" }, state, features) as Reservation;
    expect(await ledger.commit(reservation)).toBeUndefined();
    expect(ledger.report()["pool:chat"]!.daily.reserved).toBe(0.008);
    storage.fail = undefined;
    await ledger.flush();
    expect(Object.keys(journalOf(storage).open)).toEqual([reservation.id]);
  });

  it("a restart books reservations a crash left open as spent in their own day and month, and writes that at once", async () => {
    const storage = new JournalStorage();
    storage.data.set(BUDGET_JOURNAL_KEY, {
      version: 1,
      counters: { global: { day: "2026-05-10", daySpent: 0.1, month: "2026-05", monthSpent: 1 } },
      open: {
        today: { amount: 0.02, budgets: ["global"], day: "2026-05-10", month: "2026-05", at: DAY - 5 },
        lastMonth: { amount: 0.5, budgets: ["global"], day: "2026-04-30", month: "2026-04", at: DAY - 9 },
        earlierToday: { amount: 0.03, budgets: ["global", "pool:chat"], day: "2026-05-09", month: "2026-05", at: DAY - 7 },
      },
    });
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 1, monthlyLimit: 10 } }));
    await ledger.attach(storage as never);
    expect(ledger.recovered).toEqual({ reservations: 3, amount: 0.55 });
    expect(ledger.report()["global"]!.daily.spent).toBe(0.12);
    expect(ledger.report()["global"]!.monthly.spent).toBe(1.05);
    expect(storage.saves).toBe(1);
    expect(journalOf(storage).open).toEqual({});
    expect(journalOf(storage).counters["global"]).toMatchObject({ daySpent: 0.12, monthSpent: 1.05 });
    expect(journalOf(storage).counters["pool:chat"]).toMatchObject({ daySpent: 0, monthSpent: 0.03 });
  });

  it("a clean journal is read without writing it again", async () => {
    const storage = new JournalStorage();
    storage.data.set(BUDGET_JOURNAL_KEY, { version: 1, counters: { global: { day: "2026-05-10", daySpent: 0.2, month: "2026-05", monthSpent: 0.2 } }, open: {} });
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 1 } }));
    await ledger.attach(storage as never);
    expect(ledger.recovered).toEqual({ reservations: 0, amount: 0 });
    expect(storage.saves).toBe(0);
    await ledger.flush();
    expect(storage.saves).toBe(0);
    expect(ledger.report()["global"]!.daily.spent).toBe(0.2);
  });
});

describe("prices and restored spend", () => {
  it("images hold one image at its price on top of characters; other operations hold no image", () => {
    const images = { operation: "images", estimatedInputTokens: 10, reservedOutputTokens: 0 };
    expect(worstCaseCost({ perImage: 0.04, perCharacter: 0.001 }, images, undefined)).toBeCloseTo(0.08, 12);
    expect(worstCaseCost({ perImage: 0.04 }, { ...images, operation: "speech" }, undefined)).toBe(0);
    expect(worstCaseCost({ perCharacter: 0.001 }, images, undefined)).toBeCloseTo(0.04, 12);
  });

  it("a model without a price is billed at the default price for what the service reports", () => {
    const { ledger } = ledgerAt({ now: DAY });
    const unpriced = createModelState("p", "free", { id: "free", capabilities: [] });
    ledger.configure(plan({ global: { dailyLimit: 100, defaultPrice: { input: 1, output: 2, perCharacter: 0.001, perSecond: 0.01, perImage: 0.1, perRequest: 0.5 } } }));
    const reservation = ledger.reserve({ pool: "chat" }, unpriced, features) as Reservation;
    ledger.record(reservation, { promptTokens: 1_000_000, completionTokens: 2_000_000, totalTokens: 3_000_000, characters: 10, seconds: 3, images: 2 }, 999, true);
    ledger.settle(reservation);
    // 1 + 4 (tokens) + 0.01 + 0.03 + 0.2 (units) + 0.5 (request); the router's cost (999) is not used for a default price.
    expect(ledger.report()["global"]!.daily.spent).toBeCloseTo(5.74, 9);
  });

  it("restore takes a day's spend only for the same day, and skips entries that are not objects", () => {
    const { ledger } = ledgerAt({ now: DAY });
    ledger.configure(plan({ global: { dailyLimit: 10, monthlyLimit: 100 } }));
    ledger.restore({ global: { day: "2026-05-09", daySpent: 5, month: "2026-05", monthSpent: 7 }, other: null, third: 4 });
    expect(ledger.report()["global"]!.daily.spent).toBe(0);
    expect(ledger.report()["global"]!.monthly.spent).toBe(7);
    ledger.restore({ global: { day: "2026-05-10", daySpent: 2, month: "2026-04", monthSpent: 9 } });
    expect(ledger.report()["global"]!.daily.spent).toBe(2);
    expect(ledger.report()["global"]!.monthly.spent).toBe(7);
  });
});
