/**
 * A/B of two source trees of the proxy (mesh mode) on one 500-chunk stream (`bench/stream-upstream-process.ts`,
 * burst, paced or grouped): alternating rounds of 4 streams per side (10 unless given), read by a direct fetch;
 * medians of the time to the first body bytes and to the end, and each proxy process's CPU per stream (user +
 * system from /proc, summed over its rounds). Tree B is this repository.
 *
 *   npx tsx --conditions=modelmesh-source bench/ab-proxy-stream.ts <tree A> [burst|paced|grouped] [rounds]
 */
import { readFileSync } from "node:fs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { BUILT_CLI, startChild } from "../cors-proxy/bench/children.js";
const dir = mkdtempSync(join(tmpdir(), "ttfc-"));
const up = await startChild("bench/stream-upstream-process.ts");
const config = join(dir, "c.json");
const treeA = resolve(process.argv[2] ?? "");
const mode = process.argv[3] === "paced" || process.argv[3] === "grouped" ? process.argv[3] : "burst";
const rounds = Number(process.argv[4] ?? 10);
/** A process's CPU time so far, in ms (utime + stime of /proc/<pid>/stat, in clock ticks of 10 ms). */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
writeFileSync(config, JSON.stringify({ providers: { p: { connector: "openai-compatible", config: { base_url: `${up.announced}/${mode}/v1`, api_key: "sk", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] } } } }));
// Both from their built bundles (`npm run build` in each tree): run from source, tsx's transform would be measured too.
const ready = { ready: /listening on (http:\/\/\S+)/, ...BUILT_CLI };
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
const cpu: Record<string, number> = { A: 0, B: 0 };
for (let round = 0; round < rounds; round++)
  for (const [name, c] of round % 2 ? [["B", B], ["A", A]] as const : [["A", A], ["B", B]] as const) {
    const before = cpuMs(c.process.pid!);
    for (let i = 0; i < 4; i++) res[name]!.push(await ttfc(c.announced));
    cpu[name]! += cpuMs(c.process.pid!) - before;
  }
const med = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
for (const n of ["A", "B"]) console.log(`${n}: time to first chunk ${med(res[n]!.map((x) => x[0])).toFixed(2)} ms, to the end ${med(res[n]!.map((x) => x[1])).toFixed(1)} ms (medians of ${rounds * 4} streams, ${mode}); the proxy's CPU ${(cpu[n]! / (rounds * 4)).toFixed(2)} ms per stream`);
await Promise.all([A.stop(), B.stop(), up.stop()]);
