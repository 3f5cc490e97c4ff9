/// <reference path="./autocannon.d.ts" />
/**
 * The load generator, in a process of its own. Reads a plan (JSON in argv[2]), runs it and prints one JSON line.
 *  - "throughput": autocannon (closed loop, N connections) against each target in turn, `rounds` times, the order
 *    rotating every round (A B C, B C A, C A B ...) so drift and noise fall on every target alike.
 *  - "sequential": one request at a time over one keep-alive connection, blocks of `requests` per target, rotating
 *    the same way; latencies in microseconds (autocannon rounds to whole milliseconds, too coarse for this). With
 *    `interleaved`, no blocks: every target gets one request in turn (the order rotating at each turn), so a burst of
 *    the machine's noise falls on every target of the round alike instead of on one target's block.
 */
import { readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import autocannon from "autocannon";

/** One thing to load: a name, a URL and the request to send it. */
export interface LoadTarget {
  name: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The process serving `url`, to count its CPU time per request (Linux /proc; absent elsewhere). */
  pid?: number;
}

export type LoadPlan =
  | {
      kind: "throughput";
      targets: LoadTarget[];
      rounds: number;
      seconds: number;
      warmupSeconds: number;
      connections: number;
      /** The fake upstream's process: its CPU per request is reported too (a contender may make it work harder). */
      upstreamPid?: number;
    }
  | { kind: "sequential"; targets: LoadTarget[]; rounds: number; requests: number; warmup: number; interleaved?: boolean };

/** One autocannon block. */
export interface ThroughputSample {
  target: string;
  round: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** CPU time (user + system) the serving process spent per answered request, in µs; NaN when unknown. */
  cpuUsPerRequest: number;
  /** The same for the fake upstream (NaN without `upstreamPid`) and for this load generator. */
  upstreamCpuUsPerRequest: number;
  loadCpuUsPerRequest: number;
}

/** One sequential block: latencies in µs, sorted. */
export interface SequentialSample {
  target: string;
  round: number;
  latenciesUs: number[];
  failures: number;
  /** CPU time of the serving process per answered request, in µs (coarse: /proc counts 10 ms ticks); NaN when unknown. */
  cpuUsPerRequest: number;
}

const TICK_US = 1e6 / 100; // USER_HZ: /proc reports CPU time in clock ticks of 10 ms on Linux.

/** User + system CPU time of a process so far, in µs. */
function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return Number.NaN;
  }
}

function rotate<T>(list: T[], by: number): T[] {
  const shift = by % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

function cannon(target: LoadTarget, seconds: number, connections: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url: target.url, method: "POST", headers: target.headers, body: target.body, connections, duration: seconds }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function throughput(plan: Extract<LoadPlan, { kind: "throughput" }>): Promise<ThroughputSample[]> {
  for (const target of plan.targets) await cannon(target, plan.warmupSeconds, plan.connections);
  const samples: ThroughputSample[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    for (const target of rotate(plan.targets, round)) {
      const cpuBefore = cpuMicros(target.pid);
      const upstreamBefore = cpuMicros(plan.upstreamPid);
      const loadBefore = process.cpuUsage();
      const result = await cannon(target, plan.seconds, plan.connections);
      const cpuAfter = cpuMicros(target.pid);
      const upstreamAfter = cpuMicros(plan.upstreamPid);
      const load = process.cpuUsage(loadBefore);
      const answered = Math.max(1, result["2xx"]);
      samples.push({
        target: target.name,
        round,
        requestsPerSecond: result["2xx"] / result.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        cpuUsPerRequest: (cpuAfter - cpuBefore) / answered,
        upstreamCpuUsPerRequest: (upstreamAfter - upstreamBefore) / answered,
        loadCpuUsPerRequest: (load.user + load.system) / answered,
      });
    }
  }
  return samples;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function once(target: LoadTarget): Promise<{ micros: number; ok: boolean }> {
  const url = new URL(target.url);
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const outgoing = httpRequest({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: "POST", headers: { ...target.headers, "content-length": String(Buffer.byteLength(target.body)) }, agent }, (incoming) => {
      incoming.on("data", () => {});
      incoming.on("end", () => resolve({ micros: Number(process.hrtime.bigint() - started) / 1000, ok: incoming.statusCode === 200 }));
    });
    outgoing.on("error", () => resolve({ micros: Number(process.hrtime.bigint() - started) / 1000, ok: false }));
    outgoing.end(target.body);
  });
}

async function sequential(plan: Extract<LoadPlan, { kind: "sequential" }>): Promise<SequentialSample[]> {
  for (const target of plan.targets) for (let index = 0; index < plan.warmup; index++) await once(target);
  const samples: SequentialSample[] = [];
  if (plan.interleaved) return interleaved(plan);
  for (let round = 0; round < plan.rounds; round++) {
    for (const target of rotate(plan.targets, round)) {
      const latenciesUs: number[] = [];
      let failures = 0;
      const cpuBefore = cpuMicros(target.pid);
      for (let index = 0; index < plan.requests; index++) {
        const { micros, ok } = await once(target);
        if (ok) latenciesUs.push(micros);
        else failures++;
      }
      const cpuUsPerRequest = (cpuMicros(target.pid) - cpuBefore) / Math.max(1, latenciesUs.length);
      samples.push({ target: target.name, round, latenciesUs: latenciesUs.sort((a, b) => a - b), failures, cpuUsPerRequest });
    }
  }
  return samples;
}

/** Sequential, one request per target in turn (`interleaved`); CPU per request is not measured (the targets' turns mix). */
async function interleaved(plan: Extract<LoadPlan, { kind: "sequential" }>): Promise<SequentialSample[]> {
  const samples: SequentialSample[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    const latencies = plan.targets.map(() => [] as number[]);
    const failures = plan.targets.map(() => 0);
    for (let index = 0; index < plan.requests; index++) {
      for (let turn = 0; turn < plan.targets.length; turn++) {
        const at = (turn + index) % plan.targets.length;
        const { micros, ok } = await once(plan.targets[at]!);
        if (ok) latencies[at]!.push(micros);
        else failures[at]! += 1;
      }
    }
    plan.targets.forEach((target, at) => samples.push({ target: target.name, round, latenciesUs: latencies[at]!.sort((a, b) => a - b), failures: failures[at]!, cpuUsPerRequest: Number.NaN }));
  }
  return samples;
}

const plan = JSON.parse(process.argv[2] ?? "{}") as LoadPlan;
const samples = plan.kind === "throughput" ? await throughput(plan) : await sequential(plan);
process.stdout.write(`${JSON.stringify(samples)}\n`);
