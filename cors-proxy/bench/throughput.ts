/**
 * The proxy against the fastest plausible alternative, a bare node:http pass-through (pipe + keep-alive agent), all
 * in front of the same fake provider. Every party runs in its own process: the fake upstream, each contender (the
 * pass-through, the real `modelmesh-proxy` CLI serving /v1 (mesh mode), another serving /proxy/ (relay mode)) and
 * the load generator (autocannon, 50 connections); and, as context, `floor`: the least a proxy that parses every event
 * can do (`parsing-floor-process.mjs`). Blocks alternate (A B C, B C A, ...). Goals are judged best of N
 * per side (`stats.ts`): each contender's best block against the pass-through's best block; the median of the
 * per-round ratios and their range are printed beside it.
 * Run alone: npm run bench -- proxy-throughput
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BUILT_CLI, CLI, startChild, runJsonChild, type Child } from "./children.js";
import type { LoadPlan, LoadTarget, SequentialSample, ThroughputSample } from "./load-process.js";
import { addedLatency, best, compare, formatComparison, median, range } from "./stats.js";

/** One printed line, as bench/run.ts prints them. */
export interface ThroughputRow {
  section: string;
  name: string;
  value: string;
  goal?: string;
  pass?: boolean;
}

/** Knobs, mostly to make a quick run (the defaults take about two minutes). */
export interface ThroughputOptions {
  connections?: number;
  rounds?: number;
  /** Length of one autocannon block. */
  seconds?: number;
  sequentialRounds?: number;
  sequentialRequests?: number;
}

export const THROUGHPUT_GOALS = { ratio: 0.8, p99GapMs: 5, sequentialAddedRatio: 1.25 } as const;

const MODEL = "gpt-4o-mini";
const MESSAGES = [{ role: "user", content: "Hello there, how are you today?" }];
const BODIES = {
  json: JSON.stringify({ model: MODEL, messages: MESSAGES }),
  // The mesh always asks for usage in a stream; everyone asks for it, so every contender moves the same bytes.
  sse: JSON.stringify({ model: MODEL, messages: MESSAGES, stream: true, stream_options: { include_usage: true } }),
};
type Kind = keyof typeof BODIES;
const HEADERS = { "content-type": "application/json", authorization: "Bearer sk-bench" };
const CONTENDERS = ["pass-through", "mesh", "relay", "floor"] as const;
/** The contenders judged against the goals; `floor` (`parsing-floor-process.mjs`) is context. */
const JUDGED = ["mesh", "relay"] as const;

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;

/** Checks once that a contender answers what the upstream would: a completion, or a stream ending in [DONE]. */
async function verify(target: LoadTarget, kind: Kind): Promise<void> {
  const response = await fetch(target.url, { method: "POST", headers: target.headers, body: target.body });
  const text = await response.text();
  const ok = response.status === 200 && (kind === "json" ? (JSON.parse(text) as { choices?: Array<{ message?: { content?: string } }> }).choices?.[0]?.message?.content?.includes("Hello") === true : text.trimEnd().endsWith("data: [DONE]") && text.includes('"usage"'));
  if (!ok) throw new Error(`${target.name} (${kind}) answered ${response.status}: ${text.slice(0, 300)}`);
}

type Party = (typeof CONTENDERS)[number] | "direct";

async function startContenders(upstreamUrl: string, directory: string): Promise<{ children: Child[]; bases: Record<Party, string>; pids: Partial<Record<Party, number>> }> {
  const upstream = new URL(upstreamUrl);
  const config = join(directory, "modelmesh.json");
  writeFileSync(
    config,
    JSON.stringify({
      providers: { bench: { connector: "openai-compatible", config: { base_url: upstreamUrl, api_key: "sk-bench", models: [{ id: MODEL, capabilities: ["generation.text-generation.chat-completion"] }] } } },
      proxy: { relay: { allowPrivate: [upstream.host] } },
    }),
  );
  const listening = /listening on (http:\/\/\S+)/;
  const children = await Promise.all([
    startChild("cors-proxy/bench/pass-through-process.mjs", [upstream.origin]),
    startChild(CLI, ["--config", config, "--port", "0"], { ready: listening, ...BUILT_CLI }),
    startChild(CLI, ["--config", config, "--port", "0"], { ready: listening, ...BUILT_CLI }),
    startChild("cors-proxy/bench/parsing-floor-process.mjs", [upstream.origin]),
  ]);
  const [passThrough, mesh, relay, floor] = children.map((child) => child.announced);
  const pids = { "pass-through": children[0]!.process.pid, mesh: children[1]!.process.pid, relay: children[2]!.process.pid, floor: children[3]!.process.pid };
  return {
    children,
    pids,
    bases: {
      direct: `${upstream.origin}/v1/chat/completions`,
      "pass-through": `${passThrough}/v1/chat/completions`,
      mesh: `${mesh}/v1/chat/completions`,
      relay: `${relay}/proxy/${upstream.origin}/v1/chat/completions`,
      floor: `${floor}/v1/chat/completions`,
    },
  };
}

function throughputRows(kind: Kind, samples: ThroughputSample[], connections: number): ThroughputRow[] {
  const section = `proxy, ${kind === "json" ? "JSON chat" : "SSE stream"}, ${connections} connections (autocannon; pass-through = 1.00)`;
  const of = (name: string) => samples.filter((sample) => sample.target === name).sort((a, b) => a.round - b.round);
  const base = of("pass-through");
  const rows: ThroughputRow[] = [];
  const rounds = base.length;
  for (const name of JUDGED) {
    const mine = of(name);
    const rate = compare(mine.map((sample) => sample.requestsPerSecond), base.map((sample) => sample.requestsPerSecond), "higher");
    // A gap, not a ratio: best p99 of each side, then their difference; the per-round differences as context.
    const gap = best(mine.map((sample) => sample.p99Ms), "lower") - best(base.map((sample) => sample.p99Ms), "lower");
    const gaps = mine.map((sample, index) => sample.p99Ms - base[index]!.p99Ms);
    const failures = mine.reduce((sum, sample) => sum + sample.errors + sample.non2xx, 0);
    rows.push(
      { section, name: `${name} ${kind} throughput / pass-through (best of ${rounds} per side; rounds: median, range)`, value: formatComparison(rate, 2), goal: `≥ ${THROUGHPUT_GOALS.ratio.toFixed(2)}`, pass: rate.best >= THROUGHPUT_GOALS.ratio },
      { section, name: `${name} ${kind} p99 − pass-through p99, ms (best of ${rounds} per side; rounds: median, range)`, value: `${gap.toFixed(0)} (rounds: median ${median(gaps).toFixed(0)}, ${range(gaps, 0)})`, goal: `≤ ${THROUGHPUT_GOALS.p99GapMs}`, pass: gap <= THROUGHPUT_GOALS.p99GapMs },
      { section, name: `${name} ${kind} errors + non-2xx`, value: String(failures), goal: "0", pass: failures === 0 },
    );
  }
  const floor = of("floor");
  if (floor.length > 0) {
    const rate = compare(floor.map((sample) => sample.requestsPerSecond), base.map((sample) => sample.requestsPerSecond), "higher");
    const gap = best(floor.map((sample) => sample.p99Ms), "lower") - best(base.map((sample) => sample.p99Ms), "lower");
    rows.push({ section, name: `floor (a minimal parsing proxy) ${kind} throughput / pass-through, p99 − pass-through p99 ms (best of ${rounds} per side; context)`, value: `${formatComparison(rate, 2)}; ${gap.toFixed(0)}` });
  }
  const cpu = (name: string) => median(of(name).map((sample) => sample.cpuUsPerRequest));
  if (!Number.isNaN(cpu("pass-through"))) {
    rows.push({ section, name: `CPU µs per request, pass-through / mesh / relay / floor (medians; context, less noisy than rates)`, value: CONTENDERS.map((name) => cpu(name).toFixed(0)).join(" / ") });
    // The other two processes share the machine's cores with the contender: what they spend per request is the part
    // of each request's CPU that no proxy can save (a proxy that does less leaves them more of the cores).
    const others = (name: string) => `${median(of(name).map((sample) => sample.upstreamCpuUsPerRequest)).toFixed(0)} + ${median(of(name).map((sample) => sample.loadCpuUsPerRequest)).toFixed(0)}`;
    rows.push({ section, name: `CPU µs per request of the fake upstream + the load generator, while loading pass-through / mesh / relay / floor (medians; context)`, value: CONTENDERS.map(others).join(" / ") });
  }
  const baseFailures = base.reduce((sum, sample) => sum + sample.errors + sample.non2xx, 0);
  rows.push({ section, name: `pass-through ${kind} req/s, p50 ms, p99 ms, errors (medians; context)`, value: `${median(base.map((sample) => sample.requestsPerSecond)).toFixed(0)}, ${median(base.map((sample) => sample.p50Ms)).toFixed(0)}, ${median(base.map((sample) => sample.p99Ms)).toFixed(0)}, ${baseFailures}` });
  return rows;
}

/** Each target's median latency per round, and its added latency over the direct call's of the same round. */
export function roundMedians(samples: SequentialSample[]) {
  const rounds = Math.max(...samples.map((sample) => sample.round)) + 1;
  const medians = (name: string) => Array.from({ length: rounds }, (_, round) => percentile(samples.find((sample) => sample.target === name && sample.round === round)!.latenciesUs, 0.5));
  // Best of N per side, of the quantity judged: a round's added latency is the target's median minus the direct
  // call's median of the same round, and each side's best is its lowest round (`addedLatency` in stats.ts).
  const addedOf = (name: string) => addedLatency(medians(name), medians("direct"));
  return { rounds, medians, addedOf };
}

/**
 * The sequential rows. Judged on `interleaved` samples (every target one request in turn, so a burst of the machine's
 * noise falls on every target of a round alike); `blocks` (300 requests per target in a row, the method before
 * 2026-12-04 21:20 UTC) give the CPU per request and their own ratios as context: there a burst falls on one target's
 * block, and a round whose direct calls ran slower than its pass-through's gave the pass-through a negative added
 * latency (no ratio: NaN) or the mesh a "best" from a noisy round (0.38 for SSE at 21:18 UTC, 2.62 interleaved).
 */
function sequentialRows(kind: Kind, interleaved: SequentialSample[], blocks: SequentialSample[]): ThroughputRow[] {
  const section = `proxy, ${kind === "json" ? "JSON chat" : "SSE stream"}, sequential (1 connection; latency added over calling the upstream directly)`;
  const { rounds, medians, addedOf } = roundMedians(interleaved);
  const rows: ThroughputRow[] = [];
  const pass = addedOf("pass-through");
  for (const name of JUDGED) {
    const mine = addedOf(name);
    // A pass-through that adds nothing measurable leaves no ratio to judge: NaN, which fails the goal.
    const ratio = pass.best > 0 ? mine.best / pass.best : Number.NaN;
    const ratios = mine.perRound.map((value, index) => value / pass.perRound[index]!);
    rows.push(
      { section, name: `${name} ${kind} added median µs (interleaved; best of ${rounds}; rounds: median, range)`, value: `${mine.best.toFixed(0)} (rounds: median ${median(mine.perRound).toFixed(0)}, ${range(mine.perRound, 0)})` },
      { section, name: `${name} ${kind} added / pass-through added (interleaved; best of ${rounds} per side; rounds: median, range)`, value: `${ratio.toFixed(2)} (rounds: median ${median(ratios).toFixed(2)}, ${range(ratios, 2)})`, goal: `≤ ${THROUGHPUT_GOALS.sequentialAddedRatio.toFixed(2)}`, pass: ratio <= THROUGHPUT_GOALS.sequentialAddedRatio },
    );
  }
  if (interleaved.some((sample) => sample.target === "floor")) {
    const floorBest = addedOf("floor").best;
    const ratio = pass.best > 0 ? floorBest / pass.best : Number.NaN;
    rows.push({ section, name: `floor (a minimal parsing proxy) ${kind} added median µs, added / pass-through added (interleaved; best of ${rounds} per side; context)`, value: `${floorBest.toFixed(0)}, ${ratio.toFixed(2)}` });
  }
  const failures = [...interleaved, ...blocks].reduce((sum, sample) => sum + sample.failures, 0);
  rows.push({ section, name: `direct median µs, pass-through added median µs (interleaved; best of ${rounds}; rounds: median), failures (context)`, value: `${best(medians("direct"), "lower").toFixed(0)}, ${pass.best.toFixed(0)} (${median(pass.perRound).toFixed(0)}), ${failures}` });
  const inBlocks = roundMedians(blocks);
  const blockPass = inBlocks.addedOf("pass-through");
  const blockRatios = JUDGED.map((name) => {
    const mine = inBlocks.addedOf(name);
    const ratios = mine.perRound.map((value, index) => value / blockPass.perRound[index]!);
    return `${name} ${(blockPass.best > 0 ? mine.best / blockPass.best : Number.NaN).toFixed(2)} (rounds: median ${median(ratios).toFixed(2)}, ${range(ratios, 2)})`;
  });
  rows.push({ section, name: `in blocks of ${blocks[0]?.latenciesUs.length ?? 0} requests per target (context): added / pass-through added, mesh; relay (best of ${inBlocks.rounds} per side; rounds: median, range)`, value: blockRatios.join("; ") });
  const cpu = (name: string) => median(blocks.filter((sample) => sample.target === name).map((sample) => sample.cpuUsPerRequest));
  if (!Number.isNaN(cpu("pass-through"))) {
    // Added latency is CPU on the critical path plus waiting; this row tells the two apart.
    rows.push({ section, name: `CPU µs per request, pass-through / mesh / relay / floor (in blocks; medians; context)`, value: CONTENDERS.map((name) => cpu(name).toFixed(0)).join(" / ") });
  }
  return rows;
}

/**
 * Starts the processes, runs throughput then sequential latency for JSON and SSE, and returns rows with goal checks.
 * @example
 * for (const row of await proxyThroughput({ rounds: 1, seconds: 2 })) console.log(row.name, row.value);
 */
export async function proxyThroughput(options: ThroughputOptions = {}): Promise<ThroughputRow[]> {
  const connections = options.connections ?? 50;
  const directory = mkdtempSync(join(tmpdir(), "modelmesh-bench-"));
  const children: Child[] = [];
  const load = loadavg().map((value) => value.toFixed(2)).join(" ");
  try {
    const upstream = await startChild("cors-proxy/bench/upstream-process.ts");
    children.push(upstream);
    const started = await startContenders(upstream.announced, directory);
    children.push(...started.children);
    const rows: ThroughputRow[] = [];
    for (const kind of ["json", "sse"] as Kind[]) {
      const target = (name: Party): LoadTarget => ({ name, url: started.bases[name], body: BODIES[kind], headers: HEADERS, ...(started.pids[name] ? { pid: started.pids[name] } : {}) });
      for (const name of CONTENDERS) await verify(target(name), kind);
      const plan: LoadPlan = { kind: "throughput", targets: CONTENDERS.map(target), rounds: options.rounds ?? 4, seconds: options.seconds ?? 5, warmupSeconds: 2, connections, upstreamPid: upstream.process.pid };
      rows.push(...throughputRows(kind, await runJsonChild<ThroughputSample[]>("cors-proxy/bench/load-process.ts", [JSON.stringify(plan)]), connections));
      const sequential: LoadPlan = { kind: "sequential", targets: (["direct", ...CONTENDERS] as const).map(target), rounds: options.sequentialRounds ?? 5, requests: options.sequentialRequests ?? 300, warmup: 200 };
      const blocks = await runJsonChild<SequentialSample[]>("cors-proxy/bench/load-process.ts", [JSON.stringify(sequential)]);
      const alternating: LoadPlan = { ...sequential, interleaved: true, warmup: 50 };
      rows.push(...sequentialRows(kind, await runJsonChild<SequentialSample[]>("cors-proxy/bench/load-process.ts", [JSON.stringify(alternating)]), blocks));
    }
    rows.push({ section: "conditions", name: "load average (1, 5, 15 min) at the start / at the end, cores", value: `${load} / ${loadavg().map((value) => value.toFixed(2)).join(" ")}, ${cpus().length}` });
    return rows;
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    rmSync(directory, { recursive: true, force: true });
  }
}
