import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { relative } from "node:path";
const root = "/work/main/";
const r = await build({ entryPoints: ["/tmp/sz/entry.js"], bundle: true, minify: true, platform: "browser", write: false, metafile: true, logLevel: "silent", outdir: "/tmp/sz/out", absWorkingDir: root, nodePaths: [root + "node_modules"], conditions: ["modelmesh-source"], splitting: true, format: "esm" });
const entryOut = Object.keys(r.metafile.outputs).find((p) => r.metafile.outputs[p].entryPoint?.endsWith("entry.js"));
const found = new Set(); const pending = [entryOut];
while (pending.length) { const p = pending.pop(); if (found.has(p)) continue; found.add(p); for (const i of r.metafile.outputs[p].imports) if (i.kind === "import-statement" && !i.external) pending.push(i.path); }
const files = new Map(r.outputFiles.map((f) => [relative(root, f.path), f.contents]));
let total = 0; const inputs = [];
for (const p of found) { total += gzipSync(files.get(p), { level: 9 }).byteLength; for (const [k, v] of Object.entries(r.metafile.outputs[p].inputs)) inputs.push([k, v.bytesInOutput]); }
inputs.sort((a, b) => b[1] - a[1]);
console.log("gzip total", total, [...found]);
for (const [k, v] of inputs) console.log(v, k);
