/**
 * A/B of two source trees of the SDK in one process, the network taken away: each tree's `create()` gets the same
 * in-memory `fetch` (a JSON completion, or a 10-chunk SSE stream with its usage chunk, with OpenAI's rate-limit
 * headers) and a `PrometheusObservability` at debug, as the proxy CLI configures it. Blocks alternate A B, B A, ...;
 * each block's CPU time (`process.cpuUsage`, user + system) per request is the measure, which a loaded machine
 * disturbs far less than wall time or throughput. Prints per round B / A and the medians. Not part of `npm run bench`:
 * a tool for judging a change to the request line (router, providers) before the proxy A/B.
 *
 *   npx tsx --conditions=modelmesh-source bench/ab-sdk.ts <tree A> [json|sse|both] [rounds] [requests per block]
 *
 * Tree B is this repository; tree A is any other checkout (its `sdk/src/index.ts` is imported).
 */
import { join, resolve } from "node:path";
import { loadavg } from "node:os";
import * as treeB from "modelmesh";
import { median } from "../cors-proxy/bench/stats.js";

type Sdk = typeof treeB;

const JSON_BODY = JSON.stringify({
  id: "chatcmpl-memory",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello! How can I help you today?", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 },
});
const chunk = (delta: object, finish: string | null, usage?: object) =>
  `data: ${JSON.stringify({ id: "chatcmpl-memory", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-4o-mini", system_fingerprint: "fp_bench", choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(usage ? { usage } : { usage: null }) })}\n\n`;
const SSE_BODY = new TextEncoder().encode(
  [
    chunk({ role: "assistant", content: "", refusal: null }, null),
    ...["Hello", "!", " How", " can", " I", " help", " you", " today", "?"].map((word) => chunk({ content: word }, null)),
    chunk({}, "stop"),
    chunk({}, null, { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 }),
    "data: [DONE]\n\n",
  ].join(""),
);
const RATE_LIMIT = { "x-ratelimit-limit-requests": "10000", "x-ratelimit-remaining-requests": "9999", "x-ratelimit-reset-requests": "6ms", "x-ratelimit-limit-tokens": "1000000", "x-ratelimit-remaining-tokens": "999990", "x-ratelimit-reset-tokens": "0s" };
const memoryFetch = (async (_input: unknown, init?: RequestInit) => {
  const stream = typeof init?.body === "string" && init.body.includes('"stream":true');
  return stream
    ? new Response(SSE_BODY, { status: 200, headers: { "content-type": "text/event-stream", ...RATE_LIMIT } })
    : new Response(JSON_BODY, { status: 200, headers: { "content-type": "application/json", ...RATE_LIMIT } });
}) as typeof fetch;

function client(sdk: Sdk) {
  return sdk.create({
    config: {
      providers: { bench: { connector: "openai-compatible", config: { base_url: "http://bench.invalid/v1", api_key: "sk-bench", models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"] }] } } },
      observability: [{ instance: new sdk.PrometheusObservability({ minSeverity: "debug" }) }],
    },
    fetch: memoryFetch,
  });
}

async function main(): Promise<void> {
  const treeA = (await import(join(resolve(process.argv[2] ?? ""), "sdk/src/index.ts"))) as Sdk;
  const kinds = process.argv[3] === "json" ? ["json"] : process.argv[3] === "sse" ? ["sse"] : ["json", "sse"];
  const rounds = Number(process.argv[4] ?? 8);
  const perBlock = Number(process.argv[5] ?? 2_000);
  const messages = [{ role: "user" as const, content: "Hello there, how are you today?" }];
  const clients = { A: client(treeA), B: client(treeB) };
  await Promise.all([clients.A.ready(), clients.B.ready()]);
  process.stdout.write(`load average at the start: ${loadavg().map((value) => value.toFixed(2)).join(" ")}\n`);
  for (const kind of kinds) {
    const once = async (mesh: (typeof clients)["A"]) => {
      if (kind === "json") return mesh.chat.completions.create({ model: "chat-completion", messages });
      const stream = await mesh.chat.completions.create({ model: "chat-completion", messages, stream: true, stream_options: { include_usage: true } });
      let count = 0;
      for await (const _ of stream) count += 1;
      if (count !== 12) throw new Error(`expected 12 chunks, got ${count}`);
      return count;
    };
    const block = async (name: "A" | "B", count: number) => {
      const cpu = process.cpuUsage();
      for (let index = 0; index < count; index++) await once(clients[name]);
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / count;
    };
    // Warm-up: both trees' code optimised by the JIT before anything counts.
    for (let warm = 0; warm < 3; warm++) {
      await block("A", perBlock);
      await block("B", perBlock);
    }
    const samples: Record<"A" | "B", number[]> = { A: [], B: [] };
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? (["A", "B"] as const) : (["B", "A"] as const)) samples[name].push(await block(name, perBlock));
    }
    const ratios = samples.B.map((value, index) => value / samples.A[index]!);
    process.stdout.write(
      [
        `${kind}: CPU µs per request   A: ${samples.A.map((value) => value.toFixed(1)).join(", ")}`,
        `${kind}:                      B: ${samples.B.map((value) => value.toFixed(1)).join(", ")}`,
        `${kind}: medians A ${median(samples.A).toFixed(1)}, B ${median(samples.B).toFixed(1)}; B / A per round ${ratios.map((value) => value.toFixed(2)).join(", ")}; median ${median(ratios).toFixed(3)}`,
        "",
      ].join("\n"),
    );
  }
  process.stdout.write(`load average at the end: ${loadavg().map((value) => value.toFixed(2)).join(" ")}\n`);
}

await main();
