import type { UsageCounts } from "../wire/events.js";
import type { BudgetReport } from "./budget.js";

export interface UsageEntry {
  requests: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** USD of the requests whose model has a price. */
  cost: number;
  /** Requests served by a model without a price: their cost is unknown and not in `cost`. */
  unpriced: number;
}

/** Totals since the mesh first started (restored from storage across restarts). */
export interface UsageSummary {
  /** USD of every request whose model has a price (see `unpricedRequests`). */
  totalCost: number;
  totalTokens: number;
  requests: number;
  /** Requests served by a model without a price, whose cost is unknown (not counted as 0 in `totalCost`, just not in it). */
  unpricedRequests: number;
  byModel: Record<string, UsageEntry>;
  byProvider: Record<string, UsageEntry>;
  byPool: Record<string, UsageEntry>;
  /** By the `scope` call option; requests without one are not in it. */
  byScope: Record<string, UsageEntry>;
  /**
   * Every configured budget (`global`, `provider:<name>`, `model:<provider/model>`, `pool:<name>`, `scope:<scope>`)
   * with its limits, and per UTC day and month what is `spent`, `reserved` by requests in flight and `remaining`.
   */
  budgets: Record<string, BudgetReport>;
}

/**
 * Most rows one table keeps. Keys are configured pool, provider and model names, so a real mesh stays far below;
 * the cap is what keeps memory, storage and every `usage` copy bounded if a key ever comes from a caller (a model id
 * asked for by name, a future per-scope table). Rows past it are counted under `USAGE_OVERFLOW_KEY`.
 * @example
 * Object.keys(client.usage.byModel).length <= MAX_USAGE_KEYS + 1; // always
 */
export const MAX_USAGE_KEYS = 1_000;

/**
 * The row that counts everything past `MAX_USAGE_KEYS` distinct keys (or a key longer than `MAX_USAGE_KEY_LENGTH`).
 * @example
 * client.usage.byModel[USAGE_OVERFLOW_KEY]?.requests ?? 0;
 */
export const USAGE_OVERFLOW_KEY = "(other)";

/** Longest key kept as its own row. */
export const MAX_USAGE_KEY_LENGTH = 256;

const emptyEntry = (): UsageEntry => ({ requests: 0, failures: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cost: 0, unpriced: 0 });

// A provider's usage numbers are upstream text: a negative, NaN or infinite count would poison every total after it.
const amount = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0);

type Table = Map<string, UsageEntry>;

/** Counts requests, tokens and cost per model (`provider/model`), provider and pool; each table is capped. */
export class UsageTracker {
  #totals = { totalCost: 0, totalTokens: 0, requests: 0, unpricedRequests: 0 };
  #byModel: Table = new Map();
  #byProvider: Table = new Map();
  #byPool: Table = new Map();
  #byScope: Table = new Map();

  /** Books one attempt; `priced: false` for a model without a price (an answer from it counts in `unpriced`). */
  record(where: { pool: string; provider: string; modelKey: string; scope?: string | undefined }, usage: UsageCounts | undefined, cost: number, ok: boolean, priced = true): void {
    const prompt = amount(usage?.promptTokens);
    const completion = amount(usage?.completionTokens);
    const total = amount(usage?.totalTokens);
    const spent = amount(cost);
    const unpriced = ok && !priced ? 1 : 0;
    if (ok) this.#totals.requests += 1;
    this.#totals.unpricedRequests += unpriced;
    this.#totals.totalTokens += total;
    this.#totals.totalCost += spent;
    const tables: Array<readonly [Table, string]> = [
      [this.#byModel, where.modelKey],
      [this.#byProvider, where.provider],
      [this.#byPool, where.pool],
    ];
    if (where.scope !== undefined) tables.push([this.#byScope, where.scope]);
    for (const [table, key] of tables) {
      const entry = rowOf(table, key);
      if (ok) entry.requests += 1;
      else entry.failures += 1;
      entry.promptTokens += prompt;
      entry.completionTokens += completion;
      entry.totalTokens += total;
      entry.cost += spent;
      entry.unpriced += unpriced;
    }
  }

  /** A deep copy, so callers cannot change the counters. */
  summary(): Omit<UsageSummary, "budgets"> {
    return { ...this.#totals, byModel: plain(this.#byModel), byProvider: plain(this.#byProvider), byPool: plain(this.#byPool), byScope: plain(this.#byScope) };
  }

  /** Takes totals saved by `summary()`; anything malformed (storage is outside our control) is skipped, and caps apply. */
  restore(snapshot: Partial<UsageSummary> | undefined): void {
    if (!snapshot || typeof snapshot !== "object" || typeof snapshot.requests !== "number") return;
    this.#totals = { totalCost: amount(snapshot.totalCost), totalTokens: amount(snapshot.totalTokens), requests: amount(snapshot.requests), unpricedRequests: amount(snapshot.unpricedRequests) };
    this.#byModel = tableFrom(snapshot.byModel);
    this.#byProvider = tableFrom(snapshot.byProvider);
    this.#byPool = tableFrom(snapshot.byPool);
    this.#byScope = tableFrom(snapshot.byScope);
  }
}

function rowOf(table: Table, key: unknown): UsageEntry {
  const name = typeof key === "string" && key.length <= MAX_USAGE_KEY_LENGTH ? key : USAGE_OVERFLOW_KEY;
  let entry = table.get(name);
  if (entry) return entry;
  if (table.size >= MAX_USAGE_KEYS) {
    entry = table.get(USAGE_OVERFLOW_KEY);
    if (entry) return entry;
  }
  entry = emptyEntry();
  table.set(table.size >= MAX_USAGE_KEYS ? USAGE_OVERFLOW_KEY : name, entry);
  return entry;
}

// defineProperty, so a key named "__proto__" is an ordinary row and never an object's prototype.
function plain(table: Table): Record<string, UsageEntry> {
  const result: Record<string, UsageEntry> = {};
  for (const [key, entry] of table) Object.defineProperty(result, key, { value: { ...entry }, enumerable: true, writable: true, configurable: true });
  return result;
}

function tableFrom(value: unknown): Table {
  const table: Table = new Map();
  if (typeof value !== "object" || value === null) return table;
  for (const key of Object.keys(value)) {
    const saved = (value as Record<string, unknown>)[key];
    if (typeof saved !== "object" || saved === null) continue;
    const row = saved as Record<string, unknown>;
    const entry = rowOf(table, key);
    entry.requests += amount(row.requests);
    entry.failures += amount(row.failures);
    entry.promptTokens += amount(row.promptTokens);
    entry.completionTokens += amount(row.completionTokens);
    entry.totalTokens += amount(row.totalTokens);
    entry.cost += amount(row.cost);
    entry.unpriced += amount(row.unpriced);
  }
  return table;
}
