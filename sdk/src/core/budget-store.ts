// Where budget counters live beyond the process: a journal in any persistent storage (one process), or a storage
// that reserves and settles atomically itself (Redis: every process sharing one set of counters).

/** The storage key of the budget journal: spend per budget and the reservations of requests still in flight. */
export const BUDGET_JOURNAL_KEY = "modelmesh/budgets";

/** One budget as a shared store checks it: its name and the limits it enforces. */
export interface SharedBudgetLimit {
  name: string;
  dailyLimit?: number;
  monthlyLimit?: number;
  /** False: counted, never refused. */
  enforce: boolean;
}

/** A reservation as a shared store records it until it is settled (or its lease runs out). */
export interface SharedReservation {
  /** Unique across processes. */
  id: string;
  /** Worst-case USD cost held against every budget. */
  amount: number;
  /** UTC day (`2026-12-01`) and month (`2026-12`) of the reserving process's clock. */
  day: string;
  month: string;
  now: number;
  budgets: SharedBudgetLimit[];
}

/** A budget's counters as the shared store holds them after an operation. */
export interface SharedBudgetState {
  name: string;
  day: string;
  daySpent: number;
  month: string;
  monthSpent: number;
  /** Worst case of every process's requests in flight. */
  reserved: number;
}

export type SharedReserveResult =
  | { ok: true; budgets: SharedBudgetState[] }
  | { ok: false; name: string; limitType: "daily" | "monthly"; limitValue: number; spent: number };

/**
 * A storage that keeps budget counters itself and checks-and-reserves in one atomic step on its side (Redis runs
 * a Lua script), so processes sharing it can never together pass a limit. `modelmesh.redis.v1` is one.
 * @example
 * if (isSharedBudgetStore(storage)) await storage.reserveBudgets(reservation);
 */
export interface SharedBudgetStore {
  reserveBudgets(reservation: SharedReservation): Promise<SharedReserveResult>;
  /** Releases the reservation and books `cost`; `[]` when it was no longer held (its lease ran out: counted already). */
  settleBudgets(id: string, cost: number, day: string, month: string, now: number): Promise<SharedBudgetState[]>;
  readBudgets(names: string[], day: string, month: string, now: number): Promise<SharedBudgetState[]>;
}

/**
 * True when `storage` reserves budgets itself (see `SharedBudgetStore`).
 * @example
 * isSharedBudgetStore(new MemoryStorage()); // false
 */
export function isSharedBudgetStore(storage: unknown): storage is SharedBudgetStore {
  const candidate = storage as Partial<SharedBudgetStore> | null;
  return typeof candidate?.reserveBudgets === "function" && typeof candidate.settleBudgets === "function" && typeof candidate.readBudgets === "function";
}

/** A reservation the journal holds: if the process dies before settling it, it counts as spent at `amount`. */
export interface JournalReservation {
  amount: number;
  budgets: string[];
  day: string;
  month: string;
  at: number;
}

/** What the journal key holds. */
export interface BudgetJournal {
  version: 1;
  counters: Record<string, { day: string; daySpent: number; month: string; monthSpent: number }>;
  open: Record<string, JournalReservation>;
}

/**
 * Reads a stored journal; anything malformed (storage is outside our control) is dropped, field by field.
 * @example
 * const journal = readJournal(await storage.loadData(BUDGET_JOURNAL_KEY));
 */
export function readJournal(value: unknown): BudgetJournal {
  const journal: BudgetJournal = { version: 1, counters: {}, open: {} };
  if (typeof value !== "object" || value === null || (value as { version?: unknown }).version !== 1) return journal;
  const { counters, open } = value as { counters?: unknown; open?: unknown };
  for (const [name, saved] of entries(counters)) {
    const counter = saved as Record<string, unknown>;
    if (typeof counter.day !== "string" || typeof counter.month !== "string") continue;
    define(journal.counters, name, { day: counter.day, daySpent: positive(counter.daySpent), month: counter.month, monthSpent: positive(counter.monthSpent) });
  }
  for (const [id, saved] of entries(open)) {
    const reservation = saved as Record<string, unknown>;
    if (typeof reservation.day !== "string" || typeof reservation.month !== "string" || !Array.isArray(reservation.budgets)) continue;
    const budgets = reservation.budgets.filter((name): name is string => typeof name === "string");
    define(journal.open, id, { amount: positive(reservation.amount), budgets, day: reservation.day, month: reservation.month, at: positive(reservation.at) });
  }
  return journal;
}

function entries(value: unknown): Array<[string, unknown]> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  return Object.entries(value).filter(([, item]) => typeof item === "object" && item !== null);
}

// defineProperty: a budget named "__proto__" (a caller's scope) is an ordinary key, never a prototype.
function define<Value>(target: Record<string, Value>, key: string, value: Value): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const positive = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0);
