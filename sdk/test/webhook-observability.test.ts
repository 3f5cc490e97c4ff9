/**
 * modelmesh.webhook.v1 against a local HTTP receiver: what arrives (batches by count and by time, headers, body
 * shape), retries on 429/5xx with backoff and Retry-After, no retry on other 4xx, a bounded queue that drops the
 * oldest (counted, and told to the receiver), emit never waiting for the network, flush on close.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../src/wire/error-base.js";
import type { MeshEvent } from "../src/wire/events.js";
import { WebhookObservability, type WebhookObservabilityConfig } from "../src/observability/webhook.js";
import { sampleEvents } from "./contracts/observability.contract.js";
import { startWebhookReceiver, type WebhookReceiver } from "./fakes/webhook-receiver.js";

let receiver: WebhookReceiver;
let serial = 0;
const opened: WebhookObservability[] = [];
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sink) => sink.close()));
});
afterAll(async () => {
  await receiver.close();
});

function hook(config: Omit<WebhookObservabilityConfig, "url"> = {}) {
  const path = `/hook/${++serial}`;
  const sink = new WebhookObservability({ flushIntervalMs: 60_000, retryBaseMs: 5, ...config, url: `${receiver.url}${path}` });
  opened.push(sink);
  return { sink, path, posts: () => receiver.postsTo(path) };
}

const numbered = (index: number): MeshEvent => ({ ...sampleEvents().requestEnd, requestId: `req-${index}` });
const idsIn = (post: { body: unknown }) => ((post.body as { events: Array<{ requestId: string }> }).events ?? []).map((event) => event.requestId);
const until = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe("WebhookObservability (modelmesh.webhook.v1)", () => {
  it("POSTs JSON batches of batch_size events as soon as a batch is full, with the configured headers", async () => {
    const { sink, posts } = hook({ batchSize: 3, headers: { authorization: "Bearer hook-token-123" } });
    for (let index = 1; index <= 7; index++) sink.emit(numbered(index));
    await until(() => posts().length >= 2);
    expect(posts().map(idsIn)).toEqual([
      ["req-1", "req-2", "req-3"],
      ["req-4", "req-5", "req-6"],
    ]);
    const first = posts()[0]!;
    expect(first.headers["content-type"]).toBe("application/json");
    expect(first.headers.authorization).toBe("Bearer hook-token-123");
    expect(first.body).toMatchObject({ source: "modelmesh", dropped: 0 });
    expect((first.body as { events: unknown[] }).events[0]).toMatchObject({ type: "request-end", time: "2025-01-01T12:00:00.000Z", pool: "chat", requestId: "req-1" });
    // The seventh waits for a full batch or the timer (60 s here), never sent on the heels of the full ones; flush sends it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(posts()).toHaveLength(2);
    await sink.flush();
    expect(posts().map(idsIn).at(-1)).toEqual(["req-7"]);
    expect(sink.sentEvents).toBe(7);
  });

  it("sends a batch that is not full flush_interval_ms after its first event, without flush()", async () => {
    const { sink, posts } = hook({ batchSize: 100, flushIntervalMs: 50 });
    sink.emit(numbered(1));
    sink.emit(numbered(2));
    expect(posts()).toHaveLength(0);
    await until(() => posts().length === 1);
    expect(idsIn(posts()[0]!)).toEqual(["req-1", "req-2"]);
  });

  it("retries a batch answered 503 and then 500, until the receiver takes it", async () => {
    const { sink, path, posts } = hook({ batchSize: 2 });
    receiver.script(path, [{ status: 503 }, { status: 500 }]);
    sink.emit(numbered(1));
    sink.emit(numbered(2));
    await sink.flush();
    expect(posts().map(idsIn)).toEqual([
      ["req-1", "req-2"],
      ["req-1", "req-2"],
      ["req-1", "req-2"],
    ]);
    expect(sink.sentEvents).toBe(2);
    expect(sink.droppedEvents).toBe(0);
  });

  it("waits what Retry-After asks on a 429 before trying again", async () => {
    const { sink, path, posts } = hook({ retryBaseMs: 1 });
    receiver.script(path, [{ status: 429, headers: { "retry-after": "1" } }]);
    sink.emit(numbered(1));
    await sink.flush();
    expect(posts()).toHaveLength(2);
    // 1 s asked; the backoff alone would have waited about 1 ms.
    expect(posts()[1]!.receivedAt - posts()[0]!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it("backs off exponentially between retries", async () => {
    const { sink, path, posts } = hook({ retryBaseMs: 100, maxRetries: 3 });
    receiver.script(path, [{ status: 502 }, { status: 502 }, { status: 502 }]);
    sink.emit(numbered(1));
    await sink.flush();
    const times = posts().map((post) => post.receivedAt);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((time, index) => time - times[index]!);
    // Jittered within [50%, 100%] of 100, 200, 400 ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
  });

  it("gives up after max_retries, and at once on a 4xx that a retry cannot fix, counting the events and reporting it", async () => {
    const errors: unknown[] = [];
    const { sink, path, posts } = hook({ maxRetries: 2, onError: (error) => errors.push(error) });
    receiver.script(path, [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 400 }]);
    sink.emit(numbered(1));
    await sink.flush();
    expect(posts()).toHaveLength(3);
    sink.emit(numbered(2));
    await sink.flush();
    expect(posts()).toHaveLength(4);
    expect(sink.droppedEvents).toBe(2);
    expect(errors).toHaveLength(2);
    // The message names the receiver's origin, never its path (a Slack hook's path is its secret).
    expect(String(errors[1])).toContain("answered 400");
    expect(String(errors[1])).not.toContain(path);
  });

  it("drops the oldest events past max_queue, counts them, and tells the receiver", async () => {
    const { sink, posts } = hook({ maxQueue: 5, batchSize: 100 });
    for (let index = 1; index <= 20; index++) sink.emit(numbered(index));
    expect(sink.droppedEvents).toBe(15);
    await sink.flush();
    expect(posts().map(idsIn)).toEqual([["req-16", "req-17", "req-18", "req-19", "req-20"]]);
    expect(posts()[0]!.body).toMatchObject({ dropped: 15 });
  });

  it("never makes emit wait for the network: a receiver that never answers costs the emitter nothing", async () => {
    const { sink, path, posts } = hook({ batchSize: 1, timeoutMs: 300, maxRetries: 0, maxQueue: 5 });
    receiver.script(path, Array.from({ length: 100 }, () => ({ hang: true })));
    sink.emit(numbered(0));
    await until(() => posts().length === 1);
    // A POST is hanging; emitting goes on, queued behind it (bounded).
    for (let index = 1; index <= 200; index++) sink.emit(numbered(index));
    expect(sink.droppedEvents).toBe(195);
    // Each hanging POST is abandoned after timeout_ms (and its events counted), so flush ends.
    await sink.flush();
    expect(posts()).toHaveLength(6);
    expect(sink.droppedEvents).toBe(201);
  }, 30_000);

  it("close() sends what is waiting", async () => {
    const { sink, posts } = hook({ batchSize: 100 });
    sink.emit(numbered(1));
    await sink.close();
    expect(posts().map(idsIn)).toEqual([["req-1"]]);
  });

  it("format slack posts {text} with one readable line per event, the default for a hooks.slack.com URL", async () => {
    const { sink, posts } = hook({ format: "slack", batchSize: 2 });
    sink.emit(sampleEvents().attemptFailed);
    sink.emit(sampleEvents().budgetExceeded);
    await sink.flush();
    const text = (posts()[0]!.body as { text: string }).text.split("\n");
    expect(text).toHaveLength(2);
    expect(text[0]).toMatch(/^WARNING attempt-end .*pool=chat .*model=gpt-4o .*error="upstream 500"/);
    expect(text[1]).toMatch(/^ERROR budget-exceeded .*limitType=daily limitValue=10/);
    expect(new WebhookObservability({ url: "https://hooks.slack.com/services/T000/B000/XXXX" }).format).toBe("slack");
    expect(new WebhookObservability({ url: "https://example.com/hook" }).format).toBe("json");
    expect(() => new WebhookObservability({ url: "https://example.com/hook", format: "xml" as never })).toThrow(/format/);
  });

  it("refuses a missing or non-http url and bad numbers with a ConfigError", () => {
    expect(() => new WebhookObservability({} as never)).toThrow(ConfigError);
    expect(() => new WebhookObservability({ url: "ftp://example.com/x" })).toThrow(ConfigError);
    expect(() => new WebhookObservability({ url: "https://example.com/x", batchSize: 0 })).toThrow(/batch_size/);
    expect(() => new WebhookObservability({ url: "https://example.com/x", headers: { a: 1 } as never })).toThrow(/headers/);
  });
});
