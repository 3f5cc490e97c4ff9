import { ModelMeshError } from "../wire/errors.js";

/**
 * Why a secret store cannot serve secrets at all (as opposed to one secret being absent, `SecretNotFoundError`).
 * - `wrong_password`: the encrypted file's key check failed (or its key-derivation header was altered);
 * - `tampered`: the password is right but the ciphertext or its header failed authentication;
 * - `invalid_file`: not an encrypted secrets file of a version this package reads;
 * - `weak_key_derivation`: fewer PBKDF2 iterations than the minimum (600 000);
 * - `library_unavailable`: the optional library a store needs is not installed;
 * - `backend_unavailable`: the OS service behind the store (the Secret Service, Keychain, Credential Manager) did not answer.
 * @example
 * catch (error) { if (error instanceof SecretStoreError && error.reason === "wrong_password") askAgain() }
 */
export type SecretStoreFailure = "wrong_password" | "tampered" | "invalid_file" | "weak_key_derivation" | "library_unavailable" | "backend_unavailable";

/**
 * A secret store that cannot work: a wrong password, a tampered file, a missing library or OS service.
 * Its message says why and what to do; it never quotes a secret, a password or a file's contents.
 * @example
 * const error = new SecretStoreError("modelmesh.keyring.v1", "backend_unavailable", "no Secret Service on the session bus");
 * error.code; // "secret_store_backend_unavailable"
 */
export class SecretStoreError extends ModelMeshError {
  override name = "SecretStoreError";
  /** The store's connector id. */
  readonly store: string;
  readonly reason: SecretStoreFailure;

  constructor(store: string, reason: SecretStoreFailure, message: string, options: { cause?: unknown } = {}) {
    super(`${store}: ${message}`, { code: `secret_store_${reason}`, retryable: false, ...options });
    this.store = store;
    this.reason = reason;
  }

  protected override details(): Record<string, unknown> {
    return { store: this.store, reason: this.reason };
  }
}
