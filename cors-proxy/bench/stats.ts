/**
 * The statistics every benchmark part judges a comparison by: **best of N per side**. The contender and its baseline
 * run in alternating blocks (A B, B A, ...); each side's best block (the highest rate, the lowest time) is taken, and
 * the goal is judged on the ratio of the two bests. On a shared machine noise only ever slows a block down, never
 * speeds it up, so a side's best block is the nearest to what it can do, and neither side is judged by a bad moment
 * that happened to fall on it. The median of the per-round ratios and its range are printed beside it, so a ratio that
 * only the best blocks reach stays visible.
 */

/** Which end of a side's blocks is its best: a rate is better higher, a time or a size lower. */
export type Better = "higher" | "lower";

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function range(values: readonly number[], digits: number): string {
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}

/**
 * A side's best block. Refuses an empty or non-numeric list: a side with no valid block has no best, and a NaN would
 * otherwise pass or fail a goal silently.
 * @example
 * best([812, 905, 877], "higher"); // 905 (requests per second)
 */
export function best(values: readonly number[], better: Better): number {
  if (values.length === 0 || values.some((value) => !Number.isFinite(value))) throw new Error(`best of ${values.length} blocks: every block needs a finite value (${values.join(", ")})`);
  return better === "higher" ? Math.max(...values) : Math.min(...values);
}

/** One comparison of a contender with its baseline over alternating rounds (`mine[round]` ran beside `base[round]`). */
export interface Comparison {
  /** best(mine) / best(base): what the goal is judged on. */
  best: number;
  /** The median of mine[round] / base[round], and the per-round ratios themselves (context). */
  median: number;
  ratios: number[];
}

/**
 * The ratio of the bests, with the per-round ratios as context.
 * @example
 * compare([900, 950], [1000, 1100], "higher"); // { best: 950 / 1100, median: ..., ratios: [0.9, 0.864] }
 */
export function compare(mine: readonly number[], base: readonly number[], better: Better): Comparison {
  if (mine.length !== base.length) throw new Error(`compare: ${mine.length} blocks against ${base.length}; each round needs one of each`);
  const ratios = mine.map((value, index) => value / base[index]!);
  return { best: best(mine, better) / best(base, better), median: median(ratios), ratios };
}

/**
 * A comparison as a table value: the best-of-N ratio, then the median of the per-round ratios and their range.
 * @example
 * formatComparison(compare([900, 950], [1000, 1100], "higher"), 2); // "0.86 (rounds: median 0.88, 0.86–0.90)"
 */
export function formatComparison(comparison: Comparison, digits: number): string {
  return `${comparison.best.toFixed(digits)} (rounds: median ${comparison.median.toFixed(digits)}, ${range(comparison.ratios, digits)})`;
}

/**
 * What a target adds over a reference measured in the same rounds (a proxy's latency over calling the upstream
 * directly), judged best of N per side: the quantity judged is the added latency, so each round's is the target's
 * value minus the reference's of that round, and the side's best is its lowest. Not the target's best round minus the
 * reference's best round: those may come from different rounds, and then a lucky round of the reference alone is
 * charged to the target (that figure lies between the two rounds' own differences, up to the worse of them).
 * @example
 * addedLatency([600, 500, 700], [400, 200, 450]); // { best: 200, perRound: [200, 300, 250] }
 */
export function addedLatency(target: readonly number[], reference: readonly number[]): { best: number; perRound: number[] } {
  if (target.length !== reference.length) throw new Error(`addedLatency: ${target.length} rounds against ${reference.length}; each round needs one of each`);
  const perRound = target.map((value, index) => value - reference[index]!);
  return { best: best(perRound, "lower"), perRound };
}
