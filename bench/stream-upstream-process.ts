/**
 * A fake OpenAI chat endpoint for the stream and failover benchmarks, in a process of its own. Prints
 * `READY <origin>`. Routes (every one `POST <prefix>/v1/chat/completions`):
 *  - `/burst`: a 500-chunk SSE stream (role, 498 content chunks, finish + usage, `[DONE]`), each event its own write,
 *    one event-loop turn between writes: the reader's per-chunk cost decides how fast it is read;
 *  - `/paced`: the same 500 chunks, one per millisecond (a fast model);
 *  - `/grouped`: the same 500 chunks, ten events per write, one turn between writes (what a reader gets from a very
 *    fast model, or when it falls behind: several events in each network read);
 *  - `/fail`: 503 with an OpenAI error body at once, its time recorded;
 *  - `/ok`: a 5-chunk stream, the arrival time of the request recorded.
 * `GET /times` returns and forgets the recorded times (epoch ms with sub-ms precision, comparable across processes
 * on one machine: `performance.timeOrigin + performance.now()`).
 */
import { createServer, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";

const now = () => performance.timeOrigin + performance.now();
const CHUNKS = 500;
const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-4o-mini", system_fingerprint: "fp_bench" };
const event = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;

/** The events of an n-chunk stream, as OpenAI sends them with `stream_options.include_usage`. */
function streamEvents(chunks: number): string[] {
  const events = [event({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] })];
  for (let index = 0; index < chunks - 3; index++) events.push(event({ ...base, choices: [{ index: 0, delta: { content: ` word${index}` }, logprobs: null, finish_reason: null }] }));
  events.push(event({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] }));
  events.push(event({ ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: chunks - 3, total_tokens: chunks + 6 } }));
  events.push("data: [DONE]\n\n");
  return events;
}

const LONG = streamEvents(CHUNKS);
const SHORT = streamEvents(5);
const times = { failures: [] as number[], arrivals: [] as number[] };

async function stream(response: ServerResponse, events: string[], gapMs: number | "turn", perWrite = 1): Promise<void> {
  response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  for (let index = 0; index < events.length; index += perWrite) {
    if (response.destroyed) return;
    response.write(perWrite === 1 ? events[index]! : events.slice(index, index + perWrite).join(""));
    await new Promise((resolve) => (gapMs === "turn" ? setImmediate(resolve) : setTimeout(resolve, gapMs)));
  }
  response.end();
}

const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (request, response) => {
  const parts: Buffer[] = [];
  request.on("data", (part: Buffer) => parts.push(part));
  request.on("end", () => {
    const path = request.url ?? "";
    if (request.method === "GET" && path === "/times") {
      const body = JSON.stringify(times);
      times.failures = [];
      times.arrivals = [];
      return void response.writeHead(200, { "content-type": "application/json" }).end(body);
    }
    if (path.startsWith("/fail/")) {
      times.failures.push(now());
      const body = JSON.stringify({ error: { message: "The server is overloaded", type: "server_error", param: null, code: null } });
      return void response.writeHead(503, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    }
    if (path.startsWith("/ok/")) {
      times.arrivals.push(now());
      return void stream(response, SHORT, "turn");
    }
    if (path.startsWith("/paced/")) return void stream(response, LONG, 1);
    if (path.startsWith("/burst/")) return void stream(response, LONG, "turn");
    if (path.startsWith("/grouped/")) return void stream(response, LONG, "turn", 10);
    response.writeHead(404).end();
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`READY http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => process.exit(0));
