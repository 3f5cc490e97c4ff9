/**
 * Counts the requests running in a mesh, across its routers (a reconfiguration builds a new router while requests
 * of the old one still run), so `close()` can wait for them.
 */
export class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];

  /** How many requests are running now. */
  get count(): number {
    return this.#count;
  }

  start(): void {
    this.#count++;
  }

  end(): void {
    if (--this.#count > 0 || this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  /**
   * Resolves true once no request is running, or false after `timeoutMs` with some still running (a stream whose
   * reader neither finishes nor leaves it never ends by itself).
   * @example
   * const idle = await inFlight.whenIdle(10_000);
   */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      this.#waiters.push(done);
    });
  }
}
