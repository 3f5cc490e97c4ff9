import type { UsageSummary } from "./usage.js";
import type { UsageTracker } from "./usage.js";

/**
 * A storage that adds every process's usage into one set of totals (`modelmesh.redis.v1`: HINCRBYFLOAT on one hash,
 * in one script with the read, so an addition is never lost between two processes).
 * @example
 * const totals = await store.syncUsage({ requests: 2, totalCost: 0.016 });
 */
export interface SharedUsageStore {
  /** Adds `delta` (flat counter name → amount) to the shared totals and returns all of them. */
  syncUsage(delta: Record<string, number>): Promise<Record<string, number>>;
}

/**
 * True when `storage` keeps usage totals for every process (see `SharedUsageStore`).
 * @example
 * isSharedUsageStore(new MemoryStorage()); // false
 */
export function isSharedUsageStore(storage: unknown): storage is SharedUsageStore {
  return typeof (storage as Partial<SharedUsageStore> | null)?.syncUsage === "function";
}

/** How often usage is exchanged with the other processes when this one has nothing to save. */
export const USAGE_SYNC_MS = 5_000;

type Summary = Omit<UsageSummary, "budgets">;
const TABLES = ["byModel", "byProvider", "byPool", "byScope"] as const;
const TOTALS = ["totalCost", "totalTokens", "requests", "unpricedRequests"] as const;
const FIELDS = ["requests", "failures", "promptTokens", "completionTokens", "totalTokens", "cost", "unpriced"] as const;
// Counter names are "<table>\n<row key>\n<field>": row keys are model, provider, pool and scope names (no newlines
// in any the tracker keeps as their own row).
const SEPARATOR = "\n";

/**
 * Keeps a process's `client.usage` equal to every process's usage: sends what this process counted since the last
 * exchange and takes the shared totals back (on every batched state save and every `USAGE_SYNC_MS`). Between two
 * exchanges a process shows the shared totals as of the last one plus its own requests since.
 * @example
 * const sharing = new UsageSharing(store, mesh.usageTracker);
 * await sharing.sync();
 */
export class UsageSharing {
  /** What the tracker held after the last exchange: everything in it is in the shared totals already. */
  #baseline: Record<string, number>;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly store: SharedUsageStore,
    private readonly tracker: UsageTracker,
  ) {
    // What was restored from storage at start came from the shared totals: it is not this process's to add again.
    this.#baseline = flatten(tracker.summary());
  }

  start(): void {
    this.#timer = setInterval(() => void this.sync().catch(() => undefined), USAGE_SYNC_MS);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** One exchange (concurrent calls share it). */
  sync(): Promise<void> {
    this.#running ??= this.exchange().finally(() => (this.#running = undefined));
    return this.#running;
  }

  private async exchange(): Promise<void> {
    const sent = flatten(this.tracker.summary());
    const delta: Record<string, number> = {};
    for (const [name, value] of Object.entries(sent)) {
      const change = value - (this.#baseline[name] ?? 0);
      if (change !== 0) delta[name] = change;
    }
    const totals = await this.store.syncUsage(delta);
    // Requests that finished while the exchange was under way are added on top, and sent next time.
    const now = flatten(this.tracker.summary());
    const merged: Record<string, number> = { ...totals };
    for (const [name, value] of Object.entries(now)) {
      const since = value - (sent[name] ?? 0);
      if (since !== 0) merged[name] = (merged[name] ?? 0) + since;
    }
    this.tracker.restore(unflatten(merged));
    this.#baseline = flatten(unflatten(totals));
  }
}

function flatten(summary: Summary): Record<string, number> {
  const flat: Record<string, number> = {};
  for (const name of TOTALS) if (summary[name]) flat[name] = summary[name];
  for (const table of TABLES) {
    for (const [row, entry] of Object.entries(summary[table])) {
      for (const field of FIELDS) if (entry[field]) flat[[table, row, field].join(SEPARATOR)] = entry[field];
    }
  }
  return flat;
}

function unflatten(flat: Record<string, number>): Summary {
  const summary: Summary = { totalCost: 0, totalTokens: 0, requests: 0, unpricedRequests: 0, byModel: {}, byProvider: {}, byPool: {}, byScope: {} };
  for (const [name, value] of Object.entries(flat)) {
    if (!Number.isFinite(value)) continue;
    if ((TOTALS as readonly string[]).includes(name)) {
      summary[name as (typeof TOTALS)[number]] = value;
      continue;
    }
    const [table, row, field, extra] = name.split(SEPARATOR);
    if (extra !== undefined || row === undefined || !(TABLES as readonly string[]).includes(table!) || !(FIELDS as readonly string[]).includes(field!)) continue;
    const rows = summary[table as (typeof TABLES)[number]];
    if (!Object.hasOwn(rows, row)) Object.defineProperty(rows, row, { value: { requests: 0, failures: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cost: 0, unpriced: 0 }, enumerable: true, writable: true, configurable: true });
    rows[row]![field as (typeof FIELDS)[number]] = value;
  }
  return summary;
}
