import { describe, expect, it, vi } from "vitest";
import { LazyAbortController, onAbortOf, signalOf } from "./abort.js";

describe("LazyAbortController", () => {
  it("calls what follows it once, on abort, without building its signal until asked", () => {
    const reads = vi.spyOn(AbortController.prototype, "signal", "get");
    try {
      const stop = new LazyAbortController();
      const first = vi.fn();
      const second = vi.fn();
      onAbortOf(stop, first);
      const leave = onAbortOf(stop, second);
      leave();
      expect(stop.aborted).toBe(false);
      expect(stop.reason).toBeUndefined();
      expect(reads.mock.contexts).not.toContain(stop);
      stop.abort();
      stop.abort(new Error("again"));
      expect(first).toHaveBeenCalledTimes(1);
      expect(second).not.toHaveBeenCalled();
      expect(stop.aborted).toBe(true);
      expect((stop.reason as Error).name).toBe("AbortError");
      expect(stop.signal.aborted).toBe(true);
      expect(stop.signal.reason).toBe(stop.reason);
    } finally {
      reads.mockRestore();
    }
  });

  it("aborts a signal read before the abort, with the reason given, and its listeners run before the followers", () => {
    const stop = new LazyAbortController();
    const order: string[] = [];
    const signal = signalOf(stop);
    signal.addEventListener("abort", () => order.push(`signal ${String(signal.reason)}`));
    onAbortOf(stop, () => order.push(`follower ${String(stop.reason)}`));
    stop.abort("gone");
    expect(order).toEqual(["signal gone", "follower gone"]);
    expect(signal).toBe(stop.signal);
    expect(stop).toBeInstanceOf(AbortController);
  });

  it("never calls a follower that came after the abort, even when abort is called again", () => {
    const stop = new LazyAbortController();
    stop.abort("first");
    const late = vi.fn();
    onAbortOf(stop, late);
    stop.abort("second");
    expect(late).not.toHaveBeenCalled();
    expect(stop.reason).toBe("first");
  });

  it("signalOf hands a plain signal back as it is", () => {
    const controller = new AbortController();
    expect(signalOf(controller.signal)).toBe(controller.signal);
    expect(signalOf(undefined)).toBeUndefined();
  });
});
