import { BaseWebStorage } from "./web-storage.js";
import type { WebStorageConfig } from "./web-storage.js";

/**
 * Options of `modelmesh.localstorage.v1` (YAML: `prefix`).
 * @example
 * const config: LocalStorageStorageConfig = { prefix: "my-app:modelmesh:" };
 */
export type LocalStorageStorageConfig = WebStorageConfig;

/**
 * Storage in the browser's `localStorage` (`modelmesh.localstorage.v1`): survives reloads and restarts
 * of the page's origin. Not available in extension service workers (use `modelmesh.indexeddb.v1`).
 * @example
 * const storage = new LocalStorageStorage({ prefix: "my-app:modelmesh:" });
 * await storage.saveData("model-state", snapshot);
 */
export class LocalStorageStorage extends BaseWebStorage {
  static readonly connectorId = "modelmesh.localstorage.v1";
  override readonly id: string = LocalStorageStorage.connectorId;

  constructor(config: LocalStorageStorageConfig = {}) {
    super(config);
  }

  protected _globalName() {
    return "localStorage" as const;
  }
}
