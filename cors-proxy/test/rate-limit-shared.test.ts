import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { describe, expect, it } from "vitest";
import { create, MemoryStorage } from "modelmesh";
import { RateLimiter, sharedRateLimitStoreOf } from "../src/rate-limit.js";
import { startMeshFakes } from "./support.js";

// The limiter's shared store (Redis in production) and its memory bound, seen from outside: which store the proxy
// picks for a mesh, what the store is asked, what a caller gets when the store fails, and how much memory a flood of
// distinct callers leaves behind.

/** A storage that also keeps rate buckets, as RedisStorage does: records every call, answers a scripted wait. */
class CountingStore extends MemoryStorage {
  readonly calls: Array<[string, number, number]> = [];
  answer: () => Promise<number> = async () => 0;
  takeRateToken(key: string, capacity: number, perMinute: number): Promise<number> {
    this.calls.push([key, capacity, perMinute]);
    return this.answer();
  }
}

describe("sharedRateLimitStoreOf", () => {
  it("uses the mesh's storage once the mesh is ready and its storage keeps rate buckets", async () => {
    const fakes = await startMeshFakes();
    const store = new CountingStore();
    const client = create({ config: fakes.config, storage: { instance: store } });
    try {
      // Still starting: no store yet, so the proxy limits with its own buckets rather than wait on start-up.
      expect(client.state).toBe("starting");
      expect(sharedRateLimitStoreOf(client)).toBeUndefined();
      await client.ready();
      expect(sharedRateLimitStoreOf(client)).toBe(store);
    } finally {
      await client.close();
      await fakes.close();
    }
  });

  it("has no store without a mesh, or when the mesh's storage cannot keep rate buckets", async () => {
    expect(sharedRateLimitStoreOf(undefined)).toBeUndefined();
    const fakes = await startMeshFakes();
    const client = create({ config: fakes.config, storage: { instance: new MemoryStorage() } });
    try {
      await client.ready();
      expect(sharedRateLimitStoreOf(client)).toBeUndefined();
    } finally {
      await client.close();
      await fakes.close();
    }
  });
});

describe("RateLimiter with a shared store", () => {
  it("asks the store for the caller's key at the configured rate and passes its answer on", async () => {
    const store = new CountingStore();
    store.answer = async () => 7;
    const limiter = new RateLimiter(30, () => 0, () => store);
    expect(await limiter.take("token:1")).toBe(7);
    expect(store.calls).toEqual([["token:1", 30, 30]]);
  });

  it("falls back to a local bucket, still limited, while the store is unreachable", async () => {
    const store = new CountingStore();
    store.answer = async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
    };
    const limiter = new RateLimiter(1, () => 0, () => store);
    expect(await limiter.take("token:1")).toBe(0);
    expect(await limiter.take("token:1")).toBe(60);
    expect(store.calls).toHaveLength(2);
  });
});

describe("RateLimiter memory", () => {
  it("keeps a caller's partly used bucket when it drops idle ones, on a clock far from zero", () => {
    let now = 1_700_000_000_000;
    const limiter = new RateLimiter(1, () => now);
    expect(limiter.take("steady")).toBe(0);
    for (let index = 0; index < 10_000; index++) limiter.take(`passer-by-${index}`);
    now += 1_000;
    for (let index = 10_000; index < 10_050; index++) limiter.take(`passer-by-${index}`);
    expect(limiter.take("steady")).toBe(59);
  });

  it("stays bounded while a stream of distinct callers comes and goes", () => {
    setFlagsFromString("--expose-gc");
    const collect = runInNewContext("gc") as () => void;
    const heapAfterCollect = () => {
      collect();
      return process.memoryUsage().heapUsed;
    };
    let now = 0;
    const limiter = new RateLimiter(60, () => now);
    const before = heapAfterCollect();
    // 200 000 callers, 10 000 a minute, each gone after one request: every minute the previous minute's buckets are
    // full again and can be dropped. Kept, they would hold tens of megabytes.
    for (let minute = 0; minute < 20; minute++) {
      for (let index = 0; index < 10_000; index++) limiter.take(`caller-${minute}-${index}-padding-to-make-keys-longer`);
      now += 60_000;
    }
    const grown = heapAfterCollect() - before;
    expect(grown).toBeLessThan(8 * 1024 * 1024);
    expect(limiter.take("caller-0-0-padding-to-make-keys-longer")).toBe(0);
  });
});
