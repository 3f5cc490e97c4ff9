/**
 * Two streaming measures, against `bench/stream-upstream-process.ts` (a process of its own):
 *
 * 1. A 500-chunk stream, time to first chunk and to last chunk, in rotating blocks: a direct `fetch` that parses the
 *    SSE itself (eventsource-parser + `JSON.parse` of every event: the least any client must do), the SDK (`create()`
 *    and `chat.completions.create({ stream: true })`, over its default Node transport), the proxy in mesh mode (the
 *    CLI in its own process, read by the same direct client), a bare node:http pass-through (the proxy's baseline:
 *    both add a hop to the direct fetch), and as context a minimal parsing proxy
 *    (`cors-proxy/bench/parsing-floor-process.mjs`: every event `JSON.parse`d, nothing else). Twice: `burst` (the
 *    upstream writes the next event as soon as its event loop turns, so the reader's per-chunk cost decides the pace)
 *    and `paced` (one event per ms).
 * 2. Failover: provider A answers 503 at once, provider B streams. The pool (priority A then B, 1 retry after a
 *    20 ms backoff without jitter) makes two attempts on A, then moves to B. The upstream records when it sent each
 *    503 and when B's request arrived; the client records its first chunk. Rows: the wait between A's two attempts
 *    beyond the configured 20 ms, against the same wait of a bare fetch + setTimeout + fetch loop in alternate samples, and the time from A's last failure to B's first chunk at the client, minus B's own
 *    time to first chunk when called directly (the same client, B only): what the failover itself costs.
 */
import { performance } from "node:perf_hooks";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createParser } from "eventsource-parser";
import { create, type MeshClient } from "modelmesh";
import { BUILT_CLI, CLI, startChild, type Child } from "../cors-proxy/bench/children.js";
import { best, compare as compareRounds, formatComparison, median, range } from "../cors-proxy/bench/stats.js";
import type { BenchRow } from "./bundle-size.js";

/** Loop sizes. */
export interface StreamTimingOptions {
  burstRounds?: number;
  burstStreams?: number;
  pacedRounds?: number;
  pacedStreams?: number;
  failoverSamples?: number;
}

export const STREAM_GOALS = { firstChunkAddedMs: 1, lastChunkRatio: 1.05, failoverExtraMs: 2, retryOverBareMs: 1 } as const;

const CHAT = "generation.text-generation.chat-completion";
const MESSAGES = [{ role: "user" as const, content: "Count to five hundred." }];
const BACKOFF_MS = 20;
const now = () => performance.timeOrigin + performance.now();

const rotate = <T>(list: T[], by: number) => [...list.slice(by % list.length), ...list.slice(0, by % list.length)];

type Timing = [firstMs: number, lastMs: number, chunks: number];

/** A direct client: POST, then eventsource-parser and JSON.parse on every event until `[DONE]`. */
async function directStream(url: string, model: string): Promise<Timing> {
  const start = performance.now();
  let first = 0;
  let last = 0;
  let chunks = 0;
  let done = false;
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk-bench" }, body: JSON.stringify({ model, messages: MESSAGES, stream: true, stream_options: { include_usage: true } }) });
  if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
  const parser = createParser({
    onEvent: (message) => {
      if (message.data === "[DONE]") {
        last = performance.now() - start;
        return void (done = true);
      }
      JSON.parse(message.data);
      if (chunks++ === 0) first = performance.now() - start;
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  // Read to the end (the server ends right after [DONE]) so the connection stays in the keep-alive pool.
  for (let read = await reader.read(); !read.done; read = await reader.read()) parser.feed(decoder.decode(read.value, { stream: true }));
  if (!done) throw new Error(`${url}: the stream ended without [DONE]`);
  return [first, last, chunks];
}

async function meshStream(mesh: MeshClient, model: string): Promise<Timing> {
  const start = performance.now();
  let first = 0;
  let chunks = 0;
  const stream = await mesh.chat.completions.create({ model, messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) {
    void chunk;
    if (chunks++ === 0) first = performance.now() - start;
  }
  return [first, performance.now() - start, chunks];
}

function providers(origin: string) {
  const provider = (prefix: string, model: string) => ({ connector: "openai-compatible", config: { base_url: `${origin}/${prefix}/v1`, api_key: "sk-bench", models: [{ id: model, capabilities: [CHAT] }] } });
  return { burst: provider("burst", "bench-burst"), paced: provider("paced", "bench-paced") };
}

/**
 * Runs both measures and returns their rows.
 * @example
 * const rows = await streamTiming({ burstRounds: 2 });
 */
export async function streamTiming(options: StreamTimingOptions = {}): Promise<BenchRow[]> {
  const directory = mkdtempSync(join(tmpdir(), "modelmesh-stream-bench-"));
  const children: Child[] = [];
  const meshes: MeshClient[] = [];
  try {
    const upstream = await startChild("bench/stream-upstream-process.ts");
    children.push(upstream);
    const origin = upstream.announced;
    const config = join(directory, "modelmesh.json");
    writeFileSync(config, JSON.stringify({ providers: providers(origin) }));
    const proxy = await startChild(CLI, ["--config", config, "--port", "0"], { ready: /listening on (http:\/\/\S+)/, ...BUILT_CLI });
    children.push(proxy);
    // A proxy adds a hop: its fair baseline is the fastest proxy, a bare node:http pass-through to the same upstream.
    const passThrough = await startChild("cors-proxy/bench/pass-through-process.mjs", [origin]);
    children.push(passThrough);
    // Context: the least a proxy that parses every event can do (cors-proxy/bench/parsing-floor-process.mjs).
    const floor = await startChild("cors-proxy/bench/parsing-floor-process.mjs", [origin]);
    children.push(floor);
    const mesh = create({ config: { providers: providers(origin) } });
    meshes.push(mesh);
    await mesh.ready();

    const rows: BenchRow[] = [];
    for (const mode of ["burst", "paced"] as const) {
      const model = `bench-${mode}`;
      const runners: Record<string, () => Promise<Timing>> = {
        fetch: () => directStream(`${origin}/${mode}/v1/chat/completions`, model),
        modelmesh: () => meshStream(mesh, model),
        proxy: () => directStream(`${proxy.announced}/v1/chat/completions`, model),
        "pass-through": () => directStream(`${passThrough.announced}/${mode}/v1/chat/completions`, model),
        floor: () => directStream(`${floor.announced}/${mode}/v1/chat/completions`, model),
      };
      const names = Object.keys(runners);
      for (const name of names) {
        const [, , chunks] = await runners[name]!();
        if (chunks !== 500) throw new Error(`${name} (${mode}) read ${chunks} chunks, not 500`);
        await runners[name]!();
      }
      const rounds = mode === "burst" ? (options.burstRounds ?? 6) : (options.pacedRounds ?? 4);
      const perRound = mode === "burst" ? (options.burstStreams ?? 8) : (options.pacedStreams ?? 3);
      const perRoundMedians: Record<string, { first: number[]; last: number[] }> = Object.fromEntries(names.map((name) => [name, { first: [], last: [] }]));
      for (let round = 0; round < rounds; round++) {
        for (const name of rotate(names, round)) {
          const first: number[] = [];
          const last: number[] = [];
          for (let index = 0; index < perRound; index++) {
            const [firstMs, lastMs] = await runners[name]!();
            first.push(firstMs);
            last.push(lastMs);
          }
          perRoundMedians[name]!.first.push(median(first));
          perRoundMedians[name]!.last.push(median(last));
        }
      }
      const section = `stream of 500 chunks, ${mode === "burst" ? "burst (the reader sets the pace)" : "paced (1 chunk/ms)"}, ${rounds} rounds × ${perRound} streams (direct fetch + parse = baseline)`;
      const compare = (name: string, baseline: string, goal: boolean) => {
        const mine = perRoundMedians[name]!;
        const base = perRoundMedians[baseline]!;
        // Judged best of N per side (cors-proxy/bench/stats.ts): each side's best round, then the difference or ratio.
        const first = best(mine.first, "lower") - best(base.first, "lower");
        const addedFirst = mine.first.map((value, index) => value - base.first[index]!);
        const last = compareRounds(mine.last, base.last, "lower");
        rows.push(
          { section, name: `${name}: time to first chunk − ${baseline}'s, ms (best of ${rounds} per side; rounds: median, range)`, value: `${first.toFixed(2)} (rounds: median ${median(addedFirst).toFixed(2)}, ${range(addedFirst, 2)})`, ...(goal ? { goal: `≤ ${STREAM_GOALS.firstChunkAddedMs}`, pass: first <= STREAM_GOALS.firstChunkAddedMs } : {}) },
          { section, name: `${name}: time to last chunk / ${baseline}'s (best of ${rounds} per side; rounds: median, range)`, value: formatComparison(last, 3), ...(goal ? { goal: `≤ ${STREAM_GOALS.lastChunkRatio.toFixed(2)}`, pass: last.best <= STREAM_GOALS.lastChunkRatio } : {}) },
        );
      };
      // The SDK against a direct fetch; the proxy against the pass-through (both one hop more than a direct fetch,
      // whose rows stay as context: what any proxy costs here).
      compare("modelmesh", "fetch", true);
      compare("proxy", "pass-through", true);
      compare("floor", "pass-through", false);
      compare("pass-through", "fetch", false);
      compare("proxy", "fetch", false);
      const base = perRoundMedians.fetch!;
      rows.push({ section, name: "fetch: time to first / last chunk, ms (medians; context)", value: `${median(base.first).toFixed(2)} / ${median(base.last).toFixed(1)}` });
    }

    rows.push(...(await failover(origin, options.failoverSamples ?? 30, meshes)));
    return rows;
  } finally {
    await Promise.all(meshes.map((mesh) => mesh.close()));
    await Promise.all(children.map((child) => child.stop()));
    rmSync(directory, { recursive: true, force: true });
  }
}

interface Times {
  failures: number[];
  arrivals: number[];
}

async function failover(origin: string, samples: number, meshes: MeshClient[]): Promise<BenchRow[]> {
  const provider = (prefix: string, model: string) => ({ connector: "openai-compatible", config: { base_url: `${origin}/${prefix}/v1`, api_key: "sk-bench", models: [{ id: model, capabilities: [CHAT] }] } });
  const pool = (models: string[]) => ({
    capability: "chat-completion",
    models,
    strategy: "priority",
    strategy_config: { priorities: models },
    retry: { max_retries: 1, base_delay_ms: BACKOFF_MS, jitter: "none" },
    // A stays first for every sample: it is never taken out of the pool.
    deactivation: { failure_threshold: 1_000_000 },
  });
  const mesh = create({ config: { providers: { a: provider("fail", "bench-a"), b: provider("ok", "bench-b") }, pools: { chat: pool(["bench-a", "bench-b"]), direct: pool(["bench-b"]) } } });
  meshes.push(mesh);
  await mesh.ready();
  const times = async () => (await (await fetch(`${origin}/times`)).json()) as Times;
  const firstChunk = async (model: string): Promise<{ at: number; fromStart: number }> => {
    const start = performance.now();
    const stream = await mesh.chat.completions.create({ model, messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    let at = 0;
    let fromStart = 0;
    for await (const chunk of stream) {
      void chunk;
      if (at === 0) {
        at = now();
        fromStart = performance.now() - start;
      }
    }
    return { at, fromStart };
  };
  for (let index = 0; index < 5; index++) {
    await firstChunk("chat");
    await firstChunk("direct");
  }
  // The least any client can do between two attempts: fetch, read the error, setTimeout(backoff), fetch again.
  const bareRetry = async () => {
    const attempt = async () => {
      const response = await fetch(`${origin}/fail/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk-bench" }, body: JSON.stringify({ model: "bench-a", messages: MESSAGES, stream: true, stream_options: { include_usage: true } }) });
      await response.text();
      if (response.status !== 503) throw new Error(`the failing upstream answered ${response.status}`);
    };
    await attempt();
    await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS));
    await attempt();
  };
  for (let index = 0; index < 5; index++) await bareRetry();
  await times();
  const retryExtra: number[] = [];
  const bareExtra: number[] = [];
  const toRequest: number[] = [];
  const toFirstChunk: number[] = [];
  const direct: number[] = [];
  for (let index = 0; index < samples; index++) {
    const { at } = await firstChunk("chat");
    const recorded = await times();
    if (recorded.failures.length !== 2 || recorded.arrivals.length !== 1) throw new Error(`failover sample ${index}: ${recorded.failures.length} failures and ${recorded.arrivals.length} arrivals at B (expected 2 and 1)`);
    retryExtra.push(recorded.failures[1]! - recorded.failures[0]! - BACKOFF_MS);
    toRequest.push(recorded.arrivals[0]! - recorded.failures[1]!);
    toFirstChunk.push(at - recorded.failures[1]!);
    direct.push((await firstChunk("direct")).fromStart);
    await times();
    await bareRetry();
    const bare = await times();
    bareExtra.push(bare.failures[1]! - bare.failures[0]! - BACKOFF_MS);
  }
  const section = `failover (A answers 503; 1 retry after ${BACKOFF_MS} ms, then B; ${samples} samples; clocks of two processes on one machine)`;
  const extra = median(toFirstChunk) - median(direct);
  const retryOverBare = median(retryExtra) - median(bareExtra);
  return [
    { section, name: `A's retry: wait between its two attempts beyond the ${BACKOFF_MS} ms backoff, ms (median, range)`, value: `${median(retryExtra).toFixed(2)} (${range(retryExtra, 2)})` },
    { section, name: `a bare fetch + setTimeout(${BACKOFF_MS}) + fetch loop: the same wait, ms (median, range; the transport's and timer's share)`, value: `${median(bareExtra).toFixed(2)} (${range(bareExtra, 2)})` },
    { section, name: "A's retry: wait beyond the bare loop's, ms (medians)", value: retryOverBare.toFixed(2), goal: `≤ ${STREAM_GOALS.retryOverBareMs}`, pass: retryOverBare <= STREAM_GOALS.retryOverBareMs },
    { section, name: "A's last 503 sent → B's request received, ms (median, range)", value: `${median(toRequest).toFixed(2)} (${range(toRequest, 2)})` },
    { section, name: "A's last 503 sent → B's first chunk at the client, ms (median, range)", value: `${median(toFirstChunk).toFixed(2)} (${range(toFirstChunk, 2)})` },
    { section, name: "B called directly (pool of B only): time to first chunk, ms (median; context)", value: median(direct).toFixed(2) },
    { section, name: "failover's own cost: (A's last 503 → B's first chunk) − B's direct time to first chunk, ms", value: extra.toFixed(2), goal: `≤ ${STREAM_GOALS.failoverExtraMs}`, pass: extra <= STREAM_GOALS.failoverExtraMs },
  ];
}
