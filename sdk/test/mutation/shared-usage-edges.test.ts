/**
 * core/shared-usage.ts at its edges: a browser's numeric timer, and shared totals that lost what this process sent
 * (the shared store was emptied), observed through the tracker and what the store received.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { UsageSharing, type SharedUsageStore } from "../../src/core/shared-usage.js";
import { UsageTracker } from "../../src/core/usage.js";

const where = { pool: "chat", provider: "openai", modelKey: "openai/gpt-4o" };

afterEach(() => vi.unstubAllGlobals());

describe("UsageSharing", () => {
  it("starts and stops with a timer that is a number, as browsers' setInterval returns (no unref there)", () => {
    const started: Array<() => void> = [];
    const cleared: unknown[] = [];
    vi.stubGlobal("setInterval", (callback: () => void) => {
      started.push(callback);
      return 7;
    });
    vi.stubGlobal("clearInterval", (timer: unknown) => void cleared.push(timer));
    const sharing = new UsageSharing({ syncUsage: async () => ({}) }, new UsageTracker());
    expect(() => sharing.start()).not.toThrow();
    expect(started).toHaveLength(1);
    sharing.stop();
    expect(cleared).toEqual([7]);
  });

  it("after the shared store was emptied, shows the empty totals: no rows of zeros are left behind", async () => {
    let totals: Record<string, number> = {};
    const deltas: Array<Record<string, number>> = [];
    const store: SharedUsageStore = {
      syncUsage: async (delta) => {
        deltas.push(delta);
        for (const [name, value] of Object.entries(delta)) totals[name] = (totals[name] ?? 0) + value;
        return { ...totals };
      },
    };
    const tracker = new UsageTracker();
    const sharing = new UsageSharing(store, tracker);
    tracker.record(where, { promptTokens: 2, completionTokens: 3, totalTokens: 5 }, 0.5, true);
    await sharing.sync();
    expect(tracker.summary().byModel["openai/gpt-4o"]?.requests).toBe(1);
    totals = {};
    await sharing.sync();
    // Nothing new to send; the totals that came back are empty, and so is every table.
    expect(deltas[1]).toEqual({});
    expect(tracker.summary()).toEqual({ totalCost: 0, totalTokens: 0, requests: 0, unpricedRequests: 0, byModel: {}, byProvider: {}, byPool: {}, byScope: {} });
  });
});
