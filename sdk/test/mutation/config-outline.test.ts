import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/wire/error-base.js";
import { applyOptions, namedConnectors, outlineConfig, outlineOptions } from "../../src/core/config-outline.js";
import { resolveConfig } from "../../src/core/config.js";

// modelmesh/lazy's first look at a configuration: the lenient outline (what it keeps, what it leaves for the full
// check), outlineOptions on text, and how code-level options replace configuration blocks.

const refusal = (call: () => unknown): ConfigError => {
  try {
    call();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error("no error");
};

describe("outlineConfig", () => {
  it("connector blocks: store or connector (snake_case read too), an instance, or left out when unreadable", () => {
    const instance = { id: "vault" };
    const outline = outlineConfig({ secrets: { store: "dotenv" }, storage: { connector: "sqlite", config: { path: "x" } }, discovery: { instance } });
    expect(outline.secrets).toEqual({ connector: "dotenv", config: {}, instance: undefined, path: "secrets" });
    expect(outline.storage).toEqual({ connector: "sqlite", config: {}, instance: undefined, path: "storage" });
    expect(outline.discovery).toEqual({ connector: "", config: {}, instance, path: "discovery" });
    expect(outlineConfig({ secrets: { connector: "dotenv" } }).secrets?.connector).toBe("dotenv");
    // A name of the wrong type, an empty name, or nothing to build: resolveConfig reports these later.
    expect(outlineConfig({ secrets: { store: 5 } }).secrets).toBeUndefined();
    expect(outlineConfig({ secrets: { store: "dotenv", connector: ["x"] } }).secrets).toBeUndefined();
    expect(outlineConfig({ storage: { connector: "" } }).storage).toBeUndefined();
    expect(outlineConfig({ storage: { connector: null, instance: null } }).storage).toBeUndefined();
    expect(outlineConfig({ storage: "sqlite" }).storage).toBeUndefined();
  });

  it("observability: one block, a list (with indexed paths), or nothing", () => {
    expect(outlineConfig({ observability: { connector: "console" } }).observability).toEqual([{ connector: "console", config: {}, instance: undefined, path: "observability" }]);
    expect(outlineConfig({ observability: [{ connector: "console" }, { connector: 7 }, { connector: "file" }] }).observability.map((spec) => spec.path)).toEqual(["observability[0]", "observability[2]"]);
    expect(outlineConfig({ observability: null }).observability).toEqual([]);
    expect(outlineConfig({}).observability).toEqual([]);
  });

  it("providers from a list or a mapping; unreadable entries left out", () => {
    const instance = { id: "mine-id" };
    const list = outlineConfig({ providers: ["openai", { connector: "groq", name: "fast" }, { instance }, { instance, name: "named" }, 7, { connector: 3 }, { name: 4, connector: "x" }, { connector: "y", enabled: "yes" }, {}] }).providers;
    expect(list.map((spec) => [spec.name, spec.connector, spec.path, spec.enabled])).toEqual([
      ["openai", "openai", "providers[0]", true],
      ["fast", "groq", "providers[1]", true],
      ["mine-id", "", "providers[2]", true],
      ["named", "", "providers[3]", true],
    ]);
    const mapping = outlineConfig({ providers: { main: { connector: "openai" }, groq: {}, off: { connector: "mistral", enabled: false }, text: "cohere", bad: [1] } }).providers;
    expect(mapping.map((spec) => [spec.name, spec.connector, spec.path, spec.enabled])).toEqual([
      ["main", "openai", "providers.main", true],
      ["groq", "groq", "providers.groq", true],
      ["off", "mistral", "providers.off", false],
      ["cohere", "cohere", "providers.text", true],
    ]);
    const anonymous = outlineConfig({ providers: [{ instance: { id: 5 } }] }).providers;
    expect(anonymous.map((spec) => spec.name)).toEqual([""]);
    expect(outlineConfig({ providers: "openai" }).providers).toEqual([]);
  });

  it("pools with a known capability, their strategy or the default one; strategies of the wrong type are none", () => {
    const policy = { pick: () => undefined };
    const outline = outlineConfig({
      defaults: { strategy: "cost-first" },
      pools: { chat: { capability: "chat-completion" }, fast: { capability: "chat-completion", strategy: "round-robin" }, own: { capability: "chat-completion", strategy_instance: policy }, odd: { capability: "no-such-thing" }, empty: { capability: "chat-completion", strategy: "" } },
    });
    expect(outline.defaults.strategy).toBe("cost-first");
    expect(outline.pools.map((pool) => [pool.name, pool.strategy, pool.path])).toEqual([
      ["chat", "cost-first", "pools.chat"],
      ["fast", "round-robin", "pools.fast"],
      ["own", policy, "pools.own"],
      ["empty", "cost-first", "pools.empty"],
    ]);
    expect(outline.pools[0]!.capability).toBe("generation.text-generation.chat-completion");
    expect(outlineConfig({ defaults: { strategy: 5 } }).defaults.strategy).toBeUndefined();
    expect(outlineConfig({ defaults: { strategy: null } }).defaults.strategy).toBeUndefined();
    expect(outlineConfig({ pools: { chat: {} } }).pools).toEqual([]);
  });
});

describe("outlineOptions", () => {
  it("JSON text is outlined (leading whitespace allowed); YAML text and bad JSON are left for start", () => {
    expect(outlineOptions({ config: ' {"providers": [], "secrets": {"instance": {"id": "s"}}, "defaults": {"strategy": {"pick": 1}}}' })?.providers).toEqual([]);
    expect(outlineOptions({ config: "providers: []" })).toBeUndefined();
    expect(outlineOptions({ config: '{"providers": ' })).toBeUndefined();
  });
});

describe("applyOptions", () => {
  const base = () => resolveConfig({ providers: ["openai", "groq"], storage: { connector: "memory" }, observability: [{ connector: "console" }] });

  it("code-level providers replace configured ones of the same name and come after the rest", () => {
    const instance = { id: "own" };
    const result = applyOptions(base(), { providers: ["groq", { connector: "mistral", config: { a: 1 } }, { instance: instance as never }, { name: "named", connector: "cohere" }] });
    expect(result.providers.map((spec) => [spec.name, spec.connector, spec.path])).toEqual([
      ["openai", "openai", "providers[0]"],
      ["groq", "groq", "providers[0]"],
      ["mistral", "mistral", "providers[1]"],
      ["own", "", "providers[2]"],
      ["named", "cohere", "providers[3]"],
    ]);
    expect(result.providers[2]!.config).toEqual({ a: 1 });
    expect(result.providers[3]!.config).toEqual({});
    expect(result.providers[3]!.instance).toBe(instance);
    expect(refusal(() => applyOptions(base(), { providers: [{ config: {} }] })).message).toBe("providers[0]: needs a connector id or an instance");
  });

  it("storage, secrets and observability options replace the blocks, as ids or instances", () => {
    const store = { get: async () => "" };
    const sink = { id: "sink" };
    const result = applyOptions(base(), { storage: { connector: "sqlite" }, secrets: { instance: store as never }, observability: [{ instance: sink }, { connector: "file", config: { path: "x" } }], strategy: "cost-first" });
    expect(result.storage).toEqual({ connector: "sqlite", config: {}, path: "storage" });
    expect(result.secrets).toEqual({ connector: "", config: {}, instance: store, path: "secrets" });
    expect(result.observability).toEqual([
      { connector: "", config: {}, instance: sink, path: "observability[0]" },
      { connector: "file", config: { path: "x" }, path: "observability[1]" },
    ]);
    expect(result.defaults.strategy).toBe("cost-first");
    const named = applyOptions(base(), { secrets: { store: "dotenv" }, observability: { connector: "console" }, storage: { instance: sink } });
    expect(named.secrets).toEqual({ connector: "dotenv", config: {}, path: "secrets" });
    expect(named.observability).toEqual([{ connector: "console", config: {}, path: "observability[0]" }]);
    expect(named.storage).toEqual({ connector: "", config: {}, instance: sink, path: "storage" });
    expect(applyOptions(base(), { secrets: { store: "dotenv", config: { path: ".env" } } }).secrets?.config).toEqual({ path: ".env" });
  });

  it("without options the configuration is unchanged", () => {
    const config = base();
    expect(applyOptions(config, {})).toEqual(config);
  });
});

describe("namedConnectors", () => {
  it("lists each named connector with its kind and path; instances and disabled providers are not named", () => {
    const config = resolveConfig({
      secrets: { store: "dotenv" },
      storage: { instance: { id: "s" } },
      observability: [{ connector: "console" }],
      discovery: { connector: "auto-discovery" },
      providers: { a: { connector: "openai" }, b: { connector: "groq", enabled: false } },
      pools: { chat: { capability: "chat-completion", strategy: "round-robin" } },
    });
    expect(namedConnectors(config)).toEqual([
      { kind: "secrets", name: "dotenv", path: "secrets.store" },
      { kind: "observability", name: "console", path: "observability[0].connector" },
      { kind: "discovery", name: "auto-discovery", path: "discovery.connector" },
      { kind: "provider", name: "openai", path: "providers.a.connector" },
      { kind: "rotation", name: "modelmesh.stick-until-failure.v1", path: "defaults.strategy" },
      { kind: "rotation", name: "round-robin", path: "pools.chat.strategy" },
    ]);
  });
});
