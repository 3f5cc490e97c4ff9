/** Building connectors from configuration blocks: the registry lookup, secrets and code-level overrides. */
import { ModelMeshError } from "../wire/errors.js";
import { ConfigError } from "../wire/error-base.js";
import type { ConnectorSpec, ProviderSpec, ResolvedConfig } from "./config.js";
import { interpolateSecrets, secretReferences } from "./config-load.js";
import { namedConnectors } from "./check-options.js";
export { applyOptions, namedConnectors, validateOptions } from "./check-options.js";
import type { ConnectorKind } from "./registry.js";
import { loadConnector, resolveConnector } from "./registry-load.js";
import { DEFAULT_SECRET_STORE } from "./connector-ids.js";
import { watchConfig } from "./config-typos.js";
import { configAsWritten, isBuiltinConnector } from "./connector-config.js";
import type { BaseRotationPolicy } from "../rotation/rotation.js";
import type { SecretStore } from "../secrets/secret-store.js";

export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
}

export function isRotationPolicy(value: unknown): value is BaseRotationPolicy {
  return typeof value === "object" && value !== null && typeof (value as BaseRotationPolicy).pick === "function";
}

export function buildConnector<T>(kind: ConnectorKind, spec: ConnectorSpec | undefined): T | undefined {
  if (!spec) return undefined;
  if (spec.instance) return spec.instance as T;
  const { id, connector } = resolveConnector(kind, spec.connector, `${spec.path}.${kind === "secrets" ? "store" : "connector"}`);
  // A connector the user wrote reads the keys the user wrote (the FAQ's `config.vault_url`); built-ins read camelCase.
  const given = isBuiltinConnector(id, connector) ? spec.config : configAsWritten(spec.config, spec.writtenKeys);
  let built: { built: T; typos: Array<[string, string]> };
  try {
    built = watchConfig(given, (config) => new connector(config) as T);
  } catch (error) {
    if (error instanceof ModelMeshError) throw error;
    throw new ConfigError(spec.path, `cannot build ${kind} connector "${spec.connector}": ${(error as Error).message}`);
  }
  const [typo] = built.typos;
  if (typo) {
    // Built already: a connector that holds a resource (a server, a timer) lets it go before the error is raised.
    void (built.built as { close?: () => unknown }).close?.();
    throw new ConfigError(`${spec.path}.config.${typo[0]}`, `unknown key for "${spec.connector}" (did you mean "${typo[1]}"?)`);
  }
  return built.built;
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

/** Loads (once, in parallel) the code of every connector a configuration names, so the mesh can build them synchronously. */
export async function loadConnectors(config: ResolvedConfig, providers?: ProviderSpec[]): Promise<void> {
  await Promise.all(namedConnectors(config, providers).map(({ kind, name, path }) => loadConnector(kind, name, path)));
}
