import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { create } from "../src/index.js";
import { hello, pairConfig, startPair, testClock } from "./support/mesh.js";

// What the provider's server sees when a caller stops reading a mesh stream or aborts it: the connection must go,
// or an abandoned stream keeps burning the provider's tokens (and the caller's quota) to the end.

let pair: Awaited<ReturnType<typeof startPair>>;

beforeEach(async () => {
  pair = await startPair({ a: { reply: "The quick brown fox jumps over the lazy dog" } });
});
afterEach(async () => {
  await pair.close();
});

const chatRequests = (fake: typeof pair.a) => fake.requests.filter((request) => request.path === "/v1/chat/completions");

describe("abandoning a mesh stream", () => {
  it("closes the upstream connection when the consumer stops early, without failing over or blaming the model", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 100 });
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true });
    for await (const chunk of stream) {
      void chunk;
      break;
    }
    // The fake needs about a second for the whole answer at 100 ms a chunk; it sees the client leave long before.
    await vi.waitFor(() => expect(chatRequests(pair.a)[0]?.clientAborted).toBe(true), { timeout: 1_000 });
    expect(chatRequests(pair.a)).toHaveLength(1);
    expect(chatRequests(pair.b)).toHaveLength(0);
    expect(mesh.poolStatus().chat).toEqual({ active: 2, standby: 0, total: 2 });
    await mesh.close();
  });

  it("closes the upstream connection when the caller aborts mid-stream", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 100 });
    const controller = new AbortController();
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { signal: controller.signal });
    const error = await (async () => {
      for await (const chunk of stream) {
        void chunk;
        controller.abort();
      }
    })().catch((caught: unknown) => caught);
    // A plain abort ends the loop quietly (as the official client's does); the upstream request is still cancelled.
    expect(error).toBeUndefined();
    await vi.waitFor(() => expect(chatRequests(pair.a)[0]?.clientAborted).toBe(true), { timeout: 1_000 });
    expect(chatRequests(pair.b)).toHaveLength(0);
    await mesh.close();
  });

  it("one caller signal across several streams and answers: an abort reaches the stream running then, and only it", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    const controller = new AbortController();
    // Two answers read to their end, and a plain completion, on the same signal first.
    for (let index = 0; index < 2; index += 1) {
      const done = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { signal: controller.signal });
      for await (const chunk of done) void chunk;
    }
    await mesh.chat.completions.create({ model: "chat", messages: hello }, { signal: controller.signal });
    pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 100 });
    const running = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { signal: controller.signal });
    const iterator = running[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await expect(iterator.next()).resolves.toMatchObject({ done: true });
    await vi.waitFor(() => expect(chatRequests(pair.a).at(-1)?.clientAborted).toBe(true), { timeout: 1_000 });
    // The answers that had ended saw nothing of it.
    expect(chatRequests(pair.a).slice(0, -1).map((request) => request.clientAborted)).toEqual([false, false, false]);
    expect(chatRequests(pair.b)).toHaveLength(0);
    await mesh.close();
  });

  it("one caller signal under several open streams carries one abort listener, and an abort still reaches them all", async () => {
    // A caller that passes one signal to many streams (the proxy passes its connection's) must not pay an add and a
    // remove of an EventTarget listener per stream, nor pile listeners onto a long-lived signal.
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    const controller = new AbortController();
    // A stream read to its end first: it lets go of the signal, so the abort below does not reach its controller.
    const finished = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { signal: controller.signal });
    for await (const chunk of finished) void chunk;
    const streams = [];
    for (let index = 0; index < 3; index += 1) {
      pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 100 });
      const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { signal: controller.signal });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next();
      streams.push(iterator);
    }
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    for (const iterator of streams) await expect(iterator.next()).resolves.toMatchObject({ done: true });
    await vi.waitFor(() => expect(chatRequests(pair.a).map((request) => request.clientAborted)).toEqual([false, true, true, true]), { timeout: 1_000 });
    expect(finished.controller.signal.aborted).toBe(false);
    await mesh.close();
  });

  it("stream.abort() and stream.controller.abort() inside for await end the loop quietly, as the official client's do", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    for (const stop of [(stream: { abort(): void }) => stream.abort(), (stream: { controller: AbortController }) => stream.controller.abort()]) {
      pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 50 });
      const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true });
      let seen = 0;
      for await (const chunk of stream) {
        void chunk;
        if (++seen === 2) stop(stream as never);
      }
      expect(seen).toBe(2);
    }
    await vi.waitFor(() => expect(chatRequests(pair.a).map((request) => request.clientAborted)).toEqual([true, true]), { timeout: 1_000 });
    expect(chatRequests(pair.b)).toHaveLength(0);
    await mesh.close();
  });

  it("a caller's signal aborted with a reason of its own throws that reason mid-stream", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 50 });
    const controller = new AbortController();
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { signal: controller.signal });
    const reason = new Error("the user left the page");
    const error = await (async () => {
      for await (const chunk of stream) {
        void chunk;
        controller.abort(reason);
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBe(reason);
    await mesh.close();
  });

  it("a stream read to its end never builds its controller's AbortSignal; one stopped mid-way still closes the connection", async () => {
    // Reading `controller.signal` builds an AbortSignal on Node (and the first listener on it costs as much again), on
    // every stream; the router and the providers follow the controller itself, so a stream nobody stops builds none.
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    const reads = vi.spyOn(AbortController.prototype, "signal", "get");
    try {
      const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      expect(text).toBe("The quick brown fox jumps over the lazy dog");
      expect(reads.mock.contexts).not.toContain(stream.controller);
      pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 50 });
      const stopped = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true });
      for await (const chunk of stopped) {
        void chunk;
        stopped.controller.abort();
      }
      expect(stopped.controller.signal.aborted).toBe(true);
      expect((stopped.controller.signal.reason as Error).name).toBe("AbortError");
    } finally {
      reads.mockRestore();
    }
    await vi.waitFor(() => expect(chatRequests(pair.a).map((request) => request.clientAborted)).toEqual([false, true]), { timeout: 1_000 });
    await mesh.close();
  });

  it("lets a stream the consumer reads to the end finish normally (the fake does not call every close an abort)", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("The quick brown fox jumps over the lazy dog");
    await mesh.close();
    expect(chatRequests(pair.a)[0]?.clientAborted).toBe(false);
  });
});
