import { describe, expect, it } from "vitest";
import { ConfigError } from "../wire/error-base.js";
import { DEFAULT_POOL_SETTINGS, loadConfigSync, resolveConfig, type MeshConfigObject } from "./config.js";
import { interpolateSecrets, parseConfigText, secretReferences } from "./config-load.js";

// Each bad configuration must be refused with the path as the person wrote it and a message saying what was found.

function refusal(raw: unknown): string {
  try {
    resolveConfig(raw as MeshConfigObject);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

const pool = (settings: Record<string, unknown>) => ({ pools: { chat: { capability: "chat-completion", ...settings } } });

describe("configuration errors name the path and what was found", () => {
  it.each([
    [[], "configuration must be a mapping, got a list"],
    [{ budget: { daily: 5 } }, "budget.daily: unknown key (expected one of: dailyLimit, monthlyLimit, perRequestLimit, alertThreshold, enforce, scopes, scopeDefault, defaultPrice)"],
    [{ routing: { seed: 1.5 } }, "routing.seed: must be a whole number, got 1.5"],
    [{ routing: { seed: "7" } }, 'routing.seed: must be a number, got "7"'],
    [{ routing: { shuffle: true } }, "routing.shuffle: unknown key (expected one of: seed)"],
    [pool({ retry: { max_retries: -1 } }), "pools.chat.retry.max_retries: must be at least 0, got -1"],
    [pool({ retry: { max_retries: 1.5 } }), "pools.chat.retry.max_retries: must be a whole number, got 1.5"],
    [pool({ retry: { max_retries: -1 } }), "pools.chat.retry.max_retries: must be at least 0, got -1"],
    [pool({ retry: { base_delay_ms: -5 } }), "pools.chat.retry.base_delay_ms: must be at least 0, got -5"],
    [pool({ retry: { max_delay_ms: -5 } }), "pools.chat.retry.max_delay_ms: must be at least 0, got -5"],
    [pool({ retry: { max_retry_after_ms: -5 } }), "pools.chat.retry.max_retry_after_ms: must be at least 0, got -5"],
    [pool({ retry: { jitter: "half" } }), 'pools.chat.retry.jitter: must be one of full, equal, none, got "half"'],
    [pool({ retry: { jitter: "" } }), 'pools.chat.retry.jitter: must be a non-empty string, got ""'],
    [pool({ retry: { max_retries: Number.POSITIVE_INFINITY } }), "pools.chat.retry.max_retries: must be a number, got number Infinity"],
    [pool({ retry: { tries: 3 } }), "pools.chat.retry.tries: unknown key (expected one of: maxRetries, maxAttempts, baseDelayMs, maxDelayMs, jitter, maxRetryAfterMs)"],
    [pool({ deactivation: { failure_threshold: 0 } }), "pools.chat.deactivation.failure_threshold: must be at least 1, got 0"],
    [pool({ deactivation: { after: 2 } }), "pools.chat.deactivation.after: unknown key (expected one of: failureThreshold)"],
    [pool({ recovery: { cooldown_ms: -1 } }), "pools.chat.recovery.cooldown_ms: must be at least 0, got -1"],
    [pool({ recovery: { backoff_multiplier: 0.5 } }), "pools.chat.recovery.backoff_multiplier: must be at least 1, got 0.5"],
    [pool({ recovery: { max_cooldown_ms: -1 } }), "pools.chat.recovery.max_cooldown_ms: must be at least 0, got -1"],
    [pool({ recovery: { jitter: 1 } }), "pools.chat.recovery.jitter: unknown key (expected one of: cooldownMs, backoffMultiplier, maxCooldownMs, keyProbeMs)"],
    [pool({ stream_failover: "retry" }), 'pools.chat.stream_failover: must be one of continue, restart, error, got "retry"'],
    [pool({ timeout_ms: 0 }), "pools.chat.timeout_ms: must be at least 1, got 0"],
    [pool({ retry: [1] }), "pools.chat.retry: must be a mapping, got a list"],
    [pool({ models: "gpt-4o" }), 'pools.chat.models: must be a list of strings, got "gpt-4o"'],
    [pool({ models: ["gpt-4o", 4] }), "pools.chat.models: must be a list of strings, got a list"],
    [pool({ budget: 5 }), "pools.chat.budget: must be a mapping, got number 5"],
    [pool({ on_budget_exceeded: "stop" }), 'pools.chat.on_budget_exceeded: must be one of error, rotate, got "stop"'],
    [{ pools: { chat: "chat-completion" } }, 'pools.chat: must be a mapping, got "chat-completion"'],
    [{ pools: { chat: null } }, "pools.chat: must be a mapping with at least a capability"],
    [{ pools: { chat: { strategy: "round-robin" } } }, "pools.chat.capability: is required (e.g. generation.text-generation.chat-completion or chat-completion)"],
    [{ defaults: { capability: "chat-completion" } }, "defaults.capability: unknown key (expected one of: strategy, strategyConfig, strategyInstance, retry, deactivation, recovery, streamFailover, timeoutMs, connectTimeoutMs, firstTokenTimeoutMs, stallTimeoutMs, onBudgetExceeded)"],
    [{ providers: "openai" }, 'providers: must be a mapping of provider names or a list, got "openai"'],
    [{ providers: { openai: 5 } }, "providers.openai: must be a connector id or a mapping, got number 5"],
    [{ providers: [{ config: {} }] }, 'providers[0]: needs "connector" (e.g. openai.llm.v1) or "instance"'],
    [{ providers: { openai: { enabled: "yes" } } }, 'providers.openai.enabled: must be true or false, got "yes"'],
    [{ providers: { openai: { budget: 1 } } }, "providers.openai.budget: must be a mapping, got number 1"],
    [{ providers: ["openai.llm.v1", "openai.llm.v1"] }, 'providers[1]: provider name "openai.llm.v1" is used twice; give one a distinct "name"'],
    [{ providers: { a: { connector: "openai.llm.v1" } }, pools: { chat: { capability: "chat-completion", providers: ["b"] } } }, 'pools.chat.providers: names provider "b", which is not configured (configured: a)'],
    [{ observability: [{ connector: "console" }, "json"] }, 'observability[1]: must be a mapping with "connector", got "json"'],
    [{ observability: 3 }, 'observability: must be a mapping with "connector", got number 3'],
    [{ storage: { config: {} } }, 'storage: needs "connector" (a connector id or short name) or "instance"'],
    [{ secrets: { config: {} } }, 'secrets: needs "store" (a connector id or short name) or "instance"'],
    [{ secrets: { store: "env", path: "x" } }, "secrets.path: unknown key (expected one of: store, config, instance, connector)"],
    [{ storage: { connector: "memory", store: "x" } }, "storage.store: unknown key (expected one of: connector, config, instance)"],
    [{ pools: { chat: { capability: "chat-completion", maxRetries: 1, max_retries: 2 } } }, 'pools.chat.max_retries: given twice (as "maxRetries" and "max_retries")'],
  ])("%j", (raw, message) => {
    expect(refusal(raw)).toBe(message);
  });

  it("shortens a long string it quotes", () => {
    expect(refusal(pool({ retry: { jitter: "x".repeat(45) } }))).toBe(`pools.chat.retry.jitter: must be one of full, equal, none, got "${"x".repeat(45)}"`);
    expect(refusal(pool({ models: "m".repeat(41) }))).toBe(`pools.chat.models: must be a list of strings, got "${"m".repeat(40)}…"`);
    expect(refusal(pool({ models: "m".repeat(40) }))).toBe(`pools.chat.models: must be a list of strings, got "${"m".repeat(40)}"`);
  });
});

describe("resolved settings", () => {
  it("applies every pool setting, defaults for the rest, and defaults: to pools that do not override", () => {
    const config = resolveConfig({
      defaults: { retry: { max_retries: 5, jitter: "none" }, timeout_ms: 9_000, strategy: "round-robin", strategy_config: { failure_threshold: 4 } },
      pools: {
        tuned: {
          capability: "chat-completion",
          retry: { base_delay_ms: 0, max_delay_ms: 100, max_retry_after_ms: 0, jitter: "equal" },
          deactivation: { failure_threshold: 1 },
          recovery: { cooldown_ms: 0, backoff_multiplier: 1, max_cooldown_ms: 60_000 },
          stream_failover: "continue",
          timeout_ms: 1,
          models: ["gpt-4o"],
        },
        plain: { capability: "text-embeddings" },
      },
    });
    const [tuned, plain] = config.pools;
    expect(tuned).toMatchObject({
      name: "tuned",
      models: ["gpt-4o"],
      strategy: "round-robin",
      strategyConfig: { failureThreshold: 4 },
      retry: { maxRetries: 5, baseDelayMs: 0, maxDelayMs: 100, jitter: "equal", maxRetryAfterMs: 0 },
      deactivation: { failureThreshold: 1 },
      recovery: { cooldownMs: 0, backoffMultiplier: 1, maxCooldownMs: 60_000 },
      streamFailover: "continue",
      timeouts: { ...DEFAULT_POOL_SETTINGS.timeouts, timeoutMs: 1 },
    });
    expect(plain).toMatchObject({
      name: "plain",
      capability: "representation.embeddings.text-embeddings",
      retry: { ...DEFAULT_POOL_SETTINGS.retry, maxRetries: 5, jitter: "none" },
      deactivation: DEFAULT_POOL_SETTINGS.deactivation,
      recovery: DEFAULT_POOL_SETTINGS.recovery,
      streamFailover: "continue",
      timeouts: { ...DEFAULT_POOL_SETTINGS.timeouts, timeoutMs: 9_000 },
    });
    expect(plain?.providers).toBeUndefined();
    expect(config.defaults.timeouts.timeoutMs).toBe(9_000);
    expect(resolveConfig({}).defaults).toBe(DEFAULT_POOL_SETTINGS);
  });

  it("takes a strategy object or instance as given, and null settings as absent", () => {
    const instance = { pick: () => null };
    const config = resolveConfig({
      pools: {
        byInstance: { capability: "chat-completion", strategy_instance: instance },
        byObject: { capability: "chat-completion", strategy: instance },
        absent: { capability: "chat-completion", strategy: null, retry: null, timeout_ms: null, strategy_config: null },
      },
    });
    expect(config.pools.map((entry) => entry.strategy)).toEqual([instance, instance, DEFAULT_POOL_SETTINGS.strategy]);
    expect(config.pools[2]).toMatchObject({ retry: DEFAULT_POOL_SETTINGS.retry, strategyConfig: {} });
    expect(config.pools[2]?.timeouts.timeoutMs).toBeUndefined();
  });

  it("names providers by key, by list entry, by their own name or their instance's id, and reads enabled", () => {
    const instance = { id: "custom-id", chat: () => undefined };
    const config = resolveConfig({
      providers: [
        "openai.llm.v1",
        { connector: "groq.api.v1", name: "fast", enabled: false, config: { api_key: "k", extra_headers: { "X-Title": "t" } } },
        { instance },
      ],
    });
    expect(config.providers.map(({ name, connector, enabled, path }) => ({ name, connector, enabled, path }))).toEqual([
      { name: "openai.llm.v1", connector: "openai.llm.v1", enabled: true, path: "providers[0]" },
      { name: "fast", connector: "groq.api.v1", enabled: false, path: "providers[1]" },
      { name: "custom-id", connector: "", enabled: true, path: "providers[2]" },
    ]);
    // Top-level connector options become camelCase; what is nested inside them stays as written.
    expect(config.providers[1]?.config).toEqual({ apiKey: "k", extraHeaders: { "X-Title": "t" } });
    expect(config.providers[2]?.instance).toBe(instance);
    const byKey = resolveConfig({ providers: { mine: { config: {} }, other: "anthropic.llm.v1" } });
    expect(byKey.providers.map(({ name, connector, path }) => ({ name, connector, path }))).toEqual([
      { name: "mine", connector: "mine", path: "providers.mine" },
      { name: "anthropic.llm.v1", connector: "anthropic.llm.v1", path: "providers.other" },
    ]);
  });

  it("reads connector blocks for storage, secrets (by store or connector), discovery and observability", () => {
    const config = resolveConfig({
      storage: { connector: "memory", config: { key_prefix: "mm:" } },
      secrets: { connector: "env" },
      discovery: { connector: "auto" },
      observability: { connector: "console", config: { min_severity: "info" } },
    });
    // Config keys in camelCase (what built-ins read), and how each was written (what a custom connector is given).
    expect(config.storage).toEqual({ connector: "memory", config: { keyPrefix: "mm:" }, writtenKeys: { keyPrefix: "key_prefix" }, instance: undefined, path: "storage" });
    expect(config.secrets).toMatchObject({ connector: "env", path: "secrets" });
    expect(config.discovery).toMatchObject({ connector: "auto", path: "discovery" });
    expect(config.observability).toEqual([{ connector: "console", config: { minSeverity: "info" }, writtenKeys: { minSeverity: "min_severity" }, instance: undefined, path: "observability" }]);
    expect(resolveConfig({ observability: [{ connector: "console" }] }).observability[0]?.path).toBe("observability[0]");
    expect(resolveConfig({ observability: null }).observability).toEqual([]);
    expect(resolveConfig({ secrets: { store: "json", connector: "env" } }).secrets?.connector).toBe("json");
    expect(resolveConfig({}).storage).toBeUndefined();
  });
});

describe("configuration text", () => {
  it("parses JSON when the text starts with a brace and YAML otherwise, naming the source when it fails", async () => {
    expect(await parseConfigText('  {"routing": {"seed": 1}}')).toEqual({ routing: { seed: 1 } });
    expect(await parseConfigText("routing:\n  seed: 2\n")).toEqual({ routing: { seed: 2 } });
    expect(await parseConfigText("")).toEqual({});
    await expect(parseConfigText("{oops", "mesh.json")).rejects.toThrow("mesh.json is not valid JSON");
    await expect(parseConfigText("a: [1,", "mesh.yaml")).rejects.toThrow("mesh.yaml is not valid YAML");
    expect(loadConfigSync({ a: 1 })).toEqual({ a: 1 });
    expect(() => loadConfigSync("routing: 1")).toThrow("configuration is not valid JSON");
  });

  it("finds secret references with spaces trimmed, and fills missing ones with nothing", () => {
    expect([...secretReferences({ a: ["${secrets: KEY_A }", 4], b: { c: "x ${secrets:KEY_B} y ${secrets:KEY_A}" } })]).toEqual(["KEY_A", "KEY_B"]);
    expect(interpolateSecrets({ list: ["${secrets:KEY_A}"], text: "<${secrets:MISSING}>", count: 3 }, new Map([["KEY_A", "value-a"]]))).toEqual({
      list: ["value-a"],
      text: "<>",
      count: 3,
    });
  });
});
