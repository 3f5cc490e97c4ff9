import { StorageError } from "../wire/errors.js";

/**
 * One stored record. Everything in it must survive `JSON.stringify` → `JSON.parse`, because every
 * backend (localStorage, a file, SQLite, Redis) stores text: `undefined` fields vanish, `Date`s become
 * strings, `Map`s become `{}`. Store plain data.
 * @example
 * const entry: StorageEntry = { key: "model-state", data: { "openai/gpt-4o": { status: "active" } }, updatedAt: Date.now(), version: 1 };
 */
export interface StorageEntry<Data = unknown> {
  /** The key the entry is stored under (backends set it to the `save` key). */
  key: string;
  /** The payload: plain JSON-compatible data. */
  data: Data;
  /** Epoch ms of the last save. */
  updatedAt: number;
  /** Schema version of `data`, so a reader can migrate what an older release wrote. */
  version?: number;
}

/**
 * Options every storage backend accepts.
 * @example
 * super({ now: () => clock.now() });
 */
export interface BaseStorageConfig {
  /** Clock for `updatedAt`, injected so tests control time (default `Date.now`). */
  now?: () => number;
}

/**
 * Base of every storage backend (the CDK): implement `load`, `save`, `list` and `delete`; `loadData`,
 * `saveData`, `has` and `clear` come built on them. ModelMesh keeps model state, usage and budget
 * counters here so they survive a restart (or an extension service worker being killed).
 * Failures of the backend itself are `StorageError`s; a missing key is `null`, not an error.
 * @example
 * class RedisStorage extends BaseStorage {
 *   override readonly id = "corp.redis-storage.v1";
 *   async load(key: string) { const text = await redis.get(`modelmesh:${key}`); return text ? JSON.parse(text) : null }
 *   async save(key: string, entry: StorageEntry) { await redis.set(`modelmesh:${key}`, JSON.stringify({ ...entry, key })) }
 *   async list(prefix = "") { return (await redis.keys(`modelmesh:${prefix}*`)).map((key) => key.slice(10)) }
 *   async delete(key: string) { return (await redis.del(`modelmesh:${key}`)) > 0 }
 * }
 */
export abstract class BaseStorage {
  /** Connector id; custom backends may keep the default. */
  readonly id: string = "custom.storage.v1";
  protected readonly now: () => number;

  constructor(config: BaseStorageConfig = {}) {
    this.now = config.now ?? Date.now;
  }

  /** The entry stored under `key`, or null when there is none. */
  abstract load(key: string): Promise<StorageEntry | null>;
  /** Store `entry` under `key`, replacing what was there. */
  abstract save(key: string, entry: StorageEntry): Promise<void>;
  /** Keys starting with `prefix` (all keys without one), sorted. */
  abstract list(prefix?: string): Promise<string[]>;
  /** Remove `key`; true when something was removed. */
  abstract delete(key: string): Promise<boolean>;

  /** Just the payload stored under `key`, or null. */
  async loadData<Data = unknown>(key: string): Promise<Data | null> {
    const entry = await this.load(key);
    return entry === null ? null : (entry.data as Data);
  }

  /** Store `data` under `key`, stamped with the current time and an optional schema version. */
  async saveData(key: string, data: unknown, options: { version?: number } = {}): Promise<void> {
    const entry: StorageEntry = { key, data, updatedAt: this.now() };
    if (options.version !== undefined) entry.version = options.version;
    await this.save(key, entry);
  }

  /** True when `key` holds an entry. */
  async has(key: string): Promise<boolean> {
    return (await this.load(key)) !== null;
  }

  /** Delete every key starting with `prefix` (everything without one); returns how many went. */
  async clear(prefix?: string): Promise<number> {
    let removed = 0;
    for (const key of await this.list(prefix)) if (await this.delete(key)) removed++;
    return removed;
  }

  /**
   * Checks the backend can work here and opens its handles (a file, a database); the mesh calls it once at start,
   * so a backend that cannot work (no `localStorage` in Node, an unreadable file) fails `create()` instead of
   * silently keeping nothing. Backends also open lazily on first use, and again after `close()`.
   */
  async open(): Promise<void> {}

  /** Write out anything buffered; backends that write through have nothing to do. */
  async flush(): Promise<void> {}

  /** Release handles (files, databases); the default has none. */
  async close(): Promise<void> {}
}

/**
 * Turns an entry into the text backends store, failing with a `StorageError` (not a `TypeError`) for
 * data JSON cannot hold (a BigInt, a cycle).
 * @example
 * const text = serializeEntry("usage", { key: "usage", data: { totalCost: 1.5 }, updatedAt: Date.now() });
 */
export function serializeEntry(key: string, entry: StorageEntry): string {
  if (typeof key !== "string" || key === "") throw new StorageError("storage key must be a non-empty string");
  if (typeof entry !== "object" || entry === null) throw new StorageError(`entry for "${key}" must be an object`);
  try {
    const stored: StorageEntry = { key, data: entry.data, updatedAt: typeof entry.updatedAt === "number" ? entry.updatedAt : Date.now() };
    if (entry.version !== undefined) stored.version = entry.version;
    return JSON.stringify(stored);
  } catch (error) {
    throw new StorageError(`entry for "${key}" cannot be stored as JSON`, { cause: error });
  }
}

/**
 * Reads text written by `serializeEntry`; text that is not an entry is a `StorageError` naming the key.
 * @example
 * const entry = parseEntry("usage", text); // StorageEntry
 */
export function parseEntry(key: string, text: string): StorageEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StorageError(`stored entry "${key}" is not valid JSON`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || (!("data" in parsed) && !("updatedAt" in parsed))) {
    throw new StorageError(`stored entry "${key}" is not a ModelMesh storage entry`);
  }
  const record = parsed as Partial<StorageEntry>;
  const entry: StorageEntry = { key, data: record.data, updatedAt: typeof record.updatedAt === "number" ? record.updatedAt : 0 };
  if (typeof record.version === "number") entry.version = record.version;
  return entry;
}
