import { ConfigError } from "./errors.js";

export type ConnectorKind = "provider" | "rotation" | "secrets" | "storage" | "observability" | "discovery";

// Constructors differ per kind; the registry only needs to call them with one config object.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConnectorClass = new (config?: any) => unknown;

interface RegistryEntry {
  id: string;
  kind: ConnectorKind | undefined;
  connector: ConnectorClass;
}

// One registry for every kind. Built-in providers add themselves when their module is imported, so a
// browser bundle holds only the providers it imports; small built-ins are added by `builtins.ts`.
const entries = new Map<string, RegistryEntry>();

/**
 * Makes a connector class known by id (and optional short names), so configuration can name it.
 * @example
 * registerConnector("corp.vault-secrets.v1", VaultSecretStore);
 * create({ config: { secrets: { store: "corp.vault-secrets.v1", config: { vaultUrl } } } });
 */
export function registerConnector(id: string, connector: ConnectorClass, options: { kind?: ConnectorKind; aliases?: string[] } = {}): void {
  if (!id || typeof connector !== "function") throw new ConfigError("", "registerConnector(id, Class) needs an id and a class");
  const entry = { id, kind: options.kind, connector };
  entries.set(id, entry);
  for (const alias of options.aliases ?? []) entries.set(alias, entry);
}

/** Finds a connector by id or short name; a kind mismatch or an unknown name is a ConfigError at `path`. */
export function resolveConnector(kind: ConnectorKind, name: string, path: string): { id: string; connector: ConnectorClass } {
  const entry = entries.get(name);
  if (!entry) {
    const known = [...entries.entries()].filter(([, e]) => e.kind === kind || e.kind === undefined).map(([key]) => key);
    throw new ConfigError(path, `unknown ${kind} connector "${name}"${known.length ? ` (known: ${known.sort().join(", ")})` : ""}; register a custom one with registerConnector()`);
  }
  if (entry.kind && entry.kind !== kind) throw new ConfigError(path, `"${name}" is a ${entry.kind} connector, not a ${kind} connector`);
  return { id: entry.id, connector: entry.connector };
}

export function isRegistered(name: string): boolean {
  return entries.has(name);
}

/** Every registered connector class of one kind, by id. */
export function listConnectors(kind: ConnectorKind): Array<{ id: string; connector: ConnectorClass }> {
  const seen = new Map<string, ConnectorClass>();
  for (const entry of entries.values()) if (entry.kind === kind && !seen.has(entry.id)) seen.set(entry.id, entry.connector);
  return [...seen].map(([id, connector]) => ({ id, connector }));
}
