import { isRegistered, registerConnectorLoader, type ConnectorClass } from "./registry.js";
import { NODE_CONNECTORS } from "./connector-ids.js";

// A computed specifier: bundlers leave `import(variable)` alone, so the Node-only module (node:fs, SQLite) never
// enters a browser bundle, while Node resolves it next to this file (src/node/ from source, dist/node/ when built).
const NODE_ENTRY = "../node/index.js";

/** True in Node (and Deno/Bun, which run Node modules); false in browsers, workers and extension service workers. */
function runsInNode(): boolean {
  const versions = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions;
  return typeof versions?.node === "string";
}

/**
 * Makes the Node-only storage backends (`sqlite`, `local-file`) nameable from configuration: in Node their module
 * loads the first time a configuration names one; elsewhere naming one is a ConfigError that says why.
 * An app bundled for Node imports `modelmesh/node` and calls `registerNodeConnectors()` instead.
 * @example
 * registerNodeConnectorLoaders();
 * await loadConnector("storage", "sqlite", "storage.connector");
 */
export function registerNodeConnectorLoaders(): void {
  for (const description of NODE_CONNECTORS) {
    // A user's registerConnector() of the same id (or modelmesh/node's classes) wins.
    if (isRegistered(description.id)) continue;
    registerConnectorLoader(description, async () => {
      if (!runsInNode()) throw new Error(`${description.id} runs in Node only (browsers: use modelmesh.indexeddb.v1 or modelmesh.localstorage.v1)`);
      const specifier = NODE_ENTRY;
      const module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
      return module[description.exportName] as ConnectorClass;
    });
  }
}
