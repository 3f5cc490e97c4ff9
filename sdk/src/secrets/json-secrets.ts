import { ConfigError } from "../wire/error-base.js";
import { BaseSecretStore } from "./secret-store.js";
import type { BaseSecretStoreConfig } from "./secret-store.js";

/**
 * Options of `modelmesh.json-secrets.v1` (YAML: `data`, `path`).
 * @example
 * const config: JsonSecretStoreConfig = { path: "./secrets.json", cacheTtlMs: 60_000 };
 */
export interface JsonSecretStoreConfig extends BaseSecretStoreConfig {
  /** The secrets as a (nested) object; `get("openai.key")` reads `data.openai.key`. */
  data?: Record<string, unknown>;
  /** Node only: a JSON file read on first use. Entries in `data` win over the file's. */
  path?: string;
}

type JsonObject = Record<string, unknown>;

/** The one call used from `node:fs/promises`, typed here so the package builds without Node's types. */
interface FileReader {
  readFile(path: string, encoding: "utf8"): Promise<string>;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A value by name in a (nested) object: a literal key (`"openai.key"`) wins; otherwise the dots walk nested objects.
 * Only own properties count, so `constructor` or `__proto__` are never found.
 * @example
 * lookupPath({ openai: { key: "sk-..." } }, "openai.key"); // "sk-..."
 */
export function lookupPath(data: JsonObject, name: string): unknown {
  if (Object.hasOwn(data, name)) return data[name];
  let current: unknown = data;
  for (const segment of name.split(".")) {
    if (!isObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/**
 * The secret at a dot path as a string: strings as they are, numbers and booleans as text; an object or a list at
 * that path is a group of secrets, not one, so it counts as absent.
 * @example
 * secretAt({ groq: { key: "gsk-..." } }, "groq.key"); // "gsk-..."
 */
export function secretAt(data: Record<string, unknown>, name: string): string | undefined {
  const value = lookupPath(data, name);
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * Secrets from a JSON object, or in Node from a JSON file (`modelmesh.json-secrets.v1`), with dot paths.
 * The file is read lazily, through a dynamic import of `node:fs/promises` inside a method, so browser
 * bundles never see a Node module.
 * @example
 * const store = new JsonSecretStore({ data: { openai: { key: "sk-..." } } });
 * await store.get("openai.key");
 * const fromFile = new JsonSecretStore({ path: "./secrets.json" }); // Node only
 */
export class JsonSecretStore extends BaseSecretStore {
  static readonly connectorId = "modelmesh.json-secrets.v1";
  override readonly id: string = JsonSecretStore.connectorId;
  readonly path: string | undefined;
  private readonly inline: JsonObject;
  private loading: Promise<JsonObject> | undefined;

  constructor(config: JsonSecretStoreConfig = {}) {
    super(config);
    if (config.data !== undefined && !isObject(config.data)) {
      throw new ConfigError("secrets.config.data", "must be a JSON object");
    }
    if (config.data === undefined && config.path === undefined) {
      throw new ConfigError("secrets.config", `${JsonSecretStore.connectorId} needs "data" (an object) or "path" (a JSON file)`);
    }
    this.inline = config.data ?? {};
    this.path = config.path;
  }

  /** Read the file again on next use (after it changed) and forget cached values. */
  reload(): void {
    this.loading = undefined;
    this.clearCache();
  }

  protected async _resolve(name: string): Promise<string | undefined> {
    return secretAt(await this.data(), name);
  }

  private data(): Promise<JsonObject> {
    if (this.path === undefined) return Promise.resolve(this.inline);
    this.loading ??= this.readFile(this.path).catch((error: unknown) => {
      // A failed read is not remembered, so a fixed file is picked up on the next call.
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  private async readFile(path: string): Promise<JsonObject> {
    // process.getBuiltinModule (Node >= 20.16), not import(): minifiers fold a constant specifier back into
    // `import("node:fs/promises")`, which then sits in every browser bundle (Vite 8 and esbuild both do).
    const runtime = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
    const fs = runtime?.versions?.node ? (runtime.getBuiltinModule?.("node:fs/promises") as FileReader | undefined) : undefined;
    if (!fs) {
      throw new ConfigError("secrets.config.path", `${JsonSecretStore.connectorId} can read a file only in Node (20.16 or later); pass "data" instead`);
    }
    let text: string;
    try {
      text = await fs.readFile(path, "utf8");
    } catch (error) {
      throw new ConfigError("secrets.config.path", `cannot read secrets file ${path}`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The parser's message quotes the file's text, which would put secrets into an error: drop it.
      throw new ConfigError("secrets.config.path", `secrets file ${path} is not valid JSON`);
    }
    if (!isObject(parsed)) throw new ConfigError("secrets.config.path", `secrets file ${path} must hold a JSON object`);
    return { ...parsed, ...this.inline };
  }
}
