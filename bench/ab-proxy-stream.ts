/**
 * A/B of two source trees of the proxy (mesh mode) on one 500-chunk stream (`bench/stream-upstream-process.ts`,
 * burst or paced): 10 alternating rounds of 4 streams per side, read by a direct fetch; medians of the time to the
 * first body bytes and to the end. Tree B is this repository.
 *
 *   npx tsx --conditions=modelmesh-source bench/ab-proxy-stream.ts <tree A> [burst|paced]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { startChild } from "../cors-proxy/bench/children.js";
const dir = mkdtempSync(join(tmpdir(), "ttfc-"));
const up = await startChild("bench/stream-upstream-process.ts");
const config = join(dir, "c.json");
const treeA = resolve(process.argv[2] ?? "");
const mode = process.argv[3] === "paced" ? "paced" : "burst";
writeFileSync(config, JSON.stringify({ providers: { p: { connector: "openai-compatible", config: { base_url: `${up.announced}/${mode}/v1`, api_key: "sk", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] } } } }));
const ready = { ready: /listening on (http:\/\/\S+)/ };
const A = await startChild(join(treeA, "cors-proxy/bin/modelmesh-proxy.js"), ["--config", config, "--port", "0"], ready);
const B = await startChild("cors-proxy/bin/modelmesh-proxy.js", ["--config", config, "--port", "0"], ready);
async function ttfc(base: string): Promise<[number, number]> {
  const start = performance.now();
  const r = await fetch(`${base}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }], stream: true }) });
  const reader = r.body!.getReader();
  let first = 0;
  for (let x = await reader.read(); !x.done; x = await reader.read()) if (!first) first = performance.now() - start;
  return [first, performance.now() - start];
}
for (let i = 0; i < 3; i++) { await ttfc(A.announced); await ttfc(B.announced); }
const res: Record<string, Array<[number, number]>> = { A: [], B: [] };
for (let round = 0; round < 10; round++) for (const [name, c] of round % 2 ? [["B", B], ["A", A]] as const : [["A", A], ["B", B]] as const) for (let i = 0; i < 4; i++) res[name]!.push(await ttfc(c.announced));
const med = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
for (const n of ["A", "B"]) console.log(`${n}: time to first chunk ${med(res[n]!.map((x) => x[0])).toFixed(2)} ms, to the end ${med(res[n]!.map((x) => x[1])).toFixed(1)} ms (medians of 40 streams, ${mode})`);
await Promise.all([A.stop(), B.stop(), up.stop()]);
