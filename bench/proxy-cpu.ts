/**
 * The proxy's own CPU per request, without the server side of HTTP: `proxy.respond()` is called in this process on a
 * `BufferedRequest` (what the node adapter builds), the mesh reaches the fake upstream (its own process) over the
 * proxy's node:http `fetch`. Every block runs `requests` requests with `inFlight` at a time and reads this process's
 * CPU time (`process.cpuUsage`); the floor is the same exchange with the upstream by a bare `http.request` through a
 * keep-alive agent (send the bytes, collect the answer). Not part of `npm run bench`: a quick, low-noise judge of a
 * change to the mesh path (seconds per run, one core busy).
 *
 *   npx tsx --conditions=modelmesh-source bench/proxy-cpu.ts [json|sse] [blocks] [requests per block] [in flight] [words]
 *
 * `words` makes the user's message that many words long (the fake echoes it, one SSE event per word), to tell a
 * stream's cost per event from its cost per stream: run it with the default (a 13-event answer) and with, say, 200.
 */
import { Agent, request as httpRequest } from "node:http";
import { create, PrometheusObservability } from "modelmesh";
import { startChild } from "../cors-proxy/bench/children.js";
import { createProxy } from "../cors-proxy/src/handler.js";
import { createNodeFetch } from "modelmesh/node-fetch";
import { BufferedRequest, JsonReply, SourceReply } from "../cors-proxy/src/responses.js";

const MODEL = "gpt-4o-mini";
const kind = process.argv[2] === "sse" ? "sse" : "json";
const blocks = Number(process.argv[3] ?? 6);
const perBlock = Number(process.argv[4] ?? 3000);
const inFlight = Number(process.argv[5] ?? 8);
const words = process.argv[6] === undefined ? undefined : Number(process.argv[6]);
const content = words === undefined ? "Hello there, how are you today?" : Array.from({ length: words }, (_, index) => `word${index}`).join(" ");
const body = Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: "user", content }], ...(kind === "sse" ? { stream: true, stream_options: { include_usage: true } } : {}) }));

const upstream = await startChild("cors-proxy/bench/upstream-process.ts");
const base = new URL(upstream.announced);
const metrics = new PrometheusObservability({ minSeverity: "debug" });
const mesh = create({
  config: { providers: { bench: { connector: "openai-compatible", config: { base_url: upstream.announced, api_key: "sk-bench", models: [{ id: MODEL, capabilities: ["generation.text-generation.chat-completion"] }] } } }, ...(process.env.MODELMESH_NO_SINK === "1" ? {} : { observability: [{ instance: metrics }] }) },
  fetch: createNodeFetch(),
});
await mesh.ready();
const proxy = createProxy({ mesh, listening: { host: "127.0.0.1" }, meshMetrics: metrics });
const headerValues: Record<string, string[]> = { host: ["127.0.0.1:8787"], "content-type": ["application/json"], authorization: ["Bearer sk-bench"], "content-length": [String(body.length)] };
const headers = { get: (name: string) => headerValues[name]?.join(", ") ?? null, has: (name: string) => name in headerValues };
const pairs = () => Object.entries(headerValues).map(([name, values]) => [name, values[0]!] as [string, string]);

async function drain(reply: unknown): Promise<number> {
  if (reply instanceof JsonReply) return reply.text.length;
  if (reply instanceof SourceReply) {
    const source = reply.take()!;
    let total = 0;
    for (let piece = await source.next(); piece !== undefined; piece = await source.next()) total += piece.length;
    return total;
  }
  return (await (reply as Response).text()).length;
}

// One signal for every request, as the node adapter gives every request of a keep-alive connection its connection's:
// a new AbortSignal per request (2 % of the busy samples in a profile of this tool, SSE) charged the proxy a cost the
// node adapter does not pay.
const connectionSignal = new AbortController().signal;
const viaProxy = async () => {
  const reply = await proxy.respond(new BufferedRequest("POST", "http://127.0.0.1:8787/v1/chat/completions", headers, body, pairs), { remoteAddress: "127.0.0.1", signal: connectionSignal });
  if (reply.status !== 200) throw new Error(`proxy answered ${reply.status}`);
  return drain(reply);
};

const agent = new Agent({ keepAlive: true, noDelay: true } as ConstructorParameters<typeof Agent>[0]);
const bare = () =>
  new Promise<number>((resolve, reject) => {
    const outgoing = httpRequest({ hostname: base.hostname, port: base.port, path: `${base.pathname}/chat/completions`, method: "POST", agent, headers: { "content-type": "application/json", authorization: "Bearer sk-bench", "content-length": String(body.length) } }, (incoming) => {
      let total = 0;
      incoming.on("data", (chunk: Buffer) => (total += chunk.length));
      incoming.on("end", () => resolve(total));
      incoming.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });

async function block(run: () => Promise<number>): Promise<number> {
  let next = 0;
  const started = process.cpuUsage();
  const worker = async () => {
    while (next < perBlock) {
      next += 1;
      await run();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const used = process.cpuUsage(started);
  return (used.user + used.system) / perBlock;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  await block(bare);
  await block(viaProxy);
  const floor: number[] = [];
  const routed: number[] = [];
  // MODELMESH_PROXY_ONLY=1 runs only the proxy's blocks (for a CPU profile of the proxy alone).
  const proxyOnly = process.env.MODELMESH_PROXY_ONLY === "1";
  for (let round = 0; round < blocks; round += 1) {
    if (proxyOnly) routed.push(await block(viaProxy));
    else if (round % 2 === 0) {
      floor.push(await block(bare));
      routed.push(await block(viaProxy));
    } else {
      routed.push(await block(viaProxy));
      floor.push(await block(bare));
    }
  }
  if (proxyOnly) {
    process.stdout.write(`${kind}, ${inFlight} in flight: CPU µs per request  proxy ${median(routed).toFixed(1)}\n`);
  } else {
  const over = routed.map((value, index) => value - floor[index]!);
  process.stdout.write(`${kind}, ${inFlight} in flight: CPU µs per request  bare ${median(floor).toFixed(1)}  proxy ${median(routed).toFixed(1)}  proxy − bare ${median(over).toFixed(1)} (per block: ${over.map((value) => value.toFixed(0)).join(", ")})\n`);
  }
} finally {
  agent.destroy();
  await mesh.close();
  await upstream.stop();
}
