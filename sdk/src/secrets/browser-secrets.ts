import { openDB, type IDBPDatabase } from "idb";
import { StorageError } from "../wire/errors.js";
import { BaseSecretStore } from "./secret-store.js";
import type { BaseSecretStoreConfig } from "./secret-store.js";

/**
 * Options of `modelmesh.browser-secrets.v1` (YAML: `database`).
 * @example
 * const config: BrowserSecretStoreConfig = { database: "my-app-secrets" };
 */
export interface BrowserSecretStoreConfig extends BaseSecretStoreConfig {
  /** Name of the IndexedDB database (default `"modelmesh-secrets"`). */
  database?: string;
}

const KEYS = "keys";
const SECRETS = "secrets";
const WRAPPING_KEY = "aes-gcm-256";
/** AES-GCM's recommended nonce length (NIST SP 800-38D §8.2): 96 bits, fresh and random for every write. */
const NONCE_BYTES = 12;

interface SealedSecret {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
}

/**
 * Secrets kept in the browser (`modelmesh.browser-secrets.v1`): IndexedDB holds each value encrypted with AES-GCM
 * under a 256-bit WebCrypto key generated with `extractable: false` and kept in the same database. IndexedDB stores
 * the `CryptoKey` object itself (structured clone), so its bytes are never readable by script: a copy of the
 * database files, a storage dump or a `chrome.storage` export shows ciphertext only. Works in pages, workers and
 * extension service workers. The secret's name is the AES-GCM additional data, so a ciphertext moved to another
 * name does not decrypt.
 * @example
 * const store = new BrowserSecretStore({ database: "my-extension-keys" });
 * await store.set("OPENAI_API_KEY", keyThePersonTyped);
 * const client = create("chat-completion", { secrets: { instance: store } });
 */
export class BrowserSecretStore extends BaseSecretStore {
  static readonly connectorId = "modelmesh.browser-secrets.v1";
  override readonly id: string = BrowserSecretStore.connectorId;
  readonly database: string;
  #connection: Promise<IDBPDatabase> | undefined;
  #key: Promise<CryptoKey> | undefined;

  constructor(config: BrowserSecretStoreConfig = {}) {
    super(config);
    if (config.database !== undefined && (typeof config.database !== "string" || config.database === "")) {
      throw new StorageError(`${BrowserSecretStore.connectorId}: "database" must be a non-empty string`);
    }
    this.database = config.database ?? "modelmesh-secrets";
  }

  /** Encrypts and stores `value` under `name`, replacing what was there. */
  async set(name: string, value: string): Promise<void> {
    if (typeof name !== "string" || name === "") throw new StorageError(`${this.id}: a secret needs a non-empty name`);
    if (typeof value !== "string" || value === "") throw new StorageError(`${this.id}: the secret "${name}" must be a non-empty string`);
    const key = await this.wrappingKey();
    const iv = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(name) }, key, new TextEncoder().encode(value));
    const sealed: SealedSecret = { iv, data };
    const db = await this.connection();
    await db.put(SECRETS, sealed, name);
    this.clearCache(name);
  }

  /** Removes a secret; true when it existed. */
  async delete(name: string): Promise<boolean> {
    const db = await this.connection();
    const transaction = db.transaction(SECRETS, "readwrite");
    const existed = (await transaction.store.getKey(name)) !== undefined;
    if (existed) await transaction.store.delete(name);
    await transaction.done;
    this.clearCache(name);
    return existed;
  }

  /** Names of the stored secrets (never their values). */
  async names(): Promise<string[]> {
    const db = await this.connection();
    const keys = await db.getAllKeys(SECRETS);
    return keys.filter((key): key is string => typeof key === "string").sort();
  }

  /** Closes the database; it reopens on the next use. */
  close(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    this.#key = undefined;
    void connection?.then((db) => db.close(), () => undefined);
  }

  protected override _describeLocation(name: string): string {
    return `${this.id} (IndexedDB database "${this.database}", no secret named "${name}")`;
  }

  protected override async _resolve(name: string): Promise<string | undefined> {
    const db = await this.connection();
    const sealed = (await db.get(SECRETS, name)) as SealedSecret | undefined;
    if (!sealed) return undefined;
    try {
      const key = await this.wrappingKey();
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv, additionalData: new TextEncoder().encode(name) }, key, sealed.data);
      return new TextDecoder().decode(plain);
    } catch (error) {
      // A failed tag check means tampering or a key that was replaced: say so without any of the bytes.
      throw new StorageError(`${this.id}: the secret "${name}" cannot be decrypted (tampered with, or stored under another key)`, { cause: error instanceof Error ? error.name : undefined });
    }
  }

  private connection(): Promise<IDBPDatabase> {
    this.#connection ??= openDB(this.database, 1, {
      upgrade(db) {
        db.createObjectStore(KEYS);
        db.createObjectStore(SECRETS);
      },
    }).catch((error: unknown) => {
      this.#connection = undefined;
      throw new StorageError(`${this.id}: cannot open IndexedDB database "${this.database}": ${error instanceof Error ? error.message : String(error)}`);
    });
    return this.#connection;
  }

  /** The database's AES key, generated (non-extractable) on first use; concurrent first uses agree on one key. */
  private wrappingKey(): Promise<CryptoKey> {
    this.#key ??= (async () => {
      const db = await this.connection();
      const existing = (await db.get(KEYS, WRAPPING_KEY)) as CryptoKey | undefined;
      if (existing) return existing;
      const generated = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
      // `add` fails if another context stored a key first; that key wins, so no secret is sealed under a lost one.
      const transaction = db.transaction(KEYS, "readwrite");
      const raced = (await transaction.store.get(WRAPPING_KEY)) as CryptoKey | undefined;
      if (!raced) await transaction.store.add(generated, WRAPPING_KEY);
      await transaction.done;
      return raced ?? generated;
    })().catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }
}
