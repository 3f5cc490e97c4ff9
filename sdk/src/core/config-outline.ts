// What create() of modelmesh/lazy reads from a configuration before the mesh's code has loaded: the connectors it
// names (checked against the registry's static table, so an unknown name throws ConfigError with its path at once)
// and the pools, providers and strategies the client describes while it starts. The full check (`resolveConfig`:
// every key, type and number) runs when the mesh starts, so the first load does not carry it; the `modelmesh` and
// `modelmesh/static` entries run it in create().
import { ConfigError } from "../wire/error-base.js";
import { resolveCapability } from "../wire/capabilities.js";
import { checkConnector, type ConnectorKind } from "./registry.js";
import { DEFAULT_SECRET_STORE } from "./connector-ids.js";
import type { ConnectorSpec, MeshConfigObject, PoolSpec, ProviderSpec, ResolvedConfig } from "./config.js";
import { configSource, toCamelCase } from "./config-source.js";
import type { ConnectorOption, CreateOptions } from "./options.js";

/** What a client needs of a configuration while its mesh starts; a `ResolvedConfig` is one. */
export interface ConfigOutline extends Pick<ResolvedConfig, "secrets" | "storage" | "observability" | "discovery" | "providers"> {
  pools: Array<Pick<PoolSpec, "name" | "capability" | "path"> & { strategy?: PoolSpec["strategy"] }>;
  defaults: { strategy?: PoolSpec["strategy"] };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

// Reads keys as resolveConfig does (snake_case or camelCase). A value of the wrong type reads as missing, and a
// block that cannot be read is left out: resolveConfig reports it, with its path, when the mesh starts.
const camel = (value: unknown): Map<string, unknown> => new Map(isPlainObject(value) ? Object.entries(value).map(([key, item]) => [toCamelCase(key), item]) : []);
const text = (values: Map<string, unknown>, key: string): string | undefined => {
  const value = values.get(key);
  return typeof value === "string" && value !== "" ? value : undefined;
};
// A key given with a value that is not a name: the block is resolveConfig's to report, not a name to check.
const badText = (values: Map<string, unknown>, key: string): boolean => values.get(key) !== undefined && values.get(key) !== null && text(values, key) === undefined;

/**
 * A connector's `config` given in code, read as YAML's is (top-level keys in camelCase): `min_severity` and
 * `minSeverity` mean the same, and one key given both ways is a ConfigError.
 * @example
 * connectorConfig({ min_severity: "error" }, "observability[0].config"); // { minSeverity: "error" }
 */
function connectorConfig(value: object | undefined, path: string): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value ?? {})) {
    const name = toCamelCase(key);
    if (Object.hasOwn(config, name)) throw new ConfigError(`${path}.${key}`, `given twice (as "${name}" and "${key}")`);
    Object.defineProperty(config, name, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return config;
}

/** Keys of a `config` given in code that are not camelCase, by their camelCase (a custom connector is given these). */
function keysAsWritten(value: object | undefined): { writtenKeys?: Record<string, string> } {
  const renamed = Object.keys(value ?? {}).filter((key) => toCamelCase(key) !== key);
  return renamed.length ? { writtenKeys: Object.fromEntries(renamed.map((key) => [toCamelCase(key), key])) } : {};
}

function outlineBlock(value: unknown, path: string, connectorKey: "connector" | "store"): ConnectorSpec | undefined {
  const values = camel(value);
  if (badText(values, connectorKey) || badText(values, "connector")) return undefined;
  const instance = values.get("instance") ?? undefined;
  const connector = text(values, connectorKey) ?? text(values, "connector") ?? "";
  return connector || instance ? { connector, config: {}, instance, path } : undefined;
}

function outlineStrategy(values: Map<string, unknown>): PoolSpec["strategy"] | undefined {
  const strategy = values.get("strategyInstance") ?? values.get("strategy");
  return (typeof strategy === "object" && strategy !== null) || (typeof strategy === "string" && strategy !== "") ? (strategy as PoolSpec["strategy"]) : undefined;
}

function outlineProviders(value: unknown, path: string): ProviderSpec[] {
  const entries: Array<[string, unknown, string]> = Array.isArray(value)
    ? value.map((item, index) => [typeof item === "string" ? item : "", item, `${path}[${index}]`])
    : Object.entries(isPlainObject(value) ? value : {}).map(([name, item]) => [name, item, `${path}.${name}`]);
  return entries.flatMap(([name, item, itemPath]): ProviderSpec[] => {
    if (typeof item === "string") return [{ name: item, connector: item, config: {}, enabled: true, path: itemPath }];
    const values = camel(item);
    if (!isPlainObject(item) || badText(values, "connector") || badText(values, "name")) return [];
    const instance = values.get("instance") ?? undefined;
    const connector = text(values, "connector") ?? (instance ? "" : name);
    const enabled = values.get("enabled") ?? true;
    if ((!connector && !instance) || typeof enabled !== "boolean") return [];
    const instanceId = typeof (instance as { id?: unknown } | undefined)?.id === "string" ? (instance as { id: string }).id : "";
    return [{ name: text(values, "name") ?? (name || connector || instanceId), connector, config: {}, instance, enabled, path: itemPath }];
  });
}

/**
 * The outline of a configuration object, read leniently (see the top of this file).
 * @example
 * outlineConfig({ providers: ["openai"], pools: { chat: { capability: "chat-completion" } } }).pools[0].capability;
 */
export function outlineConfig(raw: MeshConfigObject): ConfigOutline {
  const root = camel(raw);
  const defaults = { strategy: outlineStrategy(camel(root.get("defaults"))) };
  const pools = [...camel(root.get("pools"))].flatMap(([name, value]) => {
    const values = camel(value);
    const capabilityText = text(values, "capability");
    let capability: string;
    try {
      capability = resolveCapability(capabilityText ?? "");
    } catch {
      return [];
    }
    return [{ name, capability, strategy: outlineStrategy(values) ?? defaults.strategy, path: `pools.${name}` }];
  });
  const observability = root.get("observability");
  return {
    secrets: outlineBlock(root.get("secrets"), "secrets", "store"),
    storage: outlineBlock(root.get("storage"), "storage", "connector"),
    observability: (Array.isArray(observability) ? observability : observability === undefined || observability === null ? [] : [observability])
      .map((item, index) => outlineBlock(item, Array.isArray(observability) ? `observability[${index}]` : "observability", "connector"))
      .filter((spec): spec is ConnectorSpec => spec !== undefined),
    discovery: outlineBlock(root.get("discovery"), "discovery", "connector"),
    providers: outlineProviders(root.get("providers"), "providers"),
    pools,
    defaults,
  };
}

/**
 * create()'s check in modelmesh/lazy: the outline of an object or JSON configuration with the code-level options
 * applied, after checking that every connector it names is registered (ConfigError with the path otherwise).
 * Undefined for YAML text or a file path, and for JSON that does not parse (the mesh reports it when it starts).
 * @example
 * outlineOptions({ providers: ["nope"] }); // throws ConfigError at "providers[0].connector"
 */
export function outlineOptions(options: CreateOptions): ConfigOutline | undefined {
  let source: unknown = configSource(options.config);
  if (typeof source === "string") {
    if (!source.trim().startsWith("{")) return undefined;
    try {
      source = JSON.parse(source);
    } catch {
      return undefined;
    }
  }
  const config = applyOptions(outlineConfig((source ?? {}) as MeshConfigObject), options);
  checkNamedConnectors(config);
  return config;
}

/** Throws ConfigError at the path of the first connector `config` names that is not registered. */
export function checkNamedConnectors(config: ConfigOutline): void {
  for (const { kind, name, path } of namedConnectors(config)) checkConnector(kind, name, path);
}

/**
 * Code-level options override the configuration's blocks.
 * @example
 * applyOptions(resolveConfig(yamlObject), { providers: ["openai"], strategy: "cost-first" });
 */
export function applyOptions<Config extends ConfigOutline>(config: Config, options: CreateOptions): Config {
  const result: Config = { ...config };
  if (options.providers) {
    const extra = options.providers.map((item, index): ProviderSpec => {
      const path = `providers[${index}]`;
      if (typeof item === "string") return { name: item, connector: item, config: {}, enabled: true, path };
      const name = item.name ?? item.instance?.id ?? item.connector ?? "";
      if (!name) throw new ConfigError(path, "needs a connector id or an instance");
      return { name, connector: item.connector ?? "", config: item.config ?? {}, instance: item.instance, enabled: true, path };
    });
    const names = new Set(extra.map((spec) => spec.name));
    result.providers = [...config.providers.filter((spec) => !names.has(spec.name)), ...extra];
  }
  if (options.strategy) result.defaults = { ...config.defaults, strategy: options.strategy };
  const block = (option: ConnectorOption | undefined, path: string): ConnectorSpec | undefined => {
    if (!option) return undefined;
    if ("instance" in option) return { connector: "", config: {}, instance: option.instance, path };
    return { connector: option.connector, config: connectorConfig(option.config, `${path}.config`), ...keysAsWritten(option.config), path };
  };
  if (options.storage) result.storage = block(options.storage, "storage");
  if (options.secrets) {
    const secrets = options.secrets;
    result.secrets = "instance" in secrets ? { connector: "", config: {}, instance: secrets.instance, path: "secrets" } : { connector: secrets.store, config: connectorConfig(secrets.config, "secrets.config"), ...keysAsWritten(secrets.config), path: "secrets" };
  }
  if (options.observability) {
    const list = Array.isArray(options.observability) ? options.observability : [options.observability];
    result.observability = list.map((item, index) => block(item, `observability[${index}]`)!);
  }
  return result;
}

/**
 * Every connector a configuration names by id or short name, with the path of the key that names it.
 * @example
 * namedConnectors(config).map((named) => named.path); // ["secrets.store", "providers[0].connector", ...]
 */
export function namedConnectors(config: ConfigOutline, providers: readonly ProviderSpec[] = config.providers): Array<{ kind: ConnectorKind; name: string; path: string }> {
  const named: Array<{ kind: ConnectorKind; name: string; path: string }> = [];
  const block = (kind: ConnectorKind, spec: ConnectorSpec | undefined) => {
    if (spec && !spec.instance) named.push({ kind, name: spec.connector, path: `${spec.path}.${kind === "secrets" ? "store" : "connector"}` });
  };
  block("secrets", config.secrets ?? { connector: DEFAULT_SECRET_STORE, config: {}, path: "secrets" });
  block("storage", config.storage);
  config.observability.forEach((spec) => block("observability", spec));
  block("discovery", config.discovery);
  for (const spec of providers) if (spec.enabled && !spec.instance) named.push({ kind: "provider", name: spec.connector, path: `${spec.path}.connector` });
  const strategy = (value: unknown, path: string) => {
    if (typeof value === "string") named.push({ kind: "rotation", name: value, path });
  };
  strategy(config.defaults.strategy, "defaults.strategy");
  for (const pool of config.pools) strategy(pool.strategy, `${pool.path}.strategy`);
  return named;
}

