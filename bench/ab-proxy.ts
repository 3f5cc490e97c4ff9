/**
 * A/B of two source trees of the proxy in mesh mode, in the same run: the bare node:http pass-through, the CLI from
 * tree A and the CLI from tree B, each in its own process, blocks rotating every round (as the throughput part of
 * `npm run bench`). Prints per round each side's throughput ratio to the pass-through and its CPU µs per request,
 * then the medians. On a shared machine this is what tells a change apart from the load swinging.
 *
 *   npx tsx --conditions=modelmesh-source bench/ab-proxy.ts <tree A> [json|sse|both] [rounds] [seconds] [connections] [mesh|relay]
 *
 * `relay` loads the proxies' relay mode instead (`/proxy/<upstream origin>/v1/chat/completions`, the upstream named in
 * `proxy.relay.allowPrivate`), as the relay contender of `npm run bench -- proxy-throughput` does.
 *
 * Fewer connections than the default 50 (say 8) keep the CPU µs per request readable when the machine is very loaded.
 *
 * Tree B is this repository. Tree A is any other checkout with its own `node_modules/modelmesh` pointing at its
 * own `sdk/` (for example `git archive <commit> | tar -x -C /tmp/base`, then link the rest of `node_modules`). Both
 * trees' CLIs run from their built bundles: run `npm run build --workspace sdk && npm run build --workspace
 * cors-proxy` in each first.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BUILT_CLI, runJsonChild, startChild, type Child } from "../cors-proxy/bench/children.js";
import type { LoadPlan, LoadTarget, ThroughputSample } from "../cors-proxy/bench/load-process.js";
import { median } from "../cors-proxy/bench/stats.js";

const MODEL = "gpt-4o-mini";
const MESSAGES = [{ role: "user", content: "Hello there, how are you today?" }];
const BODIES = {
  json: JSON.stringify({ model: MODEL, messages: MESSAGES }),
  sse: JSON.stringify({ model: MODEL, messages: MESSAGES, stream: true, stream_options: { include_usage: true } }),
};
async function main(): Promise<void> {
  const treeA = resolve(process.argv[2] ?? "");
  const kinds = process.argv[3] === "json" ? ["json"] : process.argv[3] === "sse" ? ["sse"] : ["json", "sse"];
  const rounds = Number(process.argv[4] ?? 4);
  const seconds = Number(process.argv[5] ?? 4);
  const connections = Number(process.argv[6] ?? 50);
  const relayMode = process.argv[7] === "relay";
  const directory = mkdtempSync(join(tmpdir(), "modelmesh-ab-"));
  const children: Child[] = [];
  const stopAll = () => Promise.all(children.map((child) => child.stop()));
  try {
    const upstream = await startChild("cors-proxy/bench/upstream-process.ts");
    children.push(upstream);
    const config = join(directory, "modelmesh.json");
    const upstreamUrl = new URL(upstream.announced);
    writeFileSync(
      config,
      JSON.stringify({
        providers: { bench: { connector: "openai-compatible", config: { base_url: upstream.announced, api_key: "sk-bench", models: [{ id: MODEL, capabilities: ["generation.text-generation.chat-completion"] }] } } },
        proxy: { relay: { allowPrivate: [upstreamUrl.host] } },
      }),
    );
    const listening = /listening on (http:\/\/\S+)/;
    const started = await Promise.all([
      startChild("cors-proxy/bench/pass-through-process.mjs", [new URL(upstream.announced).origin]),
      // Both from their built bundles (`npm run build` in each tree): run from source, tsx's transform is measured too.
      startChild(join(treeA, "cors-proxy/bin/modelmesh-proxy.js"), ["--config", config, "--port", "0"], { ready: listening, ...BUILT_CLI }),
      startChild("cors-proxy/bin/modelmesh-proxy.js", ["--config", config, "--port", "0"], { ready: listening, ...BUILT_CLI }),
    ]);
    children.push(...started);
    const [passThrough, a, b] = started;
    process.stdout.write(`load average at the start: ${loadavg().map((value) => value.toFixed(2)).join(" ")}; ${connections} connections; ${relayMode ? "relay" : "mesh"} mode\n`);
    for (const kind of kinds as Array<keyof typeof BODIES>) {
      // The pass-through forwards every path to the upstream; the proxies relay to it when asked to.
      const path = (name: string) => (relayMode && name !== "pass-through" ? `/proxy/${upstreamUrl.origin}/v1/chat/completions` : "/v1/chat/completions");
      const target = (name: string, child: Child): LoadTarget => ({ name, url: `${child.announced}${path(name)}`, body: BODIES[kind], headers: { "content-type": "application/json", authorization: "Bearer sk-bench" }, pid: child.process.pid! });
      const plan: LoadPlan = { kind: "throughput", targets: [target("pass-through", passThrough!), target("A", a!), target("B", b!)], rounds, seconds, warmupSeconds: 2, connections, upstreamPid: upstream.process.pid! };
      const samples = await runJsonChild<ThroughputSample[]>("cors-proxy/bench/load-process.ts", [JSON.stringify(plan)]);
      const of = (name: string) => samples.filter((sample) => sample.target === name).sort((x, y) => x.round - y.round);
      const base = of("pass-through");
      const ratios = (name: string) => of(name).map((sample, index) => sample.requestsPerSecond / base[index]!.requestsPerSecond);
      const cpu = (name: string) => of(name).map((sample) => sample.cpuUsPerRequest);
      const p99 = (name: string) => of(name).map((sample, index) => sample.p99Ms - base[index]!.p99Ms);
      const errors = (name: string) => of(name).reduce((sum, sample) => sum + sample.errors + sample.non2xx, 0);
      const format = (values: number[], digits: number) => values.map((value) => value.toFixed(digits)).join(", ");
      process.stdout.write(
        [
          `${kind}: throughput / pass-through per round   A: ${format(ratios("A"), 2)}   B: ${format(ratios("B"), 2)}`,
          `${kind}: medians                               A: ${median(ratios("A")).toFixed(2)}   B: ${median(ratios("B")).toFixed(2)}   B / A: ${format(ratios("B").map((value, index) => value / ratios("A")[index]!), 2)}`,
          `${kind}: CPU µs per request (pass-through, A, B) ${median(cpu("pass-through")).toFixed(0)}, ${median(cpu("A")).toFixed(0)}, ${median(cpu("B")).toFixed(0)}   per round A: ${format(cpu("A"), 0)}   B: ${format(cpu("B"), 0)}`,
          `${kind}: CPU µs per request of the upstream / the load generator, while loading pass-through, A, B: ${["pass-through", "A", "B"].map((name) => `${median(of(name).map((sample) => sample.upstreamCpuUsPerRequest)).toFixed(0)} / ${median(of(name).map((sample) => sample.loadCpuUsPerRequest)).toFixed(0)}`).join(", ")}`,
          `${kind}: p99 − pass-through p99, ms (median)   A: ${median(p99("A")).toFixed(0)}   B: ${median(p99("B")).toFixed(0)}   errors A ${errors("A")}, B ${errors("B")}`,
          `${kind}: pass-through req/s (median, context)  ${median(base.map((sample) => sample.requestsPerSecond)).toFixed(0)}`,
          "",
        ].join("\n"),
      );
    }
    process.stdout.write(`load average at the end: ${loadavg().map((value) => value.toFixed(2)).join(" ")}\n`);
  } finally {
    await stopAll();
  }
}

await main();
