import { ConfigError } from "../wire/error-base.js";
import { BaseSecretStore } from "./secret-store.js";
import type { BaseSecretStoreConfig } from "./secret-store.js";
import { decryptSecrets } from "./encrypted-secrets.js";
import { secretAt } from "./json-secrets.js";
import { checkPath, nodeFileSystem, readSecretsFile } from "../internal/secrets-file.js";

/**
 * Options of `modelmesh.encrypted-file.v1` (YAML: `path`, `password_env`; code may pass `password`).
 * @example
 * const config: EncryptedFileSecretStoreConfig = { path: "secrets.enc", passwordEnv: "MODELMESH_SECRETS_PASSWORD" };
 */
export interface EncryptedFileSecretStoreConfig extends BaseSecretStoreConfig {
  /**
   * The file written by `writeEncryptedSecretsFile()` (or `encryptSecrets()`): read from disk in Node; in a browser
   * fetched from this URL (relative to the page), e.g. a file shipped with the app.
   */
  path?: string;
  /** The file's text itself instead of `path` (a browser's file input, a value from your own storage). */
  content?: string;
  /** The password itself (the FAQ's `{"path": "secrets.enc", "password": "..."}`); keep it out of YAML files. */
  password?: string;
  /** The environment variable holding the password, for YAML (default `MODELMESH_SECRETS_PASSWORD` when `password` is not given). */
  passwordEnv?: string;
}

const DEFAULT_PASSWORD_ENV = "MODELMESH_SECRETS_PASSWORD";

/**
 * Secrets in an AES-256-GCM encrypted JSON file (`modelmesh.encrypted-file.v1`), the key derived from a password by
 * PBKDF2-HMAC-SHA256 with at least 600 000 iterations through WebCrypto, so it runs anywhere: Node reads `path` from
 * disk, a browser fetches it (or is given the text as `content`). The file is decrypted once, on first use; a wrong
 * password or an altered file is a `SecretStoreError` (`wrong_password`, `tampered`), never an empty store. Names are
 * dot paths into the decrypted JSON, as in `modelmesh.json-secrets.v1`.
 * @example
 * await writeEncryptedSecretsFile("secrets.enc", { OPENAI_API_KEY: "sk-..." }, password);
 * const store = new EncryptedFileSecretStore({ path: "secrets.enc", password });
 * await store.get("OPENAI_API_KEY");
 */
export class EncryptedFileSecretStore extends BaseSecretStore {
  static readonly connectorId = "modelmesh.encrypted-file.v1";
  static readonly shortName = "encrypted-file";
  override readonly id: string = EncryptedFileSecretStore.connectorId;
  /** Where the file is read from; `"(content)"` when its text was given. */
  readonly path: string;
  readonly #content: string | undefined;
  // Private fields: the password never appears in JSON.stringify, util.inspect or a spread of the store.
  readonly #password: string | undefined;
  readonly #passwordEnv: string;
  #secrets: Promise<Record<string, unknown>> | undefined;

  constructor(config: EncryptedFileSecretStoreConfig = {}) {
    super(config);
    if (config.content !== undefined && (typeof config.content !== "string" || config.content === "")) {
      throw new ConfigError("secrets.config.content", `${EncryptedFileSecretStore.connectorId}: content must be the encrypted file's text (a non-empty string)`);
    }
    this.#content = config.content;
    this.path = config.content === undefined ? checkPath(EncryptedFileSecretStore.connectorId, config.path) : "(content)";
    if (config.password !== undefined && (typeof config.password !== "string" || config.password === "")) {
      throw new ConfigError("secrets.config.password", `${EncryptedFileSecretStore.connectorId}: the password must be a non-empty string`);
    }
    this.#password = config.password;
    this.#passwordEnv = config.passwordEnv ?? DEFAULT_PASSWORD_ENV;
  }

  /** Decrypt the file again on next use (after it was rewritten) and forget cached values. */
  reload(): void {
    this.#secrets = undefined;
    this.clearCache();
  }

  /** Decrypts the file now: a wrong password or a damaged file fails here rather than at the first `get`. */
  async open(): Promise<void> {
    await this.secrets();
  }

  protected async _resolve(name: string): Promise<string | undefined> {
    return secretAt(await this.secrets(), name);
  }

  protected override _describeLocation(name: string): string {
    return `${this.id} (${shownPath(this.path)}, no entry ${name})`;
  }

  private secrets(): Promise<Record<string, unknown>> {
    this.#secrets ??= this.decrypt().catch((error: unknown) => {
      // Not remembered: a corrected password variable or a rewritten file is tried again on the next call.
      this.#secrets = undefined;
      throw error;
    });
    return this.#secrets;
  }

  private async decrypt(): Promise<Record<string, unknown>> {
    const password = this.#password ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[this.#passwordEnv];
    if (!password) {
      throw new ConfigError("secrets.config.password", `${this.id}: no password for ${this.path}: pass "password" in code or set the environment variable ${this.#passwordEnv}`);
    }
    return decryptSecrets(await this.read(), password);
  }

  private read(): Promise<string> {
    if (this.#content !== undefined) return Promise.resolve(this.#content);
    // An http(s) URL is fetched anywhere; any other path is a file in Node and a URL relative to the page elsewhere.
    return /^https?:\/\//i.test(this.path) || !nodeFileSystem() ? fetchSecretsFile(this.id, this.path) : readSecretsFile(this.id, this.path);
  }
}

/** The path as messages show it: a signed URL's query (`?token=...`) is a credential and is left out. */
function shownPath(path: string): string {
  return path.replace(/[?#].*$/s, "?…");
}

/** In a browser the file is a URL: a missing one is the same ConfigError as a missing file in Node. */
async function fetchSecretsFile(storeId: string, path: string): Promise<string> {
  const shown = shownPath(path);
  let response: Response;
  try {
    response = await fetch(path, { cache: "no-store" });
  } catch (error) {
    throw new ConfigError("secrets.config.path", `${storeId}: the secrets file ${shown} cannot be fetched`, { cause: error });
  }
  if (!response.ok) throw new ConfigError("secrets.config.path", `${storeId}: the secrets file ${shown} ${response.status === 404 ? "does not exist" : `cannot be read (HTTP ${response.status})`}`);
  return response.text();
}
