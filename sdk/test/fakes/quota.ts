// A request quota counted the way the services count theirs: a fixed window that starts with the first request
// after the last one expired. The fakes report it in each service's own rate-limit headers.

/**
 * Requests allowed per window, for a fake's rate-limit headers.
 * @example
 * const quota = new RequestQuota(20, 60_000);
 * quota.take();
 * quota.remaining(); // 19
 */
export class RequestQuota {
  used = 0;
  windowStart = Date.now();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one request, opening a new window first when the last one has ended. */
  take(now = Date.now()): void {
    if (now >= this.resetAt()) {
      this.used = 0;
      this.windowStart = now;
    }
    this.used += 1;
  }

  remaining(): number {
    return Math.max(0, this.limit - this.used);
  }

  /** Epoch ms when the window ends. */
  resetAt(): number {
    return this.windowStart + this.windowMs;
  }

  reset(): void {
    this.used = 0;
    this.windowStart = Date.now();
  }
}
