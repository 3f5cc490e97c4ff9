/** Building connectors from configuration blocks: the registry lookup, secrets and code-level overrides. */
import { ConfigError, ModelMeshError } from "./errors.js";
import { configSource, interpolateSecrets, loadConfigSync, resolveConfig, secretReferences, type ConnectorSpec, type ProviderSpec, type ResolvedConfig } from "./config.js";
import { checkConnector, loadConnector, resolveConnector, type ConnectorKind } from "./registry.js";
import { DEFAULT_SECRET_STORE } from "./connector-ids.js";
import type { BaseRotationPolicy } from "../rotation/rotation.js";
import type { SecretStore } from "../secrets/secret-store.js";
import type { ConnectorOption, CreateOptions } from "./options.js";

export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
}

export function isRotationPolicy(value: unknown): value is BaseRotationPolicy {
  return typeof value === "object" && value !== null && typeof (value as BaseRotationPolicy).pick === "function";
}

/** Code-level options override the configuration's blocks. */
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

export function buildConnector<T>(kind: ConnectorKind, spec: ConnectorSpec | undefined): T | undefined {
  if (!spec) return undefined;
  if (spec.instance) return spec.instance as T;
  const { connector } = resolveConnector(kind, spec.connector, `${spec.path}.${kind === "secrets" ? "store" : "connector"}`);
  try {
    return new connector(spec.config) as T;
  } catch (error) {
    if (error instanceof ModelMeshError) throw error;
    throw new ConfigError(spec.path, `cannot build ${kind} connector "${spec.connector}": ${(error as Error).message}`);
  }
}

export function buildSecretStore(spec: ConnectorSpec | undefined): SecretStore {
  return buildConnector<SecretStore>("secrets", spec) ?? buildConnector<SecretStore>("secrets", { connector: DEFAULT_SECRET_STORE, config: {}, path: "secrets" })!;
}

export async function resolveSecrets(store: SecretStore, specs: Array<ConnectorSpec | undefined>): Promise<Map<string, string>> {
  const names = new Set<string>();
  for (const spec of specs) if (spec) secretReferences(spec.config, names);
  const values = new Map<string, string>();
  for (const name of names) values.set(name, await store.get(name));
  return values;
}

export function interpolate<T extends ConnectorSpec | undefined>(spec: T, values: ReadonlyMap<string, string>): T {
  if (!spec || values.size === 0) return spec;
  return { ...spec, config: interpolateSecrets(spec.config, values) };
}

/**
 * Checks what can be checked without I/O: an object or JSON configuration, the code-level options, and that every
 * connector they name is registered (a static table: nothing is loaded). Throws ConfigError with the path at once;
 * returns undefined when the configuration is YAML text or a file path (checked when it has been read).
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

/** Every connector a configuration names by id or short name, with the path of the key that names it. */
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

/** Loads (once, in parallel) the code of every connector a configuration names, so the mesh can build them synchronously. */
export async function loadConnectors(config: ResolvedConfig, providers?: ProviderSpec[]): Promise<void> {
  await Promise.all(namedConnectors(config, providers).map(({ kind, name, path }) => loadConnector(kind, name, path)));
}
