import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BudgetExceededError, StorageError, create, type MeshEvent } from "../src/index.js";
import { RedisStorage } from "../src/node/index.js";
import { CallbackObservability } from "../src/observability/callback.js";
import { storageContract } from "./contracts/storage.contract.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { CHAT } from "./support/mesh.js";
import { freePort, startRedis, type TestRedis } from "./support/redis-server.js";

// A real redis-server, started here on a free port (no files written). Missing, these tests fail with the reason.
let redis: TestRedis;
const opened: RedisStorage[] = [];
let prefixes = 0;
beforeAll(async () => {
  redis = await startRedis();
}, 20_000);
afterAll(async () => {
  await Promise.all(opened.map((storage) => storage.close()));
  await redis?.stop();
});
const storageAt = (keyPrefix = `test-${++prefixes}:`, url = redis.url) => {
  const storage = new RedisStorage({ url, keyPrefix });
  opened.push(storage);
  return storage;
};

storageContract("RedisStorage", () => storageAt(), { reopen: (first) => storageAt((first as RedisStorage).keyPrefix) });

const COST = 0.008;
const ask = { model: "chat", messages: [{ role: "user" as const, content: "Hello there" }], max_tokens: 8 };
const chats = (fake: FakeOpenAI) => fake.requests.filter((request) => request.path.endsWith("/chat/completions")).length;

function meshOver(fake: FakeOpenAI, storage: RedisStorage | Record<string, unknown>, budget?: Record<string, unknown>) {
  const events: MeshEvent[] = [];
  const client = create({
    config: {
      providers: { a: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-test-key-redis-000000", models: [{ id: "alpha", capabilities: [CHAT], pricing: { input: 0, output: 1000 } }] } } },
      pools: { chat: { capability: "chat-completion", retry: { max_retries: 0 } } },
      ...(budget ? { budget } : {}),
      ...(storage instanceof RedisStorage ? {} : { storage }),
    },
    ...(storage instanceof RedisStorage ? { storage: { instance: storage } } : {}),
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), logLevel: "full", minSeverity: "debug" }) },
  });
  return { client, events };
}

describe("modelmesh.redis.v1 configuration", () => {
  it("is named `redis` in YAML, takes its URL through ${secrets:...}, and keeps state under key_prefix", async () => {
    const fake = await startFakeOpenAI({ name: "yaml", models: ["alpha"] });
    process.env.MODELMESH_TEST_REDIS_URL = redis.url;
    try {
      const { client } = meshOver(fake, { connector: "redis", config: { url: "${secrets:MODELMESH_TEST_REDIS_URL}", key_prefix: "yaml-test:" } }, { daily_limit: 1 });
      await client.chat.completions.create(ask);
      await client.close();
      const reader = storageAt("yaml-test:");
      expect(await reader.list()).toEqual(["modelmesh/state"]);
      expect(((await reader.loadData("modelmesh/state")) as { usage: { requests: number } }).usage.requests).toBe(1);
      expect(await reader.readBudgets(["global"])).toEqual([{ name: "global", day: expect.any(String), daySpent: COST, month: expect.any(String), monthSpent: COST, reserved: 0 }]);
    } finally {
      delete process.env.MODELMESH_TEST_REDIS_URL;
      await fake.close();
    }
  });

  it("refuses a URL that is not redis:// or rediss:// with a StorageError that never shows the password", () => {
    expect(() => new RedisStorage({ url: "http://user:hunter2@example.com" })).toThrow(StorageError);
    expect(() => new RedisStorage({ url: "http://user:hunter2@example.com" })).toThrow(/^modelmesh\.redis\.v1: "url" must be a redis:\/\/ or rediss:\/\/ URL \(got "http:\/\/example\.com"\)$/);
  });

  it("Redis down at start: ready() rejects with a StorageError naming the address (no password), and nothing is sent", async () => {
    const fake = await startFakeOpenAI({ name: "down", models: ["alpha"] });
    try {
      const port = await freePort();
      const { client } = meshOver(fake, { connector: "redis", config: { url: `redis://:s3cret-pass@127.0.0.1:${port}`, connect_timeout_ms: 2_000 } }, { daily_limit: 1 });
      const error = await client.ready().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(new RegExp(`^modelmesh\\.redis\\.v1: cannot connect to Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      expect((error as Error).message).not.toContain("s3cret-pass");
      expect(chats(fake)).toBe(0);
    } finally {
      await fake.close();
    }
  });
});

describe("budgets held in Redis", () => {
  it("two meshes over one Redis: 200 concurrent requests against a limit that fits 50 send exactly 50", async () => {
    const fake = await startFakeOpenAI({ name: "shared", models: ["alpha"] });
    try {
      const prefix = `two-${++prefixes}:`;
      const first = meshOver(fake, storageAt(prefix), { daily_limit: 50 * COST });
      const second = meshOver(fake, storageAt(prefix), { daily_limit: 50 * COST });
      await Promise.all([first.client.ready(), second.client.ready()]);
      const outcomes = await Promise.allSettled(Array.from({ length: 200 }, (_, index) => (index % 2 ? second : first).client.chat.completions.create(ask)));
      const refused = outcomes.filter((outcome) => outcome.status === "rejected" && outcome.reason instanceof BudgetExceededError);
      expect(chats(fake)).toBe(50);
      expect(refused).toHaveLength(150);
      await Promise.all([first.client.mesh.budgetLedger.flush(), second.client.mesh.budgetLedger.flush()]);
      const [global] = await storageAt(prefix).readBudgets(["global"]);
      expect(global!.daySpent).toBeCloseTo(50 * COST, 9);
      expect(global!.reserved).toBe(0);
      // Each mesh reports the shared spend, not only its own.
      await second.client.mesh.budgetLedger.refresh();
      expect(second.client.usage.budgets.global!.daily.spent).toBeCloseTo(50 * COST, 9);
      await Promise.all([first.client.close(), second.client.close()]);
    } finally {
      await fake.close();
    }
  });

  it("a reservation whose process never settles it counts as spent at its worst case once its lease runs out, and only once", async () => {
    const storage = storageAt();
    const now = Date.UTC(2026, 11, 1, 12);
    const budgets = [{ name: "global", dailyLimit: 0.02, enforce: true }];
    const base = { amount: COST, day: "2026-12-01", month: "2026-12", budgets };
    expect((await storage.reserveBudgets({ ...base, id: "crashed", now })).ok).toBe(true);
    expect(await storage.readBudgets(["global"])).toMatchObject([{ daySpent: 0, reserved: COST }]);
    // Lease over (15 minutes by default): the next reservation books it.
    expect((await storage.reserveBudgets({ ...base, id: "later", now: now + storage.reservationLeaseMs + 1 })).ok).toBe(true);
    expect(await storage.readBudgets(["global"])).toMatchObject([{ daySpent: COST, reserved: COST }]);
    // A late settle of the crashed one books nothing more.
    expect(await storage.settleBudgets("crashed", COST, "2026-12-01", "2026-12")).toEqual([]);
    const [settled] = await storage.settleBudgets("later", 0.001, "2026-12-01", "2026-12");
    expect(settled).toMatchObject({ name: "global", reserved: 0 });
    expect(settled!.daySpent).toBeCloseTo(COST + 0.001, 12);
    // $0.009 spent of $0.02: one more $0.008 fits, a second does not.
    expect((await storage.reserveBudgets({ ...base, id: "fits", now: now + storage.reservationLeaseMs + 2 })).ok).toBe(true);
    expect(await storage.reserveBudgets({ ...base, id: "over", now: now + storage.reservationLeaseMs + 3 })).toEqual({ ok: false, name: "global", limitType: "daily", limitValue: 0.02, spent: expect.closeTo(COST + 0.001, 12) });
  });

  it("a new UTC day starts at zero in Redis too (the month keeps counting)", async () => {
    const storage = storageAt();
    const budgets = [{ name: "global", dailyLimit: 0.01, monthlyLimit: 1, enforce: true }];
    await storage.reserveBudgets({ id: "one", amount: COST, day: "2026-12-01", month: "2026-12", now: 0, budgets });
    await storage.settleBudgets("one", COST, "2026-12-01", "2026-12");
    expect((await storage.reserveBudgets({ id: "two", amount: COST, day: "2026-12-01", month: "2026-12", now: 0, budgets })).ok).toBe(false);
    const next = await storage.reserveBudgets({ id: "three", amount: COST, day: "2026-12-02", month: "2026-12", now: 0, budgets });
    expect(next).toMatchObject({ ok: true, budgets: [{ day: "2026-12-02", daySpent: 0, monthSpent: COST, reserved: COST }] });
  });

  it("Redis lost mid-run: an enforced budget refuses the request with a StorageError and the provider receives nothing", async () => {
    const own = await startRedis();
    const fake = await startFakeOpenAI({ name: "lost", models: ["alpha"] });
    try {
      const storage = new RedisStorage({ url: own.url });
      const { client } = meshOver(fake, storage, { daily_limit: 1 });
      await client.chat.completions.create(ask);
      expect(chats(fake)).toBe(1);
      await own.stop();
      const error = await client.chat.completions.create(ask).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(/^global: the shared budget store could not reserve this request \(modelmesh\.redis\.v1: cannot reserve budgets for ".*" at redis:\/\/127\.0\.0\.1:\d+: Redis is unreachable \(.*\)\), so it was not sent/);
      expect(chats(fake)).toBe(1);
      await client.close();
    } finally {
      await own.stop();
      await fake.close();
    }
  });
});

describe("usage shared through Redis", () => {
  it("each mesh's client.usage counts every mesh's requests, and a restart counts none twice", async () => {
    const fake = await startFakeOpenAI({ name: "usage", models: ["alpha"] });
    try {
      const prefix = `usage-${++prefixes}:`;
      const first = meshOver(fake, storageAt(prefix)).client;
      const second = meshOver(fake, storageAt(prefix)).client;
      for (let index = 0; index < 3; index++) await first.chat.completions.create(ask);
      for (let index = 0; index < 2; index++) await second.chat.completions.create(ask);
      // The exchange runs with every batched state save (and every 5 s); saving here runs it now.
      await first.mesh.save();
      await second.mesh.save();
      await first.mesh.save();
      expect(first.usage.requests).toBe(5);
      expect(second.usage.requests).toBe(5);
      expect(first.usage.byModel["a/alpha"]!.requests).toBe(5);
      expect(first.usage.totalCost).toBeCloseTo(5 * COST, 9);
      expect(chats(fake)).toBe(5);
      await Promise.all([first.close(), second.close()]);

      const restarted = meshOver(fake, storageAt(prefix)).client;
      await restarted.ready();
      expect(restarted.usage.requests).toBe(5);
      await restarted.chat.completions.create(ask);
      await restarted.close();
      expect((await storageAt(prefix).syncUsage({})).requests).toBe(6);
      expect(chats(fake)).toBe(6);
    } finally {
      await fake.close();
    }
  });
});

describe("cooldowns shared through Redis", () => {
  it("a model cooled down by one mesh is out of service in the other within milliseconds (measured), and the other sends it nothing", async () => {
    const a = await startFakeOpenAI({ name: "cool-a", models: ["alpha"] });
    const b = await startFakeOpenAI({ name: "cool-b", models: ["beta"] });
    try {
      const prefix = `cool-${++prefixes}:`;
      let deactivatedAt = 0;
      let seenAt = 0;
      const make = (observe?: (event: MeshEvent) => void) =>
        create({
          ...(observe ? { observability: { instance: new CallbackObservability({ callback: observe, logLevel: "full", minSeverity: "debug" }) } } : {}),
          config: {
            providers: {
              a: { connector: "openai-compatible", config: { base_url: a.url, api_key: "sk-test-key-cool-a-000000", models: [{ id: "alpha", capabilities: [CHAT] }] } },
              b: { connector: "openai-compatible", config: { base_url: b.url, api_key: "sk-test-key-cool-b-111111", models: [{ id: "beta", capabilities: [CHAT] }] } },
            },
            pools: { chat: { capability: "chat-completion", strategy: "stick-until-failure", retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 60_000 } } },
          },
          storage: { instance: storageAt(prefix) },
        });
      const first = make((event) => {
        if (event.type === "model-deactivated") deactivatedAt = performance.now();
      });
      const second = make();
      await Promise.all([first.ready(), second.ready()]);
      const alphaIn = (client: typeof first) => client.describe().pools.chat!.models.find((model) => model.model === "alpha")!.status;
      expect(alphaIn(second)).toBe("active");
      // Watched on every turn of the event loop: the moment the second mesh's own state changes.
      const watch = setInterval(() => {
        if (!seenAt && alphaIn(second) === "cooldown") seenAt = performance.now();
      }, 0);
      a.enqueue({ kind: "error", status: 500 });
      expect((await first.chat.completions.create(ask)).model).toMatch(/^beta/);
      for (let waited = 0; !seenAt && waited < 5_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
      clearInterval(watch);
      const elapsed = seenAt - deactivatedAt;
      console.info(`[cooldown propagation] the second mesh took alpha out ${elapsed.toFixed(1)} ms after the first mesh cooled it down`);
      expect(alphaIn(second)).toBe("cooldown");
      expect(seenAt).toBeGreaterThan(0);
      expect(elapsed).toBeLessThan(1_000);
      expect((await second.chat.completions.create(ask)).model).toMatch(/^beta/);
      expect(a.requests.filter((request) => request.path.endsWith("/chat/completions"))).toHaveLength(1);
      await Promise.all([first.close(), second.close()]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
