import { describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../wire/error-base.js";
import { DEFAULT_POOL_SETTINGS, resolveConfig, toCamelCase } from "./config.js";
import { MeshConfig, interpolateSecrets, loadConfig, secretReferences } from "./config-load.js";

const yaml = `
providers:
  openai.llm.v1:
    connector: openai.llm.v1
    config:
      api_key: "\${secrets:OPENAI_API_KEY}"
      base_url: http://127.0.0.1:1/v1
pools:
  chat-fast:
    capability: chat-completion
    strategy: modelmesh.latency-first.v1
    retry:
      max_retries: 4
      base_delay_ms: 10
    deactivation:
      failure_threshold: 2
    recovery:
      cooldown_ms: 500
    stream_failover: error
routing:
  seed: 7
proxy:
  port: 8080
`;

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("reads YAML with snake_case keys into camelCase settings", async () => {
    const config = resolveConfig(await loadConfig(yaml));
    expect(config.providers).toEqual([
      expect.objectContaining({ name: "openai.llm.v1", connector: "openai.llm.v1", config: { apiKey: "${secrets:OPENAI_API_KEY}", baseUrl: "http://127.0.0.1:1/v1" } }),
    ]);
    const pool = config.pools[0]!;
    expect(pool.name).toBe("chat-fast");
    expect(pool.capability).toBe("generation.text-generation.chat-completion");
    expect(pool.strategy).toBe("modelmesh.latency-first.v1");
    expect(pool.retry).toEqual({ ...DEFAULT_POOL_SETTINGS.retry, maxRetries: 4, baseDelayMs: 10 });
    expect(pool.deactivation.failureThreshold).toBe(2);
    expect(pool.recovery.cooldownMs).toBe(500);
    expect(pool.streamFailover).toBe("error");
    expect(config.seed).toBe(7);
    expect(config.proxy).toEqual({ port: 8080 });
  });

  it("accepts the same configuration as JSON text, camelCase object and file", async () => {
    const fromYaml = resolveConfig(await loadConfig(yaml));
    const object = {
      providers: { "openai.llm.v1": { connector: "openai.llm.v1", config: { apiKey: "${secrets:OPENAI_API_KEY}", baseUrl: "http://127.0.0.1:1/v1" } } },
      pools: {
        "chat-fast": {
          capability: "generation.text-generation.chat-completion",
          strategy: "modelmesh.latency-first.v1",
          retry: { maxRetries: 4, baseDelayMs: 10 },
          deactivation: { failureThreshold: 2 },
          recovery: { cooldownMs: 500 },
          streamFailover: "error",
        },
      },
      routing: { seed: 7 },
      proxy: { port: 8080 },
    };
    expect(resolveConfig(object)).toEqual(fromYaml);
    expect(resolveConfig(await loadConfig(JSON.stringify(object)))).toEqual(fromYaml);
    const directory = await mkdtemp(join(tmpdir(), "modelmesh-config-"));
    await writeFile(join(directory, "modelmesh.yaml"), yaml);
    await writeFile(join(directory, "modelmesh.json"), JSON.stringify(object));
    expect(resolveConfig(await loadConfig(join(directory, "modelmesh.yaml")))).toEqual(fromYaml);
    expect((await MeshConfig.fromFile(join(directory, "modelmesh.json"))).resolved).toEqual(fromYaml);
  });

  it("names the path of an unknown key, as the person wrote it", () => {
    expect(configError(() => resolveConfig({ pools: { chat: { capability: "chat-completion", retyr: {} } } })).path).toBe("pools.chat.retyr");
    expect(configError(() => resolveConfig({ pool: {} })).path).toBe("pool");
    expect(configError(() => resolveConfig({ pools: { chat: { capability: "chat-completion", retry: { max_retires: 1 } } } })).path).toBe("pools.chat.retry.max_retires");
  });

  it("rejects bad types with the path and what was found", () => {
    const error = configError(() => resolveConfig({ pools: { chat: { capability: "chat-completion", retry: { max_retries: "three" } } } }));
    expect(error.path).toBe("pools.chat.retry.max_retries");
    expect(error.message).toContain('"three"');
    expect(configError(() => resolveConfig({ pools: { chat: { capability: "chat-completion", deactivation: { failure_threshold: 0 } } } })).path).toBe("pools.chat.deactivation.failure_threshold");
    expect(configError(() => resolveConfig({ pools: { chat: { capability: "chat-completion", stream_failover: "maybe" } } })).path).toBe("pools.chat.stream_failover");
    expect(configError(() => resolveConfig({ providers: "openai" })).path).toBe("providers");
    expect(configError(() => resolveConfig([] as never)).message).toContain("mapping");
  });

  it("rejects impossible pools: unknown capability, missing capability, unknown provider", () => {
    expect(configError(() => resolveConfig({ pools: { chat: { capability: "chat-compleshun" } } })).path).toBe("pools.chat.capability");
    expect(configError(() => resolveConfig({ pools: { chat: { strategy: "round-robin" } } })).path).toBe("pools.chat.capability");
    const error = configError(() => resolveConfig({ providers: { a: { connector: "openai" } }, pools: { chat: { capability: "chat-completion", providers: ["b"] } } }));
    expect(error.path).toBe("pools.chat.providers");
    expect(error.message).toContain('"b"');
  });

  it("reads the attempt limit, the three stream timeouts, the key re-probe and restart mode", () => {
    const resolved = resolveConfig({
      pools: {
        chat: {
          capability: "chat-completion",
          retry: { max_retries: 1, max_attempts: 3 },
          recovery: { key_probe_ms: 60_000 },
          timeout_ms: 90_000,
          connect_timeout_ms: 5_000,
          first_token_timeout_ms: 20_000,
          stall_timeout_ms: 10_000,
          stream_failover: "restart",
        },
      },
    });
    const pool = resolved.pools[0]!;
    expect(pool.retry).toMatchObject({ maxRetries: 1, maxAttempts: 3 });
    expect(pool.recovery.keyProbeMs).toBe(60_000);
    expect(pool.timeouts).toEqual({ timeoutMs: 90_000, connectTimeoutMs: 5_000, firstTokenTimeoutMs: 20_000, stallTimeoutMs: 10_000 });
    expect(pool.streamFailover).toBe("restart");
    // Defaults: the official client's retries, a bounded recovery, timeouts short enough to fail over.
    expect(DEFAULT_POOL_SETTINGS.retry).toMatchObject({ maxRetries: 2, baseDelayMs: 500, maxDelayMs: 8_000, jitter: "full" });
    expect(DEFAULT_POOL_SETTINGS.recovery).toMatchObject({ cooldownMs: 5_000, maxCooldownMs: 30_000, keyProbeMs: 300_000 });
    expect(DEFAULT_POOL_SETTINGS.timeouts).toEqual({ connectTimeoutMs: 15_000, firstTokenTimeoutMs: 30_000, stallTimeoutMs: 30_000 });
    expect(configError(() => resolveConfig({ pools: { chat: { capability: "chat-completion", stall_timeout_ms: 0 } } })).path).toBe("pools.chat.stall_timeout_ms");
    expect(configError(() => resolveConfig({ pools: { chat: { capability: "chat-completion", retry: { max_attempts: 0 } } } })).path).toBe("pools.chat.retry.max_attempts");
  });

  it("refuses a key given both in snake_case and camelCase", () => {
    const error = configError(() => resolveConfig({ pools: { chat: { capability: "chat-completion", retry: { max_retries: 1, maxRetries: 2 } } } }));
    expect(error.path).toBe("pools.chat.retry.max_retries");
    expect(error.message).toContain("maxRetries");
  });

  it("reads the FAQ's budget YAML on providers, models, pools, the top level and scopes, with defaults", async () => {
    const config = await MeshConfig.fromYaml(`
budget:
  monthly_limit: 500
  default_price: { input: 5, output: 15 }
  scopes:
    site:example.com: { daily_limit: 1 }
  scope_default: { daily_limit: 0.25, enforce: false }
providers:
  openai.llm.v1:
    connector: openai.llm.v1
    config:
      api_key: sk-x
      models:
        - id: gpt-4o
          budget: { per_request_limit: 0.05 }
    budget:
      daily_limit: 10.00
      monthly_limit: 100.00
      alert_threshold: 0.8
      enforce: true
defaults:
  on_budget_exceeded: rotate
pools:
  chat:
    capability: generation.text-generation.chat-completion
    strategy: modelmesh.stick-until-failure.v1
    on_budget_exceeded: error
    budget: { daily_limit: 2 }
`);
    const { budget, providers, pools, defaults } = config.resolved;
    expect(providers[0]?.budget).toEqual({ dailyLimit: 10, monthlyLimit: 100, alertThreshold: 0.8, enforce: true });
    expect(providers[0]?.modelBudgets).toEqual({ "gpt-4o": { perRequestLimit: 0.05, alertThreshold: 0.8, enforce: true } });
    expect(pools[0]).toMatchObject({ onBudgetExceeded: "error", budget: { dailyLimit: 2, alertThreshold: 0.8, enforce: true } });
    expect(defaults.onBudgetExceeded).toBe("rotate");
    expect(DEFAULT_POOL_SETTINGS.onBudgetExceeded).toBe("error");
    expect(budget).toEqual({
      monthlyLimit: 500,
      alertThreshold: 0.8,
      enforce: true,
      defaultPrice: { input: 5, output: 15 },
      scopes: { "site:example.com": { dailyLimit: 1, alertThreshold: 0.8, enforce: true } },
      scopeDefault: { dailyLimit: 0.25, alertThreshold: 0.8, enforce: false },
    });
  });

  it("refuses malformed budgets with the key's path", () => {
    expect(configError(() => resolveConfig({ providers: { openai: { connector: "openai", budget: { daily_limt: 1 } } } })).path).toBe("providers.openai.budget.daily_limt");
    expect(configError(() => resolveConfig({ budget: { daily_limit: -1 } })).path).toBe("budget.daily_limit");
    // An empty YAML value is a forgotten limit, not "no limit": refused with where it is.
    const empty = configError(() => resolveConfig({ providers: { openai: { connector: "openai", budget: { monthly_limit: null } } } }));
    expect(empty.path).toBe("providers.openai.budget.monthly_limit");
    expect(empty.message).toContain("leave the key out for no limit");
    expect(configError(() => resolveConfig({ budget: { alert_threshold: 80 } })).path).toBe("budget.alert_threshold");
    expect(configError(() => resolveConfig({ pools: { chat: { capability: "chat-completion", on_budget_exceeded: "skip" } } })).path).toBe("pools.chat.on_budget_exceeded");
  });

  it("reports broken YAML and JSON as ConfigError", async () => {
    await expect(loadConfig("pools:\n  chat: [unclosed")).rejects.toBeInstanceOf(ConfigError);
    await expect(loadConfig('{"pools": ')).rejects.toBeInstanceOf(ConfigError);
    await expect(loadConfig("/no/such/modelmesh.yaml")).rejects.toThrow(/cannot read configuration file/);
  });

  it("finds and fills ${secrets:NAME} references anywhere", () => {
    const config = { a: "${secrets:ONE}", b: ["x-${secrets:TWO}-y", { c: "${secrets: ONE }" }], d: 3 };
    expect([...secretReferences(config)].sort()).toEqual(["ONE", "TWO"]);
    expect(interpolateSecrets(config, new Map([["ONE", "1"], ["TWO", "2"]]))).toEqual({ a: "1", b: ["x-2-y", { c: "1" }], d: 3 });
  });

  it("keeps ids and names as written when converting keys", () => {
    expect(toCamelCase("daily_limit")).toBe("dailyLimit");
    expect(toCamelCase("openai.llm.v1")).toBe("openai.llm.v1");
    expect(toCamelCase("chat-fast")).toBe("chat-fast");
  });
});
