import { isRegistered, registerConnectorLoader } from "./registry.js";
import { BUILTIN_CONNECTORS } from "./connector-ids.js";
import { registerNodeConnectorLoaders } from "./node-connectors.js";

let registered = false;

/**
 * What `modelmesh/lazy` ships up front: every built-in connector's name, and one loader that fetches the table of
 * per-connector loaders (`builtins.ts`, its own chunk) only when a configuration names a connector. So adding a
 * connector costs a page one table row, not its loader too.
 * @example
 * registerBuiltinNames();
 * checkConnector("provider", "openai", "providers[0]"); // known, nothing fetched yet
 */
export function registerBuiltinNames(): void {
  if (registered) return;
  registered = true;
  for (const description of BUILTIN_CONNECTORS) {
    // A user's registerConnector() of the same id wins over the built-in.
    if (isRegistered(description.id)) continue;
    registerConnectorLoader(description, () => import("./builtins.js").then((module) => module.loadBuiltin(description.id)));
  }
  registerNodeConnectorLoaders();
}
