/**
 * The proxy in mesh mode against a bare node:http pass-through, both in front of the same fake provider, in this
 * process, in this run (the house rule: ratios, never bare times). Two measurements:
 *  - throughput: 50 connections in a closed loop, blocks alternating so drift falls on both alike;
 *  - latency under load: a paired open loop (both contenders at each tick) at half the pass-through's capacity.
 * Goals: throughput ratio ≥ 0.80, p99 gap ≤ 5 ms. Same row shape as bench/ (`{ section, name, value, goal?, pass? }`).
 * Run alone: npx tsx --conditions=modelmesh-source cors-proxy/bench/throughput.ts
 */
import { createServer, type Server } from "node:http";
import { pathToFileURL } from "node:url";
import { create, type MeshClient } from "modelmesh";
import { startFakeOpenAI, type FakeOpenAI } from "../../sdk/test/fakes/openai.js";
import type { ProxyServer } from "../src/node-adapter.js";

/** One printed line, as bench/run.ts prints them. */
export interface ThroughputRow {
  section: string;
  name: string;
  value: string;
  goal?: string;
  pass?: boolean;
}

export interface ThroughputOptions {
  connections?: number;
  /** Closed-loop blocks per contender, and each block's length. */
  rounds?: number;
  blockMs?: number;
  /** Open-loop phase length per contender. */
  pacedMs?: number;
}

export const THROUGHPUT_GOALS = { ratio: 0.8, p99GapMs: 5 } as const;

const SECTION = "proxy throughput (mesh mode vs node:http pass-through, same fake provider, 127.0.0.1)";
const MODEL = "gpt-4o-mini";
const BODY = JSON.stringify({ model: "chat", messages: [{ role: "user", content: "Hello there, how are you today?" }] });
const UPSTREAM_BODY = BODY.replace('"model":"chat"', `"model":"${MODEL}"`);

type Contender = "pass-through" | "proxy";

/** The least a relay can do: read the body, forward it with fetch, copy status and body back. */
async function startPassThrough(upstream: string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const reply = await fetch(`${upstream}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
      body: parts.length ? UPSTREAM_BODY : "",
    });
    const text = await reply.text();
    response.writeHead(reply.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, server };
}

async function send(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: BODY });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - started;
}

async function closedLoop(url: string, connections: number, ms: number): Promise<number> {
  const until = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        await send(url);
        done++;
      }
    }),
  );
  return done;
}

/**
 * An open loop at `perSecond` requests per second to each contender, sent in pairs (one to each at every tick), so a
 * GC pause or a scheduling hiccup of this shared process lands on both alike and the p99 gap is the proxy's own.
 */
async function pairedOpenLoop(urls: Record<Contender, string>, perSecond: number, ms: number): Promise<Record<Contender, number[]>> {
  const latencies: Record<Contender, number[]> = { "pass-through": [], proxy: [] };
  const pending: Promise<void>[] = [];
  const interval = 1000 / perSecond;
  const start = performance.now();
  for (let index = 0; performance.now() - start < ms; index++) {
    const wait = start + index * interval - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const first: Contender = index % 2 === 0 ? "pass-through" : "proxy";
    for (const contender of [first, first === "proxy" ? "pass-through" : "proxy"] as Contender[]) {
      pending.push(send(urls[contender]).then((latency) => void latencies[contender].push(latency)));
    }
  }
  await Promise.all(pending);
  for (const list of Object.values(latencies)) list.sort((a, b) => a - b);
  return latencies;
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;

/**
 * Measures both contenders and returns rows with the ratio and the p99 gap against their goals.
 * @example
 * for (const row of await proxyThroughput({ rounds: 2 })) console.log(row.name, row.value);
 */
export async function proxyThroughput(options: ThroughputOptions = {}): Promise<ThroughputRow[]> {
  const connections = options.connections ?? 50;
  const rounds = options.rounds ?? 3;
  const blockMs = options.blockMs ?? 1000;
  const pacedMs = options.pacedMs ?? 2000;
  const fake: FakeOpenAI = await startFakeOpenAI({ name: "bench", models: [MODEL], rateLimit: { limitRequests: 1e9, limitTokens: 1e9 } });
  let client: MeshClient | undefined;
  let proxy: ProxyServer | undefined;
  let passThrough: { url: string; server: Server } | undefined;
  try {
    passThrough = await startPassThrough(fake.url);
    client = create({
      config: {
        providers: { bench: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-bench", models: [{ id: MODEL, capabilities: ["generation.text-generation.chat-completion"] }] } } },
        pools: { chat: { capability: "chat-completion" } },
      },
    });
    await client.ready();
    const c = client;
    const direct = createServer(async (request, response) => {
      const parts: Buffer[] = [];
      for await (const part of request) parts.push(part as Buffer);
      const result = await c.chat.completions.create(JSON.parse(Buffer.concat(parts).toString("utf8")));
      const text = JSON.stringify(result);
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
    });
    await new Promise<void>((resolve) => direct.listen(0, "127.0.0.1", resolve));
    const urls: Record<Contender, string> = { "pass-through": passThrough.url, proxy: `http://127.0.0.1:${(direct.address() as { port: number }).port}` };
    const order: Contender[] = ["pass-through", "proxy"];
    for (const contender of order) await closedLoop(urls[contender], connections, 500);
    const completed: Record<Contender, number> = { "pass-through": 0, proxy: 0 };
    for (let round = 0; round < rounds; round++) {
      for (const contender of round % 2 === 0 ? order : [...order].reverse()) completed[contender] += await closedLoop(urls[contender], connections, blockMs);
    }
    const seconds = (rounds * blockMs) / 1000;
    const rate = (contender: Contender) => completed[contender] / seconds;
    const ratio = rate("proxy") / rate("pass-through");
    // Half the pass-through's capacity in total (a quarter to each): loaded, but not queueing.
    const paced = Math.max(10, Math.round(rate("pass-through") / 4));
    const latencies = await pairedOpenLoop(urls, paced, pacedMs);
    const p99 = (contender: Contender) => percentile(latencies[contender], 0.99);
    const gap = p99("proxy") - p99("pass-through");
    return [
      { section: SECTION, name: `throughput at ${connections} connections, proxy / pass-through`, value: ratio.toFixed(2), goal: `≥ ${THROUGHPUT_GOALS.ratio.toFixed(2)}`, pass: ratio >= THROUGHPUT_GOALS.ratio },
      { section: SECTION, name: `p99 at ${paced} req/s each (paired), proxy − pass-through (ms)`, value: gap.toFixed(2), goal: `≤ ${THROUGHPUT_GOALS.p99GapMs}`, pass: gap <= THROUGHPUT_GOALS.p99GapMs },
      { section: SECTION, name: "baseline (pass-through) req/s, p99 ms", value: `${rate("pass-through").toFixed(0)}, ${p99("pass-through").toFixed(2)}` },
    ];
  } finally {
    await proxy?.close(100);
    await client?.close();
    passThrough?.server.close();
    await fake.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  proxyThroughput().then(
    (rows) => {
      for (const row of rows) console.log(`${row.name.padEnd(58)} ${row.value.padStart(12)}  ${row.goal ?? ""}${row.pass === undefined ? "" : row.pass ? "  pass" : "  MISSED"}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
