// What create() checks synchronously (the configuration and the code-level options, and that every connector they
// name is registered): its own file, so a client's first load (modelmesh/lazy) does not carry what builds the
// connectors (build.ts), which only the mesh runs.
import { ConfigError } from "./errors.js";
import { configSource, loadConfigSync, resolveConfig, type ConnectorSpec, type ProviderSpec, type ResolvedConfig } from "./config.js";
import { checkConnector, type ConnectorKind } from "./registry.js";
import { DEFAULT_SECRET_STORE } from "./connector-ids.js";
import type { ConnectorOption, CreateOptions } from "./options.js";

/**
 * Code-level options override the configuration's blocks.
 * @example
 * applyOptions(resolveConfig(yamlObject), { providers: ["openai"], strategy: "cost-first" });
 */
export function applyOptions(config: ResolvedConfig, options: CreateOptions): ResolvedConfig {
  const result: ResolvedConfig = { ...config };
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
    return { connector: option.connector, config: option.config ?? {}, path };
  };
  if (options.storage) result.storage = block(options.storage, "storage");
  if (options.secrets) {
    const secrets = options.secrets;
    result.secrets = "instance" in secrets ? { connector: "", config: {}, instance: secrets.instance, path: "secrets" } : { connector: secrets.store, config: secrets.config ?? {}, path: "secrets" };
  }
  if (options.observability) {
    const list = Array.isArray(options.observability) ? options.observability : [options.observability];
    result.observability = list.map((item, index) => block(item, `observability[${index}]`)!);
  }
  return result;
}

/**
 * Checks what can be checked without I/O: an object or JSON configuration, the code-level options, and that every
 * connector they name is registered (a static table: nothing is loaded). Throws ConfigError with the path at once;
 * returns undefined when the configuration is YAML text or a file path (checked when it has been read).
 * @example
 * validateOptions({ providers: ["openai"] }); // the resolved configuration
 */
export function validateOptions(options: CreateOptions): ResolvedConfig | undefined {
  const source = configSource(options.config);
  let config: ResolvedConfig;
  if (source === undefined || typeof source === "object") config = applyOptions(resolveConfig(source ?? {}), options);
  else if (source.trim().startsWith("{")) config = applyOptions(resolveConfig(loadConfigSync(source)), options);
  else return undefined;
  for (const { kind, name, path } of namedConnectors(config)) checkConnector(kind, name, path);
  return config;
}

/**
 * Every connector a configuration names by id or short name, with the path of the key that names it.
 * @example
 * namedConnectors(config).map((named) => named.path); // ["secrets.store", "providers[0].connector", ...]
 */
export function namedConnectors(config: ResolvedConfig, providers: ProviderSpec[] = config.providers): Array<{ kind: ConnectorKind; name: string; path: string }> {
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

