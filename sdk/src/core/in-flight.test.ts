import { describe, expect, it } from "vitest";
import { InFlight } from "./in-flight.js";

describe("InFlight", () => {
  it("counts requests and resolves true at once when none runs", async () => {
    const inFlight = new InFlight();
    expect(inFlight.count).toBe(0);
    await expect(inFlight.whenIdle(1_000)).resolves.toBe(true);
    inFlight.start();
    inFlight.start();
    expect(inFlight.count).toBe(2);
  });

  it("waits for the last of several requests, not the first to end", async () => {
    const inFlight = new InFlight();
    inFlight.start();
    inFlight.start();
    let idle: boolean | undefined;
    const waiting = inFlight.whenIdle(5_000).then((value) => (idle = value));
    inFlight.end();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(idle).toBeUndefined();
    inFlight.end();
    await waiting;
    expect(idle).toBe(true);
    // Every waiter is told, and a later wait starts from an empty list.
    inFlight.start();
    const [first, second] = [inFlight.whenIdle(5_000), inFlight.whenIdle(5_000)];
    inFlight.end();
    await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
  });

  it("resolves false after the timeout while a request still runs", async () => {
    const inFlight = new InFlight();
    inFlight.start();
    const started = Date.now();
    await expect(inFlight.whenIdle(50)).resolves.toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    // A waiter that timed out is not called again once the request ends; a new one still is.
    const later = inFlight.whenIdle(5_000);
    inFlight.end();
    await expect(later).resolves.toBe(true);
  });
});
