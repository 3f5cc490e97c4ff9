import { ConfigError } from "../wire/error-base.js";

/** node:fs/promises where the runtime has it (Node), through process.getBuiltinModule: see `readConfigFile`. */
export function nodeFileSystem(): { readFile(path: string, encoding: "utf8"): Promise<string> } | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  // Not import(): minifiers fold a constant specifier back into `import("node:fs/promises")`, which would then sit
  // in every browser bundle that can reach a store built on this (the encrypted-file store runs in browsers too).
  return runtime?.getBuiltinModule?.("node:fs/promises") as { readFile(path: string, encoding: "utf8"): Promise<string> } | undefined;
}

/**
 * The text of a file-backed secret store's file. A missing or unreadable file is a ConfigError at
 * `secrets.config.path` naming the path and the store, so a typo in `path` is never an empty store.
 * @example
 * const text = await readSecretsFile("modelmesh.dotenv.v1", "./.env");
 */
export async function readSecretsFile(storeId: string, path: string): Promise<string> {
  try {
    const fs = nodeFileSystem();
    if (!fs) throw Object.assign(new Error("files can be read only in Node (20.16 or later)"), { code: "ENOTSUP" });
    return await fs.readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === "ENOTSUP" ? "cannot be read here: files can be read only in Node (20.16 or later)" : code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not readable (permission denied)" : code === "EISDIR" ? "is a folder" : "cannot be read";
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
