/**
 * The Node fast path for streamed answers, A/B in one process: the SDK's provider reads a 500-chunk stream through
 * the proxy's Node fetch (undici dispatcher), once taking the body reader it offers (`web streams: no`) and once from
 * `response.body` (the same fetch with the offer removed: web streams). Blocks alternate; CPU time
 * (`process.cpuUsage`, less sensitive to a loaded machine than wall time) and wall time per stream are printed per
 * round. The upstream (`bench/stream-upstream-process.ts`, burst) runs in its own process.
 *
 *   npx tsx --conditions=modelmesh-source bench/ab-stream-reader.ts [rounds] [streams per block]
 */
import { performance } from "node:perf_hooks";
import { OpenAICompatibleProvider } from "modelmesh";
import { createNodeFetch } from "modelmesh/node-fetch";
import { startChild } from "../cors-proxy/bench/children.js";
import { median } from "../cors-proxy/bench/stats.js";

const rounds = Number(process.argv[2] ?? 8);
const perBlock = Number(process.argv[3] ?? 20);
const upstream = await startChild("bench/stream-upstream-process.ts");
const nodeFetch = createNodeFetch();
const webOnly = (async (input: string, init?: RequestInit) => {
  const response = await nodeFetch(input, init);
  return new Response(response.body, { status: response.status, headers: response.headers });
}) as typeof fetch;
const provider = (fetchImplementation: typeof fetch) => new OpenAICompatibleProvider({ id: "bench", baseUrl: `${upstream.announced}/burst/v1`, apiKey: "sk-bench", models: [{ id: "m" }], fetch: fetchImplementation });
const sides = { reader: provider(nodeFetch as typeof fetch), web: provider(webOnly) };
const request = { model: "m", messages: [{ role: "user" as const, content: "count" }], stream: true as const, stream_options: { include_usage: true } };

async function block(side: keyof typeof sides): Promise<{ cpuUs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let index = 0; index < perBlock; index++) {
    let chunks = 0;
    const { body } = await sides[side].chatStream!(request);
    for await (const chunk of body) {
      void chunk;
      chunks++;
    }
    if (chunks !== 500) throw new Error(`${side}: ${chunks} chunks`);
  }
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / perBlock, wallMs: (performance.now() - start) / perBlock };
}

try {
  await block("reader");
  await block("web");
  const results: Record<string, Array<{ cpuUs: number; wallMs: number }>> = { reader: [], web: [] };
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? (["reader", "web"] as const) : (["web", "reader"] as const)) results[side]!.push(await block(side));
  }
  const cpuRatio = results.reader!.map((entry, index) => entry.cpuUs / results.web![index]!.cpuUs);
  const wallRatio = results.reader!.map((entry, index) => entry.wallMs / results.web![index]!.wallMs);
  process.stdout.write(
    [
      `CPU µs per 500-chunk stream, reader: ${results.reader!.map((entry) => entry.cpuUs.toFixed(0)).join(", ")}`,
      `CPU µs per 500-chunk stream, web:    ${results.web!.map((entry) => entry.cpuUs.toFixed(0)).join(", ")}`,
      `reader / web CPU per round: ${cpuRatio.map((value) => value.toFixed(2)).join(", ")}  median ${median(cpuRatio).toFixed(2)}`,
      `reader / web wall per round: ${wallRatio.map((value) => value.toFixed(2)).join(", ")}  median ${median(wallRatio).toFixed(2)}`,
      "",
    ].join("\n"),
  );
} finally {
  nodeFetch.close();
  await upstream.stop();
}
