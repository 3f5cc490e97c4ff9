import { StorageError } from "../wire/errors.js";
import { BaseStorage, parseEntry, serializeEntry } from "./storage.js";
import type { BaseStorageConfig, StorageEntry } from "./storage.js";

/**
 * Options of the Web Storage backends (YAML: `prefix`).
 * @example
 * const config: WebStorageConfig = { prefix: "modelmesh:", storage: window.localStorage };
 */
export interface WebStorageConfig extends BaseStorageConfig {
  /** Prepended to every key, so ModelMesh shares the origin's storage without clashing (default `"modelmesh:"`). */
  prefix?: string;
  /** The `Storage` to use instead of the global one (tests pass a Map-backed one). */
  storage?: Storage;
}

const DEFAULT_PREFIX = "modelmesh:";

/**
 * Shared base of `LocalStorageStorage` and `SessionStorageStorage`: entries as JSON text under
 * `prefix + key`. The global `Storage` is looked up inside each call, never at import, because
 * service workers and Node have none; using it there is a `StorageError`, as is a full quota.
 * @example
 * class FrameStorage extends BaseWebStorage {
 *   protected _globalName() { return "localStorage" as const }
 * }
 */
export abstract class BaseWebStorage extends BaseStorage {
  readonly prefix: string;
  private readonly injected: Storage | undefined;

  constructor(config: WebStorageConfig = {}) {
    super(config);
    this.prefix = config.prefix ?? DEFAULT_PREFIX;
    this.injected = config.storage;
  }

  /** Which global holds the default `Storage`. */
  protected abstract _globalName(): "localStorage" | "sessionStorage";

  /** Fails with a `StorageError` where the global `Storage` is missing or blocked (Node, service workers, sandboxed frames). */
  override async open(): Promise<void> {
    this.storage();
  }

  async load(key: string): Promise<StorageEntry | null> {
    const text = this.attempt("read", key, (storage) => storage.getItem(this.prefix + key));
    return text === null ? null : parseEntry(key, text);
  }

  async save(key: string, entry: StorageEntry): Promise<void> {
    const text = serializeEntry(key, entry);
    this.attempt("write", key, (storage) => storage.setItem(this.prefix + key, text));
  }

  async list(prefix = ""): Promise<string[]> {
    const full = this.prefix + prefix;
    return this.attempt("list", prefix, (storage) => {
      const keys: string[] = [];
      for (let position = 0; position < storage.length; position++) {
        const key = storage.key(position);
        if (key !== null && key.startsWith(full)) keys.push(key.slice(this.prefix.length));
      }
      return keys.sort();
    });
  }

  async delete(key: string): Promise<boolean> {
    return this.attempt("delete", key, (storage) => {
      const existed = storage.getItem(this.prefix + key) !== null;
      storage.removeItem(this.prefix + key);
      return existed;
    });
  }

  private storage(): Storage {
    if (this.injected) return this.injected;
    const name = this._globalName();
    let storage: Storage | undefined;
    try {
      // Reading the global can itself throw (sandboxed iframes, blocked third-party storage).
      storage = (globalThis as Partial<Record<typeof name, Storage>>)[name];
    } catch (error) {
      throw new StorageError(`${this.id}: ${name} is blocked in this context`, { cause: error });
    }
    if (!storage) {
      throw new StorageError(`${this.id}: ${name} is not available here (service workers and Node have none; use modelmesh.indexeddb.v1 or modelmesh.memory.v1)`);
    }
    return storage;
  }

  private attempt<Result>(action: string, key: string, operation: (storage: Storage) => Result): Result {
    const storage = this.storage();
    try {
      return operation(storage);
    } catch (error) {
      const reason = isQuotaError(error) ? "the storage quota is exceeded" : errorName(error);
      throw new StorageError(`${this.id}: cannot ${action} "${key}": ${reason}`, { cause: error });
    }
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

// Browsers disagree on the name (QuotaExceededError; Firefox's NS_ERROR_DOM_QUOTA_REACHED) and the legacy code (22, 1014).
function isQuotaError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === "QuotaExceededError" || name === "NS_ERROR_DOM_QUOTA_REACHED" || code === 22 || code === 1014;
}
