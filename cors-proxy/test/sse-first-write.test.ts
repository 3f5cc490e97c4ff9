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

  it("sends the first event to the socket before it takes the next ready one, not when the burst is done", async () => {
    // node:http corks the socket on a write and uncorks it on process.nextTick, which runs only once the promise
    // jobs queued now are done: a burst of ready events would all pass first, and the first token would wait for
    // them. What the socket has sent by the time the second event is asked for says whether the first left.
    const events = Array.from({ length: 200 }, (_, index) => `data: {"n":${index}}\n\n`);
    const seen = await burstThroughAdapter(events);
    expect(seen[0]!.corked).toBe(0);
    // The status line, the headers and the first event's chunk are on their way.
    expect(seen[0]!.sent).toBeGreaterThan(events[0]!.length);
  });

  it("sends a batch that reached the batch limit (64 KiB) before it takes more of the burst", async () => {
    const events = Array.from({ length: 160 }, (_, index) => `data: {"n":${index},"pad":"${"x".repeat(1000)}"}\n\n`);
    const seen = await burstThroughAdapter(events);
    // Asked for its 100th event (past 64 KiB of batch), the burst's first batch has left the socket already.
    expect(seen[98]!.corked).toBe(0);
    expect(seen[98]!.sent).toBeGreaterThan(64 * 1024);
  });
});

/**
 * Serves `events` as one burst (every `next()` already settled) through the node adapter, reads the answer whole, and
 * returns what the response's socket had done each time the adapter asked for an event after the first.
 */
async function burstThroughAdapter(events: string[]): Promise<Array<{ corked: number; sent: number }>> {
  const seen: Array<{ corked: number; sent: number }> = [];
  let outgoing: ServerResponse | undefined;
  let index = 0;
  const source: BodySource = {
    next: async () => {
      if (index > 0) seen.push({ corked: outgoing!.socket!.writableCorked, sent: outgoing!.socket!.bytesWritten });
      return events[index++];
    },
    cancel: async () => {},
  };
  const proxy = { respond: async () => new SourceReply(200, source, { "content-type": "text/event-stream" }), admits: () => true } as unknown as Proxy;
  const listener = createNodeListener(proxy, "http://127.0.0.1");
  server = createServer((request, response) => {
    outgoing = response;
    listener(request, response);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${address.port}/v1/chat/completions`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
  expect(await response.text()).toBe(events.join(""));
  return seen;
}
