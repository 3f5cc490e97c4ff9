import { ConfigError } from "../wire/error-base.js";
import { BaseSecretStore } from "../secrets/secret-store.js";
import type { BaseSecretStoreConfig } from "../secrets/secret-store.js";
import { decryptSecrets, encryptSecrets, type EncryptSecretsOptions } from "../secrets/encrypted-secrets.js";
import { secretAt } from "../secrets/json-secrets.js";
import { checkPath, readSecretsFile } from "./secrets-file.js";
import { directoryOf, loadFileSystem, processId } from "./node-modules.js";

/**
 * Options of `modelmesh.encrypted-file.v1` (YAML: `path`, `password_env`; code may pass `password`).
 * @example
 * const config: EncryptedFileSecretStoreConfig = { path: "secrets.enc", passwordEnv: "MODELMESH_SECRETS_PASSWORD" };
 */
export interface EncryptedFileSecretStoreConfig extends BaseSecretStoreConfig {
  /** The file written by `writeEncryptedSecretsFile()`. */
  path?: string;
  /** The password itself (the FAQ's `{"path": "secrets.enc", "password": "..."}`); keep it out of YAML files. */
  password?: string;
  /** The environment variable holding the password, for YAML (default `MODELMESH_SECRETS_PASSWORD` when `password` is not given). */
  passwordEnv?: string;
}

const DEFAULT_PASSWORD_ENV = "MODELMESH_SECRETS_PASSWORD";

/**
 * Secrets in an AES-256-GCM encrypted JSON file (`modelmesh.encrypted-file.v1`, from `modelmesh/node`), the key derived
 * from a password by PBKDF2-HMAC-SHA256 with at least 600 000 iterations through WebCrypto. The file is decrypted
 * once, on first use; a wrong password or an altered file is a `SecretStoreError` (`wrong_password`, `tampered`),
 * never an empty store. Names are dot paths into the decrypted JSON, as in `modelmesh.json-secrets.v1`.
 * @example
 * await writeEncryptedSecretsFile("secrets.enc", { OPENAI_API_KEY: "sk-..." }, password);
 * const store = new EncryptedFileSecretStore({ path: "secrets.enc", password });
 * await store.get("OPENAI_API_KEY");
 */
export class EncryptedFileSecretStore extends BaseSecretStore {
  static readonly connectorId = "modelmesh.encrypted-file.v1";
  static readonly shortName = "encrypted-file";
  override readonly id: string = EncryptedFileSecretStore.connectorId;
  readonly path: string;
  // Private fields: the password never appears in JSON.stringify, util.inspect or a spread of the store.
  readonly #password: string | undefined;
  readonly #passwordEnv: string;
  #secrets: Promise<Record<string, unknown>> | undefined;

  constructor(config: EncryptedFileSecretStoreConfig = {}) {
    super(config);
    this.path = checkPath(EncryptedFileSecretStore.connectorId, config.path);
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
    return `${this.id} (${this.path}, no entry ${name})`;
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
    return decryptSecrets(await readSecretsFile(this.id, this.path), password);
  }
}

/**
 * Writes an encrypted secrets file that `EncryptedFileSecretStore` reads: encrypts `secrets` (a JSON object, nested
 * groups allowed) under `password`, then replaces `path` atomically (a temporary file beside it, renamed over it)
 * with owner-only permissions (0600). Its folder is created if needed.
 * @example
 * import { writeEncryptedSecretsFile } from "modelmesh/node";
 * await writeEncryptedSecretsFile("secrets.enc", { OPENAI_API_KEY: process.env.OPENAI_API_KEY }, process.env.MODELMESH_SECRETS_PASSWORD!);
 */
export async function writeEncryptedSecretsFile(path: string, secrets: Record<string, unknown>, password: string, options: EncryptSecretsOptions = {}): Promise<void> {
  checkPath(EncryptedFileSecretStore.connectorId, path);
  const text = await encryptSecrets(secrets, password, options);
  const fs = await loadFileSystem();
  await fs.mkdir(await directoryOf(path), { recursive: true });
  const temporary = `${path}.${processId()}.${Date.now()}.tmp`;
  const handle = await fs.open(temporary, "w", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
