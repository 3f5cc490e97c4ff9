import { describe, expect, it } from "vitest";
import { addedLatency, best, compare, formatComparison, median } from "./stats.js";

describe("benchmark statistics: best of N per side", () => {
  it("takes each side's best block, the highest rate or the lowest time", () => {
    expect(best([812, 905, 877], "higher")).toBe(905);
    expect(best([4.1, 3.9, 4.4], "lower")).toBe(3.9);
  });

  it("judges the ratio of the two bests, not of one round, and keeps the per-round ratios beside it", () => {
    // Round 1 slowed the contender, round 2 the baseline: neither bad moment decides the judged ratio.
    const result = compare([700, 950, 900], [1000, 800, 1100], "higher");
    expect(result.best).toBeCloseTo(950 / 1100, 10);
    expect(result.ratios).toEqual([0.7, 950 / 800, 900 / 1100]);
    expect(result.median).toBeCloseTo(900 / 1100, 10);
    expect(formatComparison(result, 2)).toBe("0.86 (rounds: median 0.82, 0.70–1.19)");
  });

  it("compares times by their lowest blocks", () => {
    const result = compare([12, 10, 11], [9, 10, 8], "lower");
    expect(result.best).toBe(10 / 8);
  });

  it("refuses what would judge a goal silently: no blocks, a NaN block, or rounds that do not pair up", () => {
    expect(() => best([], "higher")).toThrow(/every block needs a finite value/);
    expect(() => best([1, Number.NaN], "lower")).toThrow(/finite/);
    expect(() => compare([1, 2], [1], "higher")).toThrow(/each round needs one of each/);
    expect(() => median([])).toThrow(/no values/);
  });

  it("judges an added latency by each round's own difference, never one round's target against another's reference", () => {
    // The reference's best round (200) fell in round 2, the target's (500) too: 300 there. Round 1 added only 200.
    const result = addedLatency([600, 500, 700], [400, 200, 450]);
    expect(result.perRound).toEqual([200, 300, 250]);
    expect(result.best).toBe(200);
    // Best of each series apart would charge round 2's lucky reference (100) to round 1's target (500): 400, where
    // the target's own rounds added 50 and 800.
    const apart = addedLatency([500, 900], [450, 100]);
    expect(apart.perRound).toEqual([50, 800]);
    expect(apart.best).toBe(50);
    expect(() => addedLatency([1, 2], [1])).toThrow(/each round needs one of each/);
  });

  it("takes the middle of an odd list and the mean of the two middles of an even one", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
