/**
 * core/shared-usage.ts over an in-memory store that adds deltas the way Redis HINCRBYFLOAT does: what each process
 * sends, what its tracker holds after an exchange, and that nothing is counted twice.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { isSharedUsageStore, USAGE_SYNC_MS, UsageSharing, type SharedUsageStore } from "../../src/core/shared-usage.js";
import { UsageTracker } from "../../src/core/usage.js";

class MemoryUsageStore implements SharedUsageStore {
  totals: Record<string, number> = {};
  readonly deltas: Array<Record<string, number>> = [];
  /** Runs between receiving a delta and answering, as a request finishing during the round trip would. */
  during: (() => void) | undefined;
  extra: Record<string, number> = {};
  async syncUsage(delta: Record<string, number>): Promise<Record<string, number>> {
    this.deltas.push(delta);
    for (const [name, value] of Object.entries(delta)) this.totals[name] = (this.totals[name] ?? 0) + value;
    await Promise.resolve();
    this.during?.();
    return { ...this.totals, ...this.extra };
  }
}

const where = { pool: "chat", provider: "openai", modelKey: "openai/gpt-4o" };
const usage = { promptTokens: 2, completionTokens: 3, totalTokens: 5 };

afterEach(() => vi.useRealTimers());

describe("UsageSharing", () => {
  it("two processes each end up with the sum of both, and repeated exchanges add nothing twice", async () => {
    const store = new MemoryUsageStore();
    const first = new UsageTracker();
    const second = new UsageTracker();
    const firstSharing = new UsageSharing(store, first);
    const secondSharing = new UsageSharing(store, second);
    first.record(where, usage, 0.5, true);
    await firstSharing.sync();
    second.record({ ...where, scope: "team-a" }, usage, 0.25, true);
    second.record(where, undefined, 0, false);
    await secondSharing.sync();
    await firstSharing.sync();
    await firstSharing.sync();
    await secondSharing.sync();
    for (const tracker of [first, second]) {
      const summary = tracker.summary();
      expect(summary).toMatchObject({ requests: 2, totalTokens: 10, totalCost: 0.75 });
      expect(summary.byModel["openai/gpt-4o"]).toEqual({ requests: 2, failures: 1, promptTokens: 4, completionTokens: 6, totalTokens: 10, cost: 0.75, unpriced: 0 });
      expect(summary.byProvider["openai"]?.requests).toBe(2);
      expect(summary.byPool["chat"]?.failures).toBe(1);
      expect(summary.byScope).toEqual({ "team-a": { requests: 1, failures: 0, promptTokens: 2, completionTokens: 3, totalTokens: 5, cost: 0.25, unpriced: 0 } });
    }
    // The first exchange sent only what changed, under "<table>\n<row>\n<field>" names; the last ones sent nothing.
    expect(store.deltas[0]).toEqual({
      requests: 1,
      totalTokens: 5,
      totalCost: 0.5,
      ...Object.fromEntries(
        ["byModel\nopenai/gpt-4o", "byProvider\nopenai", "byPool\nchat"].flatMap((row) => [
          [`${row}\nrequests`, 1],
          [`${row}\npromptTokens`, 2],
          [`${row}\ncompletionTokens`, 3],
          [`${row}\ntotalTokens`, 5],
          [`${row}\ncost`, 0.5],
        ]),
      ),
    });
    expect(store.deltas.slice(3)).toEqual([{}, {}]);
  });

  it("does not send again what the tracker held when sharing started (restored from the shared totals)", async () => {
    const store = new MemoryUsageStore();
    store.totals = { requests: 4, totalCost: 2 };
    const tracker = new UsageTracker();
    tracker.restore({ requests: 4, totalCost: 2, totalTokens: 0, byModel: {}, byProvider: {}, byPool: {}, byScope: {} });
    const sharing = new UsageSharing(store, tracker);
    tracker.record(where, undefined, 1, true);
    await sharing.sync();
    expect(store.deltas[0]).toMatchObject({ requests: 1, totalCost: 1 });
    expect(tracker.summary()).toMatchObject({ requests: 5, totalCost: 3 });
  });

  it("keeps a request that finished during the exchange, and sends it the next time", async () => {
    const store = new MemoryUsageStore();
    const tracker = new UsageTracker();
    const sharing = new UsageSharing(store, tracker);
    tracker.record(where, undefined, 0, true);
    store.during = () => tracker.record(where, undefined, 0, true);
    await sharing.sync();
    store.during = undefined;
    expect(tracker.summary().requests).toBe(2);
    expect(store.totals["requests"]).toBe(1);
    await sharing.sync();
    expect(store.deltas[1]).toMatchObject({ requests: 1 });
    expect(store.totals["requests"]).toBe(2);
    expect(tracker.summary().requests).toBe(2);
  });

  it("shares one exchange between concurrent calls, and starts a new one after it ends", async () => {
    const store = new MemoryUsageStore();
    const sharing = new UsageSharing(store, new UsageTracker());
    const both = [sharing.sync(), sharing.sync()];
    expect(both[0]).toBe(both[1]);
    await Promise.all(both);
    await sharing.sync();
    expect(store.deltas).toHaveLength(2);
  });

  it("skips shared counters it cannot place, keeps a row named __proto__ as a row, and ignores non-finite totals", async () => {
    const store = new MemoryUsageStore();
    store.extra = {
      "byModel\nx\nrequests\nextra": 7,
      "nowhere\nx\nrequests": 7,
      "byModel\nx\nbogus": 7,
      byModel: 7,
      "byModel\nnan\nrequests": Number.NaN,
      totalTokens: Number.POSITIVE_INFINITY,
      "byPool\n__proto__\nrequests": 3,
      "byScope\nteam\ncost": 0.5,
    };
    const tracker = new UsageTracker();
    await new UsageSharing(store, tracker).sync();
    const summary = tracker.summary();
    expect(summary.byModel).toEqual({});
    expect(summary.totalTokens).toBe(0);
    expect(Object.keys(summary.byPool)).toEqual(["__proto__"]);
    expect(summary.byPool["__proto__"]).toEqual({ requests: 3, failures: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cost: 0, unpriced: 0 });
    expect(summary.byScope["team"]?.cost).toBe(0.5);
    expect(Object.getPrototypeOf(summary.byPool)).toBe(Object.prototype);
  });

  it("exchanges every USAGE_SYNC_MS once started, survives a failing store, and stops when told", async () => {
    vi.useFakeTimers();
    const store = new MemoryUsageStore();
    let fail = true;
    const flaky: SharedUsageStore = { syncUsage: (delta) => (fail ? Promise.reject(new Error("down")) : store.syncUsage(delta)) };
    const tracker = new UsageTracker();
    const sharing = new UsageSharing(flaky, tracker);
    tracker.record(where, undefined, 0, true);
    sharing.start();
    await vi.advanceTimersByTimeAsync(USAGE_SYNC_MS - 1);
    expect(store.deltas).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(USAGE_SYNC_MS);
    expect(store.deltas).toEqual([expect.objectContaining({ requests: 1 })]);
    sharing.stop();
    await vi.advanceTimersByTimeAsync(USAGE_SYNC_MS * 3);
    expect(store.deltas).toHaveLength(1);
    expect(USAGE_SYNC_MS).toBe(5_000);
  });
});

describe("isSharedUsageStore", () => {
  it("is true only for an object with a syncUsage function", () => {
    expect(isSharedUsageStore(new MemoryUsageStore())).toBe(true);
    expect(isSharedUsageStore({ syncUsage: 1 })).toBe(false);
    expect(isSharedUsageStore(null)).toBe(false);
    expect(isSharedUsageStore(undefined)).toBe(false);
  });
});
