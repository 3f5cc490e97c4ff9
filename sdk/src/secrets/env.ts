import { BaseSecretStore } from "./secret-store.js";
import type { BaseSecretStoreConfig } from "./secret-store.js";

/**
 * Options of `modelmesh.env.v1` (YAML: `prefix`).
 * @example
 * const config: EnvSecretStoreConfig = { prefix: "MODELMESH_" };
 */
export interface EnvSecretStoreConfig extends BaseSecretStoreConfig {
  /** Read `${prefix}${name}`: with `"MODELMESH_"`, `get("OPENAI_API_KEY")` reads `MODELMESH_OPENAI_API_KEY`. */
  prefix?: string;
  /** Variables to read instead of `process.env` (tests, browsers, workers without `process`). */
  env?: Record<string, string | undefined>;
}

/**
 * Secrets from environment variables (`modelmesh.env.v1`), the default in Node. In a browser or a
 * service worker there is no `process`, so every secret is missing unless `env` is given.
 * Caching is off by default: reading the environment is cheap and should see later changes.
 * @example
 * const store = new EnvSecretStore({ prefix: "MODELMESH_" });
 * await store.get("OPENAI_API_KEY"); // the value of MODELMESH_OPENAI_API_KEY
 */
export class EnvSecretStore extends BaseSecretStore {
  static readonly connectorId = "modelmesh.env.v1";
  override readonly id: string = EnvSecretStore.connectorId;
  readonly prefix: string;
  private readonly env: Record<string, string | undefined> | undefined;

  constructor(config: EnvSecretStoreConfig = {}) {
    super({ cacheEnabled: false, ...config });
    this.prefix = config.prefix ?? "";
    this.env = config.env;
  }

  /** The variable name `get(name)` reads; a name that already carries the prefix is not prefixed twice. */
  variableName(name: string): string {
    return this.prefix !== "" && name.startsWith(this.prefix) ? name : `${this.prefix}${name}`;
  }

  /** Names (without the prefix) of the variables that are set, e.g. for auto-discovery. */
  names(): string[] {
    return Object.entries(this.variables())
      .filter(([variable, value]) => variable.startsWith(this.prefix) && typeof value === "string" && value !== "")
      .map(([variable]) => variable.slice(this.prefix.length));
  }

  protected _resolve(name: string): string | undefined {
    return this.variables()[this.variableName(name)];
  }

  protected override _describeLocation(name: string): string {
    return `${this.id} (environment variable ${this.variableName(name)})`;
  }

  // Read at call time, never at import, so the module loads where `process` does not exist.
  private variables(): Record<string, string | undefined> {
    if (this.env) return this.env;
    const runtime = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
    return runtime?.env ?? {};
  }
}
