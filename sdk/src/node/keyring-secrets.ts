import { ConfigError } from "../wire/error-base.js";
import { BaseSecretStore } from "../secrets/secret-store.js";
import type { BaseSecretStoreConfig } from "../secrets/secret-store.js";
import { SecretStoreError } from "../secrets/secret-store-error.js";

/**
 * One keyring entry, as `@napi-rs/keyring`'s `AsyncEntry` offers it (typed here: the library is an optional dependency).
 * @example
 * const entry: KeyringEntryLike = new AsyncEntry("modelmesh", "OPENAI_API_KEY");
 */
export interface KeyringEntryLike {
  getPassword(): Promise<string | null | undefined>;
  setPassword(password: string): Promise<void>;
  deletePassword(): Promise<boolean>;
}

/**
 * The part of the `@napi-rs/keyring` module this store uses.
 * @example
 * import * as keyring from "@napi-rs/keyring";
 * new KeyringSecretStore({ library: keyring });
 */
export interface KeyringLibrary {
  AsyncEntry: new (service: string, account: string) => KeyringEntryLike;
  findCredentialsAsync(service: string): Promise<Array<{ account: string; password: string }>>;
}

/**
 * Options of `modelmesh.keyring.v1` (YAML: `service`).
 * @example
 * const config: KeyringSecretStoreConfig = { service: "modelmesh" };
 */
export interface KeyringSecretStoreConfig extends BaseSecretStoreConfig {
  /** The keyring service the secrets are filed under; each secret's name is the account (default `"modelmesh"`). */
  service?: string;
  /** The `@napi-rs/keyring` module, or a function loading it: for apps bundled for Node, where `import()` of a computed name cannot be followed. */
  library?: KeyringLibrary | (() => Promise<KeyringLibrary>);
}

const LIBRARY = "@napi-rs/keyring";
const STORE_ID = "modelmesh.keyring.v1";

function unavailable(error: unknown): SecretStoreError {
  const detail = error instanceof Error ? error.message : String(error);
  const platform = (globalThis as { process?: { platform?: string } }).process?.platform;
  const hint =
    platform === "darwin"
      ? "the macOS Keychain refused access"
      : platform === "win32"
        ? "the Windows Credential Manager refused access"
        : "no Secret Service answered on the session D-Bus (a desktop session has one; headless, run inside `dbus-run-session` with `gnome-keyring-daemon --unlock --components=secrets` started, from the Debian packages dbus, gnome-keyring)";
  return new SecretStoreError(STORE_ID, "backend_unavailable", `the OS keyring is not available: ${hint} (${detail})`, { cause: error });
}

/**
 * Secrets in the operating system's keyring (`modelmesh.keyring.v1`, from `modelmesh/node`), through the optional
 * dependency `@napi-rs/keyring` (prebuilt binaries, no install script): the Secret Service on Linux (GNOME Keyring,
 * KWallet, KeePassXC), the Keychain on macOS, the Credential Manager on Windows. Each secret is the entry
 * (service, name): on Linux, `secret-tool store --label=OpenAI service modelmesh username OPENAI_API_KEY` files one.
 * When the library is not installed or the keyring does not answer, `open()` and every lookup fail with a
 * `SecretStoreError` (`library_unavailable`, `backend_unavailable`) that says why; never an empty store.
 * @example
 * const store = new KeyringSecretStore({ service: "modelmesh" });
 * await store.open(); // fails here, with the reason, when there is no keyring
 * await store.set("OPENAI_API_KEY", "sk-...");
 * await store.get("OPENAI_API_KEY");
 */
export class KeyringSecretStore extends BaseSecretStore {
  static readonly connectorId = STORE_ID;
  static readonly shortName = "keyring";
  override readonly id: string = STORE_ID;
  readonly service: string;
  readonly #library: KeyringLibrary | (() => Promise<KeyringLibrary>) | undefined;
  #loading: Promise<KeyringLibrary> | undefined;

  constructor(config: KeyringSecretStoreConfig = {}) {
    super(config);
    if (config.service !== undefined && (typeof config.service !== "string" || config.service === "")) {
      throw new ConfigError("secrets.config.service", `${STORE_ID}: "service" must be a non-empty string`);
    }
    this.service = config.service ?? "modelmesh";
    this.#library = config.library;
  }

  /** Loads the library and asks the keyring once, so a missing library or keyring fails at start with the reason. */
  async open(): Promise<void> {
    await this.names();
  }

  /** Files a secret in the keyring (replacing any value it had). */
  async set(name: string, value: string): Promise<void> {
    if (typeof value !== "string" || value === "") throw new ConfigError("secrets", `${STORE_ID}: the value of "${name}" must be a non-empty string`);
    await this.call(name, (entry) => entry.setPassword(value));
    this.clearCache(name);
  }

  /** Removes a secret from the keyring; true when it existed. */
  async delete(name: string): Promise<boolean> {
    this.clearCache(name);
    return this.call(name, (entry) => entry.deletePassword());
  }

  /** Names filed under this store's service, e.g. for auto-discovery. Throws `backend_unavailable` when the keyring does not answer. */
  async names(): Promise<string[]> {
    return (await this.credentials()).map((credential) => credential.account);
  }

  protected async _resolve(name: string): Promise<string | undefined> {
    const value = await this.call(name, (entry) => entry.getPassword());
    if (typeof value === "string") return value;
    // @napi-rs/keyring 2.1 answers null, as for an absent entry, when no Secret Service answers at all (measured:
    // a D-Bus address leading nowhere). A search does report that, so a miss is confirmed by one before it counts.
    const found = (await this.credentials()).find((credential) => credential.account === name);
    return found?.password;
  }

  private async credentials(): Promise<Array<{ account: string; password: string }>> {
    const library = await this.library();
    try {
      return await library.findCredentialsAsync(this.service);
    } catch (error) {
      throw unavailable(error);
    }
  }

  protected override _describeLocation(name: string): string {
    return `${this.id} (service "${this.service}", account "${name}")`;
  }

  private async call<T>(name: string, action: (entry: KeyringEntryLike) => Promise<T>): Promise<T> {
    const library = await this.library();
    try {
      return await action(new library.AsyncEntry(this.service, name));
    } catch (error) {
      throw unavailable(error);
    }
  }

  private library(): Promise<KeyringLibrary> {
    this.#loading ??= this.load().catch((error: unknown) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  private async load(): Promise<KeyringLibrary> {
    const given = this.#library;
    let library: KeyringLibrary;
    try {
      if (typeof given === "function") library = await given();
      else if (given) library = given;
      else {
        // A computed specifier: bundlers must not try to pull a native module into a bundle.
        const specifier = LIBRARY;
        library = (await import(/* @vite-ignore */ specifier)) as KeyringLibrary;
      }
    } catch (error) {
      throw new SecretStoreError(
        STORE_ID,
        "library_unavailable",
        `the optional dependency ${LIBRARY} could not be loaded (${error instanceof Error ? error.message : String(error)}); install it with \`npm install ${LIBRARY}\` (prebuilt binaries, no install script)`,
        { cause: error },
      );
    }
    if (typeof library?.AsyncEntry !== "function" || typeof library.findCredentialsAsync !== "function") {
      throw new SecretStoreError(STORE_ID, "library_unavailable", `${LIBRARY} has no AsyncEntry class or findCredentialsAsync function: version 2.1 or later is needed`);
    }
    return library;
  }
}
