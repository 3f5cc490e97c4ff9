/**
 * Where two (or more) builds of the proxy differ, step by step, one request at a time. Each built CLI bundle given is
 * copied with `performance.now()` marks at a few lines, the copies are started in turn against the fake upstream (a
 * process of its own; the order rotates every round) and loaded one request at a time over one keep-alive connection
 * for `seconds`; each copy prints the median of every step when it is stopped, and the tool prints each bundle's
 * medians over the rounds. Not part of `npm run bench`: a tool to tell whether a change moved the step it aimed at,
 * which the end-to-end rows cannot resolve below about 20 µs on this machine.
 *
 *   npm run build && npx tsx bench/time-marks-ab.ts <bundle>,<bundle>[,...] [json|sse|sse-steps] [rounds] [seconds]
 *
 * A bundle is a built `cors-proxy/dist/cli.js`: this tree's, another checkout's (`git archive <commit> | tar -x -C
 * /tmp/A`, its own `node_modules/modelmesh` pointing at its `sdk/`, then `npm run build` there), or a copy edited by
 * hand to try something before writing it. The marks (`json`): the request event, the upstream dispatch, the answer
 * complete, `res.end()` returned. `sse`: the request event, the dispatch, the answer's headers, the first write to the
 * client, the answer complete, `res.end()` returned. `sse-steps`: every layer from the answer's headers to the first
 * write (the fetch resolved, the provider's iterator made, the router back from the provider, the SSE reader's first
 * read, the first body bytes (the fake sends its headers first), the read done and parsed, the router's first chunk,
 * the client's stream, the route's reply, the head written, the first piece). A mark is found by the exact text of its line(s) in the bundle; one that is not stops
 * the tool and names it (update its anchor below). Each copy is written next to its bundle (so its imports resolve)
 * and removed at the end.
 */
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { startChild } from "../cors-proxy/bench/children.js";
import { ANCHORS, placeMarks, type Mark } from "./marks.js";


const PLANS: Record<string, Mark[]> = {
  json: [
    { name: "request", anchor: ANCHORS.requestEvent },
    { name: "dispatch", anchor: ANCHORS.upstreamDispatch },
    { name: "complete", anchor: ANCHORS.answerComplete },
    { name: "end", anchor: ANCHORS.jsonEnd, after: true },
  ],
  sse: [
    { name: "request", anchor: ANCHORS.requestEvent },
    { name: "dispatch", anchor: ANCHORS.upstreamDispatch },
    { name: "headers", anchor: ANCHORS.answerHeaders },
    { name: "first write", anchor: ANCHORS.firstWrite, after: true },
    { name: "complete", anchor: ANCHORS.answerComplete },
    { name: "end", anchor: ANCHORS.streamEnd, after: true },
  ],
  "sse-steps": [
    { name: "headers", anchor: ANCHORS.answerHeaders },
    { name: "fetch resolved", anchor: ANCHORS.fetchResolved },
    { name: "iterator made", anchor: ANCHORS.streamIterator },
    { name: "back in the router", anchor: "      this.noteRateLimit(state, rateLimit);\n      return iterable2;" },
    { name: "first read", anchor: "    this.#reader ??= this.#stream.getReader();" },
    { name: "first bytes", anchor: ANCHORS.answerBytes },
    { name: "read done", anchor: "      this.#onWait?.(false);", after: true },
    { name: "events", anchor: ANCHORS.eventsRead, after: true },
    { name: "opened", anchor: "          opened = await this.openStream(route2, state, attempt, request, prefix);", after: true },
    { name: "first chunk", anchor: ANCHORS.chunkHandedOn },
    { name: "client stream", anchor: "    return new MeshStream(settlingSource(() => iterator), controller);" },
    { name: "route reply", anchor: "    return new SourceReply(200, sseSource(stream, context, client), SSE_HEADERS);" },
    { name: "head", anchor: ANCHORS.head },
    { name: "first piece", anchor: ANCHORS.pieceTaken, after: true },
    { name: "first write", anchor: ANCHORS.firstWrite, after: true },
  ],
};

/** The bundle with its marks: each request keeps the first time it passes each mark; the last mark files the steps. */
function instrument(bundle: string, marks: Mark[]): string {
  const count = marks.length;
  const lines = placeMarks(bundle, marks, (index) => `__mark(${index});`, "bench/time-marks-ab.ts");
  // A request starts at the first mark; steps are filed only when it passed every mark, in order or not (a negative
  // step says two marks come the other way round). SIGTERM prints the medians and exits.
  const prelude = `
const __at = new Array(${count}).fill(0);
const __rows = [];
globalThis.__mark = (index) => {
  if (index === 0) __at.fill(0);
  if (__at[index] === 0) __at[index] = performance.now();
  if (index === ${count - 1} && __at.every((time) => time > 0)) __rows.push(__at.slice(1).map((time, step) => (time - __at[step]) * 1000));
};
process.on("SIGTERM", () => {
  const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
  const medians = Array.from({ length: ${count - 1} }, (_, step) => median(__rows.map((row) => row[step])));
  process.stdout.write("MEDIANS " + JSON.stringify(medians) + " " + __rows.length + "\\n", () => process.exit(0));
});
`;
  return prelude + lines.join("\n");
}

async function main(): Promise<void> {
  const bundles = (process.argv[2] ?? "").split(",").filter(Boolean).map((bundle) => resolve(bundle));
  const plan = process.argv[3] ?? "json";
  const rounds = Number(process.argv[4] ?? 6);
  const seconds = Number(process.argv[5] ?? 5);
  const marks = PLANS[plan];
  if (bundles.length === 0 || !marks) throw new Error("usage: npx tsx bench/time-marks-ab.ts <bundle>,<bundle>[,...] [json|sse|sse-steps] [rounds] [seconds]");
  const names = marks.slice(1).map((mark, step) => `${marks[step]!.name} → ${mark.name}`);
  const copies = bundles.map((bundle, index) => {
    const copy = join(dirname(bundle), `cli-marks-ab-${index}.js`);
    writeFileSync(copy, instrument(readFileSync(bundle, "utf8"), marks));
    return copy;
  });
  const directory = mkdtempSync(join(tmpdir(), "modelmesh-marks-ab-"));
  const upstream = await startChild("cors-proxy/bench/upstream-process.ts");
  const config = join(directory, "modelmesh.json");
  writeFileSync(config, JSON.stringify({ providers: { bench: { connector: "openai-compatible", config: { base_url: upstream.announced, api_key: "sk-bench", models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"] }] } } } }));
  const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello there, how are you today?" }], ...(plan === "json" ? {} : { stream: true, stream_options: { include_usage: true } }) });
  const results: number[][][] = bundles.map(() => []);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const index of bundles.map((_, offset) => (offset + round) % bundles.length)) {
        const runner = join(directory, `run-${index}.mjs`);
        writeFileSync(runner, `import(${JSON.stringify(copies[index])}).then((cli) => cli.main());\n`);
        const proxy = await startChild(runner, ["--config", config, "--port", "0"], { ready: /listening on (http:\/\/\S+)/ });
        let line = "";
        proxy.process.stdout!.on("data", (part: Buffer) => {
          for (const text of part.toString().split("\n")) if (text.startsWith("MEDIANS ")) line = text;
        });
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        const url = `${proxy.announced}/v1/chat/completions`;
        const one = () =>
          new Promise<void>((done, fail) => {
            const outgoing = request(url, { method: "POST", agent, headers: { "content-type": "application/json" } }, (incoming) => {
              incoming.resume();
              incoming.on("end", done);
            });
            outgoing.on("error", fail);
            outgoing.end(body);
          });
        for (let warm = 0; warm < 300; warm++) await one();
        const until = Date.now() + seconds * 1000;
        while (Date.now() < until) await one();
        agent.destroy();
        proxy.process.kill("SIGTERM");
        // The copy prints its medians, then exits (the child's own "exit" listeners were taken when it became ready).
        for (let wait = 0; wait < 200 && (line === "" || proxy.process.exitCode === null); wait++) await new Promise((done) => setTimeout(done, 25));
        if (line === "") throw new Error(`bundle ${index + 1} printed no medians`);
        const [, values, count] = line.split(" ");
        const medians = JSON.parse(values!) as number[];
        results[index]!.push(medians);
        process.stdout.write(`round ${round + 1}, bundle ${index + 1} (${count} requests): ${medians.map((value, step) => `${names[step]} ${value.toFixed(0)}`).join(", ")}\n`);
      }
    }
  } finally {
    await upstream.stop();
    for (const copy of copies) rmSync(copy, { force: true });
    rmSync(directory, { recursive: true, force: true });
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  process.stdout.write(`medians over ${rounds} rounds, µs (one request at a time, ${seconds} s a round):\n`);
  bundles.forEach((bundle, index) => {
    process.stdout.write(`  bundle ${index + 1} (${bundle}): ${names.map((name, step) => `${name} ${median(results[index]!.map((row) => row[step]!)).toFixed(0)}`).join(", ")}\n`);
  });
}

await main();
