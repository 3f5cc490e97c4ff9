import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/wire/error-base.js";
import { DEFAULT_POOL_SETTINGS, loadConfigSync, resolveConfig } from "../../src/core/config.js";
import { loadConfig, MeshConfig, parseConfigText, secretReferences } from "../../src/core/config-load.js";

// How configuration is read (text vs file path, JSON vs YAML, the error for each) and the resolveConfig rules the
// larger suites leave open: which values count as mappings, null as absent, numbers, budgets and defaults.

const refusal = (call: () => unknown): ConfigError => {
  try {
    call();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error("no error");
};
const asyncRefusal = async (call: () => Promise<unknown>): Promise<ConfigError> => {
  try {
    await call();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error("no error");
};

describe("loadConfig: text or a file", () => {
  const folder = mkdtempSync(join(tmpdir(), "modelmesh-config-"));
  const yamlFile = join(folder, "mesh.yml");
  writeFileSync(yamlFile, "budget:\n  daily_limit: 3\n");
  const jsonFile = join(folder, "mesh.JSON");
  writeFileSync(jsonFile, '{"budget": {"daily_limit": 4}}');

  it("reads a path ending .yml / .yaml / .json (any case, surrounding spaces allowed) as a file", async () => {
    expect(await loadConfig(yamlFile)).toEqual({ budget: { daily_limit: 3 } });
    expect(await loadConfig(`  ${jsonFile}  `)).toEqual({ budget: { daily_limit: 4 } });
  });

  it("a missing file is a ConfigError naming it", async () => {
    const error = await asyncRefusal(() => loadConfig(join(folder, "absent.yaml")));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`cannot read configuration file ${join(folder, "absent.yaml")}: `);
    expect(error.message).toContain("ENOENT");
  });

  it("a file's parse error names the file", async () => {
    const broken = join(folder, "broken.json");
    writeFileSync(broken, '{"budget": ');
    expect((await asyncRefusal(() => loadConfig(broken))).message).toContain(`${broken} is not valid JSON: `);
  });

  it("text that looks like configuration is parsed, even when it ends like a file name", async () => {
    expect(await loadConfig("version: x.yaml")).toEqual({ version: "x.yaml" });
    expect(await loadConfig("  my-key : a.json")).toEqual({ "my-key": "a.json" });
    expect(await loadConfig('  {"version": "b.json"}')).toEqual({ version: "b.json" });
    expect(await loadConfig('  ["x.yml"]')).toEqual(["x.yml"]);
    expect(await loadConfig("a: 1\nb: c.yaml")).toEqual({ a: 1, b: "c.yaml" });
    // Neither text-like nor a config file name: read as YAML text (a bare word is a YAML scalar).
    expect(await loadConfig("plain")).toBe("plain");
  });

  it("an object is returned as it is", async () => {
    const object = { version: 1 };
    expect(await loadConfig(object)).toBe(object);
  });
});

describe("parseConfigText and loadConfigSync", () => {
  it("JSON is recognised after leading whitespace; errors say which format and where the text came from", async () => {
    expect(await parseConfigText('\n  {"a": 1}')).toEqual({ a: 1 });
    expect((await asyncRefusal(() => parseConfigText('  {"a": '))).message).toMatch(/^configuration is not valid JSON: /);
    expect((await asyncRefusal(() => parseConfigText("a: [1", "mesh.yaml"))).message).toMatch(/^mesh\.yaml is not valid YAML: /);
    expect(await parseConfigText("")).toEqual({});
  });

  it("loadConfigSync parses JSON text, returns objects unchanged, and says what is wrong with bad JSON", () => {
    expect(loadConfigSync('{"a": 2}')).toEqual({ a: 2 });
    const object = { a: 3 };
    expect(loadConfigSync(object)).toBe(object);
    expect(refusal(() => loadConfigSync("a: 1")).message).toMatch(/^configuration is not valid JSON: /);
  });

  it("MeshConfig.fromJson resolves JSON text", () => {
    const config = MeshConfig.fromJson('{"budget": {"daily_limit": 2}}');
    expect(config.raw).toEqual({ budget: { daily_limit: 2 } });
    expect(config.resolved.budget?.dailyLimit).toBe(2);
  });
});

describe("resolveConfig: values", () => {
  it("only a plain object is a mapping: lists, class instances and null-prototype objects are refused with their kind", () => {
    expect(refusal(() => resolveConfig({ budget: [] })).message).toBe("budget: must be a mapping, got a list");
    expect(refusal(() => resolveConfig({ budget: new Map() })).message).toBe("budget: must be a mapping, got a mapping");
    expect(refusal(() => resolveConfig({ budget: Object.create(null) })).message).toBe("budget: must be a mapping, got a mapping");
    expect(refusal(() => resolveConfig({ budget: 5 })).message).toBe("budget: must be a mapping, got number 5");
    expect(refusal(() => resolveConfig([] as never)).message).toBe("configuration must be a mapping, got a list");
    expect(refusal(() => resolveConfig(null as never)).message).toBe("configuration must be a mapping, got null");
  });

  it("null counts as not given, for every kind of value but a budget's limit", () => {
    // A budget limit left empty is a limit forgotten: refused (config.test.ts), not read as "no limit".
    expect(refusal(() => resolveConfig({ budget: { daily_limit: null } })).message).toContain("leave the key out for no limit");
    const config = resolveConfig({ budget: { enforce: null, scopes: null }, defaults: { strategy: null, stream_failover: null, strategy_config: null, retry: null }, storage: null });
    expect(config.budget).toEqual({ alertThreshold: 0.8, enforce: true });
    expect(config.defaults.streamFailover).toBe(DEFAULT_POOL_SETTINGS.streamFailover);
    expect(config.defaults.strategy).toBe(DEFAULT_POOL_SETTINGS.strategy);
    expect(config.defaults.strategyConfig).toEqual(DEFAULT_POOL_SETTINGS.strategyConfig);
    expect(config.storage).toBeUndefined();
  });

  it("numbers must be finite numbers: text, infinity and NaN are refused", () => {
    expect(refusal(() => resolveConfig({ budget: { daily_limit: "5" } })).message).toBe('budget.daily_limit: must be a number, got "5"');
    expect(refusal(() => resolveConfig({ budget: { daily_limit: Number.POSITIVE_INFINITY } })).message).toBe("budget.daily_limit: must be a number, got number Infinity");
    expect(refusal(() => resolveConfig({ budget: { daily_limit: Number.NaN } })).message).toBe("budget.daily_limit: must be a number, got number NaN");
    expect(refusal(() => resolveConfig({ budget: { daily_limit: -1 } })).message).toBe("budget.daily_limit: must be at least 0, got -1");
  });

  it("a long string is quoted cut at 40 characters", () => {
    const long = "x".repeat(50);
    expect(refusal(() => resolveConfig({ defaults: { stream_failover: 7 } })).message).toBe("defaults.stream_failover: must be a non-empty string, got number 7");
    expect(refusal(() => resolveConfig({ budget: { daily_limit: long } })).message).toBe(`budget.daily_limit: must be a number, got "${"x".repeat(40)}…"`);
  });
});

describe("resolveConfig: budgets", () => {
  it("alert threshold: a share between 0 and 1 (1 itself allowed)", () => {
    expect(resolveConfig({ budget: { daily_limit: 1, alert_threshold: 1 } }).budget?.alertThreshold).toBe(1);
    expect(refusal(() => resolveConfig({ budget: { alert_threshold: 1.5 } })).message).toBe("budget.alert_threshold: must be a share of the limit between 0 and 1, got 1.5");
  });

  it("only the limits given are set; a zero limit is a limit", () => {
    expect(resolveConfig({ budget: { monthly_limit: 0 } }).budget).toEqual({ alertThreshold: 0.8, enforce: true, monthlyLimit: 0 });
    expect(resolveConfig({ budget: { per_request_limit: 0.5, enforce: false } }).budget).toEqual({ alertThreshold: 0.8, enforce: false, perRequestLimit: 0.5 });
  });

  it("scope_default and default_price are read; absent, they are left out", () => {
    const budget = resolveConfig({ budget: { daily_limit: 1, scope_default: { daily_limit: 0.1 }, default_price: { input: 1, per_request: 0.01 } } }).budget!;
    expect(budget.scopeDefault).toEqual({ alertThreshold: 0.8, enforce: true, dailyLimit: 0.1 });
    expect(budget.defaultPrice).toEqual({ input: 1, perRequest: 0.01 });
    expect(Object.keys(resolveConfig({ budget: { daily_limit: 1 } }).budget!)).toEqual(["alertThreshold", "enforce", "dailyLimit"]);
    expect(refusal(() => resolveConfig({ budget: { default_price: { input: -1 } } })).message).toBe("budget.default_price.input: must be at least 0, got -1");
    expect(refusal(() => resolveConfig({ budget: { default_price: { per_image: 1 } } })).message).toContain("budget.default_price.per_image: unknown key");
  });

  it("a provider's model budgets: only models with a budget, each needing an id, at its path", () => {
    const config = resolveConfig({ providers: { openai: { config: { models: ["gpt-x", { id: "a" }, { id: "b", budget: { daily_limit: 2 } }] } } } });
    expect(config.providers[0]!.modelBudgets).toEqual({ b: { alertThreshold: 0.8, enforce: true, dailyLimit: 2 } });
    expect(resolveConfig({ providers: { openai: { config: { models: [{ id: "a" }] } } } }).providers[0]!.modelBudgets).toBeUndefined();
    const error = refusal(() => resolveConfig({ providers: { openai: { config: { models: [{ id: "a" }, { budget: { daily_limit: 1 } }] } } } }));
    expect(error.message).toBe("providers.openai.config.models[1].id: a model with a budget needs an id");
  });
});

describe("resolveConfig: pools and providers", () => {
  it("a pool naming a provider that is not configured is refused, listing the configured ones", () => {
    expect(refusal(() => resolveConfig({ providers: ["openai", "groq"], pools: { chat: { capability: "chat-completion", providers: ["mistral"] } } })).message).toBe(
      'pools.chat.providers: names provider "mistral", which is not configured (configured: openai, groq)',
    );
  });

  it("provider names come from list strings or mapping keys", () => {
    expect(resolveConfig({ providers: ["openai"] }).providers.map((provider) => [provider.name, provider.path])).toEqual([["openai", "providers[0]"]]);
    expect(resolveConfig({ providers: null }).providers).toEqual([]);
  });

  it("retry max_attempts and timeout_ms appear only when given", () => {
    const given = resolveConfig({ defaults: { retry: { max_attempts: 3 }, timeout_ms: 5000 } }).defaults;
    expect(given.retry.maxAttempts).toBe(3);
    expect(given.timeouts.timeoutMs).toBe(5000);
    const absent = resolveConfig({ defaults: { retry: { max_retries: 1 } } }).defaults;
    expect("maxAttempts" in absent.retry).toBe(false);
    expect("timeoutMs" in absent.timeouts).toBe(false);
    expect(refusal(() => resolveConfig({ defaults: { retry: { max_attempts: 1.5 } } })).message).toBe("defaults.retry.max_attempts: must be a whole number, got 1.5");
    expect(refusal(() => resolveConfig({ defaults: { deactivation: { failure_threshold: 2.5 } } })).message).toBe("defaults.deactivation.failure_threshold: must be a whole number, got 2.5");
  });

  it("a connector block's instance is kept, and an absent one is left undefined", () => {
    const instance = { id: "mine" };
    expect(resolveConfig({ storage: { instance } }).storage).toEqual({ connector: "", config: {}, instance, path: "storage" });
    expect(resolveConfig({ storage: { connector: "memory", instance: null } }).storage).toEqual({ connector: "memory", config: {}, instance: undefined, path: "storage" });
  });
});

describe("secretReferences", () => {
  it("finds ${secrets:NAME} in strings, lists and nested mappings; nothing in other values", () => {
    expect([...secretReferences({ a: "${secrets:ONE}", b: ["x ${secrets:TWO} ${secrets:THREE}"], c: { d: "${secrets:FOUR}" }, e: 5, f: null })]).toEqual(["ONE", "TWO", "THREE", "FOUR"]);
    expect([...secretReferences(new Map([["a", "${secrets:HIDDEN}"]]))]).toEqual([]);
  });
});
