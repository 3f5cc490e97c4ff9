import { openDB, type IDBPDatabase } from "idb";
import { StorageError } from "../wire/errors.js";
import { BaseStorage, parseEntry, serializeEntry } from "./storage.js";
import type { BaseStorageConfig, StorageEntry } from "./storage.js";

/**
 * Options of `modelmesh.indexeddb.v1` (YAML: `database`).
 * @example
 * const config: IndexedDBStorageConfig = { database: "my-extension-modelmesh" };
 */
export interface IndexedDBStorageConfig extends BaseStorageConfig {
  /** Name of the IndexedDB database (default `"modelmesh"`); one object store, `entries`, inside it. */
  database?: string;
}

const STORE = "entries";

/**
 * Storage in IndexedDB (`modelmesh.indexeddb.v1`, through `idb`): pages, workers and extension service workers,
 * which have no `localStorage`; survives reloads, browser restarts and a service worker being stopped.
 * Entries are stored as the same JSON text every backend writes (not structured clones), so data behaves the same
 * whichever backend holds it. The database opens on first use (or `open()`) and again after `close()`.
 * @example
 * const storage = new IndexedDBStorage({ database: "my-extension-modelmesh" });
 * await storage.saveData("usage", { totalCost: 0.42 });
 */
export class IndexedDBStorage extends BaseStorage {
  static readonly connectorId = "modelmesh.indexeddb.v1";
  override readonly id: string = IndexedDBStorage.connectorId;
  readonly database: string;
  #connection: Promise<IDBPDatabase> | undefined;

  constructor(config: IndexedDBStorageConfig = {}) {
    super(config);
    if (config.database !== undefined && (typeof config.database !== "string" || config.database === "")) {
      throw new StorageError(`${IndexedDBStorage.connectorId}: "database" must be a non-empty string`);
    }
    this.database = config.database ?? "modelmesh";
  }

  override async open(): Promise<void> {
    await this.connection();
  }

  async load(key: string): Promise<StorageEntry | null> {
    const text = await this.attempt("read", key, (db) => db.get(STORE, key) as Promise<string | undefined>);
    return text === undefined ? null : parseEntry(key, text);
  }

  async save(key: string, entry: StorageEntry): Promise<void> {
    const text = serializeEntry(key, entry);
    await this.attempt("write", key, (db) => db.put(STORE, text, key));
  }

  async list(prefix = ""): Promise<string[]> {
    const keys = await this.attempt("list", prefix, (db) => db.getAllKeys(STORE));
    return keys.filter((key): key is string => typeof key === "string" && key.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<boolean> {
    return this.attempt("delete", key, async (db) => {
      // One readwrite transaction, so a concurrent save cannot slip between the check and the delete.
      const transaction = db.transaction(STORE, "readwrite");
      const existed = (await transaction.store.count(key)) > 0;
      if (existed) await transaction.store.delete(key);
      await transaction.done;
      return existed;
    });
  }

  override async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) (await connection.catch(() => undefined))?.close();
  }

  private connection(): Promise<IDBPDatabase> {
    if (this.#connection) return this.#connection;
    const factory = (globalThis as { indexedDB?: unknown }).indexedDB;
    if (!factory) {
      return Promise.reject(new StorageError(`${this.id}: indexedDB is not available here (Node has none: use modelmesh.sqlite.v1 or modelmesh.local-file.v1 from modelmesh/node)`));
    }
    const opening = openDB(this.database, 1, {
      upgrade(db) {
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
      },
      // Another tab upgrading the database: let it, and reopen on next use.
      blocking: () => void this.close(),
      terminated: () => {
        this.#connection = undefined;
      },
    }).catch((error: unknown) => {
      this.#connection = undefined;
      throw new StorageError(`${this.id}: cannot open IndexedDB database "${this.database}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    this.#connection = opening;
    return opening;
  }

  private async attempt<Result>(action: string, key: string, operation: (db: IDBPDatabase) => Promise<Result>): Promise<Result> {
    const db = await this.connection();
    try {
      return await operation(db);
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new StorageError(`${this.id}: cannot ${action} "${key}": ${reason}`, { cause: error });
    }
  }
}
