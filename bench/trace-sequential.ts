/**
 * Where one sequential request's time goes, across processes: the load generator, the mesh (a marked copy of the
 * built CLI) and the parsing floor (a marked copy of `cors-proxy/bench/parsing-floor-process.mjs`), each stamping
 * `process.hrtime.bigint()` (CLOCK_MONOTONIC, one clock for every process on the machine), so a request's stamps line up
 * from the client's send to its last byte. The direct call and the pass-through run in the same interleaved turns, as
 * context. Not part of `npm run bench`: `time-marks.ts` and `time-marks-ab.ts` time steps inside the proxy only; this
 * shows what lies between them and the client (the hops, the write syscall, the wait for bytes that already arrived).
 *
 *   npm run build && npx tsx bench/trace-sequential.ts [json|sse] [requests per target] [bundle]
 *
 * `bundle` is a built `cors-proxy/dist/cli.js` (default: this tree's), or a copy of it edited by hand to try something.
 * Prints, for the mesh and the floor, the medians of the same stages (client send → request event → upstream
 * dispatch → upstream headers → first body bytes → first write → ... → `end()` → the client's last byte), then the
 * mesh's finer steps in the order a request passes them. Marks are found by exact lines: one that is missing stops
 * the tool and names it. Stage medians do not add up to the total (each is a median of its own).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { startChild, type Child } from "../cors-proxy/bench/children.js";
import { ANCHORS, placeMarks, type Mark } from "./marks.js";

type Kind = "json" | "sse";

/** Stamps kept in memory and written to `TRACE_OUT` on SIGUSR2 (the children are stopped with SIGKILL afterwards). */
const RECORDER = `import { writeFileSync as __traceWrite } from "node:fs";
const __stamps = [];
globalThis.__trace = (index) => { __stamps.push(index, process.hrtime.bigint()); };
process.on("SIGUSR2", () => __traceWrite(process.env.TRACE_OUT, __stamps.map(String).join("\\n")));
`;

/** The stages both proxies mark, by index (the floor's copy uses the same numbers). */
const STAGES = ["request", "dispatch", "headers", "bytes", "first write", "complete", "end", "body read"] as const;
const STAGE = Object.fromEntries(STAGES.map((name, index) => [name, index])) as Record<(typeof STAGES)[number], number>;

/** The mesh's marks: the stages, then finer steps (reported in the order a request passes them). */
function meshMarks(kind: Kind): Mark[] {
  return [
    { name: "request", anchor: ANCHORS.requestEvent },
    { name: "dispatch", anchor: ANCHORS.upstreamDispatch },
    { name: "headers", anchor: ANCHORS.answerHeaders },
    { name: "bytes", anchor: ANCHORS.answerBytes },
    { name: "first write", anchor: ANCHORS.firstWrite, after: true },
    { name: "complete", anchor: ANCHORS.answerComplete },
    { name: "end", anchor: kind === "sse" ? ANCHORS.streamEnd : ANCHORS.jsonEnd, after: true },
    { name: "body read", anchor: "const bytes = await readSmallBody(incoming);", after: true },
    { name: "handler", anchor: ANCHORS.handler },
    { name: "route", anchor: ANCHORS.route },
    { name: "body parsed", anchor: ANCHORS.bodyParsed },
    { name: "router (json)", anchor: ANCHORS.routerJson },
    { name: "router (stream)", anchor: 'const route2 = this.route("chat", target, body, features, options, signal);\nthis.emitRequestStart(route2);' },
    { name: "provider (stream)", anchor: "const streamRequest = { ...request, stream: true };\nconst built = this._buildRequestPayload(streamRequest);" },
    { name: "provider send", anchor: "const target = this.#targetOf(options.url);" },
    { name: "node fetch", anchor: ANCHORS.nodeFetch },
    { name: "fetch resolved", anchor: ANCHORS.fetchResolved },
    { name: "json parsed", anchor: ANCHORS.jsonParsed },
    { name: "router done (json)", anchor: ANCHORS.routerDone },
    { name: "reply built (json)", anchor: ANCHORS.replyBuilt },
    { name: "stream iterator", anchor: ANCHORS.streamIterator },
    { name: "events parsed", anchor: ANCHORS.eventsRead, after: true },
    { name: "chunk handed on", anchor: ANCHORS.chunkHandedOn },
    { name: "head", anchor: ANCHORS.head },
  ];
}

/**
 * The floor's source with the same stage marks. Its writes are corked until `process.nextTick`, so its "first write"
 * stamp comes before the syscall, where the mesh's (which uncorks at once) comes after it.
 * @example
 * const marked = markFloor(readFileSync("cors-proxy/bench/parsing-floor-process.mjs", "utf8"));
 */
export function markFloor(source: string): string {
  const edits: Array<[string, string]> = [
    ["(incoming, outgoing) => {\n", `(incoming, outgoing) => {\n  globalThis.__trace(${STAGE.request});\n`],
    ['  incoming.on("end", () => {\n', `  incoming.on("end", () => {\n    globalThis.__trace(${STAGE["body read"]});\n`],
    ["    agent.dispatch(", `    globalThis.__trace(${STAGE.dispatch});\n    agent.dispatch(`],
    ["        onHeaders(statusCode) {\n", `        onHeaders(statusCode) {\n          globalThis.__trace(${STAGE.headers});\n`],
    ["        onData(chunk) {\n", `        onData(chunk) {\n          globalThis.__trace(${STAGE.bytes});\n`],
    ['          if (batch !== "") outgoing.write(batch);', `          if (batch !== "") {\n            outgoing.write(batch);\n            globalThis.__trace(${STAGE["first write"]});\n          }`],
    ["        onComplete() {\n", `        onComplete() {\n          globalThis.__trace(${STAGE.complete});\n`],
    ['          if (stream) return void outgoing.end("data: [DONE]\\n\\n");', `          if (stream) {\n            outgoing.end("data: [DONE]\\n\\n");\n            return void globalThis.__trace(${STAGE.end});\n          }`],
    ['          outgoing.writeHead(status, { "content-type": "application/json" }).end(text);', `          outgoing.writeHead(status, { "content-type": "application/json" }).end(text);\n          globalThis.__trace(${STAGE.end});`],
  ];
  let marked = source;
  for (const [line, replacement] of edits) {
    if (marked.split(line).length !== 2) throw new Error(`bench/trace-sequential.ts: the floor's line ${JSON.stringify(line)} is not in parsing-floor-process.mjs exactly once; update its edit`);
    marked = marked.replace(line, replacement);
  }
  return `${RECORDER}${marked}`;
}

/** One request as the load generator saw it (CLOCK_MONOTONIC, ns). */
interface ClientTimes {
  send: bigint;
  head: bigint;
  firstData: bigint;
  end: bigint;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function once(url: string, body: string): Promise<ClientTimes> {
  const target = new URL(url);
  return new Promise((done, fail) => {
    const send = process.hrtime.bigint();
    let firstData = 0n;
    const outgoing = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: { "content-type": "application/json", authorization: "Bearer sk-bench", "content-length": String(Buffer.byteLength(body)) } },
      (incoming) => {
        const head = process.hrtime.bigint();
        incoming.on("data", () => {
          if (firstData === 0n) firstData = process.hrtime.bigint();
        });
        incoming.on("end", () => (incoming.statusCode === 200 ? done({ send, head, firstData, end: process.hrtime.bigint() }) : fail(new Error(`${url} answered ${incoming.statusCode}`))));
      },
    );
    outgoing.on("error", fail);
    outgoing.end(body);
  });
}

/** Stamps as [mark index, ns] pairs, in time order. */
function readStamps(file: string): Array<[number, bigint]> {
  const values = readFileSync(file, "utf8").split("\n");
  const stamps: Array<[number, bigint]> = [];
  for (let index = 0; index + 1 < values.length; index += 2) stamps.push([Number(values[index]), BigInt(values[index + 1]!)]);
  return stamps;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
const micros = (from: bigint, to: bigint) => Number(to - from) / 1000;

/** Each client request's stamps from one proxy: those between its send and its last byte (requests are sequential). */
function perRequest(clientTimes: ClientTimes[], stamps: Array<[number, bigint]>): Array<{ client: ClientTimes; first: Map<number, bigint>; last: Map<number, bigint> }> {
  const out: Array<{ client: ClientTimes; first: Map<number, bigint>; last: Map<number, bigint> }> = [];
  let at = 0;
  for (const client of clientTimes) {
    while (at < stamps.length && stamps[at]![1] < client.send) at++;
    const first = new Map<number, bigint>();
    const last = new Map<number, bigint>();
    while (at < stamps.length && stamps[at]![1] <= client.end) {
      const [index, time] = stamps[at++]!;
      if (!first.has(index)) first.set(index, time);
      last.set(index, time);
    }
    out.push({ client, first, last });
  }
  return out;
}

function stageRows(requests: ReturnType<typeof perRequest>): Array<[string, number, number]> {
  const rows = new Map<string, number[]>();
  const add = (name: string, from: bigint | undefined, to: bigint | undefined) => {
    if (from !== undefined && to !== undefined && to > 0n) rows.set(name, [...(rows.get(name) ?? []), micros(from, to)]);
  };
  for (const { client, first, last } of requests) {
    if (!first.has(STAGE.request) || !first.has(STAGE.end)) continue;
    add("client send → request event", client.send, first.get(STAGE.request));
    add("request event → body read", first.get(STAGE.request), first.get(STAGE["body read"]));
    add("request event → upstream dispatch", first.get(STAGE.request), first.get(STAGE.dispatch));
    add("dispatch → upstream headers", first.get(STAGE.dispatch), first.get(STAGE.headers));
    add("upstream headers → first body bytes", first.get(STAGE.headers), first.get(STAGE.bytes));
    add("first body bytes → first write", first.get(STAGE.bytes), first.get(STAGE["first write"]));
    add("first write → client's first data", first.get(STAGE["first write"]), client.firstData);
    add("last body bytes → upstream complete", last.get(STAGE.bytes), first.get(STAGE.complete));
    add("upstream complete → end() returned", first.get(STAGE.complete), first.get(STAGE.end));
    add("end() returned → client's last byte", first.get(STAGE.end), client.end);
    add("client: send → last byte", client.send, client.end);
  }
  return [...rows.entries()].map(([name, values]) => [name, median(values), values.length]);
}

function stepRows(requests: ReturnType<typeof perRequest>, names: string[]): Array<[string, number, number]> {
  const steps = new Map<string, number[]>();
  for (const { first } of requests) {
    const ordered = [...first.entries()].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    for (let index = 1; index < ordered.length; index++) {
      const name = `${names[ordered[index - 1]![0]]} → ${names[ordered[index]![0]]}`;
      steps.set(name, [...(steps.get(name) ?? []), micros(ordered[index - 1]![1], ordered[index]![1])]);
    }
  }
  // Steps most requests take (a step a few requests take, when two marks swap order, is noise here).
  return [...steps.entries()].filter(([, values]) => values.length >= requests.length * 0.3).map(([name, values]) => [name, median(values), values.length]);
}

async function main(): Promise<void> {
  const kind = (process.argv[2] ?? "json") as Kind;
  const requests = Number(process.argv[3] ?? 2000);
  if (kind !== "json" && kind !== "sse") throw new Error("usage: npx tsx bench/trace-sequential.ts [json|sse] [requests per target] [bundle]");
  const marks = meshMarks(kind);
  const bundle = resolve(process.argv[4] ?? "cors-proxy/dist/cli.js");
  const directory = mkdtempSync(join(tmpdir(), "modelmesh-trace-"));
  // The copies sit beside their originals, so what they import resolves as the originals' does.
  const meshCopy = join(dirname(bundle), `cli-trace-${process.pid}.js`);
  const floorCopy = resolve(`cors-proxy/bench/floor-trace-${process.pid}.mjs`);
  const children: Child[] = [];
  try {
    writeFileSync(meshCopy, `${RECORDER}${placeMarks(readFileSync(bundle, "utf8"), marks, (index) => `globalThis.__trace(${index});`, "bench/trace-sequential.ts").join("\n")}`);
    writeFileSync(floorCopy, markFloor(readFileSync("cors-proxy/bench/parsing-floor-process.mjs", "utf8")));
    const runner = join(directory, "run-mesh.mjs");
    writeFileSync(runner, `import(${JSON.stringify(meshCopy)}).then((cli) => cli.main());\n`);
    const upstream = await startChild("cors-proxy/bench/upstream-process.ts");
    children.push(upstream);
    const origin = new URL(upstream.announced).origin;
    const config = join(directory, "modelmesh.json");
    writeFileSync(config, JSON.stringify({ providers: { bench: { connector: "openai-compatible", config: { base_url: upstream.announced, api_key: "sk-bench", models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"] }] } } } }));
    const outputs = { mesh: join(directory, "mesh.txt"), floor: join(directory, "floor.txt") };
    const [passThrough, mesh, floor] = await Promise.all([
      startChild("cors-proxy/bench/pass-through-process.mjs", [origin]),
      startChild(runner, ["--config", config, "--port", "0"], { ready: /listening on (http:\/\/\S+)/, env: { TRACE_OUT: outputs.mesh } }),
      startChild(floorCopy, [origin], { env: { TRACE_OUT: outputs.floor } }),
    ]);
    children.push(passThrough, mesh, floor);
    const urls = { direct: `${origin}/v1/chat/completions`, "pass-through": `${passThrough.announced}/v1/chat/completions`, mesh: `${mesh.announced}/v1/chat/completions`, floor: `${floor.announced}/v1/chat/completions` };
    const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello there, how are you today?" }], ...(kind === "sse" ? { stream: true, stream_options: { include_usage: true } } : {}) });
    const names = Object.keys(urls) as Array<keyof typeof urls>;
    for (const name of names) for (let warm = 0; warm < 300; warm++) await once(urls[name], body);
    const times = Object.fromEntries(names.map((name) => [name, [] as ClientTimes[]])) as Record<keyof typeof urls, ClientTimes[]>;
    // Interleaved, the order rotating each turn: the machine's noise falls on every target alike.
    for (let index = 0; index < requests; index++) for (let turn = 0; turn < names.length; turn++) {
      const name = names[(turn + index) % names.length]!;
      times[name].push(await once(urls[name], body));
    }
    mesh.process.kill("SIGUSR2");
    floor.process.kill("SIGUSR2");
    await new Promise((done) => setTimeout(done, 1000));
    const traced = { mesh: perRequest(times.mesh, readStamps(outputs.mesh)), floor: perRequest(times.floor, readStamps(outputs.floor)) };
    process.stdout.write(`${kind}, one request at a time, ${requests} per target interleaved; medians in µs\n`);
    const stages = { mesh: stageRows(traced.mesh), floor: stageRows(traced.floor) };
    process.stdout.write(`${"stage".padEnd(40)} ${"mesh".padStart(6)} ${"floor".padStart(6)}\n`);
    for (const [name, value] of stages.mesh) {
      const floorValue = stages.floor.find((row) => row[0] === name)?.[1];
      process.stdout.write(`${name.padEnd(40)} ${value.toFixed(0).padStart(6)} ${(floorValue === undefined ? "" : floorValue.toFixed(0)).padStart(6)}\n`);
    }
    for (const name of ["direct", "pass-through"] as const) {
      const of = (pick: (t: ClientTimes) => bigint) => median(times[name].map((t) => micros(t.send, pick(t)))).toFixed(0);
      process.stdout.write(`${name} (context): headers ${of((t) => t.head)}, first data ${of((t) => t.firstData)}, last byte ${of((t) => t.end)}\n`);
    }
    process.stdout.write("the mesh's steps, in the order a request passes its marks (median µs, requests):\n");
    for (const [name, value, count] of stepRows(traced.mesh, marks.map((mark) => mark.name))) process.stdout.write(`  ${name.padEnd(48)} ${value.toFixed(0).padStart(5)}  (${count})\n`);
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    agent.destroy();
    rmSync(meshCopy, { force: true });
    rmSync(floorCopy, { force: true });
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) await main();
