import type { ExtensionConfig, KeyTestResult, SiteGrant } from "../shared/protocol.ts";
import { StoredItem, type StorageAreaLike } from "./stored-item.ts";

/** What the extension keeps about a provider's key in `chrome.storage.local`: never the key (that is in the vault). */
export interface KeyMetadata {
  baseUrl?: string;
  lastTest?: KeyTestResult;
}

/**
 * The configuration item. Version 1 stored the ModelMesh configuration object alone; version 2 wraps it with the
 * extension's own settings (content logging, off by default).
 */
export function configItem(area: StorageAreaLike): StoredItem<ExtensionConfig> {
  return new StoredItem<ExtensionConfig>(area, {
    key: "modelmesh.config",
    version: 2,
    fallback: () => ({ mesh: {}, logContent: false }),
    migrations: {
      2: (old) => ({ mesh: typeof old === "object" && old !== null ? old : {}, logContent: false }),
    },
  });
}

/** Every site's grant, by origin. */
export function sitesItem(area: StorageAreaLike): StoredItem<Record<string, SiteGrant>> {
  return new StoredItem<Record<string, SiteGrant>>(area, { key: "modelmesh.sites", version: 1, fallback: () => ({}) });
}

/** Key metadata by provider name (base URL, last test): what the options page shows besides "a key is set". */
export function keyMetadataItem(area: StorageAreaLike): StoredItem<Record<string, KeyMetadata>> {
  return new StoredItem<Record<string, KeyMetadata>>(area, { key: "modelmesh.keys", version: 1, fallback: () => ({}) });
}
