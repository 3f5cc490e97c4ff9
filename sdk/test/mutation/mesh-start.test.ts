/**
 * core/mesh.ts at start and in its small accessors: a secret store or a sink that cannot work fails start with its
 * own reason, secrets named by the storage connector are resolved before it is built, and stats(), storage and
 * config describe the mesh that runs.
 *
 * Its lines (start, before line 391) were not in the mutation run; these tests were checked against the source only.
 */
import { afterEach, describe, expect, it } from "vitest";
import { create, registerConnector, type MeshClient } from "../../src/index.js";
import { EnvSecretStore } from "../../src/secrets/env.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { NullObservability } from "../../src/observability/null.js";
import { hello, ScriptedProvider, testClock } from "./scripted.js";

const clients: MeshClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
});

function providers() {
  return { a: { instance: new ScriptedProvider("a", ["alpha"], [], testClock()) } };
}

/** A storage connector that keeps the options it was built with. */
class OptionsStorage extends MemoryStorage {
  static built: unknown[] = [];
  constructor(options: unknown) {
    super();
    OptionsStorage.built.push(options);
  }
}
registerConnector("test.options-storage.v1", OptionsStorage, { kind: "storage" });

describe("start", () => {
  it("fails with the secret store's own reason when it cannot open", async () => {
    const store = Object.assign(new EnvSecretStore({ env: {} }), {
      open: async () => {
        throw new Error("keyring locked");
      },
    });
    const client = create({ config: { providers: providers() }, secrets: { instance: store } } as never);
    clients.push(client);
    await expect(client.ready()).rejects.toThrow("keyring locked");
  });

  it("fails with a sink's own reason when it cannot open", async () => {
    const sink = Object.assign(new NullObservability(), {
      open: async () => {
        throw new Error("port 9464 in use");
      },
    });
    const client = create({ config: { providers: providers() }, observability: { instance: sink } } as never);
    clients.push(client);
    await expect(client.ready()).rejects.toThrow("port 9464 in use");
  });

  it("builds the storage connector with its secrets resolved", async () => {
    OptionsStorage.built = [];
    const secrets = new EnvSecretStore({ env: { STORE_PASSWORD: "pw-123" } });
    const client = create({ config: { providers: providers(), storage: { connector: "test.options-storage.v1", config: { password: "${secrets:STORE_PASSWORD}" } } }, secrets: { instance: secrets } } as never);
    clients.push(client);
    await client.ready();
    expect(OptionsStorage.built).toEqual([{ password: "pw-123" }]);
    expect(client.mesh.storage).toBeInstanceOf(OptionsStorage);
  });

  it("uses a memory storage when none is configured, and serves the resolved configuration", async () => {
    const client = create({ config: { providers: providers(), pools: { talk: { capability: "chat-completion" } } } } as never);
    clients.push(client);
    await client.ready();
    expect(client.mesh.storage).toBeInstanceOf(MemoryStorage);
    expect(client.mesh.config.pools.map((pool) => pool.name)).toEqual(["talk"]);
  });
});

describe("stats()", () => {
  it("carries the pools' status and the usage totals", async () => {
    const client = create({ config: { providers: providers(), pools: { talk: { capability: "chat-completion" } } }, clock: testClock() } as never);
    clients.push(client);
    await client.chat.completions.create({ model: "talk", messages: hello });
    const stats = client.mesh.stats();
    expect(stats.pools).toEqual(client.poolStatus());
    expect(stats.pools["talk"]).toEqual({ active: 1, standby: 0, total: 1 });
    const usage = client.usage;
    expect(usage.requests).toBe(1);
    expect([stats.requests, stats.totalTokens, stats.totalCost]).toEqual([usage.requests, usage.totalTokens, usage.totalCost]);
    expect(stats.totalTokens).toBeGreaterThan(0);
    expect(stats.budgets).toEqual([]);
  });
});
