import { StorageError } from "../wire/errors.js";
import { BaseStorage } from "../storage/storage.js";
import type { BaseStorageConfig, StorageEntry } from "../storage/storage.js";
import { directoryOf, loadFileSystem } from "./node-modules.js";

/**
 * Options of `modelmesh.sqlite.v1` (YAML: `path`).
 * @example
 * const config: SqliteStorageConfig = { path: "./mesh-state.db" };
 */
export interface SqliteStorageConfig extends BaseStorageConfig {
  /** The SQLite database file (default `"./mesh-state.db"`); created, with its table, when missing. */
  path?: string;
}

type SqliteModule = typeof import("node-sqlite3-wasm");
type Database = InstanceType<SqliteModule["Database"]>;

/**
 * The table every entry lives in; `data` is JSON text, so `json_extract(data, '$.usage.totalCost')` queries it.
 * `PRAGMA user_version` holds the schema version (1).
 */
export const SQLITE_SCHEMA = `CREATE TABLE IF NOT EXISTS modelmesh_entries (
  key        TEXT PRIMARY KEY NOT NULL,
  data       TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  version    INTEGER
)`;

/**
 * Storage in a real SQLite database file (`modelmesh.sqlite.v1`, Node only, from `modelmesh/node`), through
 * `node-sqlite3-wasm` (WebAssembly: no native build, no install script; an optional dependency of `modelmesh`).
 * One row per key in `modelmesh_entries` (see `SQLITE_SCHEMA`). Saves made while a transaction is under way are
 * written together in the next one (group commit: one fsync for many small saves, such as budget counters); each
 * `save` resolves once its transaction is committed (rollback journal, synchronous=FULL). That WASM build has no
 * shared memory, so no WAL: one process at a time. The `sqlite3` command-line tool reads the file.
 * @example
 * const storage = new SqliteStorage({ path: "./mesh-state.db" });
 * await storage.saveData("usage", { totalCost: 0.42 });
 * await storage.close(); // node-sqlite3-wasm frees its memory only on close
 */
export class SqliteStorage extends BaseStorage {
  static readonly connectorId = "modelmesh.sqlite.v1";
  static readonly shortName = "sqlite";
  override readonly id: string = SqliteStorage.connectorId;
  readonly path: string;
  #database: Promise<Database> | undefined;
  #pending = new Map<string, { data: string; updated_at: number; version: number | null }>();
  #queued: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();

  constructor(config: SqliteStorageConfig = {}) {
    super(config);
    if (config.path !== undefined && (typeof config.path !== "string" || config.path === "")) {
      throw new StorageError(`${SqliteStorage.connectorId}: "path" must be a non-empty string`);
    }
    this.path = config.path ?? "./mesh-state.db";
  }

  /** Opens (or creates) the database and its table. */
  override async open(): Promise<void> {
    await this.database();
  }

  async load(key: string): Promise<StorageEntry | null> {
    // A save waiting for its transaction is already what this key holds.
    const pending = this.#pending.get(key);
    const row = pending ?? (await this.attempt("read", key, (db) => db.get("SELECT data, updated_at, version FROM modelmesh_entries WHERE key = ?", [key])));
    if (!row) return null;
    let data: unknown;
    try {
      data = JSON.parse(String(row.data));
    } catch (error) {
      throw new StorageError(`${this.id}: stored entry "${key}" is not valid JSON`, { cause: error });
    }
    const entry: StorageEntry = { key, data, updatedAt: Number(row.updated_at) };
    if (row.version !== null && row.version !== undefined) entry.version = Number(row.version);
    return entry;
  }

  async save(key: string, entry: StorageEntry): Promise<void> {
    if (typeof key !== "string" || key === "") throw new StorageError("storage key must be a non-empty string");
    if (typeof entry !== "object" || entry === null) throw new StorageError(`entry for "${key}" must be an object`);
    let data: string;
    try {
      data = JSON.stringify(entry.data) ?? "null";
    } catch (error) {
      throw new StorageError(`entry for "${key}" cannot be stored as JSON`, { cause: error });
    }
    const updatedAt = typeof entry.updatedAt === "number" ? entry.updatedAt : this.now();
    const version = typeof entry.version === "number" ? entry.version : null;
    this.#pending.set(key, { data, updated_at: updatedAt, version });
    await this.commit();
  }

  async list(prefix = ""): Promise<string[]> {
    await this.#tail;
    const rows = await this.attempt("list", prefix, (db) => db.all("SELECT key FROM modelmesh_entries WHERE substr(key, 1, length(?1)) = ?1", [prefix]));
    // SQLite orders by UTF-8 bytes, JavaScript by UTF-16 units: sort here so every backend lists in the same order.
    return rows.map((row) => String(row.key)).sort();
  }

  async delete(key: string): Promise<boolean> {
    await this.#tail;
    const result = await this.attempt("delete", key, (db) => db.run("DELETE FROM modelmesh_entries WHERE key = ?", [key]));
    return result.changes > 0;
  }

  override async flush(): Promise<void> {
    await this.#tail;
  }

  /** Closes the database (node-sqlite3-wasm leaks its WASM memory otherwise); the next use opens it again. */
  override async close(): Promise<void> {
    await this.#tail;
    const opening = this.#database;
    this.#database = undefined;
    const db = await opening?.catch(() => undefined);
    if (db?.isOpen) db.close();
  }

  // Group commit: every save made before the queued transaction starts goes into it (one fsync for many small saves).
  private commit(): Promise<void> {
    if (!this.#queued) {
      const run = this.#tail.then(() => {
        this.#queued = undefined;
        return this.writePending();
      });
      this.#queued = run;
      this.#tail = run.catch(() => undefined);
    }
    return this.#queued;
  }

  private async writePending(): Promise<void> {
    const rows = [...this.#pending];
    if (rows.length === 0) return;
    try {
      await this.attempt("write", rows.map(([key]) => key).join('", "'), (db) => {
        db.exec("BEGIN IMMEDIATE");
        try {
          for (const [key, row] of rows) {
            db.run("INSERT INTO modelmesh_entries (key, data, updated_at, version) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, version = excluded.version", [key, row.data, row.updated_at, row.version]);
          }
          db.exec("COMMIT");
        } catch (error) {
          if (db.inTransaction) db.exec("ROLLBACK");
          throw error;
        }
      });
    } finally {
      // Written or rolled back: either way these rows no longer wait (a failed save rejects; nothing half-stored stays).
      for (const [key, row] of rows) if (this.#pending.get(key) === row) this.#pending.delete(key);
    }
  }

  private database(): Promise<Database> {
    this.#database ??= this.connect().catch((error: unknown) => {
      this.#database = undefined;
      throw error;
    });
    return this.#database;
  }

  private async connect(): Promise<Database> {
    let module: SqliteModule;
    try {
      const loaded = (await import("node-sqlite3-wasm")) as SqliteModule & { default?: SqliteModule };
      module = loaded.default ?? loaded;
    } catch (error) {
      throw new StorageError(`${this.id} needs the node-sqlite3-wasm package (an optional dependency of modelmesh): npm install node-sqlite3-wasm`, { cause: error });
    }
    const fs = await loadFileSystem();
    const directory = await directoryOf(this.path);
    let db: Database | undefined;
    try {
      await fs.mkdir(directory, { recursive: true });
      db = new module.Database(this.path);
      db.exec(`PRAGMA synchronous = FULL; ${SQLITE_SCHEMA}; PRAGMA user_version = 1;`);
      return db;
    } catch (error) {
      if (db?.isOpen) db.close();
      throw new StorageError(`${this.id}: cannot open ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }

  private async attempt<Result>(action: string, key: string, operation: (db: Database) => Result): Promise<Result> {
    const db = await this.database();
    try {
      return operation(db);
    } catch (error) {
      throw new StorageError(`${this.id}: cannot ${action} "${key}": ${(error as Error).message}`, { cause: error });
    }
  }
}
