/**
 * Where one request's time goes inside the proxy, one request at a time: a copy of the built CLI
 * (`cors-proxy/dist/cli.js`) with `performance.now()` marks at each step of a mesh-mode JSON chat request, run against
 * the fake upstream (own process) under sequential load from this process; prints the median of each step every
 * few seconds. Not part of `npm run bench`: a tool for finding what the sequential rows pay for.
 *
 *   npm run build && npx tsx bench/time-marks.ts [seconds]
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

/** A step's start: the line of the bundle it precedes, and its name. The order is the request's. */
const MARKS: Array<{ name: string; anchor: string; after?: boolean }> = [
  { name: "request event", anchor: '    if (!incoming.url?.startsWith("/")) return simpleError(outgoing, 400, "request target must be a path");' },
  { name: "handler (respond)", anchor: "    const started = now();\n    metrics.started();" },
  { name: "route", anchor: "  const body = await readJson(request, context.maxBodyBytes);\n  if (body.stream === true) {" },
  { name: "body parsed", anchor: "  if (body.stream === true) {\n    const stream = await client.chat.completions.create(" },
  { name: "router", anchor: "this.route(operation, target, body, features, options, options.signal);\n    this.emitRequestStart(" },
  { name: "provider", anchor: "    const chatRequest = request.stream ? { ...request, stream: false } : request;" },
  { name: "node fetch", anchor: "    const body = init.body;\n    const simpleBody =" },
  { name: "undici dispatch", anchor: "      dispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method, headers, body: bytes }, handler);" },
  { name: "dispatched", anchor: "      dispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method, headers, body: bytes }, handler);", after: true },
  { name: "answer headers", anchor: "          raw = rawHeaders;\n          resumeBody = resume;" },
  { name: "answer complete", anchor: "          complete = true;\n          if (ignoreBody) return;" },
  { name: "fetch resolved", anchor: "    transfer.headersReceived(response);" },
  { name: "text read", anchor: "    const text5 = await sent.read((response) => response.text());\n    try {\n      return { data: JSON.parse(text5)" },
  { name: "body read", anchor: "      return { data: JSON.parse(text5), headers: sent.response.headers, text: text5 };" },
  { name: "json parsed", anchor: "    const completion = this._parse(request.model, data, () => {" },
  { name: "answer parsed", anchor: "    if (completion === data && this._parseResponse === _BaseProvider.prototype._parseResponse)" },
  { name: "quota read", anchor: "    return this._result(completion, headers);\n  }\n  async chatStream(", after: false },
  { name: "request id added", anchor: "    const rateLimit = this._parseRateLimitHeaders(headers);\n    return rateLimit ? { body, rateLimit } : { body };" },
  { name: "quota parsed", anchor: "    return rateLimit ? { body, rateLimit } : { body };\n  }\n  /**\n   * Hands a body on unread" },
  { name: "back in the router", anchor: "            this.noteRateLimit(state, rateLimit);\n            return responseBody;" },
  { name: "router done", anchor: "          const latencyMs = this.deps.now() - started;\n          this.recordSuccess(state," },
  { name: "reply built", anchor: "  const served = servedBy(value);" },
  { name: "reply written", anchor: "    outgoing.end(response.text);\n    return;" },
  { name: "end() returned", anchor: "    outgoing.end(response.text);", after: true },
];

function instrument(bundle: string): string {
  const lines = bundle.split("\n");
  // Where each mark goes, found in the bundle as built (line by line: a mark is a line of its own).
  const places = MARKS.map((mark, index) => {
    const wanted = mark.anchor.split("\n");
    const starts = lines.flatMap((_, at) => (wanted.every((part, offset) => lines[at + offset]?.includes(part.trim())) ? [at] : []));
    if (starts.length !== 1) throw new Error(`time-marks: the line for "${mark.name}" is in the bundle ${starts.length} times, not once; update its anchor in bench/time-marks.ts`);
    return { at: mark.after ? starts[0]! + wanted.length : starts[0]!, call: `__mark(${index});` };
  });
  // From the end, so earlier line numbers stay right.
  for (const place of [...places].sort((a, b) => b.at - a.at)) lines.splice(place.at, 0, place.call);
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

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 15);
  const built = join(REPOSITORY, "cors-proxy/dist/cli.js");
  const copy = join(REPOSITORY, "cors-proxy/dist/cli-marks.js");
  writeFileSync(copy, instrument(readFileSync(built, "utf8")));
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
    for (const line of part.toString().split("\n")) if (line.startsWith("MARKS ")) lines.push(line);
  });
  const body = JSON.stringify({ model, messages: [{ role: "user", content: "Hello there, how are you today?" }] });
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
  process.stdout.write(`medians in µs of each step, one request at a time (${seconds} s; a line per 3 s block, the first one warms up):\n`);
  for (const line of lines) {
    const [, values, count] = line.split(" ");
    const medians = JSON.parse(values!) as number[];
    process.stdout.write(`  ${count} requests: ${medians.map((value, index) => `${MARKS[index]!.name} → ${MARKS[index + 1]!.name} ${value.toFixed(0)}`).join(", ")}\n`);
  }
}

await main();
