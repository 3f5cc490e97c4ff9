import { BaseWebStorage } from "./web-storage.js";
import type { WebStorageConfig } from "./web-storage.js";

/**
 * Options of `modelmesh.sessionstorage.v1` (YAML: `prefix`).
 * @example
 * const config: SessionStorageStorageConfig = { prefix: "tab:modelmesh:" };
 */
export type SessionStorageStorageConfig = WebStorageConfig;

/**
 * Storage in the browser's `sessionStorage` (`modelmesh.sessionstorage.v1`): lives as long as the tab,
 * so state resets when the tab closes. Not available in extension service workers.
 * @example
 * const storage = new SessionStorageStorage();
 * await storage.saveData("usage", { totalCost: 0 });
 */
export class SessionStorageStorage extends BaseWebStorage {
  static readonly connectorId = "modelmesh.sessionstorage.v1";
  override readonly id: string = SessionStorageStorage.connectorId;

  constructor(config: SessionStorageStorageConfig = {}) {
    super(config);
  }

  protected _globalName() {
    return "sessionStorage" as const;
  }
}
