import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { openDB } from "idb";
import { BrowserSecretStore } from "../src/secrets/browser-secrets.js";
import { StorageError } from "../src/wire/errors.js";
import { create } from "../src/index.js";
import { startFakeOpenAI } from "./fakes/openai.js";

let databases = 0;
const freshName = () => `browser-secrets-test-${++databases}-${Math.random().toString(36).slice(2)}`;

// The shared secret-store contract runs BrowserSecretStore in secret-stores.test.ts, with the other stores.

/** Every value IndexedDB holds for the store, as the raw records a storage dump would show. */
async function rawRecords(database: string) {
  const db = await openDB(database);
  try {
    return { keys: await db.getAll("keys"), secrets: await db.getAll("secrets"), secretNames: await db.getAllKeys("secrets") };
  } finally {
    db.close();
  }
}

describe("BrowserSecretStore at rest", () => {
  const secret = ["sk", "proj", "atrest", "0123456789abcdefghijklmnop"].join("-");

  it("stores ciphertext only, under a non-extractable AES-GCM key kept in IndexedDB", async () => {
    const database = freshName();
    const store = new BrowserSecretStore({ database });
    await store.set("OPENAI_API_KEY", secret);
    const raw = await rawRecords(database);
    expect(raw.secretNames).toEqual(["OPENAI_API_KEY"]);
    const key = raw.keys[0] as CryptoKey;
    expect(key.extractable).toBe(false);
    expect(key.algorithm).toMatchObject({ name: "AES-GCM", length: 256 });
    await expect(crypto.subtle.exportKey("raw", key)).rejects.toThrow();
    const sealed = raw.secrets[0] as { iv: Uint8Array; data: ArrayBuffer };
    const bytes = new Uint8Array(sealed.data);
    // 16 bytes of GCM tag after the ciphertext; none of the plaintext is visible in it.
    expect(bytes.byteLength).toBe(secret.length + 16);
    expect(new TextDecoder("latin1").decode(bytes)).not.toContain(secret.slice(0, 8));
    expect(JSON.stringify(raw, (_key, value) => (value instanceof ArrayBuffer ? [...new Uint8Array(value)] : value))).not.toContain(secret);
    store.close();
  });

  it("a second store over the same database (a restarted service worker) reads the value back", async () => {
    const database = freshName();
    const first = new BrowserSecretStore({ database });
    await first.set("OPENAI_API_KEY", secret);
    first.close();
    const second = new BrowserSecretStore({ database });
    expect(await second.get("OPENAI_API_KEY")).toBe(secret);
    expect(await second.names()).toEqual(["OPENAI_API_KEY"]);
    second.close();
  });

  it("uses a fresh nonce per write, so the same value never gives the same ciphertext", async () => {
    const database = freshName();
    const store = new BrowserSecretStore({ database });
    await store.set("A", secret);
    await store.set("B", secret);
    const raw = await rawRecords(database);
    const [a, b] = raw.secrets as Array<{ iv: Uint8Array; data: ArrayBuffer }>;
    expect([...a!.iv]).not.toEqual([...b!.iv]);
    expect([...new Uint8Array(a!.data)]).not.toEqual([...new Uint8Array(b!.data)]);
    store.close();
  });

  it("refuses a ciphertext moved to another name or altered, with a typed error that shows none of it", async () => {
    const database = freshName();
    const store = new BrowserSecretStore({ database, cacheEnabled: false });
    await store.set("A", secret);
    const db = await openDB(database);
    await db.put("secrets", await db.get("secrets", "A"), "B");
    db.close();
    const error = await store.get("B").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect(String((error as Error).message)).toContain('"B" cannot be decrypted');
    expect(JSON.stringify((error as StorageError).toJSON())).not.toContain(secret);
    store.close();
  });

  it("set, delete and names take effect at once, cache or not", async () => {
    const store = new BrowserSecretStore({ database: freshName(), cacheEnabled: true });
    await store.set("KEY", "first-value");
    expect(await store.get("KEY")).toBe("first-value");
    await store.set("KEY", "second-value");
    expect(await store.get("KEY")).toBe("second-value");
    expect(await store.delete("KEY")).toBe(true);
    expect(await store.delete("KEY")).toBe(false);
    expect(await store.has("KEY")).toBe(false);
    expect(await store.names()).toEqual([]);
    await expect(store.set("", "x")).rejects.toBeInstanceOf(StorageError);
    await expect(store.set("KEY", "")).rejects.toBeInstanceOf(StorageError);
    store.close();
  });

  it("is nameable from configuration and feeds a provider's key to a mesh", async () => {
    const fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    const database = freshName();
    const seed = new BrowserSecretStore({ database });
    await seed.set("OPENAI_API_KEY", secret);
    seed.close();
    try {
      const client = create("chat-completion", {
        config: { secrets: { store: "browser-secrets", config: { database } }, providers: { openai: { connector: "openai", config: { base_url: fake.url, api_key: "${secrets:OPENAI_API_KEY}" } } } },
      });
      await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "hi" }] });
      expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${secret}`);
      await client.close();
    } finally {
      await fake.close();
    }
  });
});
