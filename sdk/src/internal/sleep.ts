/**
 * Waits `ms` milliseconds; rejects with the signal's reason as soon as `signal` aborts, so a caller that gives up
 * never waits out a backoff. Timers are reached through `globalThis` at call time (service-worker safe).
 * @example
 * await sleep(250, request.signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      globalThis.clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = globalThis.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
