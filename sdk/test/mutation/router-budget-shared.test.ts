/**
 * The router's budget step when a shared store (as Redis is) checks and holds reservations itself
 * (core/router.ts reserve): what the store was asked, which model each request reached, the error a caller gets when
 * the store refuses or fails, and the budget-reserved event. The store here is in memory, scripted per budget name.
 */
import { describe, expect, it } from "vitest";
import { AllProvidersExhaustedError, BudgetExceededError, StorageError } from "../../src/wire/errors.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { create } from "../../src/index.js";
import { CallbackObservability } from "../../src/observability/callback.js";
import type { SharedBudgetState, SharedReservation, SharedReserveResult } from "../../src/core/budget-store.js";
import type { MeshEvent } from "../../src/wire/events.js";
import { CHAT, hello, ScriptedProvider, testClock } from "./scripted.js";

/** Refuses any reservation that counts against a budget in `refuse`; `down` makes every call fail. */
class SharedBudgets extends MemoryStorage {
  readonly reservations: SharedReservation[] = [];
  refuse = new Set<string>();
  down = false;

  async reserveBudgets(reservation: SharedReservation): Promise<SharedReserveResult> {
    if (this.down) throw new Error("connection refused");
    this.reservations.push(reservation);
    const refused = reservation.budgets.find((budget) => this.refuse.has(budget.name));
    if (refused) return { ok: false, name: refused.name, limitType: "daily", limitValue: refused.dailyLimit ?? 0, spent: 0 };
    return { ok: true, budgets: reservation.budgets.map((budget) => this.state(budget.name, reservation)) };
  }

  async settleBudgets(): Promise<SharedBudgetState[]> {
    return [];
  }

  async readBudgets(): Promise<SharedBudgetState[]> {
    return [];
  }

  private state(name: string, reservation: SharedReservation): SharedBudgetState {
    return { name, day: reservation.day, daySpent: 0, month: reservation.month, monthSpent: 0, reserved: reservation.amount };
  }
}

const priced = (id: string) => ({ id, capabilities: [CHAT], pricing: { input: 1, output: 1 } });

function meshOver(storage: SharedBudgets, pool: Record<string, unknown> = {}) {
  const clock = testClock();
  const a = new ScriptedProvider("a", [priced("alpha")], [], clock);
  const b = new ScriptedProvider("b", [priced("beta")], [], clock);
  const events: MeshEvent[] = [];
  const mesh = create({
    config: {
      providers: { a: { instance: a, budget: { daily_limit: 5 } }, b: { instance: b, budget: { daily_limit: 5 } } },
      pools: { chat: { capability: "chat-completion", strategy: "priority", retry: { max_retries: 0 }, ...pool } },
    },
    clock,
    storage: { instance: storage },
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), logLevel: "full", minSeverity: "debug" }) },
  } as never);
  return { mesh, a, b, events };
}

const ask = (mesh: ReturnType<typeof meshOver>["mesh"]) => mesh.chat.completions.create({ model: "chat", messages: hello, max_tokens: 10 });

describe("a shared budget store", () => {
  it("that holds the reservation lets the request through, announced by one budget-reserved event", async () => {
    const storage = new SharedBudgets();
    const { mesh, a, events } = meshOver(storage);
    expect((await ask(mesh)).model).toBe("alpha");
    expect(a.received).toHaveLength(1);
    expect(storage.reservations).toHaveLength(1);
    const names = storage.reservations[0]!.budgets.map((budget) => budget.name);
    const reserved = events.filter((event) => event.type === "budget-reserved");
    expect(reserved).toEqual([expect.objectContaining({ type: "budget-reserved", severity: "debug", component: "budget", pool: "chat", provider: "a", model: "alpha", budgets: names, amount: storage.reservations[0]!.amount })]);
    await mesh.close();
  });

  it("that refuses stops the request before it is sent, with the store's budget error", async () => {
    const storage = new SharedBudgets();
    const { mesh, a, b } = meshOver(storage);
    await ask(mesh);
    storage.refuse = new Set(storage.reservations[0]!.budgets.map((budget) => budget.name));
    const error = await ask(mesh).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ scope: [...storage.refuse][0], limitType: "daily", limitValue: 5 });
    expect([a.received.length, b.received.length]).toEqual([1, 0]);
    await mesh.close();
  });

  it("that refuses one model under rotate moves on to the next, which it holds", async () => {
    const storage = new SharedBudgets();
    const { mesh, a, b } = meshOver(storage, { on_budget_exceeded: "rotate" });
    await ask(mesh);
    storage.refuse = new Set(storage.reservations[0]!.budgets.map((budget) => budget.name));
    expect((await ask(mesh)).model).toBe("beta");
    expect([a.received.length, b.received.length]).toEqual([1, 1]);
    await mesh.close();
  });

  it("that fails is the caller's error even under rotate: nothing is sent, and no other model is tried", async () => {
    const storage = new SharedBudgets();
    const { mesh, a, b } = meshOver(storage, { on_budget_exceeded: "rotate" });
    storage.down = true;
    const error = await ask(mesh).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).not.toBeInstanceOf(AllProvidersExhaustedError);
    expect((error as Error).message).toContain("connection refused");
    expect([a.received.length, b.received.length]).toEqual([0, 0]);
    await mesh.close();
  });
});

describe("without any budget", () => {
  it("no budget-reserved event is emitted and the store is never asked", async () => {
    const storage = new SharedBudgets();
    const clock = testClock();
    const a = new ScriptedProvider("a", [priced("alpha")], [], clock);
    const events: MeshEvent[] = [];
    const mesh = create({
      config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion" } } },
      clock,
      storage: { instance: storage },
      observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), logLevel: "full", minSeverity: "debug" }) },
    } as never);
    expect((await mesh.chat.completions.create({ model: "chat", messages: hello })).model).toBe("alpha");
    expect(events.map((event) => event.type)).toContain("request-end");
    expect(events.filter((event) => event.type === "budget-reserved")).toEqual([]);
    expect(storage.reservations).toEqual([]);
    await mesh.close();
  });
});
