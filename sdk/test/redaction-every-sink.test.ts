/**
 * Redaction once, before any sink, through a real mesh: a provider configured with a real-looking key (built at run
 * time) talks to a badly behaved upstream that echoes the key back in its errors, and the model's own id carries it.
 * Every sink kind is configured at once (console, json-log, callback, file, webhook, prometheus and a MultiSink);
 * afterwards the key is in none of their outputs: not a line, a callback's event, a file, a webhook body or a label.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallbackObservability, ConsoleObservability, create, JsonLogObservability, MultiSink, PrometheusObservability, REDACTED, type EventSink } from "../src/index.js";
import { startWebhookReceiver, type WebhookReceiver } from "./fakes/webhook-receiver.js";
import { testClock } from "./support/mesh.js";

function randomString(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => alphabet[byte % alphabet.length]).join("");
}

// OpenAI's project-key shape, assembled here so no key-shaped literal sits in the repository.
const KEY = ["sk", "proj", randomString(48)].join("-");

let upstream: Server;
let upstreamUrl: string;
let receiver: WebhookReceiver;
let seenByUpstream = 0;

beforeAll(async () => {
  // Answers every call 500 with the caller's Authorization header and body in its message, as a careless gateway does.
  upstream = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      seenByUpstream += 1;
      const message = `upstream failed for ${request.headers.authorization} with ${Buffer.concat(chunks).toString("utf8")}`;
      response.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message, type: "server_error", echoed_key: KEY } }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve));
  await receiver.close();
});

describe("a key pushed through a real mesh reaches no sink", () => {
  it("console, json-log, callback, file, webhook, prometheus and multi all come out clean", async () => {
    const outputs: Record<string, string[]> = { console: [], "json-log": [], callback: [], "multi: json-log member": [], "multi: plain member": [] };
    const folder = mkdtempSync(join(tmpdir(), "modelmesh-leak-"));
    const filePath = join(folder, "events.jsonl");
    const everything = { logLevel: "full", minSeverity: "debug" } as const;
    const prometheus = new PrometheusObservability(everything);
    const plain: EventSink = { emit: (event) => void outputs["multi: plain member"]!.push(JSON.stringify(event)) };
    const multi = new MultiSink([new JsonLogObservability({ ...everything, write: (line) => void outputs["multi: json-log member"]!.push(line) }), plain]);
    const clock = testClock();
    const client = create({
      clock,
      config: {
        providers: {
          leaky: {
            connector: "openai-compatible",
            config: { base_url: upstreamUrl, api_key: KEY, models: [{ id: `gpt-4o-${KEY}`, capabilities: ["chat-completion"] }] },
          },
        },
        observability: [
          { instance: new ConsoleObservability({ ...everything, useColor: false, write: (line) => void outputs.console!.push(line) }) },
          { instance: new JsonLogObservability({ ...everything, write: (line) => void outputs["json-log"]!.push(line) }) },
          { instance: new CallbackObservability({ ...everything, callback: (event) => void outputs.callback!.push(JSON.stringify(event)) }) },
          // By name, as YAML names them: the Node-only file sink and the webhook.
          { connector: "modelmesh.file.v1", config: { log_level: "full", min_severity: "debug", path: filePath } },
          { connector: "modelmesh.webhook.v1", config: { log_level: "full", min_severity: "debug", url: `${receiver.url}/leak`, flush_interval_ms: 60_000 } },
          { instance: prometheus },
          { instance: multi },
        ],
      },
    });
    const error = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hello" }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    // The key really went out and came back: the upstream got the requests and echoed it in every answer.
    expect(seenByUpstream).toBeGreaterThanOrEqual(1);
    await client.close();

    outputs.file = existsSync(filePath) ? readFileSync(filePath, "utf8").split("\n").filter(Boolean) : [];
    outputs["webhook (bodies received)"] = receiver.postsTo("/leak").map((post) => post.text);
    outputs["prometheus (render)"] = [prometheus.render()];

    const tail = KEY.slice(-12);
    for (const [name, lines] of Object.entries(outputs)) {
      const text = lines.join("\n");
      expect(text.length, `${name} received something`).toBeGreaterThan(0);
      expect(text.includes(KEY), `${name} has the key`).toBe(false);
      expect(text.includes(tail), `${name} has the key's tail`).toBe(false);
    }
    // The places the key was pushed into are there, scrubbed.
    for (const name of ["console", "json-log", "callback", "file", "webhook (bodies received)", "multi: json-log member", "multi: plain member"]) {
      expect(outputs[name]!.join("\n"), `${name} shows the scrubbed error`).toContain(REDACTED);
    }
    expect(outputs["prometheus (render)"]![0]).toContain(`model="gpt-4o-${REDACTED}"`);
  });
});
