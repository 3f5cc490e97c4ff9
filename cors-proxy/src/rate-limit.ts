interface Bucket {
  tokens: number;
  updatedAt: number;
}

// Buckets of clients that went quiet are full again and carry no information; past this many, they are dropped.
const PRUNE_ABOVE = 10_000;

/**
 * A token bucket per caller (per proxy token, or per client address when the proxy has no tokens): up to
 * `requestsPerMinute` at once, refilled evenly, so a burst is allowed and a steady flood is held to the rate.
 */
export class RateLimiter {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(requestsPerMinute: number, now: () => number = Date.now) {
    this.#capacity = requestsPerMinute;
    this.#perMs = requestsPerMinute / 60_000;
    this.#now = now;
  }

  /**
   * Takes one request from `key`'s bucket: 0 when allowed, else the seconds to wait (for `retry-after`).
   * @example
   * const wait = limiter.take("token:0"); if (wait > 0) return tooManyRequests(wait);
   */
  take(key: string): number {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= PRUNE_ABOVE) this.prune(now);
      bucket = { tokens: this.#capacity, updatedAt: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.updatedAt) * this.#perMs);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000));
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.#perMs >= this.#capacity) this.#buckets.delete(key);
    }
  }
}
