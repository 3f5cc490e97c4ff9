// The slice of node:fs/promises and node:path these backends use, typed here: the package is built without Node's
// type definitions (`types: []`), so its .d.ts files never make a browser app need @types/node.

/** An open file (node:fs/promises FileHandle), as far as the backends use it. */
export interface FileHandleLike {
  writeFile(data: string, encoding: "utf8"): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** node:fs/promises, as far as the backends use it. */
export interface FileSystemLike {
  readFile(path: string, encoding: "utf8"): Promise<string>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  open(path: string, flags: string, mode?: number): Promise<FileHandleLike>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: true }): Promise<void>;
}

const FS_MODULE = "node:fs/promises";
const PATH_MODULE = "node:path";

/**
 * node:fs/promises, loaded when a backend first touches its file.
 * @example
 * const fs = await loadFileSystem();
 * await fs.readFile("./mesh-state.json", "utf8");
 */
export async function loadFileSystem(): Promise<FileSystemLike> {
  return (await import(/* @vite-ignore */ FS_MODULE)) as FileSystemLike;
}

/**
 * The folder part of a path (node:path's dirname).
 * @example
 * await directoryOf("./state/mesh-state.db"); // "./state"
 */
export async function directoryOf(path: string): Promise<string> {
  const { dirname } = (await import(/* @vite-ignore */ PATH_MODULE)) as { dirname(path: string): string };
  return dirname(path);
}

/**
 * The process id, to make temporary file names unique across processes (0 where there is none).
 * @example
 * const temporary = `${path}.${processId()}.tmp`;
 */
export function processId(): number {
  return (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
}
