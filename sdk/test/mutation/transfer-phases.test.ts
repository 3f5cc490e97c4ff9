import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectionError, ProviderError, TimeoutError } from "../../src/wire/errors.js";
import { Transfer } from "../../src/provider/transfer.js";

// Transfer's phases and errors pinned exactly on an injected clock: which limit fires when, the message and
// timeoutMs it names, what a caller's abort and our own stop look like, and what a network failure becomes.

const where = { providerId: "svc", modelId: "m", host: "api.svc.test", secrets: ["sk-transfer-SECRET-1"] };
beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

const fired = (transfer: Transfer, phase = "streaming") => (transfer.signal.aborted ? (transfer.classify(new Error("aborted"), phase) as TimeoutError) : undefined);

describe("Transfer", () => {
  it("each limit's message and timeoutMs; the error names the phase it was classified in and keeps the cause", () => {
    const headers = new Transfer(undefined, { headersMs: 40, totalMs: 500 }, where);
    vi.advanceTimersByTime(39);
    expect(headers.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    const error = fired(headers, "connecting")!;
    expect(error).toBeInstanceOf(TimeoutError);
    expect([error.message, error.timeoutMs, error.providerId, error.modelId]).toEqual(["svc sent no response headers within 40 ms (connecting)", 40, "svc", "m"]);
    expect((error.cause as Error).message).toBe("aborted");
    headers.finish();

    const first = new Transfer(undefined, { headersMs: 40 }, { ...where, modelId: undefined } as never);
    first.headersReceived();
    first.beginStream(100, 30);
    first.waiting(true);
    vi.advanceTimersByTime(100);
    const noContent = fired(first)!;
    expect([noContent.message, noContent.timeoutMs, noContent.modelId]).toEqual(["svc sent no content within 100 ms (streaming)", 100, undefined]);

    const stall = new Transfer(undefined, {}, where);
    stall.beginStream(100, 30);
    stall.waiting(true);
    vi.advanceTimersByTime(50);
    stall.waiting(false);
    stall.progress();
    stall.waiting(true);
    vi.advanceTimersByTime(29);
    expect(stall.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect([fired(stall)!.message, fired(stall)!.timeoutMs]).toEqual(["svc sent nothing more within 30 ms (streaming)", 30]);
  });

  it("timeoutMs is the total limit, else the headers limit, else none", () => {
    expect(new Transfer(undefined, { totalMs: 9, headersMs: 3 }, where).timeoutMs).toBe(9);
    expect(new Transfer(undefined, { headersMs: 3 }, where).timeoutMs).toBe(3);
    expect(new Transfer(undefined, {}, where).timeoutMs).toBeUndefined();
    expect(new Transfer(undefined, { totalMs: 9 }, where).limits).toEqual({ totalMs: 9 });
  });

  it("no first-token or stall limit: waiting forever never fires; a stall window shorter than the remaining first-token one re-arms the timer", () => {
    const open = new Transfer(undefined, {}, where);
    open.beginStream(undefined, undefined);
    open.waiting(true);
    vi.advanceTimersByTime(1_000_000);
    expect(open.signal.aborted).toBe(false);
    open.progress();
    open.waiting(true);
    vi.advanceTimersByTime(1_000_000);
    expect(open.signal.aborted).toBe(false);

    const rearm = new Transfer(undefined, {}, where);
    rearm.beginStream(1_000, 20);
    rearm.waiting(true);
    vi.advanceTimersByTime(10);
    rearm.waiting(false);
    rearm.progress();
    rearm.waiting(true);
    vi.advanceTimersByTime(20);
    expect(fired(rearm)?.timeoutMs).toBe(20);
  });

  it("time not spent waiting does not count; waiting(false) without waiting(true) changes nothing", () => {
    const transfer = new Transfer(undefined, {}, where);
    transfer.beginStream(100, 100);
    transfer.waiting(false);
    transfer.waiting(true);
    vi.advanceTimersByTime(60);
    transfer.waiting(false);
    vi.advanceTimersByTime(1_000);
    transfer.waiting(false);
    expect(transfer.signal.aborted).toBe(false);
    transfer.waiting(true);
    vi.advanceTimersByTime(39);
    expect(transfer.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(fired(transfer)?.timeoutMs).toBe(100);
  });

  it("disarm stops every timer without aborting; stop aborts with our own reason, which is no timeout", () => {
    const disarmed = new Transfer(undefined, { totalMs: 10, headersMs: 5 }, where);
    disarmed.disarm();
    vi.advanceTimersByTime(100);
    expect(disarmed.signal.aborted).toBe(false);
    const stopped = new Transfer(undefined, { totalMs: 10 }, where);
    stopped.stop();
    expect(stopped.signal.aborted).toBe(true);
    vi.advanceTimersByTime(100);
    const error = stopped.classify(new Error("The operation was aborted"), "streaming") as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe("svc: connection to api.svc.test failed (streaming): The operation was aborted");
    stopped.stop();
    expect(stopped.signal.aborted).toBe(true);
  });

  it("the caller's signal: already aborted, aborted later, or let go after finish", () => {
    const early = new AbortController();
    early.abort(new Error("before"));
    const before = new Transfer(early.signal, {}, where);
    expect(before.signal.aborted).toBe(true);
    expect((before.signal.reason as Error).message).toBe("before");
    expect(before.classify(new Error("x"), "connecting")).toBe(early.signal.reason);

    const later = new AbortController();
    const following = new Transfer(later.signal, {}, where);
    expect(following.signal.aborted).toBe(false);
    later.abort("string reason");
    expect(following.signal.reason).toBe("string reason");
    expect(following.classify(new Error("x"), "streaming")).toBe("string reason");

    const released = new AbortController();
    const done = new Transfer(released.signal, {}, where);
    done.finish();
    released.abort(new Error("after"));
    expect(done.signal.aborted).toBe(false);

    const undefinedReason = { aborted: true, reason: undefined, addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
    const cause = new Error("network");
    expect(new Transfer(undefinedReason, {}, where).classify(cause, "x")).toBe(cause);
  });

  it("network failures: the cause's message joined, secrets scrubbed, ModelMesh errors passed through", () => {
    const transfer = new Transfer(undefined, {}, where);
    const wrapped = new TypeError("fetch failed", { cause: new Error("ECONNREFUSED sk-transfer-SECRET-1") });
    const error = transfer.classify(wrapped, "connecting") as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).not.toContain("sk-transfer-SECRET-1");
    expect(error.message).toMatch(/^svc: connection to api\.svc\.test failed \(connecting\): fetch failed: ECONNREFUSED /);
    expect([error.providerId, error.modelId, (error.cause as Error).message]).toEqual(["svc", "m", wrapped.message]);
    expect((transfer.classify(new TypeError("plain", { cause: "text cause" }), "reading") as ConnectionError).message).toBe("svc: connection to api.svc.test failed (reading): plain");
    expect((transfer.classify("a string", "reading") as ConnectionError).message).toBe("svc: connection to api.svc.test failed (reading): a string");
    const own = new ProviderError("already typed", { providerId: "svc" });
    expect(transfer.classify(own, "reading")).toBe(own);
    const anonymous = new Transfer(undefined, {}, { providerId: "svc", host: "h", secrets: [] });
    expect((anonymous.classify(new Error("x"), "p") as ConnectionError).modelId).toBeUndefined();
  });
});
