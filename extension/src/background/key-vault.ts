import { BrowserSecretStore } from "modelmesh/static";
import type { KeyInfo, KeyTestResult } from "../shared/protocol.ts";
import type { KeyMetadata } from "./items.ts";
import type { StoredItem } from "./stored-item.ts";
import { secretName } from "./mesh-config.ts";

/**
 * The person's provider keys: the values encrypted in IndexedDB (`BrowserSecretStore`), the rest (base URL, last test)
 * in `chrome.storage.local`. Nothing here returns a key; only the mesh reads them, through `store`.
 * @example
 * const vault = new KeyVault(new BrowserSecretStore({ database: "modelmesh-keys" }), keyMetadataItem(chrome.storage.local));
 * await vault.set("openai", typedKey);
 */
export class KeyVault {
  constructor(
    readonly store: BrowserSecretStore,
    private readonly metadata: StoredItem<Record<string, KeyMetadata>>,
  ) {}

  /** Providers that have a key. */
  async providers(): Promise<string[]> {
    return this.store.names();
  }

  async metadataOf(): Promise<Record<string, KeyMetadata>> {
    return this.metadata.get();
  }

  async list(): Promise<KeyInfo[]> {
    const [names, metadata] = await Promise.all([this.store.names(), this.metadata.get()]);
    const providers = new Set([...names, ...Object.keys(metadata)]);
    return [...providers].sort().map((provider) => info(provider, names.includes(provider), metadata[provider]));
  }

  async set(provider: string, apiKey: string, baseUrl: string | undefined): Promise<KeyInfo> {
    await this.store.set(secretName(provider), apiKey);
    const metadata = await this.metadata.update((all) => ({ ...all, [provider]: { ...(baseUrl ? { baseUrl } : {}) } }));
    return info(provider, true, metadata[provider]);
  }

  async remove(provider: string): Promise<boolean> {
    const removed = await this.store.delete(secretName(provider));
    await this.metadata.update((all) => {
      const { [provider]: _removed, ...rest } = all;
      return rest;
    });
    return removed;
  }

  async recordTest(provider: string, result: KeyTestResult): Promise<void> {
    await this.metadata.update((all) => ({ ...all, [provider]: { ...all[provider], lastTest: result } }));
  }
}

function info(provider: string, hasKey: boolean, metadata: KeyMetadata | undefined): KeyInfo {
  return { provider, hasKey, ...(metadata?.baseUrl ? { baseUrl: metadata.baseUrl } : {}), ...(metadata?.lastTest ? { lastTest: metadata.lastTest } : {}) };
}
