import { ConfigError } from "../wire/error-base.js";
import type { MeshEvent } from "../wire/events.js";
import { BaseObservability } from "../observability/sink.js";
import type { BaseObservabilityConfig } from "../observability/sink.js";

/**
 * Options of `modelmesh.file.v1` (YAML: `path`, `max_bytes`, `max_files`, `max_queued_lines`, plus every base option).
 * @example
 * const config: FileObservabilityConfig = { path: "./logs/modelmesh.jsonl", maxBytes: 10_000_000, maxFiles: 5 };
 */
export interface FileObservabilityConfig extends BaseObservabilityConfig {
  /** The JSONL file events are appended to; its folder is created when missing. */
  path: string;
  /** Size at which the file is rotated (default 10 MiB; 0 never rotates). A line is never split across files. */
  maxBytes?: number;
  /** Rotated files kept beside the current one, `path.1` the newest (default 5; 0 keeps none). */
  maxFiles?: number;
  /** Lines waiting for the disk before the oldest are dropped (and counted in `droppedLines`); default 10 000. */
  maxQueuedLines?: number;
}

// The slice of node:fs/promises this sink uses, typed here: the package is built without Node's type definitions.
interface AppendHandle {
  write(data: string): Promise<unknown>;
  stat(): Promise<{ size: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}
interface FileSystem {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  open(path: string, flags: string): Promise<AppendHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: true }): Promise<void>;
}
const FS_MODULE = "node:fs/promises";
const PATH_MODULE = "node:path";

/** Default size at which the file rotates. */
export const DEFAULT_FILE_MAX_BYTES = 10 * 1024 * 1024;
const encoder = new TextEncoder();

function checkCount(value: unknown, path: string, minimum: number): void {
  if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < minimum)) {
    throw new ConfigError(`observability.config.${path}`, `must be a whole number, ${minimum} or more (got ${JSON.stringify(value)})`);
  }
}

function missing(error: unknown): boolean {
  return (error as { code?: unknown })?.code === "ENOENT";
}

/**
 * Events as JSON Lines in a file (`modelmesh.file.v1`, short name `file`, Node only, from `modelmesh/node`): one
 * object per line with an ISO `time`, appended. When the next line would take the file past `maxBytes` it is
 * renamed `path.1` (older ones shift to `path.2` … `path.<maxFiles>`, the oldest deleted) and a new file begun.
 * Writing never blocks a request: `emit` only queues the line; the disk is written in batches in the background,
 * and if it falls more than `maxQueuedLines` behind the oldest lines are dropped and counted. `flush()` resolves
 * once every queued line is written; `close()` flushes, syncs and closes the file.
 * @example
 * const sink = new FileObservability({ path: "./logs/modelmesh.jsonl", maxBytes: 5_000_000, maxFiles: 3 });
 * const client = create("chat-completion", { observability: { instance: sink } });
 */
export class FileObservability extends BaseObservability {
  static readonly connectorId = "modelmesh.file.v1";
  static readonly shortName = "file";
  override readonly id: string = FileObservability.connectorId;
  readonly path: string;
  readonly maxBytes: number;
  readonly maxFiles: number;
  readonly maxQueuedLines: number;
  #queue: string[] = [];
  #dropped = 0;
  #draining: Promise<void> | undefined;
  #handle: Promise<AppendHandle> | undefined;
  #size = 0;
  #fs: FileSystem | undefined;

  constructor(config: FileObservabilityConfig) {
    super(config);
    if (typeof config?.path !== "string" || config.path === "") {
      throw new ConfigError("observability.config.path", `${FileObservability.connectorId} needs "path", the file to append events to`);
    }
    checkCount(config.maxBytes, "max_bytes", 0);
    checkCount(config.maxFiles, "max_files", 0);
    checkCount(config.maxQueuedLines, "max_queued_lines", 1);
    this.path = config.path;
    this.maxBytes = config.maxBytes ?? DEFAULT_FILE_MAX_BYTES;
    this.maxFiles = config.maxFiles ?? 5;
    this.maxQueuedLines = config.maxQueuedLines ?? 10_000;
  }

  /** Lines dropped because the disk fell behind or a write failed. */
  get droppedLines(): number {
    return this.#dropped;
  }

  /** Creates the folder and opens the file, so a path that cannot be written fails start. */
  override async open(): Promise<void> {
    try {
      await this.handle();
    } catch (error) {
      throw new ConfigError("observability.config.path", `${FileObservability.connectorId} cannot open ${JSON.stringify(this.path)}: ${(error as Error).message}`);
    }
  }

  override async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  override async close(): Promise<void> {
    await super.close();
    const opening = this.#handle;
    this.#handle = undefined;
    const handle = await opening?.catch(() => undefined);
    if (handle) {
      await handle.sync();
      await handle.close();
    }
  }

  protected override _formatEvent(event: MeshEvent): string {
    const time = Number.isFinite(event.timestamp) ? new Date(event.timestamp).toISOString() : undefined;
    return JSON.stringify({ time, ...event });
  }

  protected _write(line: string): void {
    this.#queue.push(line);
    if (this.#queue.length > this.maxQueuedLines) {
      this.#queue.shift();
      this.#dropped += 1;
    }
    this.#draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    // Started from emit: yield first, so the request that emitted goes on before any file work.
    await Promise.resolve();
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          await this.append(batch);
        } catch (error) {
          this.#dropped += batch.length;
          // Reopen for the next batch (the file may have been moved or its disk remounted); release this one.
          const stale = this.#handle;
          this.#handle = undefined;
          void stale?.then((handle) => handle.close()).catch(() => {});
          this.reportError(error);
        }
      }
    } finally {
      this.#draining = undefined;
    }
  }

  private async append(lines: string[]): Promise<void> {
    let handle = await this.handle();
    let chunk = "";
    let chunkBytes = 0;
    for (const line of lines) {
      const text = `${line}\n`;
      const bytes = encoder.encode(text).length;
      if (this.maxBytes > 0 && this.#size + chunkBytes > 0 && this.#size + chunkBytes + bytes > this.maxBytes) {
        if (chunk) await handle.write(chunk);
        this.#size += chunkBytes;
        handle = await this.rotate();
        chunk = "";
        chunkBytes = 0;
      }
      chunk += text;
      chunkBytes += bytes;
    }
    if (chunk) await handle.write(chunk);
    this.#size += chunkBytes;
  }

  private async rotate(): Promise<AppendHandle> {
    const fs = await this.fileSystem();
    const old = this.#handle;
    this.#handle = undefined;
    await (await old)?.close();
    if (this.maxFiles === 0) await fs.rm(this.path, { force: true });
    else {
      for (let index = this.maxFiles - 1; index >= 1; index--) {
        await fs.rename(`${this.path}.${index}`, `${this.path}.${index + 1}`).catch((error: unknown) => {
          if (!missing(error)) throw error;
        });
      }
      await fs.rename(this.path, `${this.path}.1`);
    }
    return this.handle();
  }

  private handle(): Promise<AppendHandle> {
    // One open shared by every caller (open() at start and the first batch may ask at once); a failed open is
    // forgotten so the next batch tries again.
    this.#handle ??= this.openFile().catch((error: unknown) => {
      this.#handle = undefined;
      throw error;
    });
    return this.#handle;
  }

  private async openFile(): Promise<AppendHandle> {
    const fs = await this.fileSystem();
    const { dirname } = (await import(/* @vite-ignore */ PATH_MODULE)) as { dirname(path: string): string };
    await fs.mkdir(dirname(this.path), { recursive: true });
    const handle = await fs.open(this.path, "a");
    this.#size = (await handle.stat()).size;
    return handle;
  }

  private async fileSystem(): Promise<FileSystem> {
    this.#fs ??= (await import(/* @vite-ignore */ FS_MODULE)) as FileSystem;
    return this.#fs;
  }
}
