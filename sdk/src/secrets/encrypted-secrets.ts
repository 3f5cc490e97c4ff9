import { SecretStoreError } from "./secret-store-error.js";

/** The `format` field of an encrypted secrets file. */
export const ENCRYPTED_SECRETS_FORMAT = "modelmesh.encrypted-secrets";
/** The file version this package writes and reads. */
export const ENCRYPTED_SECRETS_VERSION = 1;
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256; files asking for fewer are refused on read and never written. */
export const MIN_PBKDF2_ITERATIONS = 600_000;

const STORE_ID = "modelmesh.encrypted-file.v1";
const SALT_BYTES = 16;
// 96-bit IVs are what GCM is specified for (NIST SP 800-38D); a fresh random one per write.
const IV_BYTES = 12;

/**
 * An encrypted secrets file (JSON). Salt, IV and check are base64; `ciphertext` is AES-256-GCM over the UTF-8 JSON
 * of the secrets, with its 16-byte tag appended, authenticated together with every header field (additional data),
 * so changing the iteration count, salt or IV is detected as well.
 * @example
 * { "format": "modelmesh.encrypted-secrets", "version": 1,
 *   "kdf": { "name": "PBKDF2", "hash": "SHA-256", "iterations": 600000, "salt": "…" },
 *   "cipher": { "name": "AES-256-GCM", "iv": "…" }, "check": "…", "ciphertext": "…" }
 */
export interface EncryptedSecretsFile {
  format: typeof ENCRYPTED_SECRETS_FORMAT;
  version: number;
  kdf: { name: "PBKDF2"; hash: "SHA-256"; iterations: number; salt: string };
  cipher: { name: "AES-256-GCM"; iv: string };
  /** 256 bits derived from the password beside the AES key (HKDF over the PBKDF2 output): tells a wrong password from a tampered file. */
  check: string;
  ciphertext: string;
}

/**
 * Options of `encryptSecrets`.
 * @example
 * const options: EncryptSecretsOptions = { iterations: 1_000_000 };
 */
export interface EncryptSecretsOptions {
  /** PBKDF2 iterations (default and minimum 600 000). */
  iterations?: number;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: unknown, field: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw invalid(`its "${field}" is not base64`);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function invalid(why: string): SecretStoreError {
  return new SecretStoreError(STORE_ID, "invalid_file", `not an encrypted secrets file this package reads: ${why} (write one with writeEncryptedSecretsFile() from "modelmesh/node")`);
}

function subtle(): SubtleCrypto {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (!crypto?.subtle) throw new SecretStoreError(STORE_ID, "library_unavailable", "WebCrypto (crypto.subtle) is not available here: browsers offer it only on https:// and localhost pages");
  return crypto.subtle;
}

function checkPassword(password: unknown): string {
  if (typeof password !== "string" || password === "") throw new SecretStoreError(STORE_ID, "wrong_password", "the password must be a non-empty string");
  // One password typed on two systems may arrive composed differently (é as one code point or two).
  return password.normalize("NFC");
}

/** Every header field, in a fixed order, as the additional authenticated data of AES-GCM. */
function additionalData(file: Omit<EncryptedSecretsFile, "check" | "ciphertext">): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode([file.format, file.version, file.kdf.name, file.kdf.hash, file.kdf.iterations, file.kdf.salt, file.cipher.name, file.cipher.iv].join("\n"));
}

/**
 * PBKDF2 makes one 256-bit block (one pass of the iterations); HKDF splits it into the AES key and the password
 * check. Asking PBKDF2 for 512 bits instead would cost us two passes while a guesser needs only the block of the check.
 */
async function deriveKeys(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<{ key: CryptoKey; check: Uint8Array }> {
  const crypto = subtle();
  const material = await crypto.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const master = await crypto.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, 256);
  const expand = await crypto.importKey("raw", master, "HKDF", false, ["deriveBits", "deriveKey"]);
  const hkdf = (info: string) => ({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(info) });
  const key = await crypto.deriveKey(hkdf("modelmesh.encrypted-secrets.v1 aes-256-gcm key"), expand, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  const check = new Uint8Array(await crypto.deriveBits(hkdf("modelmesh.encrypted-secrets.v1 password check"), expand, 256));
  return { key, check };
}

/** Compares without stopping at the first difference, so timing says nothing about how much of a check matched. */
function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index++) difference |= left[index]! ^ right[index]!;
  return difference === 0;
}

/**
 * Encrypts secrets (a JSON object; nested objects are reached by dot paths) under a password: PBKDF2-HMAC-SHA256
 * (≥ 600 000 iterations, random 16-byte salt) → HKDF-SHA256 → AES-256-GCM key and password check; AES-256-GCM with a
 * random 12-byte IV and the header as additional data. Through WebCrypto, so it runs in
 * Node, browsers and workers. Returns the file's text (JSON, see `EncryptedSecretsFile`).
 * @example
 * const text = await encryptSecrets({ OPENAI_API_KEY: "sk-..." }, password);
 */
export async function encryptSecrets(secrets: Record<string, unknown>, password: string, options: EncryptSecretsOptions = {}): Promise<string> {
  if (typeof secrets !== "object" || secrets === null || Array.isArray(secrets)) throw invalid("the secrets must be a JSON object");
  const iterations = options.iterations ?? MIN_PBKDF2_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < MIN_PBKDF2_ITERATIONS) {
    throw new SecretStoreError(STORE_ID, "weak_key_derivation", `iterations must be an integer of at least ${MIN_PBKDF2_ITERATIONS} (got ${String(iterations)})`);
  }
  const normalized = checkPassword(password);
  const crypto = subtle();
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const header = {
    format: ENCRYPTED_SECRETS_FORMAT,
    version: ENCRYPTED_SECRETS_VERSION,
    kdf: { name: "PBKDF2", hash: "SHA-256", iterations, salt: toBase64(salt) },
    cipher: { name: "AES-256-GCM", iv: toBase64(iv) },
  } as const;
  const { key, check } = await deriveKeys(normalized, salt, iterations);
  const plaintext = new TextEncoder().encode(JSON.stringify(secrets));
  const ciphertext = new Uint8Array(await crypto.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(header), tagLength: 128 }, key, plaintext));
  const file: EncryptedSecretsFile = { ...header, check: toBase64(check), ciphertext: toBase64(ciphertext) };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Decrypts the text of an encrypted secrets file. Never returns an empty object for a bad input: a wrong password,
 * a tampered file, a foreign file or one with fewer than 600 000 iterations each throw a `SecretStoreError` whose
 * `reason` says which (`wrong_password`, `tampered`, `invalid_file`, `weak_key_derivation`).
 * @example
 * const secrets = await decryptSecrets(await readFile("secrets.enc", "utf8"), password);
 */
export async function decryptSecrets(text: string, password: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid("it is not JSON");
  }
  const file = parsed as Partial<EncryptedSecretsFile> | null;
  if (typeof file !== "object" || file === null || file.format !== ENCRYPTED_SECRETS_FORMAT) throw invalid(`its "format" is not "${ENCRYPTED_SECRETS_FORMAT}"`);
  if (file.version !== ENCRYPTED_SECRETS_VERSION) throw invalid(`version ${JSON.stringify(file.version)}; this package reads version ${ENCRYPTED_SECRETS_VERSION}`);
  const kdf = file.kdf;
  if (kdf?.name !== "PBKDF2" || kdf.hash !== "SHA-256") throw invalid('its key derivation is not PBKDF2 with SHA-256');
  if (file.cipher?.name !== "AES-256-GCM") throw invalid("its cipher is not AES-256-GCM");
  if (!Number.isInteger(kdf.iterations) || kdf.iterations < MIN_PBKDF2_ITERATIONS) {
    // A lowered count would make guessing passwords cheaper; no file this package writes has one.
    throw new SecretStoreError(STORE_ID, "weak_key_derivation", `the file asks for ${String(kdf.iterations)} PBKDF2 iterations; at least ${MIN_PBKDF2_ITERATIONS} are required`);
  }
  const salt = fromBase64(kdf.salt, "kdf.salt");
  const iv = fromBase64(file.cipher.iv, "cipher.iv");
  const expectedCheck = fromBase64(file.check, "check");
  const ciphertext = fromBase64(file.ciphertext, "ciphertext");
  if (salt.length < SALT_BYTES || iv.length !== IV_BYTES) throw invalid("its salt or IV has the wrong length");
  const { key, check } = await deriveKeys(checkPassword(password), salt, kdf.iterations);
  if (!sameBytes(check, expectedCheck)) {
    throw new SecretStoreError(STORE_ID, "wrong_password", "wrong password (or the file's salt, iteration count or check was altered)");
  }
  let plaintext: ArrayBuffer;
  try {
    plaintext = await subtle().decrypt({ name: "AES-GCM", iv, additionalData: additionalData(file as EncryptedSecretsFile), tagLength: 128 }, key, ciphertext);
  } catch (error) {
    throw new SecretStoreError(STORE_ID, "tampered", "the password is right but the file fails authentication: it was altered or damaged after it was written", { cause: error });
  }
  let secrets: unknown;
  try {
    secrets = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch {
    throw invalid("its decrypted content is not JSON");
  }
  if (typeof secrets !== "object" || secrets === null || Array.isArray(secrets)) throw invalid("its decrypted content is not a JSON object");
  return secrets as Record<string, unknown>;
}
