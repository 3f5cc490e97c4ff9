/**
 * Whose is the mesh's sequential JSON latency: the built CLI beside copies of it with one part taken out, in the
 * same interleaved turns the benchmark's sequential rows use (every target one request in turn, rounds of
 * `requests`). Not part of `npm run bench`: a tool for deciding what to shorten, as `trace-sequential.ts` is.
 *
 *   npm run build && npx tsx bench/knockout.ts [rounds] [requests per round]
 *
 * Targets, each in its own process (the load generator in another):
 *  - `mesh`: the CLI as built;
 *  - `layers`: the same CLI whose chat route hands the parsed body straight to the upstream (undici's `dispatch`, the
 *    answer parsed once, as the floor does) instead of to the SDK: the proxy's own layers (the node adapter, the
 *    checks, the route, the reply) with no routing at all;
 *  - `floor in cli`: the parsing floor's own code (`parsing-floor-process.mjs`), started inside the CLI's process
 *    once the CLI runs: what the mesh's process costs by itself (its heap, timers, the loaded bundle);
 *  - `floor` and `pass-through`, as in the benchmark, and `direct` (the upstream itself).
 * Prints each round's added latency (median minus the direct call's median of the same round), then the medians
 * over rounds and the differences: mesh − layers is the SDK's request line, layers − floor in cli the proxy's layers,
 * floor in cli − floor the process. Lines are found by exact text: one that is missing stops the tool and names it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { REPOSITORY, runJsonChild, startChild, type Child } from "../cors-proxy/bench/children.js";
import type { LoadPlan, SequentialSample } from "../cors-proxy/bench/load-process.js";
import { roundMedians } from "../cors-proxy/bench/throughput.js";
import { median } from "../cors-proxy/bench/stats.js";

/** The chat route's non-streaming answer in the built CLI, and what the `layers` copy answers instead. */
export const ROUTE_LINE = "  return meshJson(await client.chat.completions.create(body, { signal: context.signal }));";
const ROUTE_KNOCKED_OUT = "  return globalThis.__knockoutJson(body, (text) => new JsonReply(200, text));";

/**
 * The built CLI with its chat route's SDK call replaced by `globalThis.__knockoutJson(body, reply)`.
 * @example
 * writeFileSync(copy, knockOutRoute(readFileSync("cors-proxy/dist/cli.js", "utf8")));
 */
export function knockOutRoute(bundle: string): string {
  if (bundle.split(ROUTE_LINE).length !== 2) throw new Error(`bench/knockout.ts: the chat route's line ${JSON.stringify(ROUTE_LINE)} is not in the bundle exactly once; update ROUTE_LINE`);
  if (bundle.split("var JsonReply = class").length !== 2) throw new Error("bench/knockout.ts: `JsonReply` is not a class of that name in the bundle; update ROUTE_KNOCKED_OUT");
  return bundle.replace(ROUTE_LINE, ROUTE_KNOCKED_OUT);
}

/** The `layers` process: the upstream call the route makes instead of the SDK's, then the copied CLI. */
function layersRunner(bundle: string): string {
  return `import { Agent } from "undici";
const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
const origin = process.env.KNOCKOUT_UPSTREAM;
globalThis.__knockoutJson = (body, reply) => new Promise((done, fail) => {
  body.model = "gpt-4o-mini";
  const parts = [];
  agent.dispatch({ origin, path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk-bench" }, body: JSON.stringify(body) }, {
    onConnect() {}, onHeaders() { return true; }, onData(chunk) { parts.push(chunk); return true; },
    onComplete() { const text = Buffer.concat(parts).toString("utf8"); JSON.parse(text); done(reply(text)); },
    onError: fail,
  });
});
const cli = await import(${JSON.stringify(bundle)});
await cli.main();
`;
}

/** The `floor in cli` process: the CLI as built, then the floor's own script in the same process (it reads its upstream from argv[2]). */
function floorInCliRunner(bundle: string, floor: string): string {
  return `const cli = await import(${JSON.stringify(bundle)});
await cli.main();
process.argv[2] = process.env.KNOCKOUT_UPSTREAM;
await import(${JSON.stringify(floor)});
`;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const requests = Number(process.argv[3] ?? 300);
  const built = resolve(REPOSITORY, "cors-proxy/dist/cli.js");
  const directory = join(REPOSITORY, `bench/.build/knockout-${process.pid}`);
  mkdirSync(directory, { recursive: true });
  const children: Child[] = [];
  try {
    const copy = join(directory, "cli-layers.js");
    writeFileSync(copy, knockOutRoute(readFileSync(built, "utf8")));
    writeFileSync(join(directory, "layers.mjs"), layersRunner(copy));
    writeFileSync(join(directory, "floor-in-cli.mjs"), floorInCliRunner(built, resolve(REPOSITORY, "cors-proxy/bench/parsing-floor-process.mjs")));
    writeFileSync(join(directory, "mesh.mjs"), `const cli = await import(${JSON.stringify(built)});\nawait cli.main();\n`);
    const upstream = await startChild("cors-proxy/bench/upstream-process.ts");
    children.push(upstream);
    const origin = new URL(upstream.announced).origin;
    const config = join(directory, "modelmesh.json");
    writeFileSync(config, JSON.stringify({ providers: { bench: { connector: "openai-compatible", config: { base_url: upstream.announced, api_key: "sk-bench", models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"] }] } } } }));
    const cliArgs = ["--config", config, "--port", "0"];
    const listening = /listening on (http:\/\/\S+)/;
    const env = { KNOCKOUT_UPSTREAM: origin };
    const started = await Promise.all([
      startChild("cors-proxy/bench/pass-through-process.mjs", [origin]),
      startChild("cors-proxy/bench/parsing-floor-process.mjs", [origin]),
      startChild(join(directory, "floor-in-cli.mjs"), cliArgs, { env }),
      startChild(join(directory, "layers.mjs"), cliArgs, { ready: listening, env }),
      startChild(join(directory, "mesh.mjs"), cliArgs, { ready: listening }),
    ]);
    children.push(...started);
    const names = ["pass-through", "floor", "floor in cli", "layers", "mesh"] as const;
    const path = "/v1/chat/completions";
    const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello there, how are you today?" }] });
    const headers = { "content-type": "application/json", authorization: "Bearer sk-bench" };
    const targets = [{ name: "direct", url: `${origin}${path}`, body, headers }, ...names.map((name, index) => ({ name, url: `${started[index]!.announced.replace(/\/$/, "")}${path}`, body, headers }))];
    const plan: LoadPlan = { kind: "sequential", targets, rounds, requests, warmup: 300, interleaved: true };
    const samples = await runJsonChild<SequentialSample[]>("cors-proxy/bench/load-process.ts", [JSON.stringify(plan)]);
    const failures = samples.reduce((sum, sample) => sum + sample.failures, 0);
    if (failures > 0) throw new Error(`bench/knockout.ts: ${failures} requests failed; the copies no longer answer as the CLI does`);
    const { medians, addedOf } = roundMedians(samples);
    const added = Object.fromEntries(names.map((name) => [name, addedOf(name).perRound])) as Record<(typeof names)[number], number[]>;
    process.stdout.write(`JSON, one request at a time, ${requests} per target per round, interleaved; added µs over the direct call's median\n`);
    medians("direct").forEach((direct, round) => {
      process.stdout.write(`round ${round + 1}: direct ${direct.toFixed(0)}, ${names.map((name) => `${name} ${added[name][round]!.toFixed(0)}`).join(", ")}\n`);
    });
    const middle = (name: (typeof names)[number]) => median(added[name]);
    const ratio = (name: (typeof names)[number]) => (middle(name) / middle("pass-through")).toFixed(2);
    process.stdout.write(`medians of rounds: ${names.map((name) => `${name} ${middle(name).toFixed(0)} (${ratio(name)} of the pass-through's)`).join(", ")}\n`);
    const part = (from: (typeof names)[number], to: (typeof names)[number]) => median(added[from].map((value, round) => value - added[to][round]!)).toFixed(0);
    process.stdout.write(`the SDK's request line (mesh − layers) ${part("mesh", "layers")} µs; the proxy's layers (layers − floor in cli) ${part("layers", "floor in cli")} µs; the process (floor in cli − floor) ${part("floor in cli", "floor")} µs (medians of per-round differences)\n`);
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) await main();
