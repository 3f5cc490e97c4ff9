// What the mesh needs from the registry, apart from what create() needs to check names: its own file, so a client's
// first load (modelmesh/lazy) carries only the name table and the checks.
import { ConfigError } from "../wire/error-base.js";
import { lookup, registryEntries, type ConnectorClass, type ConnectorKind, type RegistryEntry } from "./registry.js";

/** Finds a loaded connector by id or short name; a kind mismatch or an unknown name is a ConfigError at `path`.
 * @example
 * const { connector } = resolveConnector("provider", "openai", "providers[0].connector");
 */
export function resolveConnector(kind: ConnectorKind, name: string, path: string): { id: string; connector: ConnectorClass } {
  const entry = lookup(kind, name, path);
  // The mesh loads every connector a configuration names before it builds any; reaching this is a bug, not bad input.
  if (!entry.connector) throw new ConfigError(path, `${kind} connector "${name}" is not loaded yet (await loadConnector() first)`);
  return { id: entry.id, connector: entry.connector };
}

/**
 * Finds a connector by id or short name, loading its module on first use (once, however many ask).
 * @example
 * const { connector } = await loadConnector("provider", "openai", "providers[0].connector");
 */
export async function loadConnector(kind: ConnectorKind, name: string, path: string): Promise<{ id: string; connector: ConnectorClass }> {
  const entry = lookup(kind, name, path);
  if (!entry.connector) {
    entry.loading ??= entry.load!().then(
      (connector) => (entry.connector = connector),
      (error: unknown) => {
        entry.loading = undefined;
        throw new ConfigError(path, `cannot load ${kind} connector "${name}": ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    await entry.loading;
  }
  return { id: entry.id, connector: entry.connector! };
}

/**
 * Every registered connector of one kind, by id, in registration order, with what is known before loading it.
 * @example
 * listConnectors("provider").flatMap((connector) => connector.envVars); // ["OPENAI_API_KEY", ...]
 */
export function listConnectors(kind: ConnectorKind): Array<{ id: string; aliases: string[]; envVars: readonly string[] }> {
  const seen = new Map<RegistryEntry, string[]>();
  for (const [name, entry] of registryEntries()) {
    if (entry.kind !== kind) continue;
    if (!seen.has(entry)) seen.set(entry, []);
    if (name !== entry.id) seen.get(entry)!.push(name);
  }
  return [...seen].map(([entry, aliases]) => ({ id: entry.id, aliases, envVars: entry.envVars }));
}
