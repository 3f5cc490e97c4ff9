import type { UsageCounts } from "./events.js";

export interface UsageEntry {
  requests: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cost: number;
}

/** Totals since the mesh first started (restored from storage across restarts). */
export interface UsageSummary {
  totalCost: number;
  totalTokens: number;
  requests: number;
  byModel: Record<string, UsageEntry>;
  byProvider: Record<string, UsageEntry>;
  byPool: Record<string, UsageEntry>;
}

const emptyEntry = (): UsageEntry => ({ requests: 0, failures: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cost: 0 });

/** Counts requests, tokens and cost per model (`provider/model`), provider and pool. */
export class UsageTracker {
  #summary: UsageSummary = { totalCost: 0, totalTokens: 0, requests: 0, byModel: {}, byProvider: {}, byPool: {} };

  record(where: { pool: string; provider: string; modelKey: string }, usage: UsageCounts | undefined, cost: number, ok: boolean): void {
    const summary = this.#summary;
    if (ok) summary.requests += 1;
    summary.totalTokens += usage?.totalTokens ?? 0;
    summary.totalCost += cost;
    for (const [table, key] of [
      [summary.byModel, where.modelKey],
      [summary.byProvider, where.provider],
      [summary.byPool, where.pool],
    ] as const) {
      const entry = (table[key] ??= emptyEntry());
      if (ok) entry.requests += 1;
      else entry.failures += 1;
      entry.promptTokens += usage?.promptTokens ?? 0;
      entry.completionTokens += usage?.completionTokens ?? 0;
      entry.totalTokens += usage?.totalTokens ?? 0;
      entry.cost += cost;
    }
  }

  /** A deep copy, so callers cannot change the counters. */
  summary(): UsageSummary {
    return structuredClone(this.#summary);
  }

  restore(snapshot: UsageSummary | undefined): void {
    if (snapshot && typeof snapshot === "object" && typeof snapshot.requests === "number") this.#summary = structuredClone(snapshot);
  }
}
