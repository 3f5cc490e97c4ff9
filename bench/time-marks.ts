/**
 * Where one request's time goes inside the proxy, one request at a time: a copy of the built CLI
 * (`cors-proxy/dist/cli.js`) with `performance.now()` marks at each step of a mesh-mode JSON chat request, run against
 * the fake upstream (own process) under sequential load from this process; prints the median of each step every
 * few seconds. Not part of `npm run bench`: a tool for finding what the sequential rows pay for.
 *
 *   npm run build && npx tsx bench/time-marks.ts [seconds]
 *   npm run build && npx tsx bench/time-marks.ts [seconds] sse
 *
 * `sse` follows short streams instead (the fake's 13-event answer, one at a time) and prints the timeline of every
 * 700th one: each network read of the answer (its size), the events each read completed (the provider parses them
 * one per chunk asked for), each chunk the router hands on (alone or in a batch: `CHUNK_BATCHES`), each piece the SSE writer gets and each batch it writes, the provider's
 * close (begun and done), the router's loop ending (drained), its finish and `res.end()`, in µs from the request event. Steps that repeat per event cannot be
 * medians of a fixed list, so a stream is shown whole.
 *
 * The marks are placed by finding exact lines of the bundle; when the source changes so that one is not found, the
 * tool stops and names it (update the anchor below), rather than measure something else. The copy is written next to
 * the bundle as `cli-marks.js` (so its imports resolve) and removed at the end.
 */
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPOSITORY, startChild } from "../cors-proxy/bench/children.js";
import { ANCHORS, placeMarks, type Mark } from "./marks.js";

/** A step's start: the line of the bundle it precedes, and its name. The order is the request's. */
const MARKS: Mark[] = [
  { name: "request event", anchor: ANCHORS.requestEvent },
  { name: "handler (respond)", anchor: ANCHORS.handler },
  { name: "route", anchor: ANCHORS.route },
  { name: "body parsed", anchor: ANCHORS.bodyParsed },
  { name: "router", anchor: ANCHORS.routerJson },
  { name: "provider", anchor: "    const chatRequest = request.stream ? { ...request, stream: false } : request;" },
  { name: "node fetch", anchor: ANCHORS.nodeFetch },
  { name: "undici dispatch", anchor: ANCHORS.upstreamDispatch },
  { name: "dispatched", anchor: ANCHORS.upstreamDispatch, after: true },
  { name: "answer headers", anchor: ANCHORS.answerHeaders },
  { name: "answer complete", anchor: ANCHORS.answerComplete },
  { name: "fetch resolved", anchor: ANCHORS.fetchResolved },
  { name: "text read", anchor: "    const text5 = await sent.read((response) => response.text());\n    try {\n      return { data: JSON.parse(text5)" },
  { name: "body read", anchor: "      return { data: JSON.parse(text5), headers: sent.response.headers, text: text5 };" },
  { name: "json parsed", anchor: ANCHORS.jsonParsed },
  { name: "answer parsed", anchor: "    if (completion === data && this._parseResponse === _BaseProvider.prototype._parseResponse)" },
  { name: "quota read", anchor: "    return this._result(completion, headers);\n  }\n  async chatStream(", after: false },
  { name: "request id added", anchor: "    const rateLimit = this._parseRateLimitHeaders(headers);\n    return rateLimit ? { body, rateLimit } : { body };" },
  { name: "quota parsed", anchor: "    return rateLimit ? { body, rateLimit } : { body };\n  }\n  /**\n   * Hands a body on unread" },
  { name: "back in the router", anchor: "            this.noteRateLimit(state, rateLimit);\n            return responseBody;" },
  { name: "router done", anchor: ANCHORS.routerDone },
  { name: "reply built", anchor: ANCHORS.replyBuilt },
  { name: "reply written", anchor: "    outgoing.end(response.text);\n    return;" },
  { name: "end() returned", anchor: ANCHORS.jsonEnd, after: true },
];

function instrument(bundle: string): string {
  const lines = placeMarks(bundle, MARKS, (index) => `__mark(${index});`, "bench/time-marks.ts");
  const text = lines.join("\n");
  const last = MARKS.length - 1;
  // Each request records its marks; the last mark closes it and files the differences.
  const prelude = `
const __marks = new Array(${MARKS.length}).fill(0);
let __steps = Array.from({ length: ${last} }, () => []);
globalThis.__mark = (index) => {
  __marks[index] = performance.now();
  if (index !== ${last}) return;
  for (let step = 0; step < ${last}; step++) __steps[step].push((__marks[step + 1] - __marks[step]) * 1000);
  __marks.fill(0);
};
setInterval(() => {
  if (__steps[0].length < 100) return;
  const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
  process.stdout.write("MARKS " + JSON.stringify(__steps.map(median)) + " " + __steps[0].length + "\\n");
  __steps = Array.from({ length: ${last} }, () => []);
}, 3000).unref();
`;
  return prelude + text;
}

/** The timeline of a short stream: where each event is read, parsed, handed on and written (`expression` is logged too). */
const TIMELINE: Array<Mark & { expression?: string }> = [
  { name: "request", anchor: MARKS[0]!.anchor },
  { name: "headers", anchor: ANCHORS.answerHeaders },
  { name: "read", anchor: ANCHORS.answerBytes, expression: "chunk.length" },
  { name: "complete", anchor: ANCHORS.answerComplete },
  { name: "events", anchor: ANCHORS.eventsRead, after: true, expression: "read.length" },
  { name: "chunk", anchor: ANCHORS.chunkHandedOn },
  { name: "piece", anchor: ANCHORS.pieceTaken, after: true, expression: "piece.length" },
  { name: "write", anchor: "    const text5 = batch;\n    batch = \"\";\n    outgoing.write(text5);" },
  { name: "closing", anchor: "        closed = true;\n        await sse.close(true);\n        transfer.finish();" },
  { name: "released", anchor: "        closed = true;\n        await sse.close(true);\n        transfer.finish();", after: true },
  { name: "drained", anchor: "          drained2 = true;\n          booked = true;" },
  { name: "finish", anchor: "        this.finish(route2, state, this.attemptUsage(usage, request, attemptText), true, { deliveredText: delivered });\n        return;" },
  { name: "end", anchor: ANCHORS.streamEnd },
];

function instrumentTimeline(bundle: string): string {
  const lines = placeMarks(bundle, TIMELINE, (index) => `__log(${index}${TIMELINE[index]!.expression ? `, ${TIMELINE[index]!.expression}` : ""});`, "bench/time-marks.ts");
  // Each stream's entries from its request event to its end(); every 700th stream is printed.
  const prelude = `
const __names = ${JSON.stringify(TIMELINE.map((mark) => mark.name))};
let __entries = [];
let __streams = 0;
globalThis.__log = (index, size) => {
  if (index === 0) __entries = [];
  __entries.push([index, performance.now(), size]);
  if (index !== ${TIMELINE.length - 1} || ++__streams % 700 !== 0) return;
  const start = __entries[0][1];
  process.stdout.write("TIMELINE " + __entries.map(([at, time, extra]) => __names[at] + (extra === undefined ? "" : "(" + extra + ")") + "@" + ((time - start) * 1000).toFixed(0)).join(" ") + "\\n");
};
`;
  return prelude + lines.join("\n");
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 15);
  const streams = process.argv[3] === "sse";
  const built = join(REPOSITORY, "cors-proxy/dist/cli.js");
  const copy = join(REPOSITORY, "cors-proxy/dist/cli-marks.js");
  writeFileSync(copy, (streams ? instrumentTimeline : instrument)(readFileSync(built, "utf8")));
  const directory = mkdtempSync(join(tmpdir(), "modelmesh-marks-"));
  const runner = join(directory, "run.mjs");
  writeFileSync(runner, `import(${JSON.stringify(copy)}).then((cli) => cli.main());\n`);
  const upstream = await startChild("cors-proxy/bench/upstream-process.ts");
  const model = "gpt-4o-mini";
  const config = join(directory, "modelmesh.json");
  writeFileSync(config, JSON.stringify({ providers: { bench: { connector: "openai-compatible", config: { base_url: upstream.announced, api_key: "sk-bench", models: [{ id: model, capabilities: ["generation.text-generation.chat-completion"] }] } } } }));
  const proxy = await startChild(runner, ["--config", config, "--port", "0"], { ready: /listening on (http:\/\/\S+)/ });
  const lines: string[] = [];
  proxy.process.stdout!.on("data", (part: Buffer) => {
    for (const line of part.toString().split("\n")) if (line.startsWith("MARKS ") || line.startsWith("TIMELINE ")) lines.push(line);
  });
  const body = JSON.stringify({ model, messages: [{ role: "user", content: "Hello there, how are you today?" }], ...(streams ? { stream: true, stream_options: { include_usage: true } } : {}) });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = `${proxy.announced}/v1/chat/completions`;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const outgoing = request(url, { method: "POST", agent, headers: { "content-type": "application/json", authorization: "Bearer sk-bench" } }, (incoming) => {
        incoming.resume();
        incoming.on("end", resolve);
      });
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  try {
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) await one();
    await new Promise((resolve) => setTimeout(resolve, 3500));
  } finally {
    await Promise.all([proxy.stop(), upstream.stop()]);
    rmSync(copy, { force: true });
    rmSync(directory, { recursive: true, force: true });
  }
  if (lines.length === 0) throw new Error("time-marks: no request went through every mark");
  if (streams) {
    process.stdout.write(`every 700th stream, one at a time (${seconds} s), µs from the request event; (n) is a read's bytes or events, a piece's characters:\n`);
    for (const line of lines) process.stdout.write(`  ${line.slice("TIMELINE ".length)}\n`);
    return;
  }
  process.stdout.write(`medians in µs of each step, one request at a time (${seconds} s; a line per 3 s block, the first one warms up):\n`);
  for (const line of lines) {
    const [, values, count] = line.split(" ");
    const medians = JSON.parse(values!) as number[];
    process.stdout.write(`  ${count} requests: ${medians.map((value, index) => `${MARKS[index]!.name} → ${MARKS[index + 1]!.name} ${value.toFixed(0)}`).join(", ")}\n`);
  }
}

await main();
