import { describe, expect, it, vi } from "vitest";

// The tables modules build when they load (the built-in loaders, the keys configuration accepts, the pool
// defaults), checked on a fresh copy of each module imported inside the test: what create() can name and load, and
// what resolveConfig accepts and fills in, follow from these tables and nothing else.

async function fresh<T>(path: string): Promise<T> {
  vi.resetModules();
  return (await import(path)) as T;
}

describe("the built-in loaders", () => {
  it("every id in the table loads the class with that connectorId", async () => {
    const { loadBuiltin } = await fresh<typeof import("../../src/core/builtins.js")>("../../src/core/builtins.js");
    const { BUILTIN_CONNECTORS } = await import("../../src/core/connector-ids.js");
    for (const { id } of BUILTIN_CONNECTORS) {
      const connector = (await loadBuiltin(id)) as unknown as { connectorId?: string } | undefined;
      expect(connector?.connectorId, id).toBe(id);
    }
  });

  it("registerBuiltins makes every built-in loadable by id and short name, once", async () => {
    const { registerBuiltins } = await fresh<typeof import("../../src/core/builtins.js")>("../../src/core/builtins.js");
    const { loadConnector } = await import("../../src/core/registry-load.js");
    const { isRegistered } = await import("../../src/core/registry.js");
    expect(isRegistered("openai")).toBe(false);
    registerBuiltins();
    const { connector } = await loadConnector("provider", "openai", "providers[0]");
    expect((connector as unknown as { connectorId: string }).connectorId).toBe("openai.llm.v1");
    expect(isRegistered("sqlite")).toBe(true);
    // The Node-only connectors load from the Node entry next to the sources.
    const local = await loadConnector("storage", "local-file", "storage.connector");
    expect((local.connector as unknown as { connectorId: string }).connectorId).toBe("modelmesh.local-file.v1");
  });

  it("registerBuiltinNames makes every built-in known by name, loading its class only when named", async () => {
    const { registerBuiltinNames } = await fresh<typeof import("../../src/core/builtin-names.js")>("../../src/core/builtin-names.js");
    const { loadConnector } = await import("../../src/core/registry-load.js");
    const { checkConnector } = await import("../../src/core/registry.js");
    registerBuiltinNames();
    expect(checkConnector("rotation", "cost-first", "x")).toBe("modelmesh.cost-first.v1");
    const { connector } = await loadConnector("rotation", "cost-first", "x");
    expect((connector as unknown as { connectorId: string }).connectorId).toBe("modelmesh.cost-first.v1");
  });
});

describe("configuration tables", () => {
  it("every documented top-level key is accepted, anything else named as unknown", async () => {
    const { resolveConfig } = await fresh<typeof import("../../src/core/config.js")>("../../src/core/config.js");
    const config = resolveConfig({ budget: {}, secrets: { store: "env" }, storage: { connector: "memory" }, observability: [], discovery: { connector: "auto" }, providers: [], pools: {}, defaults: {}, routing: { seed: 1 }, proxy: { port: 1 }, version: 1 });
    expect(config.seed).toBe(1);
    expect(config.proxy).toEqual({ port: 1 });
    expect(() => resolveConfig({ "": 1 })).toThrow(/unknown key \(expected one of: budget, secrets, storage, observability, discovery, providers, pools, defaults, routing, proxy, version\)/);
  });

  it("pool defaults are the documented ones", async () => {
    const { resolveConfig, DEFAULT_POOL_SETTINGS } = await fresh<typeof import("../../src/core/config.js")>("../../src/core/config.js");
    const documented = {
      strategy: "modelmesh.stick-until-failure.v1",
      strategyConfig: {},
      retry: { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 8_000, jitter: "full", maxRetryAfterMs: 8_000 },
      deactivation: { failureThreshold: 3 },
      recovery: { cooldownMs: 5_000, backoffMultiplier: 2, maxCooldownMs: 30_000, keyProbeMs: 300_000 },
      streamFailover: "continue",
      timeouts: { connectTimeoutMs: 15_000, firstTokenTimeoutMs: 30_000, stallTimeoutMs: 30_000 },
      onBudgetExceeded: "error",
    };
    expect(DEFAULT_POOL_SETTINGS).toEqual(documented);
    expect(resolveConfig({}).defaults).toEqual(documented);
  });

  it("every pool setting is accepted under defaults, with the unknown-key message listing them", async () => {
    const { resolveConfig } = await fresh<typeof import("../../src/core/config.js")>("../../src/core/config.js");
    const defaults = resolveConfig({
      defaults: {
        strategy: "cost-first",
        strategy_config: { a: 1 },
        strategy_instance: undefined,
        retry: { max_retries: 1 },
        deactivation: { failure_threshold: 2 },
        recovery: { cooldown_ms: 1 },
        stream_failover: "restart",
        timeout_ms: 9,
        connect_timeout_ms: 8,
        first_token_timeout_ms: 7,
        stall_timeout_ms: 6,
        on_budget_exceeded: "rotate",
      },
    }).defaults;
    expect(defaults).toMatchObject({ strategy: "cost-first", strategyConfig: { a: 1 }, streamFailover: "restart", onBudgetExceeded: "rotate", timeouts: { timeoutMs: 9, connectTimeoutMs: 8, firstTokenTimeoutMs: 7, stallTimeoutMs: 6 } });
    expect(() => resolveConfig({ defaults: { "": 1 } })).toThrow(
      /unknown key \(expected one of: strategy, strategyConfig, strategyInstance, retry, deactivation, recovery, streamFailover, timeoutMs, connectTimeoutMs, firstTokenTimeoutMs, stallTimeoutMs, onBudgetExceeded\)/,
    );
  });

  it("every budget limit key is accepted, with the unknown-key message listing them", async () => {
    const { resolveConfig } = await fresh<typeof import("../../src/core/config.js")>("../../src/core/config.js");
    const budget = resolveConfig({ pools: { chat: { capability: "chat-completion", budget: { daily_limit: 1, monthly_limit: 2, per_request_limit: 0.5, alert_threshold: 0.5, enforce: false } } } }).pools[0]!.budget;
    expect(budget).toEqual({ dailyLimit: 1, monthlyLimit: 2, perRequestLimit: 0.5, alertThreshold: 0.5, enforce: false });
    expect(() => resolveConfig({ pools: { chat: { capability: "chat-completion", budget: { "": 1 } } } })).toThrow(/unknown key \(expected one of: dailyLimit, monthlyLimit, perRequestLimit, alertThreshold, enforce\)/);
  });

  it("secret references are ${secrets:NAME} with a non-empty name up to the closing brace", async () => {
    const { secretReferences } = await fresh<typeof import("../../src/core/config-load.js")>("../../src/core/config-load.js");
    expect([...secretReferences({ a: "${secrets:LONG_NAME}", b: "${secrets:}", c: "${secrets:X}${secrets:Y}" })]).toEqual(["LONG_NAME", "X", "Y"]);
  });
});

describe("the MeshConfig brand", () => {
  it("is the property __modelmeshConfig, so a MeshConfig from another copy of the package is recognised", async () => {
    const { configSource } = await fresh<typeof import("../../src/core/config-source.js")>("../../src/core/config-source.js");
    const raw = { version: 1 };
    expect(configSource({ __modelmeshConfig: true, raw, resolved: {} })).toBe(raw);
    expect(configSource({ "": true, raw, resolved: {} })).not.toBe(raw);
  });
});

describe("Node-only connectors outside Node", () => {
  it("naming one where there is no Node process is a ConfigError saying it runs in Node only", async () => {
    const { registerNodeConnectorLoaders } = await fresh<typeof import("../../src/core/node-connectors.js")>("../../src/core/node-connectors.js");
    const { loadConnector } = await import("../../src/core/registry-load.js");
    registerNodeConnectorLoaders();
    // The loader checks for Node synchronously when it is first called, so the global is swapped only around the call.
    const attempt = (stand: unknown) => {
      const descriptor = Object.getOwnPropertyDescriptor(globalThis, "process")!;
      Object.defineProperty(globalThis, "process", { value: stand, configurable: true, writable: true });
      try {
        return loadConnector("storage", "sqlite", "storage.connector");
      } finally {
        Object.defineProperty(globalThis, "process", descriptor);
      }
    };
    for (const stand of [undefined, {}, { versions: {} }, { versions: { node: 22 } }]) {
      await expect(attempt(stand)).rejects.toThrow('storage.connector: cannot load storage connector "sqlite": modelmesh.sqlite.v1 runs in Node only (browsers: use modelmesh.indexeddb.v1 or modelmesh.localstorage.v1)');
    }
    const { connector } = await loadConnector("storage", "sqlite", "storage.connector");
    expect((connector as unknown as { connectorId: string }).connectorId).toBe("modelmesh.sqlite.v1");
  });
});
