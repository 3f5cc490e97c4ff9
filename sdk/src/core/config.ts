import { ConfigError } from "../wire/error-base.js";
import { resolveCapability } from "../wire/capabilities.js";
import type { BudgetLimits, GlobalBudget } from "./budget.js";
import type { ConnectorSpec, ProviderSpec } from "../wire/config-types.js";
import { configSource, toCamelCase } from "./config-source.js";

export { configSource, toCamelCase };
// The spec types live in wire/ (discovery returns them); re-exported where configuration readers look for them.
export type { ConnectorSpec, ProviderSpec } from "../wire/config-types.js";

/**
 * Configuration as a person writes it: YAML/JSON or a plain object, snake_case or camelCase keys.
 * `MeshConfig` turns it into one validated, camelCase shape; every error names the dotted path of
 * the bad key (`pools.chat.retry.max_retries`), as written.
 */
export type MeshConfigObject = Record<string, unknown>;


export interface RetrySettings {
  /**
   * Retries of the same model after a transient failure (connection error, timeout, 408/409/429/5xx/529, a stream
   * that broke), with backoff, before the request moves to the next model (default 2, as the official OpenAI client).
   */
  maxRetries: number;
  /**
   * Upstream attempts one request may make in all, continuations of a broken stream included. Unset: (max_retries + 1)
   * × the number of models that can serve the request, which is also the most it can ever be.
   */
  maxAttempts?: number;
  baseDelayMs: number;
  maxDelayMs: number;
  jitter: "full" | "equal" | "none";
  /** A server asking to wait longer than this is not waited for: the model rests that long and the request fails over. */
  maxRetryAfterMs: number;
}

export interface DeactivationSettings {
  /** Consecutive failures that take a model out (default 3). */
  failureThreshold: number;
}

export interface RecoverySettings {
  /** First cooldown after deactivation (default 5 s). */
  cooldownMs: number;
  /** A failed half-open probe multiplies the cooldown by this, up to `maxCooldownMs`. */
  backoffMultiplier: number;
  /** The longest a model rests between probes, however often it failed (default 30 s). */
  maxCooldownMs: number;
  /** A key the service rejected (401) is probed again after this long (default 5 min), unless it changes first. */
  keyProbeMs: number;
}

/**
 * What happens when a stream breaks after text was delivered: `continue` on a model that can extend an assistant
 * prefix (else restart), `restart` the request on the next model and forward only what extends the delivered text,
 * or raise `StreamInterruptedError` (`error`).
 */
export type StreamFailoverMode = "continue" | "restart" | "error";

/** Per-attempt time limits, in ms; each is also a `create()` option (`timeout`, `connectTimeout`, ...). */
export interface TimeoutSettings {
  /** The whole attempt. Unset: the provider's `timeout_ms` (60 s) for a plain answer, 10 min for a stream. */
  timeoutMs?: number;
  /** A stream's response headers (default 15 s). A plain answer's headers come with the answer: `timeoutMs` covers them. */
  connectTimeoutMs: number;
  /** From a stream's headers to its first content (text, tool call, refusal) (default 30 s). */
  firstTokenTimeoutMs: number;
  /** Between one content chunk and the next, counting only time spent waiting on the network (default 30 s). */
  stallTimeoutMs: number;
}

export interface PoolSettings {
  strategy: string | object;
  strategyConfig: Record<string, unknown>;
  retry: RetrySettings;
  deactivation: DeactivationSettings;
  recovery: RecoverySettings;
  /** After text was delivered: `continue` (default; restarts where the next model cannot continue), `restart` or `error`. */
  streamFailover: StreamFailoverMode;
  /** Per-attempt time limits. */
  timeouts: TimeoutSettings;
  /** A model whose budget would be breached: `error` (default) raises BudgetExceededError, `rotate` tries the next model. */
  onBudgetExceeded: "error" | "rotate";
}

export interface PoolSpec extends PoolSettings {
  name: string;
  capability: string;
  providers?: string[];
  models?: string[];
  path: string;
  budget?: BudgetLimits;
}

export interface ResolvedConfig {
  secrets?: ConnectorSpec;
  storage?: ConnectorSpec;
  observability: ConnectorSpec[];
  discovery?: ConnectorSpec;
  providers: ProviderSpec[];
  pools: PoolSpec[];
  defaults: PoolSettings;
  /** Seed for the strategies' random source (deterministic routing in tests). */
  seed?: number;
  /** The `proxy:` section, left for the proxy to read. */
  proxy?: Record<string, unknown>;
  /** The top-level `budget:` (global limits, per-scope limits, the price of unpriced models). */
  budget?: GlobalBudget;
}

export const DEFAULT_POOL_SETTINGS: PoolSettings = {
  strategy: "modelmesh.stick-until-failure.v1",
  strategyConfig: {},
  retry: { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 8_000, jitter: "full", maxRetryAfterMs: 8_000 },
  deactivation: { failureThreshold: 3 },
  recovery: { cooldownMs: 5_000, backoffMultiplier: 2, maxCooldownMs: 30_000, keyProbeMs: 300_000 },
  streamFailover: "continue",
  timeouts: { connectTimeoutMs: 15_000, firstTokenTimeoutMs: 30_000, stallTimeoutMs: 30_000 },
  onBudgetExceeded: "error",
};

const TOP_LEVEL = ["budget", "secrets", "storage", "observability", "discovery", "providers", "pools", "defaults", "routing", "proxy", "version"];

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/** Reads an object's keys in camelCase, remembering how each was written so errors quote the source. */
class Section {
  readonly values = new Map<string, unknown>();
  readonly written = new Map<string, string>();
  constructor(
    readonly source: Record<string, unknown>,
    readonly path: string,
  ) {
    for (const [key, value] of Object.entries(source)) {
      const camel = toCamelCase(key);
      if (this.written.has(camel)) throw new ConfigError(this.at(key), `given twice (as "${this.written.get(camel)}" and "${key}")`);
      this.values.set(camel, value);
      this.written.set(camel, key);
    }
  }
  at(key: string): string {
    const written = this.written.get(key) ?? key;
    return this.path ? `${this.path}.${written}` : written;
  }
  allow(keys: readonly string[]): this {
    for (const key of this.values.keys()) {
      if (!keys.includes(key)) throw new ConfigError(this.at(key), `unknown key (expected one of: ${keys.join(", ")})`);
    }
    return this;
  }
  has(key: string): boolean {
    return this.values.has(key) && this.values.get(key) !== undefined && this.values.get(key) !== null;
  }
  raw(key: string): unknown {
    return this.values.get(key);
  }
  string(key: string): string | undefined {
    const value = this.values.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" || value === "") throw new ConfigError(this.at(key), `must be a non-empty string, got ${describe(value)}`);
    return value;
  }
  number(key: string, options: { min?: number; integer?: boolean } = {}): number | undefined {
    const value = this.values.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) throw new ConfigError(this.at(key), `must be a number, got ${describe(value)}`);
    if (options.integer && !Number.isInteger(value)) throw new ConfigError(this.at(key), `must be a whole number, got ${value}`);
    if (options.min !== undefined && value < options.min) throw new ConfigError(this.at(key), `must be at least ${options.min}, got ${value}`);
    return value;
  }
  boolean(key: string): boolean | undefined {
    const value = this.values.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") throw new ConfigError(this.at(key), `must be true or false, got ${describe(value)}`);
    return value;
  }
  oneOf<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!choices.includes(value as T)) throw new ConfigError(this.at(key), `must be one of ${choices.join(", ")}, got "${value}"`);
    return value as T;
  }
  strings(key: string): string[] | undefined {
    const value = this.values.get(key);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) throw new ConfigError(this.at(key), `must be a list of strings, got ${describe(value)}`);
    return value as string[];
  }
  object(key: string): Section | undefined {
    const value = this.values.get(key);
    if (value === undefined || value === null) return undefined;
    if (!isPlainObject(value)) throw new ConfigError(this.at(key), `must be a mapping, got ${describe(value)}`);
    return new Section(value, this.at(key));
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${String(value)}`;
}

/** A connector's own options: top-level keys to camelCase; nested maps (headers, weights) as written. */
function connectorOptions(section: Section | undefined): Record<string, unknown> {
  if (!section) return {};
  return Object.fromEntries(section.values);
}

function connectorBlock(section: Section, connectorKey: "connector" | "store"): ConnectorSpec {
  const allowed = [connectorKey, "config", "instance"];
  section.allow(connectorKey === "store" ? [...allowed, "connector"] : allowed);
  const instance = section.raw("instance");
  const connector = section.string(connectorKey) ?? section.string("connector") ?? "";
  if (!connector && !instance) throw new ConfigError(section.path, `needs "${connectorKey}" (a connector id or short name) or "instance"`);
  const config = section.object("config");
  // Kept so a custom connector can be given its keys as written (build.ts); built-ins read the camelCase ones.
  const renamed = [...(config?.written ?? [])].filter(([camel, written]) => camel !== written);
  const written = renamed.length ? { writtenKeys: Object.fromEntries(renamed) } : {};
  return { connector, config: connectorOptions(config), ...written, instance: instance ?? undefined, path: section.path };
}

function parseRetry(section: Section | undefined, base: RetrySettings): RetrySettings {
  if (!section) return base;
  section.allow(["maxRetries", "maxAttempts", "baseDelayMs", "maxDelayMs", "jitter", "maxRetryAfterMs"]);
  const maxAttempts = section.number("maxAttempts", { min: 1, integer: true }) ?? base.maxAttempts;
  return {
    maxRetries: section.number("maxRetries", { min: 0, integer: true }) ?? base.maxRetries,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    baseDelayMs: section.number("baseDelayMs", { min: 0 }) ?? base.baseDelayMs,
    maxDelayMs: section.number("maxDelayMs", { min: 0 }) ?? base.maxDelayMs,
    jitter: section.oneOf("jitter", ["full", "equal", "none"] as const) ?? base.jitter,
    maxRetryAfterMs: section.number("maxRetryAfterMs", { min: 0 }) ?? base.maxRetryAfterMs,
  };
}

function parseSettings(section: Section, base: PoolSettings): PoolSettings {
  const deactivation = section.object("deactivation")?.allow(["failureThreshold"]);
  const recovery = section.object("recovery")?.allow(["cooldownMs", "backoffMultiplier", "maxCooldownMs", "keyProbeMs"]);
  const instance = section.raw("strategyInstance");
  const strategyValue = section.raw("strategy");
  const strategy = instance ?? (typeof strategyValue === "object" && strategyValue !== null ? strategyValue : section.string("strategy"));
  return {
    strategy: (strategy as string | object | undefined) ?? base.strategy,
    strategyConfig: section.has("strategyConfig") ? connectorOptions(section.object("strategyConfig")) : base.strategyConfig,
    retry: parseRetry(section.object("retry"), base.retry),
    deactivation: { failureThreshold: deactivation?.number("failureThreshold", { min: 1, integer: true }) ?? base.deactivation.failureThreshold },
    recovery: {
      cooldownMs: recovery?.number("cooldownMs", { min: 0 }) ?? base.recovery.cooldownMs,
      backoffMultiplier: recovery?.number("backoffMultiplier", { min: 1 }) ?? base.recovery.backoffMultiplier,
      maxCooldownMs: recovery?.number("maxCooldownMs", { min: 0 }) ?? base.recovery.maxCooldownMs,
      keyProbeMs: recovery?.number("keyProbeMs", { min: 0 }) ?? base.recovery.keyProbeMs,
    },
    streamFailover: section.oneOf("streamFailover", ["continue", "restart", "error"] as const) ?? base.streamFailover,
    timeouts: parseTimeouts(section, base.timeouts),
    onBudgetExceeded: section.oneOf("onBudgetExceeded", ["error", "rotate"] as const) ?? base.onBudgetExceeded,
  };
}

function parseTimeouts(section: Section, base: TimeoutSettings): TimeoutSettings {
  const timeoutMs = section.number("timeoutMs", { min: 1 }) ?? base.timeoutMs;
  return {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    connectTimeoutMs: section.number("connectTimeoutMs", { min: 1 }) ?? base.connectTimeoutMs,
    firstTokenTimeoutMs: section.number("firstTokenTimeoutMs", { min: 1 }) ?? base.firstTokenTimeoutMs,
    stallTimeoutMs: section.number("stallTimeoutMs", { min: 1 }) ?? base.stallTimeoutMs,
  };
}

const SETTINGS_KEYS = [
  "strategy",
  "strategyConfig",
  "strategyInstance",
  "retry",
  "deactivation",
  "recovery",
  "streamFailover",
  "timeoutMs",
  "connectTimeoutMs",
  "firstTokenTimeoutMs",
  "stallTimeoutMs",
  "onBudgetExceeded",
];
const BUDGET_LIMIT_KEYS = ["dailyLimit", "monthlyLimit", "perRequestLimit", "alertThreshold", "enforce"];

/** One `budget:` block: limits in US dollars (each optional), `alert_threshold` (default 0.8), `enforce` (default true). */
function parseBudget(section: Section | undefined, extraKeys: readonly string[] = []): BudgetLimits | undefined {
  if (!section) return undefined;
  section.allow([...BUDGET_LIMIT_KEYS, ...extraKeys]);
  const limits: BudgetLimits = {
    alertThreshold: section.number("alertThreshold", { min: 0 }) ?? 0.8,
    enforce: section.boolean("enforce") ?? true,
  };
  if (limits.alertThreshold > 1) throw new ConfigError(section.at("alertThreshold"), `must be a share of the limit between 0 and 1, got ${limits.alertThreshold}`);
  for (const key of ["dailyLimit", "monthlyLimit", "perRequestLimit"] as const) {
    // An empty YAML value (`daily_limit:`) is null: a limit forgotten, not "no limit" (that is leaving the key out).
    if (section.values.get(key) === null) throw new ConfigError(section.at(key), "must be a number of US dollars, got an empty value (leave the key out for no limit)");
    const value = section.number(key, { min: 0 });
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/** The top-level `budget:`: limits as any budget, plus `scopes`, `scope_default` and `default_price`. */
function parseGlobalBudget(section: Section | undefined): GlobalBudget | undefined {
  if (!section) return undefined;
  const limits = parseBudget(section, ["scopes", "scopeDefault", "defaultPrice"])!;
  const budget: GlobalBudget = { ...limits };
  const scopes = section.object("scopes");
  if (scopes) {
    budget.scopes = {};
    for (const name of scopes.values.keys()) {
      // Scope names are the caller's own strings (a site, a token name): kept as written, never camelCased.
      const written = scopes.written.get(name)!;
      Object.defineProperty(budget.scopes, written, { value: parseBudget(scopes.object(name)), enumerable: true });
    }
  }
  const scopeDefault = parseBudget(section.object("scopeDefault"));
  if (scopeDefault) budget.scopeDefault = scopeDefault;
  const price = section.object("defaultPrice")?.allow(["input", "output", "perRequest"]);
  if (price) {
    budget.defaultPrice = {};
    for (const key of ["input", "output", "perRequest"] as const) {
      const value = price.number(key, { min: 0 });
      if (value !== undefined) budget.defaultPrice[key] = value;
    }
  }
  return budget;
}

/** `config.models[].budget` of a provider, by model id (the connector ignores the key). */
function parseModelBudgets(config: Section | undefined): Record<string, BudgetLimits> | undefined {
  const models = config?.raw("models");
  if (!Array.isArray(models)) return undefined;
  let found: Record<string, BudgetLimits> | undefined;
  models.forEach((model, index) => {
    if (!isPlainObject(model) || !("budget" in model)) return;
    const section = new Section(model, `${config!.at("models")}[${index}]`);
    const id = section.string("id");
    if (!id) throw new ConfigError(section.at("id"), "a model with a budget needs an id");
    found ??= {};
    found[id] = parseBudget(section.object("budget"))!;
  });
  return found;
}

function parseProviders(value: unknown, path: string): ProviderSpec[] {
  if (value === undefined || value === null) return [];
  const entries: Array<[string, unknown, string]> = Array.isArray(value)
    ? value.map((item, index) => [typeof item === "string" ? item : "", item, `${path}[${index}]`])
    : isPlainObject(value)
      ? Object.entries(value).map(([name, item]) => [name, item, `${path}.${name}`])
      : (() => {
          throw new ConfigError(path, `must be a mapping of provider names or a list, got ${describe(value)}`);
        })();
  const specs = entries.map(([name, item, itemPath]): ProviderSpec => {
    if (typeof item === "string") return { name: item, connector: item, config: {}, enabled: true, path: itemPath };
    if (!isPlainObject(item)) throw new ConfigError(itemPath, `must be a connector id or a mapping, got ${describe(item)}`);
    const section = new Section(item, itemPath);
    section.allow(["connector", "config", "instance", "enabled", "name", "budget"]);
    const instance = section.raw("instance") ?? undefined;
    const connector = section.string("connector") ?? (instance ? "" : name);
    if (!connector && !instance) throw new ConfigError(itemPath, `needs "connector" (e.g. openai.llm.v1) or "instance"`);
    const instanceId = typeof (instance as { id?: unknown } | undefined)?.id === "string" ? (instance as { id: string }).id : "";
    const budget = parseBudget(section.object("budget"));
    const modelBudgets = parseModelBudgets(section.object("config"));
    return {
      name: section.string("name") ?? (name || connector || instanceId),
      connector,
      config: connectorOptions(section.object("config")),
      instance,
      enabled: section.boolean("enabled") ?? true,
      path: itemPath,
      ...(budget ? { budget } : {}),
      ...(modelBudgets ? { modelBudgets } : {}),
    };
  });
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new ConfigError(spec.path, `provider name "${spec.name}" is used twice; give one a distinct "name"`);
    seen.add(spec.name);
  }
  return specs;
}

function parsePools(section: Section | undefined, defaults: PoolSettings): PoolSpec[] {
  if (!section) return [];
  return [...section.values.keys()].map((name) => {
    const pool = section.object(name);
    if (!pool) throw new ConfigError(section.at(name), "must be a mapping with at least a capability");
    pool.allow(["capability", "providers", "models", "budget", ...SETTINGS_KEYS]);
    const capabilityText = pool.string("capability");
    if (!capabilityText) throw new ConfigError(pool.at("capability"), "is required (e.g. generation.text-generation.chat-completion or chat-completion)");
    let capability: string;
    try {
      capability = resolveCapability(capabilityText);
    } catch (error) {
      throw new ConfigError(pool.at("capability"), error instanceof Error ? error.message : String(error));
    }
    const providers = pool.strings("providers");
    const models = pool.strings("models");
    const budget = parseBudget(pool.object("budget"));
    return { name, capability, providers, models, path: pool.path, ...parseSettings(pool, defaults), ...(budget ? { budget } : {}) };
  });
}

/**
 * Validates a configuration object (already parsed from YAML/JSON) into the camelCase shape the mesh
 * builds from. Throws ConfigError naming the bad key's path.
 * @example
 * const config = new MeshConfig({ pools: { chat: { capability: "chat-completion", strategy: "cost-first" } } });
 */
export function resolveConfig(raw: MeshConfigObject): ResolvedConfig {
  if (!isPlainObject(raw)) throw new ConfigError("", `configuration must be a mapping, got ${describe(raw)}`);
  const root = new Section(raw, "");
  root.allow(TOP_LEVEL);
  const defaultsSection = root.object("defaults");
  defaultsSection?.allow(SETTINGS_KEYS);
  const defaults = defaultsSection ? parseSettings(defaultsSection, DEFAULT_POOL_SETTINGS) : DEFAULT_POOL_SETTINGS;
  const routing = root.object("routing")?.allow(["seed"]);
  const providers = parseProviders(root.raw("providers"), root.at("providers"));
  const pools = parsePools(root.object("pools"), defaults);
  const names = new Set(providers.map((provider) => provider.name));
  // With no providers configured they are discovered at start-up; the mesh checks pool `providers` against those.
  for (const pool of providers.length ? pools : []) {
    for (const provider of pool.providers ?? []) {
      if (!names.has(provider)) throw new ConfigError(`${pool.path}.providers`, `names provider "${provider}", which is not configured (configured: ${[...names].join(", ") || "none"})`);
    }
  }
  const observabilityValue = root.raw("observability");
  const observability = observabilityValue === undefined || observabilityValue === null
    ? []
    : (Array.isArray(observabilityValue) ? observabilityValue : [observabilityValue]).map((item, index) => {
        const path = Array.isArray(observabilityValue) ? `${root.at("observability")}[${index}]` : root.at("observability");
        if (!isPlainObject(item)) throw new ConfigError(path, `must be a mapping with "connector", got ${describe(item)}`);
        return connectorBlock(new Section(item, path), "connector");
      });
  const block = (key: string, connectorKey: "connector" | "store") => {
    const section = root.object(key);
    return section ? connectorBlock(section, connectorKey) : undefined;
  };
  const proxy = root.object("proxy");
  return {
    secrets: block("secrets", "store"),
    storage: block("storage", "connector"),
    observability,
    discovery: block("discovery", "connector"),
    providers,
    pools,
    defaults,
    seed: routing?.number("seed", { integer: true }),
    proxy: proxy ? (proxy.source as Record<string, unknown>) : undefined,
    budget: parseGlobalBudget(root.object("budget")),
  };
}

/** Parses JSON text synchronously (the async path handles YAML and files). */
export function loadConfigSync(source: string | MeshConfigObject): MeshConfigObject {
  if (typeof source !== "string") return source;
  try {
    return JSON.parse(source) as MeshConfigObject;
  } catch (error) {
    throw new ConfigError("", `configuration is not valid JSON: ${(error as Error).message}`);
  }
}
