import { StorageError } from "../wire/errors.js";
import { BaseStorage, parseEntry, serializeEntry } from "../storage/storage.js";
import type { BaseStorageConfig, StorageEntry } from "../storage/storage.js";
import { directoryOf, loadFileSystem, processId, type FileHandleLike, type FileSystemLike } from "./node-modules.js";

/**
 * Options of `modelmesh.local-file.v1` (YAML: `path`, `fsync`).
 * @example
 * const config: LocalFileStorageConfig = { path: "./mesh-state.json" };
 */
export interface LocalFileStorageConfig extends BaseStorageConfig {
  /** The JSON file holding every entry (default `"./mesh-state.json"`); its folder is created on first write. */
  path?: string;
  /** Flush the new file to disk before it replaces the old one, so a power cut cannot leave an empty file (default true). */
  fsync?: boolean;
}

/** The file's format: `{ "format": "modelmesh.local-file.v1", "entries": { key: { data, updatedAt, version? } } }`. */
const FORMAT = "modelmesh.local-file.v1";

/**
 * Storage in one JSON file (`modelmesh.local-file.v1`, Node only, from `modelmesh/node`): simple, readable, one
 * process. Every write replaces the whole file atomically (write a temporary file beside it, fsync, rename over the
 * old one), so a crash mid-write leaves the previous complete file, never a torn one. Saves made while a write is
 * under way are written together by the next one, so many small saves cost few writes; each `save` resolves once
 * the file holding it is in place.
 * @example
 * const storage = new LocalFileStorage({ path: "./mesh-state.json" });
 * await storage.saveData("usage", { totalCost: 0.42 });
 * await storage.close();
 */
export class LocalFileStorage extends BaseStorage {
  static readonly connectorId = "modelmesh.local-file.v1";
  static readonly shortName = "local-file";
  override readonly id: string = LocalFileStorage.connectorId;
  readonly path: string;
  readonly fsync: boolean;
  #entries: Promise<Map<string, string>> | undefined;
  #queued: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();

  constructor(config: LocalFileStorageConfig = {}) {
    super(config);
    if (config.path !== undefined && (typeof config.path !== "string" || config.path === "")) {
      throw new StorageError(`${LocalFileStorage.connectorId}: "path" must be a non-empty string`);
    }
    this.path = config.path ?? "./mesh-state.json";
    this.fsync = config.fsync ?? true;
  }

  /** Reads the file (a missing file is an empty store; an unreadable or foreign one is a `StorageError`). */
  override async open(): Promise<void> {
    await this.entries();
  }

  async load(key: string): Promise<StorageEntry | null> {
    const text = (await this.entries()).get(key);
    return text === undefined ? null : parseEntry(key, text);
  }

  async save(key: string, entry: StorageEntry): Promise<void> {
    const text = serializeEntry(key, entry);
    (await this.entries()).set(key, text);
    await this.persist();
  }

  async list(prefix = ""): Promise<string[]> {
    return [...(await this.entries()).keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<boolean> {
    const existed = (await this.entries()).delete(key);
    if (existed) await this.persist();
    return existed;
  }

  override async flush(): Promise<void> {
    await this.#tail;
  }

  /** Waits for pending writes and forgets the cached entries: the next use reads the file again. */
  override async close(): Promise<void> {
    await this.#tail;
    this.#entries = undefined;
  }

  private entries(): Promise<Map<string, string>> {
    this.#entries ??= this.read().catch((error: unknown) => {
      this.#entries = undefined;
      throw error;
    });
    return this.#entries;
  }

  private async read(): Promise<Map<string, string>> {
    const fs = await loadFileSystem();
    let text: string;
    try {
      text = await fs.readFile(this.path, "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return new Map();
      throw new StorageError(`${this.id}: cannot read ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new StorageError(`${this.id}: ${this.path} is not valid JSON (move it away to start fresh)`, { cause: error });
    }
    const entries = (parsed as { format?: unknown; entries?: unknown } | null)?.entries;
    if ((parsed as { format?: unknown } | null)?.format !== FORMAT || typeof entries !== "object" || entries === null || Array.isArray(entries)) {
      throw new StorageError(`${this.id}: ${this.path} is not a ModelMesh state file (expected "format": "${FORMAT}"); refusing to overwrite it`);
    }
    return new Map(Object.entries(entries).map(([key, value]) => [key, JSON.stringify(value)]));
  }

  // Group commit: a write already queued (not yet started) takes every save made before it starts.
  private persist(): Promise<void> {
    if (!this.#queued) {
      const write = this.#tail.then(() => {
        this.#queued = undefined;
        return this.write();
      });
      this.#queued = write;
      this.#tail = write.catch(() => undefined);
    }
    return this.#queued;
  }

  private async write(): Promise<void> {
    const entries = await this.entries();
    const body: Record<string, unknown> = {};
    for (const [key, text] of [...entries].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))) body[key] = JSON.parse(text);
    const text = `${JSON.stringify({ format: FORMAT, entries: body }, null, 1)}\n`;
    const fs = await loadFileSystem();
    const directory = await directoryOf(this.path);
    // Unique per write: a temporary file a crash left behind is never reused or read.
    const temporary = `${this.path}.${processId()}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
    try {
      await fs.mkdir(directory, { recursive: true });
      const handle = await fs.open(temporary, "w", 0o600);
      try {
        await handle.writeFile(text, "utf8");
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, this.path);
    } catch (error) {
      await fs.rm(temporary, { force: true }).catch(() => undefined);
      throw new StorageError(`${this.id}: cannot write ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    if (this.fsync) await syncDirectory(fs, directory);
  }
}

// The rename is durable only once the folder's entry is on disk; Windows cannot open folders, so that is best effort.
async function syncDirectory(fs: FileSystemLike, directory: string): Promise<void> {
  let handle: FileHandleLike | undefined;
  try {
    handle = await fs.open(directory, "r");
    await handle.sync();
  } catch {
    // Not supported here (Windows, some network file systems): the file itself is already synced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
