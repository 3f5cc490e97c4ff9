/**
 * A CPU profile of the proxy in mesh mode under autocannon load, summarised: where the proxy process spends its
 * samples (self time by function, and inclusive shares of the functions that matter). Not part of `npm run bench`;
 * a tool for finding the next thing to remove.
 *
 *   npx tsx --conditions=modelmesh-source bench/profile-proxy.ts [json|sse] [seconds] [connections]
 *
 * With 1 connection the load is sequential (one request at a time over one keep-alive connection, about `seconds`
 * × 1,000 requests), as the sequential rows of the throughput benchmark: every request pays its whole path.
 *
 * The fake upstream, the proxy (the real CLI, started with `node --cpu-prof`) and the load generator each run in a
 * process of their own, as in the throughput benchmark. The raw `.cpuprofile` stays in a temporary directory whose
 * path is printed (open it in Chrome DevTools' Performance panel for the full tree).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILT_CLI, CLI, runJsonChild, startChild } from "../cors-proxy/bench/children.js";
import type { LoadPlan, SequentialSample, ThroughputSample } from "../cors-proxy/bench/load-process.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Self and inclusive sample shares per function (name + file + line), from a V8 `.cpuprofile`. */
export function summariseProfile(profile: CpuProfile, top = 30): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) => {
    const file = node.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|sdk|cors-proxy)\//, "$1/").replace(/^node:/, "node:");
    return `${node.callFrame.functionName || "(anonymous)"} ${file}:${node.callFrame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const name = label(byId.get(current)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
    }
  }
  const total = profile.samples.length;
  const idle = [...self].filter(([name]) => name.startsWith("(idle)")).reduce((sum, [, count]) => sum + count, 0);
  const busy = total - idle;
  const percent = (count: number) => `${((100 * count) / busy).toFixed(1).padStart(5)} %`;
  const lines = [`${total} samples, ${((100 * idle) / total).toFixed(1)} % idle; shares below are of the ${busy} busy samples`, "", "self:"];
  for (const [name, count] of [...self].filter(([name]) => !name.startsWith("(idle)")).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${percent(count)}  ${name}`);
  lines.push("", "inclusive (files of the project and a few runtime internals):");
  for (const [name, count] of [...inclusive].filter(([name]) => /sdk\/src|cors-proxy\/src|eventsource|node:internal\/(webstreams|streams|http|net)|garbage/.test(name)).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${percent(count)}  ${name}`);
  return `${lines.join("\n")}\n`;
}

const MODEL = "gpt-4o-mini";
const MESSAGES = [{ role: "user", content: "Hello there, how are you today?" }];

async function main(): Promise<void> {
  const kind = process.argv[2] === "json" ? "json" : "sse";
  const seconds = Number(process.argv[3] ?? 10);
  const connections = Number(process.argv[4] ?? 50);
  const directory = mkdtempSync(join(tmpdir(), "modelmesh-profile-"));
  const upstream = await startChild("cors-proxy/bench/upstream-process.ts");
  const config = join(directory, "modelmesh.json");
  writeFileSync(config, JSON.stringify({ providers: { bench: { connector: "openai-compatible", config: { base_url: upstream.announced, api_key: "sk-bench", models: [{ id: MODEL, capabilities: ["generation.text-generation.chat-completion"] }] } } } }));
  const proxy = await startChild(CLI, ["--config", config, "--port", "0"], { ready: /listening on (http:\/\/\S+)/, nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${directory}`], ...BUILT_CLI });
  try {
    const body = kind === "json" ? JSON.stringify({ model: MODEL, messages: MESSAGES }) : JSON.stringify({ model: MODEL, messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    const target = { name: "mesh", url: `${proxy.announced}/v1/chat/completions`, body, headers: { "content-type": "application/json", authorization: "Bearer sk-bench" }, pid: proxy.process.pid! };
    if (connections === 1) {
      const plan: LoadPlan = { kind: "sequential", targets: [target], rounds: 1, requests: seconds * 1000, warmup: 500 };
      const [sample] = await runJsonChild<SequentialSample[]>("cors-proxy/bench/load-process.ts", [JSON.stringify(plan)]);
      const median = sample!.latenciesUs[Math.floor(sample!.latenciesUs.length / 2)]!;
      process.stdout.write(`${kind}, sequential: median ${median.toFixed(0)} µs, ${sample!.failures} failures, ${sample!.cpuUsPerRequest.toFixed(0)} CPU µs per request\n`);
    } else {
      const plan: LoadPlan = { kind: "throughput", targets: [target], rounds: 1, seconds, warmupSeconds: 1, connections };
      const [sample] = await runJsonChild<ThroughputSample[]>("cors-proxy/bench/load-process.ts", [JSON.stringify(plan)]);
      process.stdout.write(`${kind}: ${sample!.requestsPerSecond.toFixed(0)} req/s, p99 ${sample!.p99Ms} ms, ${sample!.errors + sample!.non2xx} errors, ${sample!.cpuUsPerRequest.toFixed(0)} CPU µs per request\n`);
    }
  } finally {
    // SIGTERM lets the CLI close and exit normally, which is when V8 writes the profile.
    // V8 writes the profile when the process exits. On Node 20 a process with tsx's loader thread can hang after
    // `process.exit` with the profile already written, so it gets 5 s and is then killed.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        proxy.process.kill("SIGKILL");
        resolve();
      }, 5_000);
      proxy.process.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      proxy.process.kill("SIGTERM");
    });
    await upstream.stop();
  }
  // The main thread's profile is the one that ran the mesh routes (tsx's loader thread writes one of its own).
  const file = readdirSync(directory).find((name) => name.endsWith(".cpuprofile") && /mesh-routes|dist\/cli\.js/.test(readFileSync(join(directory, name), "utf8")));
  if (!file) throw new Error(`no profile written in ${directory}`);
  process.stdout.write(`profile: ${join(directory, file)}\n`);
  process.stdout.write(summariseProfile(JSON.parse(readFileSync(join(directory, file), "utf8")) as CpuProfile));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
