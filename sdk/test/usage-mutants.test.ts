// The usage counters' rules one by one (found by mutation testing: each test fails when its rule is removed).
import { describe, expect, it } from "vitest";
import { MAX_USAGE_KEYS, MAX_USAGE_KEY_LENGTH, USAGE_OVERFLOW_KEY, UsageTracker, type UsageSummary } from "../src/core/usage.js";

const where = { pool: "chat", provider: "openai", modelKey: "openai/gpt-4o-mini" };
const row = (values: Partial<Record<string, number>>) => ({ requests: 0, failures: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cost: 0, unpriced: 0, ...values });

describe("UsageTracker.record", () => {
  it("a failed attempt counts as a failure, not a request, but its tokens and cost still count", () => {
    const tracker = new UsageTracker();
    tracker.record(where, { promptTokens: 3, completionTokens: 2, totalTokens: 5 }, 0.5, false);
    const summary = tracker.summary();
    expect(summary.requests).toBe(0);
    expect(summary.totalTokens).toBe(5);
    expect(summary.totalCost).toBe(0.5);
    const expected = row({ failures: 1, promptTokens: 3, completionTokens: 2, totalTokens: 5, cost: 0.5 });
    expect(summary.byModel).toEqual({ "openai/gpt-4o-mini": expected });
    expect(summary.byProvider).toEqual({ openai: expected });
    expect(summary.byPool).toEqual({ chat: expected });
  });

  it("adds each request's numbers to every table's row for it", () => {
    const tracker = new UsageTracker();
    tracker.record(where, { promptTokens: 1, completionTokens: 2, totalTokens: 3 }, 0.25, true);
    tracker.record(where, { promptTokens: 10, completionTokens: 20, totalTokens: 30 }, 0.5, true);
    tracker.record({ ...where, modelKey: "openai/gpt-4o" }, { promptTokens: 100, completionTokens: 0, totalTokens: 100 }, 1, true);
    const summary = tracker.summary();
    expect(summary).toMatchObject({ requests: 3, totalTokens: 133, totalCost: 1.75 });
    expect(summary.byModel["openai/gpt-4o-mini"]).toEqual(row({ requests: 2, promptTokens: 11, completionTokens: 22, totalTokens: 33, cost: 0.75 }));
    expect(summary.byModel["openai/gpt-4o"]).toEqual(row({ requests: 1, promptTokens: 100, totalTokens: 100, cost: 1 }));
    expect(summary.byPool.chat).toEqual(row({ requests: 3, promptTokens: 111, completionTokens: 22, totalTokens: 133, cost: 1.75 }));
  });

  it("keeps a byScope row only for requests that name a scope", () => {
    const tracker = new UsageTracker();
    tracker.record(where, { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 0.1, true);
    expect(tracker.summary().byScope).toEqual({});
    tracker.record({ ...where, scope: "team-a" }, { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 0.1, true);
    expect(tracker.summary().byScope).toEqual({ "team-a": row({ requests: 1, promptTokens: 1, completionTokens: 1, totalTokens: 2, cost: 0.1 }) });
  });

  it("a request without usage numbers or with a zero cost counts the request and nothing else", () => {
    const tracker = new UsageTracker();
    tracker.record(where, undefined, 0, true);
    expect(tracker.summary()).toMatchObject({ requests: 1, totalTokens: 0, totalCost: 0, byModel: { "openai/gpt-4o-mini": row({ requests: 1 }) } });
  });

  it(`keeps a key of exactly ${MAX_USAGE_KEY_LENGTH} characters as its own row, one longer goes to the overflow row`, () => {
    const tracker = new UsageTracker();
    const longest = "m".repeat(MAX_USAGE_KEY_LENGTH);
    tracker.record({ ...where, modelKey: longest }, undefined, 0, true);
    tracker.record({ ...where, modelKey: `${longest}m` }, undefined, 0, true);
    expect(Object.keys(tracker.summary().byModel)).toEqual([longest, USAGE_OVERFLOW_KEY]);
  });

  it("once the table is full, a new key adds to an overflow row that already exists instead of replacing it", () => {
    const tracker = new UsageTracker();
    // The overflow row comes first (an over-long key), then the table fills up to the cap with named rows.
    tracker.record({ ...where, modelKey: "x".repeat(MAX_USAGE_KEY_LENGTH + 1) }, undefined, 0, true);
    for (let index = 0; index < MAX_USAGE_KEYS - 1; index++) tracker.record({ ...where, modelKey: `model-${index}` }, undefined, 0, true);
    expect(Object.keys(tracker.summary().byModel)).toHaveLength(MAX_USAGE_KEYS);
    tracker.record({ ...where, modelKey: "one-too-many" }, undefined, 0, true);
    const byModel = tracker.summary().byModel;
    expect(Object.keys(byModel)).toHaveLength(MAX_USAGE_KEYS);
    expect(byModel["one-too-many"]).toBeUndefined();
    expect(byModel[USAGE_OVERFLOW_KEY]?.requests).toBe(2);
  });
});

describe("UsageTracker.summary", () => {
  it("is a copy: changing it changes neither the counters nor the next summary", () => {
    const tracker = new UsageTracker();
    tracker.record({ ...where, scope: "team-a" }, { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 0.5, true);
    const first = tracker.summary();
    first.requests = 99;
    first.byModel["openai/gpt-4o-mini"]!.requests = 99;
    first.byPool.chat!.cost = 99;
    first.byScope["team-a"]!.failures = 99;
    const second = tracker.summary();
    expect(second.requests).toBe(1);
    expect(second.byModel["openai/gpt-4o-mini"]?.requests).toBe(1);
    expect(second.byPool.chat?.cost).toBe(0.5);
    expect(second.byScope["team-a"]?.failures).toBe(0);
  });

  it("is a plain object the caller may edit like parsed JSON: rows can be replaced and deleted", () => {
    const tracker = new UsageTracker();
    tracker.record(where, undefined, 0, true);
    const copy = tracker.summary();
    copy.byModel["openai/gpt-4o-mini"] = row({ requests: 7 });
    delete copy.byPool.chat;
    expect(copy.byModel["openai/gpt-4o-mini"]?.requests).toBe(7);
    expect(copy.byPool).toEqual({});
    expect(tracker.summary().byPool.chat?.requests).toBe(1);
  });

  it(`names the overflow row "${"(other)"}", the documented key`, () => {
    const tracker = new UsageTracker();
    tracker.record({ ...where, modelKey: "m".repeat(MAX_USAGE_KEY_LENGTH + 1) }, undefined, 0, true);
    expect(Object.keys(tracker.summary().byModel)).toEqual(["(other)"]);
    expect(USAGE_OVERFLOW_KEY).toBe("(other)");
  });
});

describe("UsageTracker.restore", () => {
  const saved = (): Omit<UsageSummary, "budgets"> => ({
    totalCost: 2.5,
    totalTokens: 40,
    requests: 4,
    unpricedRequests: 0,
    byModel: { "openai/gpt-4o-mini": row({ requests: 4, failures: 1, promptTokens: 10, completionTokens: 30, totalTokens: 40, cost: 2.5 }) },
    byProvider: { openai: row({ requests: 4, failures: 1, promptTokens: 10, completionTokens: 30, totalTokens: 40, cost: 2.5 }) },
    byPool: { chat: row({ requests: 4, failures: 1, promptTokens: 10, completionTokens: 30, totalTokens: 40, cost: 2.5 }) },
    byScope: { "team-a": row({ requests: 3, failures: 1, promptTokens: 5, completionTokens: 6, totalTokens: 11, cost: 1.5 }) },
  });

  it("takes back every table and every field of a saved summary", () => {
    const tracker = new UsageTracker();
    tracker.restore(saved());
    expect(tracker.summary()).toEqual(saved());
  });

  it("replaces what was counted before instead of adding to it, and keeps counting from there", () => {
    const tracker = new UsageTracker();
    tracker.record({ ...where, pool: "other", scope: "team-b" }, { promptTokens: 7, completionTokens: 7, totalTokens: 14 }, 9, true);
    tracker.restore(saved());
    expect(tracker.summary()).toEqual(saved());
    tracker.record({ ...where, scope: "team-a" }, { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 0.5, true);
    const summary = tracker.summary();
    expect(summary).toMatchObject({ requests: 5, totalTokens: 42, totalCost: 3 });
    expect(summary.byScope["team-a"]).toEqual(row({ requests: 4, failures: 1, promptTokens: 6, completionTokens: 7, totalTokens: 13, cost: 2 }));
  });

  it.each([
    ["nothing", undefined],
    ["null (what a storage returns for a missing key)", null as unknown as Partial<UsageSummary>],
    ["a string", "usage" as unknown as Partial<UsageSummary>],
    ["an object without a numeric request count", { totalCost: 5, requests: "4" } as unknown as Partial<UsageSummary>],
  ])("ignores %s and keeps the counters it had", (_label, snapshot) => {
    const tracker = new UsageTracker();
    tracker.record(where, { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 0.5, true);
    const before = tracker.summary();
    tracker.restore(snapshot);
    expect(tracker.summary()).toEqual(before);
  });

  it("reads negative, non-numeric or non-finite saved numbers as zero, and skips rows and tables that are not objects", () => {
    const tracker = new UsageTracker();
    tracker.restore({
      totalCost: -1,
      totalTokens: Number.POSITIVE_INFINITY,
      requests: Number.NaN,
      byModel: { a: { requests: -3, failures: "2", promptTokens: Number.NaN, completionTokens: Number.NEGATIVE_INFINITY, totalTokens: -1, cost: -0.5 }, b: null, c: 7 } as unknown as UsageSummary["byModel"],
      byProvider: null as unknown as UsageSummary["byProvider"],
      byPool: "chat" as unknown as UsageSummary["byPool"],
    });
    const summary = tracker.summary();
    expect(summary).toEqual({ totalCost: 0, totalTokens: 0, requests: 0, unpricedRequests: 0, byModel: { a: row({}) }, byProvider: {}, byPool: {}, byScope: {} });
  });
});
