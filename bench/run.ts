import { performance } from "node:perf_hooks";
import { bundleSize } from "./bundle-size.js";
import type { BenchRow } from "./bundle-size.js";
import { chatLatency } from "./chat-latency.js";
import { proxyThroughput } from "../cors-proxy/bench/throughput.js";

// `npm run bench`: runs every benchmark one after the other (never in parallel: they would skew each other's
// timings) and prints one table. Benchmarks report; they do not fail on a missed goal. The exit code is non-zero
// only when a benchmark could not run at all.

interface Benchmark {
  name: string;
  run: () => Promise<BenchRow[]>;
}

const BENCHMARKS: Benchmark[] = [
  { name: "bundle-size", run: bundleSize },
  { name: "chat-latency", run: () => chatLatency() },
  { name: "proxy-throughput", run: () => proxyThroughput() },
];

/**
 * Runs the named benchmarks (all when none are named) and prints their rows as one table, then the goal checks.
 *
 * @example
 * // npm run bench -- chat-latency
 * await runBenchmarks(["chat-latency"]);
 */
export async function runBenchmarks(only: string[] = []): Promise<boolean> {
  const selected = only.length === 0 ? BENCHMARKS : BENCHMARKS.filter((benchmark) => only.includes(benchmark.name));
  const unknown = only.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${BENCHMARKS.map((benchmark) => benchmark.name).join(", ")}`);

  const rows: BenchRow[] = [];
  let ranAll = true;
  for (const benchmark of selected) {
    const start = performance.now();
    try {
      rows.push(...(await benchmark.run()));
      process.stderr.write(`${benchmark.name}: done in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      ranAll = false;
      process.stderr.write(`${benchmark.name}: FAILED\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
  }
  process.stdout.write(formatTable(rows));
  return ranAll;
}

/** One block per section; a goal column only where a row has a goal. Goal rows are repeated at the end as check lines. */
export function formatTable(rows: BenchRow[]): string {
  const lines: string[] = [];
  const sections = [...new Set(rows.map((row) => row.section))].filter((section) => section !== "goals");
  for (const section of sections) {
    const inSection = rows.filter((row) => row.section === section);
    const nameWidth = Math.max(...inSection.map((row) => row.name.length));
    const valueWidth = Math.max(...inSection.map((row) => row.value.length));
    lines.push("", section, "-".repeat(Math.min(section.length, 120)));
    for (const row of inSection) {
      const goal = row.goal === undefined ? "" : `  goal ${row.goal}  ${row.pass ? "ok" : "MISS"}`;
      lines.push(`  ${row.name.padEnd(nameWidth)}  ${row.value.padStart(valueWidth)}${goal}`.trimEnd());
    }
  }
  const goals = rows.filter((row) => row.goal !== undefined);
  if (goals.length > 0) {
    lines.push("", "goal checks", "-----------");
    for (const row of goals) lines.push(`  ${row.name}: ${row.value} (goal ${row.goal}) ${row.pass ? "ok" : "MISS"}`);
  }
  return `${lines.join("\n")}\n`;
}

try {
  process.exitCode = (await runBenchmarks(process.argv.slice(2))) ? 0 : 1;
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
