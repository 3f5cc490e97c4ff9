import { createDecipheriv, pbkdf2Sync, hkdfSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretNotFoundError } from "../src/wire/errors.js";
import { ConfigError } from "../src/wire/error-base.js";
import { SecretStoreError } from "../src/secrets/secret-store-error.js";
import { MIN_PBKDF2_ITERATIONS, decryptSecrets, encryptSecrets, type EncryptedSecretsFile } from "../src/secrets/encrypted-secrets.js";
import { EncryptedFileSecretStore, writeEncryptedSecretsFile } from "../src/node/encrypted-file-secrets.js";

const directory = mkdtempSync(join(tmpdir(), "modelmesh-encrypted-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const PASSWORD = "a long passphrase, not a key";
const SECRETS = { OPENAI_API_KEY: "sk-proj-encrypted-0123456789", providers: { groq: { key: "gsk-encrypted-0123" } } };
let path: string;
let text: string;
let file: EncryptedSecretsFile;

beforeAll(async () => {
  path = join(directory, "secrets.enc");
  await writeEncryptedSecretsFile(path, SECRETS, PASSWORD);
  text = readFileSync(path, "utf8");
  file = JSON.parse(text) as EncryptedSecretsFile;
});

/** A copy of the file with one change, written beside it. */
function altered(change: (copy: EncryptedSecretsFile) => void): string {
  const copy = JSON.parse(text) as EncryptedSecretsFile;
  change(copy);
  const target = join(directory, `altered-${Math.random().toString(36).slice(2)}.enc`);
  writeFileSync(target, JSON.stringify(copy));
  return target;
}

/** Flips one bit of a base64 field. */
function flipBit(base64: string, byte = 0): string {
  const bytes = Buffer.from(base64, "base64");
  bytes[byte] = bytes[byte]! ^ 0x01;
  return bytes.toString("base64");
}

async function failure(promise: Promise<unknown>): Promise<SecretStoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SecretStoreError);
  return error as SecretStoreError;
}

describe("the encrypted secrets file", () => {
  it("holds the version, PBKDF2-SHA256 with ≥ 600 000 iterations, a random salt and IV, and no plaintext", async () => {
    expect(file).toMatchObject({ format: "modelmesh.encrypted-secrets", version: 1, kdf: { name: "PBKDF2", hash: "SHA-256", iterations: 600_000 }, cipher: { name: "AES-256-GCM" } });
    expect(Buffer.from(file.kdf.salt, "base64")).toHaveLength(16);
    expect(Buffer.from(file.cipher.iv, "base64")).toHaveLength(12);
    expect(text).not.toContain("sk-proj-encrypted");
    expect(text).not.toContain("OPENAI_API_KEY");
    // Two writes of the same secrets share neither salt nor IV.
    const again = JSON.parse(await encryptSecrets(SECRETS, PASSWORD)) as EncryptedSecretsFile;
    expect(again.kdf.salt).not.toBe(file.kdf.salt);
    expect(again.cipher.iv).not.toBe(file.cipher.iv);
    expect(again.ciphertext).not.toBe(file.ciphertext);
  });

  it("is what the documented construction gives: node:crypto alone decrypts it (PBKDF2 → HKDF → AES-256-GCM, header as AAD)", () => {
    const master = pbkdf2Sync(PASSWORD.normalize("NFC"), Buffer.from(file.kdf.salt, "base64"), file.kdf.iterations, 32, "sha256");
    const key = Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), "modelmesh.encrypted-secrets.v1 aes-256-gcm key", 32));
    const check = Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), "modelmesh.encrypted-secrets.v1 password check", 32));
    expect(check.toString("base64")).toBe(file.check);
    const sealed = Buffer.from(file.ciphertext, "base64");
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(file.cipher.iv, "base64"));
    decipher.setAAD(Buffer.from([file.format, file.version, "PBKDF2", "SHA-256", file.kdf.iterations, file.kdf.salt, "AES-256-GCM", file.cipher.iv].join("\n")));
    decipher.setAuthTag(sealed.subarray(-16));
    const plain = Buffer.concat([decipher.update(sealed.subarray(0, -16)), decipher.final()]).toString("utf8");
    expect(JSON.parse(plain)).toEqual(SECRETS);
  });

  it("is written with owner-only permissions, replacing the old file whole", async () => {
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const target = join(directory, "nested", "folder", "rewrite.enc");
    await writeEncryptedSecretsFile(target, { A: "1" }, PASSWORD);
    await writeEncryptedSecretsFile(target, { A: "2" }, PASSWORD);
    expect(await new EncryptedFileSecretStore({ path: target, password: PASSWORD }).get("A")).toBe("2");
  });

  it("refuses fewer than 600 000 iterations, on write and on read", async () => {
    expect(MIN_PBKDF2_ITERATIONS).toBe(600_000);
    expect((await failure(encryptSecrets(SECRETS, PASSWORD, { iterations: 599_999 }))).reason).toBe("weak_key_derivation");
    const weak = altered((copy) => (copy.kdf.iterations = 1_000));
    expect((await failure(new EncryptedFileSecretStore({ path: weak, password: PASSWORD }).get("OPENAI_API_KEY"))).reason).toBe("weak_key_derivation");
  });
});

describe("EncryptedFileSecretStore (modelmesh.encrypted-file.v1)", () => {
  it("serves secrets by name and dot path", async () => {
    const store = new EncryptedFileSecretStore({ path, password: PASSWORD });
    expect(await store.get("OPENAI_API_KEY")).toBe(SECRETS.OPENAI_API_KEY);
    expect(await store.get("providers.groq.key")).toBe("gsk-encrypted-0123");
    await expect(store.get("providers.groq")).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it("a wrong password is a wrong_password error, never an empty store, and says nothing of the content", async () => {
    const store = new EncryptedFileSecretStore({ path, password: "not the password" });
    const error = await failure(store.get("OPENAI_API_KEY"));
    expect(error.reason).toBe("wrong_password");
    expect(error.code).toBe("secret_store_wrong_password");
    expect(error.message).toMatch(/wrong password/);
    // has() of a name the file holds must fail too: a wrong password must not look like "no such secret".
    expect((await failure(store.has("OPENAI_API_KEY"))).reason).toBe("wrong_password");
    expect((await failure(store.open())).reason).toBe("wrong_password");
    expect(JSON.stringify(error.toJSON())).not.toMatch(/not the password|sk-proj/);
  });

  it("a changed ciphertext byte or IV is tampered; a changed salt, iteration count or check reads as a wrong password", async () => {
    for (const [change, reason] of [
      [(copy: EncryptedSecretsFile) => (copy.ciphertext = flipBit(copy.ciphertext, 3)), "tampered"],
      [(copy: EncryptedSecretsFile) => (copy.ciphertext = flipBit(copy.ciphertext, Buffer.from(copy.ciphertext, "base64").length - 1)), "tampered"],
      [(copy: EncryptedSecretsFile) => (copy.cipher.iv = flipBit(copy.cipher.iv)), "tampered"],
      [(copy: EncryptedSecretsFile) => (copy.kdf.salt = flipBit(copy.kdf.salt)), "wrong_password"],
      [(copy: EncryptedSecretsFile) => (copy.kdf.iterations += 1), "wrong_password"],
      [(copy: EncryptedSecretsFile) => (copy.check = flipBit(copy.check)), "wrong_password"],
    ] as const) {
      const error = await failure(new EncryptedFileSecretStore({ path: altered(change), password: PASSWORD }).get("OPENAI_API_KEY"));
      expect(error.reason).toBe(reason);
    }
  });

  it("a file that is not an encrypted secrets file is invalid_file; a missing one a ConfigError", async () => {
    for (const content of ["", "{}", '{"OPENAI_API_KEY":"sk-plain"}', "OPENAI_API_KEY=sk-plain", JSON.stringify({ ...file, version: 2 }), JSON.stringify({ ...file, ciphertext: "***" })]) {
      const target = join(directory, `foreign-${Math.random().toString(36).slice(2)}.enc`);
      writeFileSync(target, content);
      const error = await failure(new EncryptedFileSecretStore({ path: target, password: PASSWORD }).get("OPENAI_API_KEY"));
      expect(error.reason).toBe("invalid_file");
      expect(error.message).not.toContain("sk-plain");
    }
    const missing = await new EncryptedFileSecretStore({ path: join(directory, "absent.enc"), password: PASSWORD }).get("A").catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toContain("does not exist");
  });

  it("takes the password from MODELMESH_SECRETS_PASSWORD or password_env, and says so when neither is set", async () => {
    const variable = `MM_TEST_PASSWORD_${process.pid}`;
    const error = await new EncryptedFileSecretStore({ path, passwordEnv: variable }).get("OPENAI_API_KEY").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(variable);
    process.env[variable] = PASSWORD;
    process.env.MODELMESH_SECRETS_PASSWORD = PASSWORD;
    try {
      expect(await new EncryptedFileSecretStore({ path, passwordEnv: variable }).get("OPENAI_API_KEY")).toBe(SECRETS.OPENAI_API_KEY);
      expect(await new EncryptedFileSecretStore({ path }).get("OPENAI_API_KEY")).toBe(SECRETS.OPENAI_API_KEY);
    } finally {
      delete process.env[variable];
      delete process.env.MODELMESH_SECRETS_PASSWORD;
    }
  });

  it("keeps the password out of JSON and inspection of the store", async () => {
    const { inspect } = await import("node:util");
    const store = new EncryptedFileSecretStore({ path, password: PASSWORD });
    expect(JSON.stringify(store)).not.toContain(PASSWORD);
    expect(inspect(store, { depth: 5, showHidden: true })).not.toContain(PASSWORD);
  });

  it("a wrong password fails create() at start with the reason, before any request", async () => {
    const { create } = await import("../src/index.js");
    const client = create({
      config: { secrets: { store: "encrypted-file", config: { path, password: "wrong" } }, providers: { corp: { connector: "openai-compatible", config: { base_url: "http://127.0.0.1:9/v1", api_key: "literal", models: [{ id: "m", capabilities: ["chat-completion"] }] } } } },
    });
    const error = await client.ready().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretStoreError);
    expect((error as SecretStoreError).reason).toBe("wrong_password");
  });

  it("YAML names it encrypted-file with password_env, and ${secrets:NAME} reaches the provider", async () => {
    const { create } = await import("../src/index.js");
    const { startFakeOpenAI } = await import("./fakes/openai.js");
    const fake = await startFakeOpenAI({ name: "encrypted", models: ["gpt-4o"] });
    const variable = `MM_YAML_PASSWORD_${process.pid}`;
    process.env[variable] = PASSWORD;
    const client = create({
      config: `secrets:\n  store: encrypted-file\n  config:\n    path: ${path}\n    password_env: ${variable}\n    cache_ttl_ms: 60000\nproviders:\n  corp:\n    connector: openai-compatible\n    config:\n      base_url: ${fake.url}\n      api_key: "\${secrets:providers.groq.key}"\n      models: [{ id: gpt-4o, capabilities: [chat-completion] }]\n`,
    });
    try {
      await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
      expect(fake.requests.at(-1)!.headers.authorization).toBe("Bearer gsk-encrypted-0123");
    } finally {
      delete process.env[variable];
      await client.close();
      await fake.close();
    }
  });

  it("decryptSecrets and encryptSecrets round-trip anywhere WebCrypto runs", async () => {
    expect(await decryptSecrets(await encryptSecrets({ nested: { a: 1 } }, "pässword"), "pa\u0308ssword")).toEqual({ nested: { a: 1 } });
  });
});
