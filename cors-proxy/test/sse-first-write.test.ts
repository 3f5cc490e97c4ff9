import { createServer, ServerResponse, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createNodeListener } from "../src/node-adapter.js";
import type { Proxy } from "../src/handler.js";
import { SourceReply, type BodySource } from "../src/responses.js";

// The node adapter batches the SSE events that are ready in one turn of the event loop into one socket write, but
// never the first: it goes out alone and at once, so a client sees the first token without waiting for the rest
// of an upstream read to be re-encoded.

let server: Server | undefined;
const originalWrite = ServerResponse.prototype.write;

afterEach(async () => {
  ServerResponse.prototype.write = originalWrite;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A source whose events are all ready at once (one upstream read holding many events). */
function readySource(events: string[]): BodySource {
  let index = 0;
  return { next: async () => events[index++], cancel: async () => {} };
}

describe("SSE through the node adapter", () => {
  it("writes the first event alone, then the events ready in the same turn as one write", async () => {
    const events = Array.from({ length: 50 }, (_, index) => `data: {"n":${index}}\n\n`);
    const proxy = { respond: async () => new SourceReply(200, readySource(events), { "content-type": "text/event-stream" }), admits: () => true } as unknown as Proxy;
    const writes: string[] = [];
    ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      writes.push(String(chunk));
      return (originalWrite as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof originalWrite;
    server = createServer(createNodeListener(proxy, "http://127.0.0.1"));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const address = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${address.port}/v1/chat/completions`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(await response.text()).toBe(events.join(""));
    expect(writes[0]).toBe(events[0]);
    // The other 49 went out batched: far fewer writes than events (end() carries the last batch).
    expect(writes.length).toBeLessThan(5);
    expect(events.join("").startsWith(writes.join(""))).toBe(true);
  });
});
