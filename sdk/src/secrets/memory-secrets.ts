import { BaseSecretStore } from "./secret-store.js";
import type { BaseSecretStoreConfig } from "./secret-store.js";

/**
 * Options of `modelmesh.memory-secrets.v1`.
 * @example
 * const config: MemorySecretStoreConfig = { secrets: { OPENAI_API_KEY: "sk-..." } };
 */
export interface MemorySecretStoreConfig extends BaseSecretStoreConfig {
  /** Initial secrets, name → value. Copied, so later changes to the object are not seen. */
  secrets?: Record<string, string>;
}

/**
 * Secrets held in memory (`modelmesh.memory-secrets.v1`): tests, and keys a person typed into a page.
 * Caching is off by default because the map is the source; `set`/`delete` take effect at once.
 * @example
 * const store = new MemorySecretStore({ secrets: { OPENAI_API_KEY: userEnteredKey } });
 * store.set("GROQ_API_KEY", otherKey);
 */
export class MemorySecretStore extends BaseSecretStore {
  static readonly connectorId = "modelmesh.memory-secrets.v1";
  override readonly id: string = MemorySecretStore.connectorId;
  private readonly secrets = new Map<string, string>();

  constructor(config: MemorySecretStoreConfig = {}) {
    super({ cacheEnabled: false, ...config });
    for (const [name, value] of Object.entries(config.secrets ?? {})) this.secrets.set(name, value);
  }

  /** Add or replace a secret. */
  set(name: string, value: string): void {
    this.secrets.set(name, value);
    this.clearCache(name);
  }

  /** Remove a secret; true when it existed. */
  delete(name: string): boolean {
    this.clearCache(name);
    return this.secrets.delete(name);
  }

  /** Names of the stored secrets, e.g. for auto-discovery. */
  names(): string[] {
    return [...this.secrets.keys()];
  }

  protected _resolve(name: string): string | undefined {
    return this.secrets.get(name);
  }
}
