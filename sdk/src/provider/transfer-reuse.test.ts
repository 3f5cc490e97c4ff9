import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { OpenAICompatibleProvider } from "./openai-compatible.js";
import { RELEASES_SIGNAL, Transfer } from "./transfer.js";

// A response whose fetch promises to let go of the signal (RELEASES_SIGNAL) lets an exchange that ended normally
// hand its controller to the next exchange; nothing else may share one.
const where = { providerId: "fake", modelId: "m", host: "127.0.0.1", secrets: [] };
const marked = () => Object.assign(new Response("{}"), { [RELEASES_SIGNAL]: true });

/** Takes every idle controller out of the shared pool, so each test starts from an empty one. */
function drainPool(): void {
  for (let index = 0; index < 300; index += 1) new Transfer(undefined, {}, where).stop();
}

describe("Transfer: controllers of finished exchanges", () => {
  it("hands a finished exchange's controller to the next one when the response carried the mark", () => {
    drainPool();
    const caller = new AbortController();
    const first = new Transfer(caller.signal, { totalMs: 60_000 }, where);
    first.headersReceived(marked());
    first.finish();
    const second = new Transfer(undefined, { totalMs: 60_000 }, where);
    expect(second.signal).toBe(first.signal);
    expect(second.signal.aborted).toBe(false);
    // The first exchange left the caller's signal when it finished: the caller aborting now must not reach the
    // controller that serves the second exchange.
    caller.abort(new Error("caller left"));
    expect(second.signal.aborted).toBe(false);
    second.stop();
  });

  it("follows the caller's signal with one listener however many exchanges it served, and only while one runs", () => {
    drainPool();
    const caller = new AbortController();
    for (let index = 0; index < 5; index += 1) {
      const done = new Transfer(caller.signal, { totalMs: 60_000 }, where);
      done.headersReceived(marked());
      done.finish();
    }
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(1);
    const running = new Transfer(caller.signal, { totalMs: 60_000 }, where);
    const alsoRunning = new Transfer(caller.signal, { totalMs: 60_000 }, where);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(1);
    const reason = new Error("caller left");
    caller.abort(reason);
    expect(running.signal.aborted).toBe(true);
    expect(running.signal.reason).toBe(reason);
    expect(alsoRunning.signal.reason).toBe(reason);
    running.stop();
    alsoRunning.stop();
  });

  it("never shares the controller of an unmarked response, of an exchange that was stopped, or one finished twice", () => {
    drainPool();
    const plain = new Transfer(undefined, {}, where);
    plain.headersReceived(new Response("{}"));
    plain.finish();
    const afterPlain = new Transfer(undefined, {}, where);
    expect(afterPlain.signal).not.toBe(plain.signal);

    const stopped = new Transfer(undefined, {}, where);
    stopped.headersReceived(marked());
    stopped.stop();
    expect(stopped.signal.aborted).toBe(true);
    const afterStopped = new Transfer(undefined, {}, where);
    expect(afterStopped.signal).not.toBe(stopped.signal);
    expect(afterStopped.signal.aborted).toBe(false);

    drainPool();
    const twice = new Transfer(undefined, {}, where);
    twice.headersReceived(marked());
    twice.finish();
    twice.finish();
    const a = new Transfer(undefined, {}, where);
    const b = new Transfer(undefined, {}, where);
    expect(a.signal).toBe(twice.signal);
    expect(b.signal).not.toBe(twice.signal);
    a.stop();
    b.stop();
  });

  it("shares nothing of an exchange that finished without a response (no headers, no mark)", () => {
    drainPool();
    const headless = new Transfer(undefined, {}, where);
    headless.finish();
    const next = new Transfer(undefined, {}, where);
    expect(next.signal).not.toBe(headless.signal);
    next.stop();
  });

  it("keeps at most 256 idle controllers, however many exchanges finish at once", () => {
    drainPool();
    const finished = Array.from({ length: 300 }, () => new Transfer(undefined, {}, where));
    for (const transfer of finished) {
      transfer.headersReceived(marked());
      transfer.finish();
    }
    const finishedSignals = new Set(finished.map((transfer) => transfer.signal));
    const next = Array.from({ length: 300 }, () => new Transfer(undefined, {}, where));
    expect(next.filter((transfer) => finishedSignals.has(transfer.signal))).toHaveLength(256);
    for (const transfer of next) transfer.stop();
  });

  it("a late stop() of the finished exchange leaves the controller's next owner alone", () => {
    drainPool();
    const first = new Transfer(undefined, {}, where);
    first.headersReceived(marked());
    first.finish();
    const next = new Transfer(undefined, {}, where);
    expect(next.signal).toBe(first.signal);
    // A consumer that calls return() after the stream's end: the old exchange stops again.
    first.stop();
    expect(next.signal.aborted).toBe(false);
    next.stop();
    expect(next.signal.aborted).toBe(true);
  });
});

describe("a provider over a fetch that marks its responses", () => {
  const config = { id: "svc", baseUrl: "http://svc.test/v1", apiKey: "sk-test", models: [{ id: "m" }] };
  const completion = JSON.stringify({ id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });

  function fakeFetch(mark: boolean) {
    const signals: AbortSignal[] = [];
    const fetch = (async (_url: string, init: RequestInit) => {
      signals.push(init.signal!);
      // As fetch does: an aborted signal rejects with its reason.
      if (init.signal?.aborted) throw init.signal.reason;
      const response = new Response(completion, { headers: { "content-type": "application/json" } });
      return mark ? Object.assign(response, { [RELEASES_SIGNAL]: true }) : response;
    }) as typeof globalThis.fetch;
    return { fetch, signals };
  }

  it("sends its next request with the same signal, and an abort of that request still rejects it", async () => {
    drainPool();
    const { fetch, signals } = fakeFetch(true);
    const provider = new OpenAICompatibleProvider({ ...config, fetch });
    await provider.chat({ model: "m", messages: [{ role: "user", content: "1" }] });
    await provider.chat({ model: "m", messages: [{ role: "user", content: "2" }] });
    expect(signals).toHaveLength(2);
    expect(signals[1]).toBe(signals[0]);
    expect(signals[1]!.aborted).toBe(false);
    const caller = new AbortController();
    caller.abort(new Error("caller gave up"));
    await expect(provider.chat({ model: "m", messages: [{ role: "user", content: "3" }] }, { signal: caller.signal })).rejects.toThrow("caller gave up");
    expect(signals[2]).toBe(signals[0]);
    // That controller is aborted now: it never serves again.
    await provider.chat({ model: "m", messages: [{ role: "user", content: "4" }] });
    expect(signals[3]).not.toBe(signals[0]);
    expect(signals[3]!.aborted).toBe(false);
  });

  it("sends each request with a signal of its own when the fetch does not mark its responses", async () => {
    drainPool();
    const { fetch, signals } = fakeFetch(false);
    const provider = new OpenAICompatibleProvider({ ...config, fetch });
    await provider.chat({ model: "m", messages: [{ role: "user", content: "1" }] });
    await provider.chat({ model: "m", messages: [{ role: "user", content: "2" }] });
    expect(signals[1]).not.toBe(signals[0]);
  });
});
