import { ConfigError } from "../wire/error-base.js";

export type ConnectorKind = "provider" | "rotation" | "secrets" | "storage" | "observability" | "discovery";

// Constructors differ per kind; the registry only needs to call them with one config object.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConnectorClass = new (config?: any) => unknown;

/** Loads a connector's module on first use (`() => import("../provider/openai.js").then(...)`). */
export type ConnectorLoader = () => Promise<ConnectorClass>;

/** What the registry knows about a connector before its code is loaded. */
export interface ConnectorDescription {
  id: string;
  kind?: ConnectorKind;
  /** Short names (`"openai"`, `"cost-first"`) that resolve to `id`. */
  aliases?: readonly string[];
  /** Provider keys auto-discovery looks for (`OPENAI_API_KEY`). */
  envVars?: readonly string[];
}

/** What the registry holds for one connector (internal: registry-load.ts reads and fills it). */
export interface RegistryEntry {
  id: string;
  kind: ConnectorKind | undefined;
  envVars: readonly string[];
  connector?: ConnectorClass;
  load?: ConnectorLoader;
  loading?: Promise<ConnectorClass>;
}

// One registry for every kind, filled at call time (never on import: the package has no side effects).
// An entry holds a class, or a loader that fetches the class's module the first time a configuration names it,
// so the set of known names is small static data while the code behind each stays in its own lazy chunk.
const entries = new Map<string, RegistryEntry>();

/** Every name the registry knows, with its entry (internal: registry-load.ts lists them). */
export function registryEntries(): ReadonlyMap<string, RegistryEntry> {
  return entries;
}

const staticsOf = (connector: ConnectorClass) => connector as unknown as { connectorId?: unknown; shortName?: unknown; envVars?: readonly string[] };

function add(entry: RegistryEntry, aliases: readonly string[]): void {
  // Re-registering an id replaces it under every name it had, so no alias keeps pointing at the old entry.
  const previous = entries.get(entry.id);
  if (previous) for (const [name, existing] of entries) if (existing === previous) entries.set(name, entry);
  entries.set(entry.id, entry);
  for (const alias of aliases) entries.set(alias, entry);
}

/**
 * Makes a connector class known by id (and optional short names), so configuration can name it.
 * @example
 * registerConnector("corp.vault-secrets.v1", VaultSecretStore);
 * create({ config: { secrets: { store: "corp.vault-secrets.v1", config: { vaultUrl } } } });
 */
export function registerConnector(id: string, connector: ConnectorClass, options: { kind?: ConnectorKind; aliases?: string[] } = {}): void {
  if (!id || typeof connector !== "function") throw new ConfigError("", "registerConnector(id, Class) needs an id and a class");
  add({ id, kind: options.kind, envVars: staticsOf(connector).envVars ?? [], connector }, options.aliases ?? []);
}

/**
 * Makes a connector known by id without loading its code: `load` runs the first time a configuration names it.
 * @example
 * registerConnectorLoader({ id: "corp.llm.v1", kind: "provider", aliases: ["corp"] }, () => import("./corp-provider.js").then((module) => module.CorpProvider));
 */
export function registerConnectorLoader(description: ConnectorDescription, load: ConnectorLoader): void {
  if (!description.id || typeof load !== "function") throw new ConfigError("", "registerConnectorLoader(description, load) needs an id and a loader");
  add({ id: description.id, kind: description.kind, envVars: description.envVars ?? [], load }, description.aliases ?? []);
}

/**
 * Registers connector classes by their own `connectorId` (and `shortName`), statically: the way to name
 * connectors from configuration in a bundle that must not use `import()` (an MV3 service worker).
 * `known` adds kinds and short names for ids it lists (the built-in catalogue).
 * @example
 * registerConnectors([OpenAIProvider, CostFirstPolicy]);
 * create("chat-completion", { providers: ["openai"], strategy: "cost-first" });
 */
export function registerConnectors(connectors: readonly ConnectorClass[], known: readonly ConnectorDescription[] = []): void {
  for (const connector of connectors) {
    const statics = staticsOf(connector);
    if (typeof connector !== "function" || typeof statics.connectorId !== "string" || statics.connectorId === "") {
      throw new ConfigError("", `registerConnectors() needs connector classes with a static connectorId; got ${typeof connector === "function" ? connector.name || "a class" : typeof connector} without one (use registerConnector(id, Class) instead)`);
    }
    const description = known.find((item) => item.id === statics.connectorId);
    const aliases = [...(typeof statics.shortName === "string" ? [statics.shortName] : []), ...(description?.aliases ?? [])];
    add({ id: statics.connectorId, kind: description?.kind, envVars: statics.envVars ?? description?.envVars ?? [], connector }, aliases);
  }
}

/** The entry `name` names, checked to be of `kind`; a ConfigError at `path` otherwise. Internal (registry-load.ts). */
export function lookup(kind: ConnectorKind, name: string, path: string): RegistryEntry {
  const entry = entries.get(name);
  if (!entry) {
    const known = [...entries.entries()].filter(([, e]) => e.kind === kind || e.kind === undefined).map(([key]) => key);
    throw new ConfigError(path, `unknown ${kind} connector "${name}"${known.length ? ` (known: ${known.sort().join(", ")})` : ""}; register it with registerConnector(id, Class), or with registerConnectors([Class]) in modelmesh/static`);
  }
  if (entry.kind && entry.kind !== kind) throw new ConfigError(path, `"${name}" is a ${entry.kind} connector, not a ${kind} connector`);
  return entry;
}

/** Checks, synchronously and without loading anything, that `name` is a known connector of `kind`; returns its id. */
export function checkConnector(kind: ConnectorKind, name: string, path: string): string {
  return lookup(kind, name, path).id;
}

export function isRegistered(name: string): boolean {
  return entries.has(name);
}

