/**
 * Context, not a baseline: the least a proxy that must read every event can do. node:http in; undici's dispatcher
 * out (keep-alive), as the mesh's transport sends; the request body parsed and its `model` set; each SSE event
 * decoded, split by eventsource-parser and `JSON.parse`d (what a router needs to see usage, a finish or an in-band
 * error), its text written on once per network read; a JSON answer parsed once. No routing, retries, accounting,
 * checks or headers of its own. It tells how much of the mesh's distance to the pass-through any parsing proxy pays,
 * and how much is the mesh's own. Plain JavaScript run by `node` itself, as the pass-through.
 * Usage: node parsing-floor-process.mjs <upstream origin>. Prints `READY <url>`.
 */
import { createServer } from "node:http";
import { createParser } from "eventsource-parser";
import { Agent } from "undici";

const upstream = new URL(process.argv[2] ?? "");
const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };

const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (incoming, outgoing) => {
  const parts = [];
  incoming.on("data", (part) => parts.push(part));
  incoming.on("end", () => {
    const body = JSON.parse(Buffer.concat(parts).toString("utf8"));
    body.model = "gpt-4o-mini";
    const stream = body.stream === true;
    const json = [];
    let status = 502;
    let batch = "";
    let decoder;
    let events;
    agent.dispatch(
      { origin: upstream.origin, path: incoming.url, method: "POST", headers: { "content-type": "application/json", authorization: incoming.headers.authorization ?? "" }, body: JSON.stringify(body) },
      {
        onConnect() {},
        onHeaders(statusCode) {
          status = statusCode;
          if (!stream) return true;
          outgoing.writeHead(status, SSE_HEADERS);
          decoder = new TextDecoder();
          events = createParser({
            onEvent(message) {
              if (message.data === "[DONE]") return;
              const chunk = JSON.parse(message.data);
              if (chunk.error) throw new Error("an in-band error");
              batch += `data: ${message.data}\n\n`;
            },
          });
          return true;
        },
        onData(chunk) {
          if (!stream) {
            json.push(chunk);
            return true;
          }
          events.feed(decoder.decode(chunk, { stream: true }));
          if (batch !== "") outgoing.write(batch);
          batch = "";
          return true;
        },
        onComplete() {
          if (stream) return void outgoing.end("data: [DONE]\n\n");
          const text = Buffer.concat(json).toString("utf8");
          JSON.parse(text);
          outgoing.writeHead(status, { "content-type": "application/json" }).end(text);
        },
        onError() {
          outgoing.destroy();
        },
      },
    );
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`READY http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => process.exit(0));
