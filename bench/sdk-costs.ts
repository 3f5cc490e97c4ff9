/**
 * The SDK without the network: routing cost per request, heap after 100,000 requests and storage writes per
 * request, measured in a process of its own (`bench/sdk-costs-process.ts`, with `--expose-gc`).
 */
import { runJsonChild } from "../cors-proxy/bench/children.js";
import { median } from "../cors-proxy/bench/stats.js";
import type { BenchRow } from "./bundle-size.js";

/** Goals: routing ≤ 50 µs of CPU per request over the floor; heap growth from 10k to 100k requests under 1 MiB; far fewer than one storage write per request. */
export const SDK_COST_GOALS = { routingUs: 50, heapGrowthBytes: 1024 * 1024, writesPerRequest: 0.01 } as const;

interface Result {
  samples: Array<{ round: number; name: string; cpuUs: number; wallUs: number }>;
  heap: Array<{ requests: number; heapUsedBytes: number }>;
  routed: number;
  saves: number;
  elapsedMs: number;
}

/**
 * Runs the child and turns its numbers into rows.
 * @example
 * const rows = await sdkCosts({ rounds: 2 });
 */
export async function sdkCosts(options: { rounds?: number; perBlock?: number } = {}): Promise<BenchRow[]> {
  const result = await runJsonChild<Result>("bench/sdk-costs-process.ts", [String(options.rounds ?? 6), String(options.perBlock ?? 3_000)], ["--expose-gc"]);
  const rounds = Math.max(...result.samples.map((sample) => sample.round)) + 1;
  const at = (name: string, round: number) => result.samples.find((sample) => sample.name === name && sample.round === round)!;
  const netCpu = Array.from({ length: rounds }, (_, round) => at("modelmesh", round).cpuUs - at("floor", round).cpuUs);
  const netWall = Array.from({ length: rounds }, (_, round) => at("modelmesh", round).wallUs - at("floor", round).wallUs);
  const section = `SDK without the network (in-memory fetch; ${rounds} rounds × ${options.perBlock ?? 3_000} requests, then to ${result.routed.toLocaleString("en")} requests)`;
  const first = result.heap[0]!;
  const last = result.heap.at(-1)!;
  const growth = last.heapUsedBytes - first.heapUsedBytes;
  const writes = result.saves / result.routed;
  const range = (values: number[]) => `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
  return [
    { section, name: "routing cost: CPU µs per request over the floor (median, range)", value: `${median(netCpu).toFixed(1)} (${range(netCpu)})`, goal: `≤ ${SDK_COST_GOALS.routingUs}`, pass: median(netCpu) <= SDK_COST_GOALS.routingUs },
    { section, name: "routing cost: wall µs per request over the floor (median, range; context, load-sensitive)", value: `${median(netWall).toFixed(1)} (${range(netWall)})` },
    { section, name: "floor (in-memory fetch + response.json()): CPU µs per request (median; context)", value: median(result.samples.filter((sample) => sample.name === "floor").map((sample) => sample.cpuUs)).toFixed(1) },
    { section, name: "heap after GC at " + result.heap.map((entry) => `${entry.requests / 1000}k`).join(" / ") + " requests, MB", value: result.heap.map((entry) => (entry.heapUsedBytes / 1e6).toFixed(2)).join(" / ") },
    { section, name: `heap growth from ${first.requests / 1000}k to ${last.requests / 1000}k requests, KB`, value: (growth / 1024).toFixed(0), goal: `< ${SDK_COST_GOALS.heapGrowthBytes / 1024}`, pass: growth < SDK_COST_GOALS.heapGrowthBytes },
    { section, name: `storage writes per request (${result.saves} saves over ${result.routed.toLocaleString("en")} requests in ${(result.elapsedMs / 1000).toFixed(1)} s)`, value: writes.toFixed(5), goal: `≤ ${SDK_COST_GOALS.writesPerRequest}`, pass: writes <= SDK_COST_GOALS.writesPerRequest },
  ];
}
