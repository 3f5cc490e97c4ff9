import { SecretNotFoundError } from "../wire/errors.js";
import type { SecretStore } from "../wire/secret-store.js";

// The interface lives in wire/ (discovery and the mesh name it); re-exported beside the base class that implements it.
export type { SecretStore } from "../wire/secret-store.js";

/**
 * Options every secret store accepts (YAML: `cache_enabled`, `cache_ttl_ms`, `fail_on_missing`).
 * @example
 * super({ cacheEnabled: true, cacheTtlMs: 60_000, failOnMissing: true });
 */
export interface BaseSecretStoreConfig {
  /** Keep resolved values for `cacheTtlMs` so a slow backend is asked once (default true). */
  cacheEnabled?: boolean;
  /** How long a cached value stays valid, in ms (default 300 000 = five minutes). */
  cacheTtlMs?: number;
  /**
   * When false, `get` resolves to `""` for a missing secret instead of throwing, so a configuration
   * that mentions an optional key still loads (default true).
   */
  failOnMissing?: boolean;
  /** Clock, injected so tests control cache expiry (default `Date.now`). */
  now?: () => number;
}

/**
 * What `_resolve` may return: a value, or null/undefined for "not here"; sync or async.
 * @example
 * protected _resolve(name: string): SecretResolution { return vault.read(name) }
 */
export type SecretResolution = string | null | undefined | Promise<string | null | undefined>;

const DEFAULT_CACHE_TTL_MS = 300_000;

/**
 * Base of every secret store (the CDK). Subclasses implement `_resolve(name)` only; this class adds
 * caching with a TTL, fail-on-missing, and the record of handed-out values for redaction.
 * An empty string counts as missing, because `OPENAI_API_KEY=` means "not configured", not "key is empty".
 * @example
 * class VaultSecretStore extends BaseSecretStore {
 *   static readonly connectorId = "corp.vault-secrets.v1";
 *   override readonly id = VaultSecretStore.connectorId;
 *   constructor(private readonly vaultUrl: string) { super({ cacheEnabled: true, cacheTtlMs: 60_000 }) }
 *   protected async _resolve(name: string) {
 *     const response = await fetch(`${this.vaultUrl}/v1/secret/data/${name}`);
 *     return response.ok ? ((await response.json()).data.data.value as string) : null;
 *   }
 * }
 */
export abstract class BaseSecretStore implements SecretStore {
  /** Connector id; custom stores may keep the default. */
  readonly id: string = "custom.secrets.v1";
  protected readonly cacheEnabled: boolean;
  protected readonly cacheTtlMs: number;
  protected readonly failOnMissing: boolean;
  private readonly now: () => number;
  private readonly cache = new Map<string, { value: string; expiresAt: number }>();
  // Never cleared: a value handed out once may still sit in a request in flight or a provider's error.
  private readonly handedOut = new Set<string>();

  constructor(config: BaseSecretStoreConfig = {}) {
    this.cacheEnabled = config.cacheEnabled ?? true;
    this.cacheTtlMs = config.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.failOnMissing = config.failOnMissing ?? true;
    this.now = config.now ?? Date.now;
  }

  /** Look the secret up in the backend; return null or undefined when it is not there. */
  protected abstract _resolve(name: string): SecretResolution;

  /** Where a missing secret was looked for, for the error message (default: the store's id). */
  protected _describeLocation(_name: string): string {
    return this.id;
  }

  async get(name: string): Promise<string> {
    const value = await this.lookup(name);
    if (value !== undefined) return value;
    if (!this.failOnMissing) return "";
    throw new SecretNotFoundError(name, this._describeLocation(name));
  }

  async has(name: string): Promise<boolean> {
    return (await this.lookup(name)) !== undefined;
  }

  /** The value, or undefined when absent; never throws for a missing secret. */
  async tryGet(name: string): Promise<string | undefined> {
    return this.lookup(name);
  }

  knownValues(): string[] {
    return [...this.handedOut];
  }

  /** Forget cached values (all, or one name), e.g. after keys were rotated or on hot reload. */
  clearCache(name?: string): void {
    if (name === undefined) this.cache.clear();
    else this.cache.delete(name);
  }

  private async lookup(name: string): Promise<string | undefined> {
    if (typeof name !== "string" || name === "") return undefined;
    if (this.cacheEnabled) {
      const cached = this.cache.get(name);
      if (cached && cached.expiresAt > this.now()) return cached.value;
      this.cache.delete(name);
    }
    const resolved = await this._resolve(name);
    if (typeof resolved !== "string" || resolved === "") return undefined;
    this.handedOut.add(resolved);
    // Missing names are not cached: a key added later (an env var, a new entry) must be found.
    if (this.cacheEnabled) this.cache.set(name, { value: resolved, expiresAt: this.now() + this.cacheTtlMs });
    return resolved;
  }
}
