import { BaseStorage, parseEntry, serializeEntry } from "./storage.js";
import type { BaseStorageConfig, StorageEntry } from "./storage.js";

/**
 * Options of `modelmesh.memory.v1`.
 * @example
 * const config: MemoryStorageConfig = { now: () => fakeClock.now() };
 */
export type MemoryStorageConfig = BaseStorageConfig;

/**
 * Storage in memory (`modelmesh.memory.v1`): tests and short-lived processes; gone on restart.
 * Entries are kept as JSON text, so callers cannot mutate stored state through a reference and
 * data behaves exactly as it would in a persistent backend (no surprises when switching).
 * @example
 * const storage = new MemoryStorage();
 * await storage.saveData("usage", { totalCost: 0.42 });
 * await storage.loadData("usage"); // { totalCost: 0.42 } (a copy)
 */
export class MemoryStorage extends BaseStorage {
  static readonly connectorId = "modelmesh.memory.v1";
  override readonly id: string = MemoryStorage.connectorId;
  private readonly entries = new Map<string, string>();

  constructor(config: MemoryStorageConfig = {}) {
    super(config);
  }

  async load(key: string): Promise<StorageEntry | null> {
    const text = this.entries.get(key);
    return text === undefined ? null : parseEntry(key, text);
  }

  async save(key: string, entry: StorageEntry): Promise<void> {
    this.entries.set(key, serializeEntry(key, entry));
  }

  async list(prefix = ""): Promise<string[]> {
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key);
  }
}
