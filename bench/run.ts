import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { bundleSize } from "./bundle-size.js";
import type { BenchRow } from "./bundle-size.js";
import { chatLatency } from "./chat-latency.js";
import { extensionColdStart } from "./extension-cold-start-part.js";
import { formatMarkdown, formatTable } from "./format.js";
import { sdkCosts } from "./sdk-costs.js";
import { streamTiming } from "./stream-timing.js";
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
  { name: "sdk-costs", run: () => sdkCosts() },
  { name: "stream-timing", run: () => streamTiming() },
  { name: "proxy-throughput", run: () => proxyThroughput() },
  { name: "extension-cold-start", run: () => extensionColdStart() },
];

const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));
const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The newest modification time of the files under `directory` (recursively), in ms. */
function newestIn(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The benchmarks measure the BUILT SDK and proxy, as an app or a server installs them (`npm run bench` builds both
 * first). A build older than its source would measure code that is not there any more: refuse it.
 * @example
 * assertBuildIsFresh(); // throws when sdk/src changed after sdk/dist was built
 */
export function assertBuildIsFresh(root = ROOT): void {
  const pairs = [
    ["sdk/src", "sdk/dist/index.js"],
    ["cors-proxy/src", "cors-proxy/dist/cli.js"],
  ] as const;
  for (const [source, built] of pairs) {
    let builtAt: number;
    try {
      builtAt = statSync(join(root, built)).mtimeMs;
    } catch {
      throw new Error(`${built} is missing: run the benchmarks with \`npm run bench\`, which builds first`);
    }
    if (newestIn(join(root, source)) > builtAt) throw new Error(`${built} is older than ${source}: run the benchmarks with \`npm run bench\`, which builds first`);
  }
}

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

  assertBuildIsFresh();
  const rows: BenchRow[] = [];
  let ranAll = true;
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const started = performance.now();
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
  const loadAtEnd = loadavg();
  const command = `npm run bench${only.length > 0 ? ` -- ${only.join(" ")}` : ""}`;
  const conditions = `${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, Node ${process.versions.node}, ${cpus().length} cores, load average ${loadAtStart[0]!.toFixed(2)} at the start and ${loadAtEnd[0]!.toFixed(2)} at the end, ${((performance.now() - started) / 60_000).toFixed(1)} min`;
  process.stdout.write(formatTable(rows));
  process.stdout.write(`\n${formatMarkdown(rows, command, conditions)}`);
  mkdirSync(RESULTS, { recursive: true });
  const file = `${RESULTS}${startedAt.toISOString().replace(/[:]/g, "-").slice(0, 19)}.json`;
  writeFileSync(file, `${JSON.stringify({ command, startedAt: startedAt.toISOString(), node: process.versions.node, cores: cpus().length, loadAverage: { start: loadAtStart, end: loadAtEnd }, ranAll, rows }, null, 2)}\n`);
  process.stderr.write(`results written to ${file}\n`);
  return ranAll;
}


try {
  process.exitCode = (await runBenchmarks(process.argv.slice(2))) ? 0 : 1;
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
