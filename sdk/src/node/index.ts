// `modelmesh/node`: the storage backends that need Node (a file, a SQLite database). Kept out of the other entries
// so no browser bundle ever contains node: imports; in Node the `modelmesh` and `modelmesh/lazy` entries load them
// by name from configuration, and `registerNodeConnectors()` does the same for an app bundled for Node.

import { registerConnectors } from "../core/registry.js";
import { NODE_CONNECTORS } from "../core/connector-ids.js";
import { LocalFileStorage } from "./local-file-storage.js";
import { SqliteStorage } from "./sqlite-storage.js";
import { RedisStorage } from "./redis-storage.js";
import { FileObservability } from "./file-observability.js";
import { DotenvSecretStore } from "./dotenv-secrets.js";
import { KeyringSecretStore } from "./keyring-secrets.js";

export { LocalFileStorage, type LocalFileStorageConfig } from "./local-file-storage.js";
export { SqliteStorage, SQLITE_SCHEMA, type SqliteStorageConfig } from "./sqlite-storage.js";
export { RedisStorage, type RedisStorageConfig } from "./redis-storage.js";
export { FileObservability, DEFAULT_FILE_MAX_BYTES, type FileObservabilityConfig } from "./file-observability.js";
export { serveMetrics, type MetricsServer, type MetricsServerOptions } from "./prometheus-server.js";
export { DotenvSecretStore, type DotenvSecretStoreConfig } from "./dotenv-secrets.js";
export { parseDotenv, DotenvSyntaxError } from "./dotenv-parse.js";
export { EncryptedFileSecretStore, writeEncryptedSecretsFile, type EncryptedFileSecretStoreConfig } from "./encrypted-file-secrets.js";
export { KeyringSecretStore, type KeyringSecretStoreConfig, type KeyringLibrary, type KeyringEntryLike } from "./keyring-secrets.js";
export { ConfigWatcher, type ConfigWatcherOptions, type ConfigWatcherEvent, type Reconfigurable, type ReconfigurableClient } from "./config-watcher.js";

/**
 * Registers the Node-only backends as classes (no `import()`), for apps bundled for Node, where a computed
 * `import()` of the package's own files cannot be followed by the bundler.
 * @example
 * import { registerNodeConnectors } from "modelmesh/node";
 * registerNodeConnectors();
 * create({ config: { storage: { connector: "sqlite", config: { path: "./mesh-state.db" } } } });
 */
export function registerNodeConnectors(): void {
  registerConnectors([LocalFileStorage, SqliteStorage, RedisStorage], NODE_CONNECTORS);
  registerConnectors([FileObservability], NODE_CONNECTORS);
  registerConnectors([DotenvSecretStore, KeyringSecretStore], NODE_CONNECTORS);
}
