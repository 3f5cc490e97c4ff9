import { isRegistered, registerConnectorLoader, type ConnectorClass } from "./registry.js";
import { NODE_CONNECTORS } from "./connector-ids.js";
import { setNodeFetchLoader } from "../internal/node-fetch-loader.js";

// A computed specifier: bundlers leave `import(variable)` alone, so the Node-only module (node:fs, SQLite) never
// enters a browser bundle, while Node resolves it next to this file (src/node/ from source, dist/node/ when built).
const NODE_ENTRY = "../node/index.js";
// The same for the Node transport of providers given no fetch (src/internal/platform-fetch.ts).
const NODE_FETCH_ENTRY = "../node-fetch/index.js";

/** True in Node (and Deno/Bun, which run Node modules); false in browsers, workers and extension service workers. */
function runsInNode(): boolean {
  const versions = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions;
  return typeof versions?.node === "string";
}

/**
 * Makes the Node-only storage backends (`sqlite`, `local-file`) nameable from configuration: in Node their module
 * loads the first time a configuration names one; elsewhere naming one is a ConfigError that says why. Also lets
 * providers given no `fetch` load the Node transport (`modelmesh/node-fetch`) in Node.
 * An app bundled for Node imports `modelmesh/node` and calls `registerNodeConnectors()` instead.
 * @example
 * registerNodeConnectorLoaders();
 * await loadConnector("storage", "sqlite", "storage.connector");
 */
export function registerNodeConnectorLoaders(): void {
  setNodeFetchLoader(async () => {
    const specifier = NODE_FETCH_ENTRY;
    const module = (await import(/* @vite-ignore */ specifier)) as { createNodeFetch(): (input: string | URL | Request, init?: RequestInit) => Promise<Response> };
    return module.createNodeFetch();
  });
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
