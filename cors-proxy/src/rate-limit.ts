import type { MeshClient } from "modelmesh";

interface Bucket {
  tokens: number;
  updatedAt: number;
}

// Buckets of clients that went quiet are full again and carry no information; past this many, they are dropped.
const PRUNE_ABOVE = 10_000;

/**
 * A token bucket every proxy instance draws from (`modelmesh.redis.v1` is one: a Lua script over one Redis hash).
 * @example
 * const wait = await store.takeRateToken("token:0", 60, 60); // 0 when allowed, else seconds
 */
export interface SharedRateLimitStore {
  takeRateToken(key: string, capacity: number, perMinute: number): Promise<number>;
}

/**
 * The mesh's storage when it can hold rate-limit buckets for every proxy instance (Redis), once the mesh is ready.
 * @example
 * new RateLimiter(60, Date.now, () => sharedRateLimitStoreOf(client));
 */
export function sharedRateLimitStoreOf(client: MeshClient | undefined): SharedRateLimitStore | undefined {
  if (!client || client.state !== "ready") return undefined;
  const storage = client.mesh.storage as Partial<SharedRateLimitStore> | undefined;
  return typeof storage?.takeRateToken === "function" ? (storage as SharedRateLimitStore) : undefined;
}

/**
 * A token bucket per caller (per proxy token, or per client address when the proxy has no tokens): up to
 * `requestsPerMinute` at once, refilled evenly, so a burst is allowed and a steady flood is held to the rate.
 * With a shared store (the mesh stores its state in Redis), every proxy instance draws from the same bucket, so
 * N instances still allow `requestsPerMinute`, not N times it; while that store is unreachable each instance falls
 * back to its own bucket (still limited, per instance), since refusing every request would turn a Redis outage into
 * a proxy outage.
 */
export class RateLimiter {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #shared: () => SharedRateLimitStore | undefined;

  constructor(requestsPerMinute: number, now: () => number = Date.now, shared: () => SharedRateLimitStore | undefined = () => undefined) {
    this.#capacity = requestsPerMinute;
    this.#perMs = requestsPerMinute / 60_000;
    this.#now = now;
    this.#shared = shared;
  }

  /**
   * Takes one request from `key`'s bucket: 0 when allowed, else the seconds to wait (for `retry-after`). A promise
   * when the bucket is shared.
   * @example
   * const wait = await limiter.take("token:0"); if (wait > 0) return tooManyRequests(wait);
   */
  take(key: string): number | Promise<number> {
    const shared = this.#shared();
    if (!shared) return this.takeLocal(key);
    return shared.takeRateToken(key, this.#capacity, this.#capacity).catch(() => this.takeLocal(key));
  }

  private takeLocal(key: string): number {
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
