import { ConfigError } from "../wire/error-base.js";
import { loadFileSystem } from "./node-modules.js";

/**
 * The text of a file-backed secret store's file. A missing or unreadable file is a ConfigError at
 * `secrets.config.path` naming the path and the store, so a typo in `path` is never an empty store.
 * @example
 * const text = await readSecretsFile("modelmesh.dotenv.v1", "./.env");
 */
export async function readSecretsFile(storeId: string, path: string): Promise<string> {
  const fs = await loadFileSystem();
  try {
    return await fs.readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not readable (permission denied)" : code === "EISDIR" ? "is a folder" : "cannot be read";
    throw new ConfigError("secrets.config.path", `${storeId}: the secrets file ${path} ${why}`, { cause: error });
  }
}

/**
 * Checks a store's `path` option: a non-empty string, else a ConfigError.
 * @example
 * const path = checkPath("modelmesh.dotenv.v1", config.path, ".env");
 */
export function checkPath(storeId: string, path: unknown, fallback?: string): string {
  if (path === undefined && fallback !== undefined) return fallback;
  if (typeof path !== "string" || path === "") throw new ConfigError("secrets.config.path", `${storeId} needs "path", the file to read (a non-empty string)`);
  return path;
}
