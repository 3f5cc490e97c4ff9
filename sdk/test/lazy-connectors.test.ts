import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError, create, isModelMeshErrorOf, registerConnectorLoader } from "../src/index.js";
import { create as createLazy } from "../src/lazy.js";
import { CostFirstPolicy } from "../src/static.js";
import { BUILTIN_CONNECTORS } from "../src/core/connector-ids.js";
import { BUILTIN_CLASSES } from "../src/core/builtin-mesh.js";
import { registerBuiltins } from "../src/core/builtins.js";
import { checkConnector } from "../src/core/registry.js";
import { loadConnector } from "../src/core/registry-load.js";
import { resolveConfig } from "../src/core/config.js";
import { namedConnectors, outlineConfig, outlineOptions } from "../src/core/config-outline.js";
import { MockProvider } from "../src/testing/index.js";
import { CHAT, hello, pairConfig, startPair } from "./support/mesh.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

let pair: Awaited<ReturnType<typeof startPair>>;
beforeEach(async () => {
  pair = await startPair();
});
afterEach(async () => {
  await pair.close();
});

const statics = (connector: unknown) => connector as { connectorId: string; shortName?: string; envVars?: readonly string[] };

describe("the built-in connector table", () => {
  it("lists every connector class in sdk/src (by its connectorId), and the root entry links each of them", () => {
    const ids: string[] = [];
    for (const kind of ["provider", "rotation", "secrets", "storage", "observability", "discovery"]) {
      // A non-OpenAI wire format is a folder (provider/anthropic/): its class lives one level down.
      for (const file of readdirSync(`${root}sdk/src/${kind}`, { recursive: true }) as string[]) {
        if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
        const id = /^\s*static (?:readonly |override )*connectorId(?::\s*string)?\s*=\s*"([^"]+)"/m.exec(readFileSync(`${root}sdk/src/${kind}/${file}`, "utf8"))?.[1];
        if (id) ids.push(id);
      }
    }
    expect(BUILTIN_CONNECTORS.map((entry) => entry.id).sort()).toEqual(ids.sort());
    expect(BUILTIN_CLASSES.map((connector) => statics(connector).connectorId).sort()).toEqual(ids.sort());
  });

  it.each(BUILTIN_CONNECTORS.map((entry) => [entry.id, entry] as const))("%s: its loader loads the class the table describes", async (id, entry) => {
    registerBuiltins();
    const { connector } = await loadConnector(entry.kind, id, "test");
    const described = statics(connector);
    expect(described.connectorId).toBe(id);
    if (described.shortName) expect(entry.aliases[0]).toBe(described.shortName);
    expect([...((entry as { envVars?: readonly string[] }).envVars ?? [])]).toEqual([...(described.envVars ?? [])]);
    expect(BUILTIN_CLASSES).toContain(connector);
  });

  it("loads a connector once however many ask at the same time, and lets a failed load be retried", async () => {
    let calls = 0;
    let fail = true;
    registerConnectorLoader({ id: "test.counted.v1", kind: "rotation", aliases: ["counted"] }, async () => {
      calls += 1;
      if (fail) throw new Error("chunk fetch failed");
      return CostFirstPolicy;
    });
    await expect(loadConnector("rotation", "counted", "pools.chat.strategy")).rejects.toThrow(/cannot load rotation connector "counted": chunk fetch failed/);
    fail = false;
    const loaded = await Promise.all([loadConnector("rotation", "counted", "x"), loadConnector("rotation", "test.counted.v1", "y")]);
    expect(loaded.map((item) => item.connector)).toEqual([CostFirstPolicy, CostFirstPolicy]);
    expect(calls).toBe(2);
    expect(checkConnector("rotation", "counted", "x")).toBe("test.counted.v1");
  });
});

describe("create() checks connector names synchronously", () => {
  const entries = [
    ["modelmesh", create],
    ["modelmesh/lazy", createLazy],
  ] as const;
  it.each(entries)("%s: unknown names in the configuration or the options throw ConfigError with the path, before any await", (_name, make) => {
    const caught = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const cases: Array<[() => unknown, string]> = [
      [() => make({ config: { providers: { p: { connector: "acme.llm.v9" } } } }), "providers.p.connector"],
      [() => make({ config: JSON.stringify({ providers: { p: { connector: "acme.llm.v9" } } }) }), "providers.p.connector"],
      [() => make({ providers: ["nope"] }), "providers[0].connector"],
      [() => make("chat-completion", { providers: ["openai"], strategy: "fastest-ever" }), "defaults.strategy"],
      [() => make({ config: { providers: ["openai"] }, observability: { connector: "nope" } }), "observability[0].connector"],
      [() => make({ config: { providers: ["openai"], secrets: { store: "vault" } } }), "secrets.store"],
      [() => make({ config: { providers: ["openai"], pools: { chat: { capability: "chat-completion", strategy: "modelmesh.memory.v1" } } } }), "pools.chat.strategy"],
    ];
    for (const [run, path] of cases) {
      const error = caught(run);
      expect(error, path).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path, path).toBe(path);
    }
  });

  it("modelmesh/static knows only the defaults and what the app registered; YAML text is refused at once", async () => {
    // A fresh module graph: a service worker's bundle has its own registry, which the other tests here have filled.
    vi.resetModules();
    const { create: createStatic, registerConnectors: registerStatic, CostFirstPolicy: FreshCostFirst, ConfigError: FreshConfigError } = await import("../src/static.js");
    expect(() => createStatic({ providers: ["openai-compatible"], strategy: "cost-first" })).toThrow(/unknown (provider|rotation) connector/);
    expect(() => createStatic({ config: "providers:\n  - openai\n" })).toThrow(FreshConfigError);
    registerStatic([FreshCostFirst]);
    expect(() => createStatic({ providers: [{ instance: new MockProvider({ responses: ["x"] }) }], strategy: "cost-first" })).not.toThrow();
  });
});

describe("modelmesh/lazy checks an outline of the configuration in create(), the rest when the mesh starts", () => {
  // Every shape resolveConfig accepts for naming a connector or a pool: lists and maps, snake_case keys, short names,
  // strategies by name, object and `strategy_instance`, disabled providers, connector blocks and observability lists.
  const shapes: Array<Record<string, unknown>> = [
    { providers: ["openai", "anthropic"] },
    { providers: { main: { connector: "openai-compatible", config: { base_url: "http://127.0.0.1:1" } }, openai: {}, off: { connector: "groq", enabled: false } } },
    {
      secrets: { store: "memory-secrets", config: { secrets: {} } },
      storage: { connector: "memory" },
      observability: [{ connector: "console" }, { connector: "json-log" }],
      discovery: { connector: "auto-discovery" },
      defaults: { strategy: "cost-first", retry: { max_retries: 2 } },
      providers: [{ connector: "openai", name: "primary" }, "gemini"],
      pools: { chat: { capability: "chat-completion", strategy: "round-robin", providers: ["primary"] }, vectors: { capability: "text-embeddings" } },
    },
    { observability: { connector: "null" }, pools: { fast: { capability: "generation.text-generation.chat-completion", strategy_instance: { id: "corp.policy.v1", pick: () => undefined } } } },
  ];

  it.each(shapes.map((shape, index) => [index, shape] as const))("shape %i: names, paths, pools and providers agree with resolveConfig", (_index, shape) => {
    const full = resolveConfig(shape);
    const outline = outlineConfig(shape);
    // resolveConfig fills the default strategy in (a built-in, so there is nothing to check); the outline leaves it out.
    const fullNames = namedConnectors(full).filter((named) => outline.defaults.strategy !== undefined || named.path !== "defaults.strategy");
    expect(namedConnectors(outline)).toEqual(fullNames);
    expect(outline.providers.map(({ name, connector, enabled, path }) => ({ name, connector, enabled, path }))).toEqual(full.providers.map(({ name, connector, enabled, path }) => ({ name, connector, enabled, path })));
    expect(outline.pools.map(({ name, capability, path }) => ({ name, capability, path }))).toEqual(full.pools.map(({ name, capability, path }) => ({ name, capability, path })));
    expect(outline.pools.map((pool) => pool.strategy ?? full.defaults.strategy)).toEqual(full.pools.map((pool) => pool.strategy));
  });

  it("a value of the wrong type is left for resolveConfig to report, never read as a connector name", () => {
    expect(outlineOptions({ config: { providers: { p: { connector: 42 } }, secrets: { store: ["env"] } } })?.providers).toEqual([]);
    expect(() => create({ config: { providers: { p: { connector: 42 } } } })).toThrow(/providers\.p\.connector: must be a non-empty string/);
  });

  it("other configuration errors reject ready() with the path in modelmesh/lazy, and throw in create() in modelmesh", async () => {
    const config = { providers: ["openai"], pools: { chat: { capability: "chat-completion", retry: { max_retries: -1 } } } };
    expect(() => create({ config })).toThrow(/pools\.chat\.retry\.max_retries: must be at least 0/);
    const client = createLazy({ config });
    expect(client.state).toBe("starting");
    const error = await client.ready().then(() => undefined, (caught: unknown) => caught);
    // By name: the mesh's chunk may be a fresh module graph here (vi.resetModules above), with its own ConfigError.
    expect(isModelMeshErrorOf(error, ConfigError)).toBe(true);
    expect((error as ConfigError).path).toBe("pools.chat.retry.max_retries");
    expect(client.state).toBe("failed");
    const malformed = createLazy({ config: '{ "providers": [' });
    await expect(malformed.ready()).rejects.toMatchObject({ name: "ConfigError" });
  });
});

describe("a client while it starts", () => {
  it("answers poolStatus(), describe() and explain() from the configuration at once, then from the running mesh", async () => {
    for (const make of [create, createLazy]) {
      pair.a.reset();
      const client = make("chat-completion", { config: pairConfig(pair) });
      expect(client.state).toBe("starting");
      // The configured pool, with no model in service yet; the capability is served by that pool, so no implicit one.
      expect(client.poolStatus()).toEqual({ chat: { active: 0, standby: 0, total: 0 } });
      expect(client.describe()).toEqual({
        state: "starting",
        providers: [
          { id: "a", connector: "modelmesh.openai-compatible.v1", models: 0 },
          { id: "b", connector: "modelmesh.openai-compatible.v1", models: 0 },
        ],
        pools: { chat: { capability: CHAT, strategy: "modelmesh.stick-until-failure.v1", configured: true, active: 0, standby: 0, total: 0, models: [] } },
      });
      const early = client.explain({ model: "chat" });
      expect(early).toMatchObject({ state: "starting", pool: "chat", strategy: "modelmesh.stick-until-failure.v1", selectedModel: null, selectedProvider: null, candidates: [] });
      expect(early.reason).toMatch(/starting/);
      expect(pair.a.requests).toHaveLength(0);

      await client.ready();
      expect(client.state).toBe("ready");
      expect(client.poolStatus().chat).toEqual({ active: 2, standby: 0, total: 2 });
      expect(client.describe().state).toBe("ready");
      expect(client.explain({ model: "chat" })).toMatchObject({ state: "ready", pool: "chat", selectedModel: "alpha" });
      const response = await client.chat.completions.create({ model: "chat", messages: hello });
      expect(response.model).toMatch(/^alpha/);
      await client.close();
    }
  });

  it("names the client's capability as a pool when no configured pool serves it", () => {
    const client = createLazy("text-embeddings", { providers: ["openai"], strategy: "cost-first" });
    expect(client.poolStatus()).toEqual({ "text-embeddings": { active: 0, standby: 0, total: 0 } });
    expect(client.describe().pools["text-embeddings"]).toMatchObject({ capability: "representation.embeddings.text-embeddings", strategy: "modelmesh.cost-first.v1", configured: false });
    expect(client.describe().providers).toEqual([{ id: "openai", connector: "openai.llm.v1", models: 0 }]);
    void client.ready().catch(() => {});
  });

  it("throws the start-up error from all three once start failed", async () => {
    const client = create({ config: pairConfig(pair, {}, { pools: { voice: { capability: "text-to-speech" } } }) });
    await client.ready().catch(() => {});
    expect(client.state).toBe("failed");
    // By class name: the mesh's chunk may be a fresh module graph here (vi.resetModules above), with its own ConfigError.
    for (const read of [() => client.poolStatus(), () => client.describe(), () => client.explain()]) {
      let error: unknown;
      try {
        read();
      } catch (thrown) {
        error = thrown;
      }
      expect(isModelMeshErrorOf(error, ConfigError), String(error)).toBe(true);
      expect((error as ConfigError).path).toBe("pools.voice");
    }
  });
});
