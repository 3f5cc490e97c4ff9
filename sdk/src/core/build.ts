/** Building connectors from configuration blocks: the registry lookup, secrets and code-level overrides. */
import { ConfigError, ModelMeshError } from "./errors.js";
import { interpolateSecrets, secretReferences, type ConnectorSpec, type ProviderSpec, type ResolvedConfig } from "./config.js";
import { resolveConnector, type ConnectorKind } from "./registry.js";
import { DEFAULT_SECRET_STORE } from "./builtins.js";
import type { BaseRotationPolicy } from "../rotation/rotation.js";
import type { SecretStore } from "../secrets/secret-store.js";
import type { ConnectorOption, CreateOptions } from "./mesh.js";

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
