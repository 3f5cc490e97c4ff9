import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectionError, TimeoutError } from "../wire/errors.js";
import { Transfer } from "./transfer.js";

const where = { providerId: "fake", modelId: "m", host: "127.0.0.1", secrets: [] };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function timedOut(transfer: Transfer): TimeoutError | undefined {
  if (!transfer.signal.aborted) return undefined;
  return transfer.classify(new Error("aborted"), "streaming") as TimeoutError;
}

describe("Transfer's timers", () => {
  it("gives the headers their own limit, cleared once they arrive", () => {
    const transfer = new Transfer(undefined, { headersMs: 100 }, where);
    vi.advanceTimersByTime(99);
    expect(transfer.signal.aborted).toBe(false);
    transfer.headersReceived();
    vi.advanceTimersByTime(1_000);
    expect(transfer.signal.aborted).toBe(false);
    const late = new Transfer(undefined, { headersMs: 100 }, where);
    vi.advanceTimersByTime(100);
    expect(timedOut(late)).toMatchObject({ name: "TimeoutError", timeoutMs: 100 });
    expect(timedOut(late)!.message).toContain("sent no response headers within 100 ms");
  });

  it("counts the first-token window only while waiting on the network, and keep-alive reads do not restart it", () => {
    const transfer = new Transfer(undefined, { headersMs: 50 }, where);
    transfer.headersReceived();
    transfer.beginStream(300, 1_000);
    // A read that returns bytes but no content (a keep-alive comment) after 200 ms of waiting...
    transfer.waiting(true);
    vi.advanceTimersByTime(200);
    transfer.waiting(false);
    // ...and a slow consumer, whose time does not count...
    vi.advanceTimersByTime(5_000);
    expect(transfer.signal.aborted).toBe(false);
    // ...leave 100 ms of the window for the next wait.
    transfer.waiting(true);
    vi.advanceTimersByTime(99);
    expect(transfer.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(timedOut(transfer)).toMatchObject({ timeoutMs: 300 });
    expect(timedOut(transfer)!.message).toContain("sent no content within 300 ms");
  });

  it("after content, allows the stall window between chunks, restarted by each chunk", () => {
    const transfer = new Transfer(undefined, {}, where);
    transfer.beginStream(300, 100);
    transfer.waiting(true);
    vi.advanceTimersByTime(250);
    transfer.waiting(false);
    transfer.progress();
    for (let chunk = 0; chunk < 5; chunk++) {
      transfer.waiting(true);
      vi.advanceTimersByTime(90);
      transfer.waiting(false);
      transfer.progress();
    }
    expect(transfer.signal.aborted).toBe(false);
    transfer.waiting(true);
    vi.advanceTimersByTime(100);
    expect(timedOut(transfer)).toMatchObject({ timeoutMs: 100 });
    expect(timedOut(transfer)!.message).toContain("sent nothing more within 100 ms");
  });

  it("keeps one timer across many reads, and still ends a stall window shorter than the first-token one on time", () => {
    const transfer = new Transfer(undefined, {}, where);
    transfer.beginStream(60_000, 100);
    const timers = vi.spyOn(globalThis, "setTimeout");
    // A fast stream: 200 reads of 1 ms each, content every time.
    for (let chunk = 0; chunk < 200; chunk++) {
      transfer.waiting(true);
      vi.advanceTimersByTime(1);
      transfer.waiting(false);
      transfer.progress();
    }
    // A timer per read would be 200; one is armed for the first wait and re-armed when it fires early (every 100 ms).
    expect(timers.mock.calls.length).toBeLessThanOrEqual(5);
    timers.mockRestore();
    expect(transfer.signal.aborted).toBe(false);
    // The timer armed for the 60 s first-token window must not outlive the 100 ms stall window.
    transfer.waiting(true);
    vi.advanceTimersByTime(99);
    expect(transfer.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(timedOut(transfer)).toMatchObject({ timeoutMs: 100 });
  });

  it("bounds the whole exchange with the total limit, whatever the phases", () => {
    const transfer = new Transfer(undefined, { totalMs: 1_000 }, where);
    transfer.beginStream(10_000, 10_000);
    transfer.waiting(true);
    vi.advanceTimersByTime(1_000);
    expect(timedOut(transfer)).toMatchObject({ timeoutMs: 1_000 });
    expect(timedOut(transfer)!.message).toContain("did not finish within 1000 ms");
  });

  it("finish() stops every timer; the caller's abort is returned as the caller's reason", () => {
    const done = new Transfer(undefined, { totalMs: 100, headersMs: 50 }, where);
    done.finish();
    vi.advanceTimersByTime(1_000);
    expect(done.signal.aborted).toBe(false);
    const controller = new AbortController();
    const aborted = new Transfer(controller.signal, { totalMs: 100 }, where);
    const reason = new Error("caller left");
    controller.abort(reason);
    expect(aborted.classify(new Error("x"), "streaming")).toBe(reason);
    aborted.finish();
  });
});

describe("Transfer's classification of network failures", () => {
  it("makes a failed connection a ConnectionError naming the provider, the model and the host, never a timeout", () => {
    const transfer = new Transfer(undefined, { totalMs: 1_000, headersMs: 500 }, where);
    const failure = transfer.classify(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") }), "sending");
    expect(failure).toBeInstanceOf(ConnectionError);
    expect(failure).not.toBeInstanceOf(TimeoutError);
    expect(failure).toMatchObject({ providerId: "fake", modelId: "m" });
    expect((failure as Error).message).toBe("fake: connection to 127.0.0.1 failed (sending): fetch failed: connect ECONNREFUSED");
    transfer.finish();
  });

  it("leaves the model out of a failure when the exchange was not for one model (a model list, a probe)", () => {
    const transfer = new Transfer(undefined, {}, { providerId: "fake", host: "127.0.0.1", secrets: [] });
    const failure = transfer.classify(new Error("socket hang up"), "reading");
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as ConnectionError).modelId).toBeUndefined();
    transfer.finish();
  });
});
