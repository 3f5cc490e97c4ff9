import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { performance } from "node:perf_hooks";
import OpenAI from "openai";
import { create } from "modelmesh";
import { createNodeFetch, type NodeFetch } from "modelmesh/node-fetch";
import type { MeshClient } from "modelmesh";
import { startFakeOpenAI } from "../sdk/test/fakes/openai.js";
import { startChild, type Child } from "../cors-proxy/bench/children.js";
import { compare, formatComparison } from "../cors-proxy/bench/stats.js";
import type { BenchRow } from "./bundle-size.js";

// Client-side cost of one chat request, measured three ways against the same fake OpenAI server on 127.0.0.1, the
// fake running in a process of its own (so its work never counts against a contender): a bare fetch (the floor), the
// official `openai` client, and ModelMesh routing through its pool. The three run in blocks whose order rotates
// every round, so warm-up, GC and CPU-frequency drift fall on all of them alike. Measured sequentially (latency) and
// with 50 requests in flight (throughput). Only ratios to the fetch baseline of this same run are printed.

/** Loop sizes: bounded so the whole benchmark stays in seconds on a 2-core machine. */
export interface ChatLatencyOptions {
  rounds?: number;
  requestsPerRound?: number;
  streamRequestsPerRound?: number;
  warmupRequests?: number;
  /** Requests in flight for the throughput part, and how many each of them sends per block. */
  concurrency?: number;
  concurrentRequestsEach?: number;
}

/** The house goals for a routed, non-streaming chat request. */
export const LATENCY_GOALS = { versusFetch: 1.15, versusOpenAI: 1.0 } as const;

const MODEL = "gpt-4o-mini";
const API_KEY = "sk-bench";
const MESSAGES = [{ role: "user" as const, content: "hi" }];
// ModelMesh always asks an OpenAI-compatible server for the usage chunk (it records usage), so every streaming
// contender asks for it too: all three then receive the same bytes and yield the same number of chunks.
const STREAM_OPTIONS = { include_usage: true };

// undici (Node's fetch) publishes one message here per TCP connection it opens.
const CONNECTED_CHANNEL = "undici:client:connected";

// "fetchTimeout" is context, not a goal's baseline: a bare fetch that can be cancelled and timed out (an AbortSignal
// and a timer, as every client with a timeout needs), sending the headers ModelMesh sends. It shows how much of
// ModelMesh's distance to the bare fetch any timeout-capable client pays (undici follows a signal with a controller, a
// listener and a finalizer registration per request).
//
// "transport" is context too: the same bare POST + JSON over modelmesh/node-fetch (undici's dispatcher), the
// transport ModelMesh's providers use in Node when no fetch is given. The goals compare ModelMesh with what an app
// would write without it (a bare global fetch, the official client); this row shows what routing costs on top of
// its own transport, so a fast transport cannot hide a slow router.
type Contender = "fetch" | "fetchTimeout" | "transport" | "openai" | "modelmesh";
const CONTENDERS: Contender[] = ["fetch", "fetchTimeout", "transport", "openai", "modelmesh"];
const TIMEOUT_MS = 60_000;

interface Runners {
  chat: Record<Contender, () => Promise<void>>;
  /** resolves with [time to first chunk, time to last chunk] in ms from the call */
  stream: Record<Contender, () => Promise<[number, number]>>;
}

/**
 * Starts the fake server, measures non-streaming and streaming chat for fetch, openai and ModelMesh, and returns
 * ratio rows (baseline: bare fetch = 1.00) plus the goal checks.
 *
 * @example
 * const rows = await chatLatency({ rounds: 4 });
 */
export async function chatLatency(options: ChatLatencyOptions = {}): Promise<BenchRow[]> {
  const rounds = options.rounds ?? 10;
  const perRound = options.requestsPerRound ?? 200;
  const streamPerRound = options.streamRequestsPerRound ?? 60;
  const warmup = options.warmupRequests ?? 200;

  const concurrency = options.concurrency ?? 50;
  const each = options.concurrentRequestsEach ?? 20;

  // Every contender is first checked against an in-process fake (its request log shows what each one sent), then
  // measured against the fake in its own process.
  const fake = await startFakeOpenAI({ name: "bench", models: [MODEL] });
  let upstream: Child | undefined;
  let mesh: MeshClient | undefined;
  let checkMesh: MeshClient | undefined;
  // A contender that lost keep-alive would pay for TCP set-up on every request: count connections to be sure.
  const connections: Record<Contender, number> = { fetch: 0, fetchTimeout: 0, transport: 0, openai: 0, modelmesh: 0 };
  let current: Contender = "fetch";
  const transport = createNodeFetch();
  const onConnected = () => {
    connections[current] += 1;
  };
  try {
    checkMesh = await meshOn(fake.url);
    await checkAnswers(makeRunners(fake.url, new OpenAI({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0 }), checkMesh, transport), fake);
    upstream = await startChild("cors-proxy/bench/upstream-process.ts");
    mesh = await meshOn(upstream.announced);
    const runners = makeRunners(upstream.announced, new OpenAI({ apiKey: API_KEY, baseURL: upstream.announced, maxRetries: 0 }), mesh, transport);

    for (const contender of CONTENDERS) {
      for (let index = 0; index < warmup; index += 1) await runners.chat[contender]();
      for (let index = 0; index < Math.ceil(warmup / 2); index += 1) await runners.stream[contender]();
    }

    subscribe(CONNECTED_CHANNEL, onConnected);
    const chat = emptySamples();
    const firstChunk = emptySamples();
    const lastChunk = emptySamples();
    const roundRatios: number[] = [];
    // Each contender's median per round: the goals are judged best of N per side over these (cors-proxy/bench/stats.ts).
    const roundMedians = emptySamples();
    for (let round = 0; round < rounds; round += 1) {
      const order = rotate(CONTENDERS, round);
      const roundChat = emptySamples();
      for (const contender of order) {
        current = contender;
        for (let index = 0; index < perRound; index += 1) {
          const start = performance.now();
          await runners.chat[contender]();
          roundChat[contender].push(performance.now() - start);
        }
      }
      for (const contender of order) {
        current = contender;
        for (let index = 0; index < streamPerRound; index += 1) {
          const [first, last] = await runners.stream[contender]();
          firstChunk[contender].push(first);
          lastChunk[contender].push(last);
        }
      }
      for (const contender of CONTENDERS) {
        chat[contender].push(...roundChat[contender]);
        roundMedians[contender].push(median(roundChat[contender]));
      }
      roundRatios.push(median(roundChat.modelmesh) / median(roundChat.fetch));
    }

    // Connections are counted for the sequential part only: with 50 in flight the contenders share undici's pool,
    // and whoever runs first opens the connections.
    unsubscribe(CONNECTED_CHANNEL, onConnected);
    // Throughput: `concurrency` loops each sending `each` requests; requests per second per contender and round.
    const throughput = emptySamples();
    // A failed request (on a very loaded machine the official client's connection errors have ended the whole run)
    // is counted and printed, not thrown: the rate counts only the requests that succeeded.
    const failures: Record<Contender, number> = { fetch: 0, fetchTimeout: 0, transport: 0, openai: 0, modelmesh: 0 };
    for (let round = 0; round < Math.max(5, Math.ceil(rounds / 2)); round += 1) {
      for (const contender of rotate(CONTENDERS, round)) {
        current = contender;
        const start = performance.now();
        let failed = 0;
        await Promise.all(Array.from({ length: concurrency }, async () => {
          for (let index = 0; index < each; index += 1) await runners.chat[contender]().catch(() => void (failed += 1));
        }));
        failures[contender] += failed;
        throughput[contender].push((concurrency * each - failed) / ((performance.now() - start) / 1000));
      }
    }
    const throughputSection = `chat, ${concurrency} requests in flight (${throughput.fetch.length} rounds × ${concurrency * each} requests; requests/s, bare fetch = 1.00)`;
    const rates = (contender: Contender, base: Contender) => formatComparison(compare(throughput[contender], throughput[base], "higher"), 2);

    return [
      ...comparisonRows(`chat, non-streaming (${rounds} rounds × ${perRound} requests each; bare fetch = 1.00)`, chat),
      {
        section: `chat, non-streaming (${rounds} rounds × ${perRound} requests each; bare fetch = 1.00)`,
        name: "modelmesh / fetch median, per-round range",
        value: `${Math.min(...roundRatios).toFixed(2)} – ${Math.max(...roundRatios).toFixed(2)}`,
      },
      ...comparisonRows(`stream, time to first chunk (${rounds} rounds × ${streamPerRound} streams each; bare fetch = 1.00)`, firstChunk),
      ...comparisonRows(`stream, time to last chunk (${rounds} rounds × ${streamPerRound} streams each; bare fetch = 1.00)`, lastChunk),
      {
        section: "context (the only absolute times printed)",
        name: "baseline (fetch) median ms: chat / first chunk / last chunk",
        value: [chat.fetch, firstChunk.fetch, lastChunk.fetch].map((samples) => median(samples).toFixed(3)).join(" / "),
      },
      {
        section: "context (the only absolute times printed)",
        name: "new connections while measuring: fetch / fetch + timeout / transport / openai / modelmesh",
        value: `${connections.fetch} / ${connections.fetchTimeout} / ${connections.transport} / ${connections.openai} / ${connections.modelmesh}`,
      },
      { section: throughputSection, name: `openai / fetch throughput (best of ${throughput.fetch.length} per side; rounds: median, range)`, value: rates("openai", "fetch") },
      { section: throughputSection, name: `modelmesh / fetch throughput (best of ${throughput.fetch.length} per side; rounds: median, range)`, value: rates("modelmesh", "fetch") },
      { section: throughputSection, name: `modelmesh / openai throughput (best of ${throughput.fetch.length} per side; rounds: median, range)`, value: rates("modelmesh", "openai") },
      { section: throughputSection, name: `fetch + timeout / fetch throughput (best of ${throughput.fetch.length} per side; rounds: median, range; context)`, value: rates("fetchTimeout", "fetch") },
      { section: throughputSection, name: `modelmesh / fetch + timeout throughput (best of ${throughput.fetch.length} per side; rounds: median, range; context)`, value: rates("modelmesh", "fetchTimeout") },
      { section: throughputSection, name: `transport / fetch throughput (best of ${throughput.fetch.length} per side; rounds: median, range; context)`, value: rates("transport", "fetch") },
      { section: throughputSection, name: `modelmesh / transport throughput (best of ${throughput.fetch.length} per side; rounds: median, range; context)`, value: rates("modelmesh", "transport") },
      { section: throughputSection, name: "baseline (fetch) requests/s (context)", value: median(throughput.fetch).toFixed(0) },
      {
        section: throughputSection,
        name: "failed requests, fetch / fetch + timeout / transport / openai / modelmesh",
        value: `${failures.fetch} / ${failures.fetchTimeout} / ${failures.transport} / ${failures.openai} / ${failures.modelmesh}`,
        goal: "0 / 0 / 0 / 0 / 0",
        pass: failures.fetch + failures.fetchTimeout + failures.transport + failures.openai + failures.modelmesh === 0,
      },
      ...goalRows(roundMedians, throughput),
    ];
  } finally {
    unsubscribe(CONNECTED_CHANNEL, onConnected);
    await mesh?.close();
    await checkMesh?.close();
    transport.close();
    await upstream?.stop();
    await fake.close();
  }
}

async function meshOn(url: string): Promise<MeshClient> {
  const client = create({
    config: {
      providers: {
        bench: { connector: "openai-compatible", config: { base_url: url, api_key: API_KEY, models: [{ id: MODEL, capabilities: ["generation.text-generation.chat-completion"] }] } },
      },
    },
  });
  await client.ready();
  return client;
}


function makeRunners(url: string, openai: OpenAI, mesh: MeshClient, transport: NodeFetch): Runners {
  const endpoint = `${url}/chat/completions`;
  const headers = { "content-type": "application/json", authorization: `Bearer ${API_KEY}` };
  // What ModelMesh's OpenAI-compatible provider sends (names as it writes them).
  const meshHeaders = { Accept: "application/json", "Content-Type": "application/json", Authorization: `Bearer ${API_KEY}` };
  const meshStreamHeaders = { ...meshHeaders, Accept: "text/event-stream" };
  const chatBody = JSON.stringify({ model: MODEL, messages: MESSAGES });
  const streamBody = JSON.stringify({ model: MODEL, messages: MESSAGES, stream: true, stream_options: STREAM_OPTIONS });

  return {
    chat: {
      fetch: async () => {
        const response = await fetch(endpoint, { method: "POST", headers, body: chatBody });
        if (!response.ok) throw new Error(`fetch baseline got HTTP ${response.status}`);
        await response.json();
      },
      fetchTimeout: async () => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
        try {
          const response = await fetch(endpoint, { method: "POST", headers: meshHeaders, body: chatBody, signal: controller.signal });
          if (!response.ok) throw new Error(`fetch + timeout got HTTP ${response.status}`);
          await response.json();
        } finally {
          clearTimeout(timer);
        }
      },
      transport: async () => {
        const response = await transport(endpoint, { method: "POST", headers, body: chatBody });
        if (!response.ok) throw new Error(`transport baseline got HTTP ${response.status}`);
        await response.json();
      },
      openai: async () => {
        await openai.chat.completions.create({ model: MODEL, messages: MESSAGES });
      },
      modelmesh: async () => {
        await mesh.chat.completions.create({ model: "chat-completion", messages: MESSAGES });
      },
    },
    stream: {
      fetch: async () => {
        const start = performance.now();
        const response = await fetch(endpoint, { method: "POST", headers, body: streamBody });
        if (!response.ok || !response.body) throw new Error(`fetch baseline got HTTP ${response.status}`);
        let first = 0;
        await readServerSentEvents(response.body, () => {
          if (first === 0) first = performance.now() - start;
        });
        return [first, performance.now() - start];
      },
      fetchTimeout: async () => {
        const start = performance.now();
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
        try {
          const response = await fetch(endpoint, { method: "POST", headers: meshStreamHeaders, body: streamBody, signal: controller.signal });
          if (!response.ok || !response.body) throw new Error(`fetch + timeout got HTTP ${response.status}`);
          let first = 0;
          await readServerSentEvents(response.body, () => {
            if (first === 0) first = performance.now() - start;
          });
          return [first, performance.now() - start];
        } finally {
          clearTimeout(timer);
        }
      },
      transport: async () => {
        const start = performance.now();
        const response = await transport(endpoint, { method: "POST", headers, body: streamBody });
        if (!response.ok || !response.body) throw new Error(`transport baseline got HTTP ${response.status}`);
        let first = 0;
        await readServerSentEvents(response.body, () => {
          if (first === 0) first = performance.now() - start;
        });
        return [first, performance.now() - start];
      },
      openai: async () => {
        const start = performance.now();
        const stream = await openai.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true, stream_options: STREAM_OPTIONS });
        return timeChunks(stream, start);
      },
      modelmesh: async () => {
        const start = performance.now();
        const stream = await mesh.chat.completions.create({ model: "chat-completion", messages: MESSAGES, stream: true, stream_options: STREAM_OPTIONS });
        return timeChunks(stream, start);
      },
    },
  };
}

async function timeChunks(stream: AsyncIterable<unknown>, start: number): Promise<[number, number]> {
  let first = 0;
  for await (const _chunk of stream) {
    if (first === 0) first = performance.now() - start;
  }
  return [first, performance.now() - start];
}

/**
 * The least a hand-written client does with an SSE body: decode, split events, JSON.parse each `data:` line, stop at
 * `[DONE]`. Enough for OpenAI's stream (single-line data, no event names), which is all the baseline needs.
 */
async function readServerSentEvents(body: ReadableStream<Uint8Array>, onChunk: (chunk: unknown) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let boundary = buffer.indexOf("\n\n");
    while (boundary >= 0) {
      const event = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      boundary = buffer.indexOf("\n\n");
      for (const line of event.split("\n")) {
        if (!line.startsWith("data:")) continue;
        const data = line.slice(line[5] === " " ? 6 : 5);
        // Read on to the end of the body rather than cancel it, so the connection goes back to the pool.
        if (data === "[DONE]") return drain(reader);
        onChunk(JSON.parse(data));
      }
    }
  }
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  while (!(await reader.read()).done);
}

/** Fails loudly if a contender is not doing the same work as the others (an error page is fast, and wrong). */
async function checkAnswers(runners: Runners, fake: Awaited<ReturnType<typeof startFakeOpenAI>>): Promise<void> {
  for (const contender of CONTENDERS) {
    fake.reset();
    await runners.chat[contender]();
    await runners.stream[contender]();
    const paths = fake.requests.map((request) => `${request.method} ${request.path} ${String(request.body?.model)}`);
    const expected = `POST /v1/chat/completions ${MODEL}`;
    if (paths.length !== 2 || paths.some((path) => path !== expected)) {
      throw new Error(`${contender} did not send exactly one chat and one stream request to the fake: ${paths.join(", ")}`);
    }
    const [chat, stream] = fake.requests;
    if (chat?.body?.stream === true || stream?.body?.stream !== true) throw new Error(`${contender} sent the wrong stream flags`);
  }
  fake.reset();
}

function comparisonRows(section: string, samples: Record<Contender, number[]>): BenchRow[] {
  const baseMedian = median(samples.fetch);
  const baseP95 = percentile(samples.fetch, 0.95);
  const pair = (contender: Contender) =>
    `${(median(samples[contender]) / baseMedian).toFixed(2)} / ${(percentile(samples[contender], 0.95) / baseP95).toFixed(2)}`;
  return [
    { section, name: "fetch (baseline) median / p95", value: pair("fetch") },
    { section, name: "fetch + timeout median / p95 (context)", value: pair("fetchTimeout") },
    { section, name: "transport median / p95 (context)", value: pair("transport") },
    { section, name: "openai median / p95", value: pair("openai") },
    { section, name: "modelmesh median / p95", value: pair("modelmesh") },
    {
      section,
      name: "modelmesh / openai median / p95",
      value: `${(median(samples.modelmesh) / median(samples.openai)).toFixed(2)} / ${(percentile(samples.modelmesh, 0.95) / percentile(samples.openai, 0.95)).toFixed(2)}`,
    },
    {
      section,
      name: "modelmesh / fetch + timeout median / p95 (context)",
      value: `${(median(samples.modelmesh) / median(samples.fetchTimeout)).toFixed(2)} / ${(percentile(samples.modelmesh, 0.95) / percentile(samples.fetchTimeout, 0.95)).toFixed(2)}`,
    },
  ];
}

/**
 * The goals, judged best of N per side: latency on each contender's best round median, throughput on its best round,
 * each against the same of the baseline; the median of the per-round ratios and their range beside it.
 */
function goalRows(roundMedians: Record<Contender, number[]>, throughput: Record<Contender, number[]>): BenchRow[] {
  const versusFetch = compare(roundMedians.modelmesh, roundMedians.fetch, "lower");
  const versusOpenAI = compare(roundMedians.modelmesh, roundMedians.openai, "lower");
  const rateVersusFetch = compare(throughput.modelmesh, throughput.fetch, "higher");
  const rateVersusOpenAI = compare(throughput.modelmesh, throughput.openai, "higher");
  const section = "goals";
  // Throughput goals mirror the latency ones: at most 1.15× fetch's time per request means at least 1 / 1.15 of its rate.
  const minimumVersusFetch = 1 / LATENCY_GOALS.versusFetch;
  return [
    {
      section,
      name: `routed chat throughput (50 in flight) vs fetch (best of ${throughput.fetch.length} per side; rounds: median, range)`,
      value: formatComparison(rateVersusFetch, 2),
      goal: `≥ ${minimumVersusFetch.toFixed(2)}`,
      pass: rateVersusFetch.best >= minimumVersusFetch,
    },
    {
      section,
      name: `routed chat throughput (50 in flight) vs openai (best of ${throughput.fetch.length} per side; rounds: median, range)`,
      value: formatComparison(rateVersusOpenAI, 2),
      goal: `≥ ${LATENCY_GOALS.versusOpenAI.toFixed(2)}`,
      pass: rateVersusOpenAI.best >= LATENCY_GOALS.versusOpenAI,
    },
    {
      section,
      name: `routed chat vs fetch, median latency (best of ${roundMedians.fetch.length} per side; rounds: median, range)`,
      value: formatComparison(versusFetch, 2),
      goal: `≤ ${LATENCY_GOALS.versusFetch.toFixed(2)}`,
      pass: versusFetch.best <= LATENCY_GOALS.versusFetch,
    },
    {
      section,
      name: `routed chat vs openai, median latency (best of ${roundMedians.fetch.length} per side; rounds: median, range)`,
      value: formatComparison(versusOpenAI, 2),
      goal: `≤ ${LATENCY_GOALS.versusOpenAI.toFixed(2)}`,
      pass: versusOpenAI.best <= LATENCY_GOALS.versusOpenAI,
    },
  ];
}

function emptySamples(): Record<Contender, number[]> {
  return { fetch: [], fetchTimeout: [], transport: [], openai: [], modelmesh: [] };
}

function rotate<Item>(items: Item[], by: number): Item[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function median(samples: number[]): number {
  return percentile(samples, 0.5);
}

/** Nearest-rank percentile of a copy of the samples. */
function percentile(samples: number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((left, right) => left - right);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}
