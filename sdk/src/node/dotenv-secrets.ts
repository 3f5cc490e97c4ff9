import { ConfigError } from "../wire/error-base.js";
import { BaseSecretStore } from "../secrets/secret-store.js";
import type { BaseSecretStoreConfig } from "../secrets/secret-store.js";
import { DotenvSyntaxError, parseDotenv } from "./dotenv-parse.js";
import { checkPath, readSecretsFile } from "../internal/secrets-file.js";

/**
 * Options of `modelmesh.dotenv.v1` (YAML: `path`, plus the base's `cache_enabled`, `cache_ttl_ms`, `fail_on_missing`).
 * @example
 * const config: DotenvSecretStoreConfig = { path: "./.env.local" };
 */
export interface DotenvSecretStoreConfig extends BaseSecretStoreConfig {
  /** The `.env` file (default `".env"` in the working directory). A missing file is a ConfigError, not an empty store. */
  path?: string;
}

/**
 * Secrets from a `.env` file (`modelmesh.dotenv.v1`, Node only, from `modelmesh/node`): single and double quotes
 * (escapes and line breaks in double quotes), `# comments`, `export NAME=value`, `NAME=` (empty, so missing).
 * The file is read on first use and kept; `reload()` reads it again. It never touches `process.env`.
 * @example
 * const store = new DotenvSecretStore({ path: ".env" });
 * await store.get("OPENAI_API_KEY");
 */
export class DotenvSecretStore extends BaseSecretStore {
  static readonly connectorId = "modelmesh.dotenv.v1";
  static readonly shortName = "dotenv";
  override readonly id: string = DotenvSecretStore.connectorId;
  readonly path: string;
  #values: Promise<Record<string, string>> | undefined;

  constructor(config: DotenvSecretStoreConfig = {}) {
    super(config);
    this.path = checkPath(DotenvSecretStore.connectorId, config.path, ".env");
  }

  /** Names defined in the file (with a non-empty value), e.g. for auto-discovery. */
  async names(): Promise<string[]> {
    return Object.entries(await this.values()).filter(([, value]) => value !== "").map(([name]) => name);
  }

  /** Read the file again on next use (after it changed) and forget cached values. */
  reload(): void {
    this.#values = undefined;
    this.clearCache();
  }

  protected async _resolve(name: string): Promise<string | undefined> {
    const values = await this.values();
    return Object.hasOwn(values, name) ? values[name] : undefined;
  }

  protected override _describeLocation(name: string): string {
    return `${this.id} (${this.path}, no line defines ${name})`;
  }

  private values(): Promise<Record<string, string>> {
    this.#values ??= this.read().catch((error: unknown) => {
      // A failed read is not remembered, so a file created or fixed later is picked up on the next call.
      this.#values = undefined;
      throw error;
    });
    return this.#values;
  }

  private async read(): Promise<Record<string, string>> {
    const text = await readSecretsFile(this.id, this.path);
    try {
      return parseDotenv(text);
    } catch (error) {
      // The parser names the line, never its text: a .env line holds a key.
      if (error instanceof DotenvSyntaxError) throw new ConfigError("secrets.config.path", `${this.id}: ${this.path} ${error.message}`);
      throw error;
    }
  }
}
