/**
 * What core/mesh.ts saves, restores, reports and releases: the saved snapshot and the event after each save (a failed
 * one included), which saved models come back at start, when a change is saved (after persistDelayMs, coalesced,
 * never after close), resetState, describe(), the budgets a configuration defines, and close(). Storage is a
 * MemoryStorage instance read back through the storage API; providers are scripted.
 *
 * Survivors judged equivalent:
 * - `(this.#saveTimer as { unref?: () => void }).unref?.()`: whether a pending save keeps the process alive is
 *   invisible to a test that closes its mesh.
 * - close()'s `if (this.#saveTimer) clearTimeout(...)` -> true: clearing no timer does nothing.
 * - close()'s `storage.close?.()`, `sink.flush?.()`, `sink.close?.()` without `?.`: the storage is a BaseStorage and
 *   the sink a MultiSink or NullObservability, which all have these methods.
 * Not killed: resetState's `probing: false` -> true (it only matters for a model whose probe is in flight), and
 * restore's `snapshot !== undefined` -> true. Killed by hand: `pools.get(name)?.policy` without `?.` ("starts when
 * the saved state names a pool's strategy that no longer exists").
 */
import { afterEach, describe, expect, it } from "vitest";
import { create, type MeshClient } from "../../src/index.js";
import { CallbackObservability } from "../../src/observability/callback.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { STATE_KEY, type PersistedState } from "../../src/core/model-state-snapshot.js";
import type { MeshEvent } from "../../src/wire/events.js";
import { ProviderError } from "../../src/wire/errors.js";
import { hello, ScriptedProvider, testClock } from "./scripted.js";

const clients: MeshClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** A scripted provider that records being closed. */
class ClosableProvider extends ScriptedProvider {
  closed = 0;
  async close(): Promise<void> {
    this.closed += 1;
  }
}

function meshOver(storage: MemoryStorage, options: { persistDelayMs?: number; keyOfA?: string; pool?: Record<string, unknown> } = {}) {
  const clock = testClock();
  const a = new ClosableProvider("a", ["alpha"], [], clock, options.keyOfA);
  const b = new ClosableProvider("b", ["beta"], [], clock);
  const events: MeshEvent[] = [];
  const client = create({
    config: { providers: { a: { instance: a }, b: { instance: b } }, pools: { chat: { capability: "chat-completion", strategy: "priority", retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 }, ...options.pool } } },
    clock,
    storage: { instance: storage },
    persistDelayMs: options.persistDelayMs ?? 5,
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), minSeverity: "debug" }) },
  } as Parameters<typeof create>[0]);
  clients.push(client);
  const ofType = (type: string) => events.filter((event) => event.type === type) as unknown as Array<Record<string, unknown>>;
  const model = (name: string) => client.describe().pools["chat"]!.models.find((entry) => entry.model === name)!;
  return { client, clock, a, b, events, ofType, model };
}

async function saved(storage: MemoryStorage): Promise<{ data: PersistedState; updatedAt: number } | null> {
  return (await storage.load(STATE_KEY)) as { data: PersistedState; updatedAt: number } | null;
}

const serverError = (providerId: string) => new ProviderError("upstream exploded", { providerId, status: 500 }, { code: "server_error", retryable: true });

describe("save()", () => {
  it("writes every model, the usage and each pool's strategy, stamped with the mesh's clock, and says how many models", async () => {
    const storage = new MemoryStorage();
    const { client, clock, ofType } = meshOver(storage, { pool: { strategy: "load-balanced" } });
    await client.chat.completions.create({ model: "chat", messages: hello });
    await client.mesh.save();
    const entry = await saved(storage);
    expect(entry!.updatedAt).toBe(clock.now());
    expect(entry!.data.version).toBe(1);
    expect(Object.keys(entry!.data.models).sort()).toEqual(["a/alpha", "b/beta"]);
    expect(entry!.data.models["a/alpha"]).toMatchObject({ status: "active", totalRequests: 1, keyId: "key-of-a" });
    expect(entry!.data.usage.requests).toBe(1);
    expect(entry!.data.strategies).toEqual({ chat: client.mesh.pools().get("chat")!.policy.snapshot() });
    expect(Object.keys((entry!.data.strategies["chat"] as { currentWeights: object }).currentWeights).sort()).toEqual(["a/alpha", "b/beta"]);
    expect(ofType("state-saved").at(-1)).toMatchObject({ severity: "debug", component: "storage", models: 2 });
  });

  it("reports a failed write as an error event, and the next save still writes", async () => {
    let failures = 1;
    class FlakyStorage extends MemoryStorage {
      override async save(key: string, entry: never): Promise<void> {
        if (failures-- > 0) throw new Error("disk full");
        return super.save(key, entry);
      }
    }
    const storage = new FlakyStorage();
    const { client, ofType } = meshOver(storage);
    await client.ready();
    await client.mesh.save();
    expect(ofType("state-saved")).toEqual([expect.objectContaining({ severity: "error", component: "storage", models: 0, error: "disk full" })]);
    expect(await saved(storage)).toBeNull();
    await client.mesh.save();
    expect(ofType("state-saved").at(-1)).toMatchObject({ severity: "debug", models: 2 });
    expect(await saved(storage)).not.toBeNull();
  });
});

describe("restoring saved state at start", () => {
  async function startWith(models: Record<string, unknown>, options: { version?: number; keyOfA?: string } = {}) {
    const storage = new MemoryStorage();
    const usage = { requests: 7, totalTokens: 0, totalCost: 0, byModel: {}, byProvider: {}, byPool: {} };
    await storage.save(STATE_KEY, { key: STATE_KEY, data: { version: options.version ?? 1, models, usage, strategies: {} }, updatedAt: 1 } as never);
    const mesh = meshOver(storage, options.keyOfA === undefined ? {} : { keyOfA: options.keyOfA });
    await mesh.client.ready();
    return mesh;
  }

  it("takes back each known model's state, skips unknown ones, and says how many it read", async () => {
    const until = 1_700_000_000_000 + 60_000;
    const { client, model, ofType } = await startWith({
      "a/alpha": { keyId: "key-of-a", status: "cooldown", cooldownUntil: until, totalRequests: 3, totalFailures: 2 },
      "gone/model": { keyId: "k", status: "active", totalRequests: 9 },
    });
    expect(model("alpha")).toMatchObject({ status: "cooldown", cooldownUntil: new Date(until).toISOString(), requests: 3, failures: 2 });
    expect(client.usage.requests).toBe(7);
    expect(ofType("state-restored")).toEqual([expect.objectContaining({ severity: "info", component: "storage", models: 2 })]);
  });

  it("gives a model whose key changed a fresh start only if its old key was disabled", async () => {
    const disabled = await startWith({ "a/alpha": { keyId: "old-key", status: "disabled", totalRequests: 3 } }, { keyOfA: "new-key" });
    expect(disabled.model("alpha")).toMatchObject({ status: "active", requests: 0 });
    const cooled = await startWith({ "a/alpha": { keyId: "old-key", status: "cooldown", cooldownUntil: 1_700_000_060_000, totalRequests: 3 } }, { keyOfA: "new-key" });
    expect(cooled.model("alpha")).toMatchObject({ status: "cooldown", requests: 3 });
    const sameKey = await startWith({ "a/alpha": { keyId: "key-of-a", status: "disabled", totalRequests: 3 } });
    expect(sameKey.model("alpha")).toMatchObject({ status: "disabled", requests: 3 });
  });

  it("starts when the saved state names a pool's strategy that no longer exists", async () => {
    const storage = new MemoryStorage();
    const usage = { requests: 0, totalTokens: 0, totalCost: 0, byModel: {}, byProvider: {}, byPool: {} };
    await storage.save(STATE_KEY, { key: STATE_KEY, data: { version: 1, models: {}, usage, strategies: { removed: { currentWeights: {} } } }, updatedAt: 1 } as never);
    const { client } = meshOver(storage);
    await client.ready();
    expect((await client.chat.completions.create({ model: "chat", messages: hello })).model).toBe("alpha");
  });

  it("reports saved state it cannot read as a storage error, and starts fresh", async () => {
    class UnreadableStorage extends MemoryStorage {
      override async load(): Promise<never> {
        throw new Error("not JSON");
      }
    }
    const { client, ofType } = meshOver(new UnreadableStorage());
    await client.ready();
    expect(ofType("state-restored")).toEqual([expect.objectContaining({ severity: "error", component: "storage", models: 0, error: "not JSON" })]);
  });

  it("ignores state of another version", async () => {
    const { client, model, ofType } = await startWith({ "a/alpha": { keyId: "key-of-a", status: "disabled", totalRequests: 3 } }, { version: 2 });
    expect(model("alpha")).toMatchObject({ status: "active", requests: 0 });
    expect(client.usage.requests).toBe(0);
    expect(ofType("state-restored")).toEqual([]);
  });
});

describe("when a change is saved", () => {
  it("after persistDelayMs, once for several changes in that time", async () => {
    const storage = new MemoryStorage();
    const { client, ofType } = meshOver(storage, { persistDelayMs: 300 });
    await client.ready();
    client.mesh.resetState();
    client.mesh.resetState();
    client.mesh.resetState();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await saved(storage)).toBeNull();
    await expect.poll(() => ofType("state-saved").length, { timeout: 700, interval: 20 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(ofType("state-saved")).toHaveLength(1);
  });

  it("never after close: close saves once, and a later change schedules nothing", async () => {
    const storage = new MemoryStorage();
    const { client, ofType } = meshOver(storage, { persistDelayMs: 5 });
    await client.ready();
    await client.close();
    await client.close();
    expect(ofType("state-saved")).toHaveLength(1);
    client.mesh.resetState();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ofType("state-saved")).toHaveLength(1);
  });
});

describe("resetState()", () => {
  it("puts back only the models named, clearing their cooldown and failures", async () => {
    const storage = new MemoryStorage();
    const { client, a, b, model } = meshOver(storage, { pool: { strategy: "round-robin" } });
    a.script({ error: serverError("a") });
    b.script({ error: serverError("b") });
    await client.chat.completions.create({ model: "a/alpha", messages: hello }).catch(() => undefined);
    await client.chat.completions.create({ model: "b/beta", messages: hello }).catch(() => undefined);
    expect([model("alpha").status, model("beta").status]).toEqual(["cooldown", "cooldown"]);
    client.mesh.resetState(["a/alpha"]);
    expect(model("alpha")).toMatchObject({ status: "active", consecutiveFailures: 0, failures: 1 });
    expect(model("alpha").cooldownUntil).toBeUndefined();
    expect(model("beta")).toMatchObject({ status: "cooldown", consecutiveFailures: 1 });
    await expect.poll(async () => (await saved(storage))?.data.models["a/alpha"]?.status, { timeout: 1_000 }).toBe("active");
  });
});

describe("describe()", () => {
  it("lists each provider with its connector and model count, and each model's counters", async () => {
    const storage = new MemoryStorage();
    const { client, a, model } = meshOver(storage);
    a.script({ text: "slow", latencyMs: 1_234.6 }, { error: serverError("a") });
    await client.chat.completions.create({ model: "a/alpha", messages: hello });
    await client.chat.completions.create({ model: "a/alpha", messages: hello }).catch(() => undefined);
    const description = client.describe();
    expect(description.providers).toEqual([
      { id: "a", connector: "test.scripted.v1", models: 1 },
      { id: "b", connector: "test.scripted.v1", models: 1 },
    ]);
    expect(description.pools["chat"]).toMatchObject({ capability: "generation.text-generation.chat-completion", strategy: "modelmesh.priority-selection.v1", configured: true, active: 1, standby: 1, total: 2 });
    expect(model("alpha")).toMatchObject({ provider: "a", status: "cooldown", available: false, requests: 2, failures: 1, consecutiveFailures: 1, latencyMs: 1235, lastError: "upstream exploded" });
    expect(model("beta")).toMatchObject({ status: "active", available: true, requests: 0, latencyMs: null, cost: 0 });
    expect(model("beta").lastError).toBeUndefined();
  });
});

describe("budgets", () => {
  it("every budget the configuration sets is reported, by owner, and only limited ones reach stats()", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const client = create({
      config: {
        budget: { daily_limit: 10 },
        providers: {
          a: { instance: a, budget: { monthly_limit: 20 } },
          priced: { connector: "openai-compatible", config: { base_url: "http://127.0.0.1:9", api_key: "sk-unused-000000000000", models: [{ id: "m", capabilities: ["chat-completion"], budget: { daily_limit: 3 } }] } },
        },
        pools: { chat: { capability: "chat-completion", budget: { daily_limit: 5 } }, plain: { capability: "chat-completion", providers: ["a"] } },
      },
      clock,
    } as Parameters<typeof create>[0]);
    clients.push(client);
    await client.ready();
    expect(Object.keys(client.usage.budgets).sort()).toEqual(["global", "model:priced/m", "pool:chat", "provider:a"]);
    expect(client.usage.budgets["provider:a"]!.monthly.limit).toBe(20);
    const stats = client.mesh.stats().budgets.map((budget) => `${budget.budget}/${budget.period}/${budget.limit}`).sort();
    expect(stats).toEqual(["global/daily/10", "model:priced/m/daily/3", "pool:chat/daily/5", "provider:a/monthly/20"]);
  });
});

describe("close()", () => {
  it("closes every provider and the storage, after the last save", async () => {
    const closed: string[] = [];
    class WatchedStorage extends MemoryStorage {
      override async close(): Promise<void> {
        closed.push(`storage:${(await this.load(STATE_KEY)) ? "saved" : "empty"}`);
      }
    }
    const storage = new WatchedStorage();
    const { client, a, b } = meshOver(storage);
    await client.ready();
    await client.close();
    expect(closed).toEqual(["storage:saved"]);
    expect([a.closed, b.closed]).toEqual([1, 1]);
  });
});
