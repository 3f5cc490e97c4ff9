import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SecretNotFoundError, isModelMeshError } from "../../src/wire/errors.js";
import { BaseSecretStore, type SecretStore } from "../../src/secrets/secret-store.js";
import { create } from "../../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";

/**
 * What every store's factory is given beyond the secrets: the base's cache settings and clock, which the factory
 * must pass on to the store's constructor (the caching test fails otherwise).
 */
export interface SecretStoreFactoryOptions {
  cacheEnabled?: boolean;
  cacheTtlMs?: number;
  now?: () => number;
}

/** Builds a store holding exactly `secrets` (name → value); may be async (a file to encrypt, a keyring to fill). */
export type SecretStoreFactory = (secrets: Record<string, string>, options?: SecretStoreFactoryOptions) => SecretStore | Promise<SecretStore>;

/**
 * The shared suite of every secret store: values returned exactly, `has`, a missing secret is a
 * `SecretNotFoundError` naming the key and never a value, caching with a TTL on the injected clock, handed-out
 * values for redaction, and `${secrets:NAME}` in a configuration reaching a (fake) provider. A store is done when it passes.
 * @example
 * secretStoreContract("MemorySecretStore", (secrets, options) => new MemorySecretStore({ secrets, ...options }));
 */
export function secretStoreContract(name: string, makeWith: SecretStoreFactory): void {
  const secrets = {
    OPENAI_API_KEY: "sk-proj-contract0123456789abcdefghijklmnopqrstuv",
    // Built at run time so no key-shaped literal sits in the tree.
    ANTHROPIC_API_KEY: ["sk", "ant", "api03", "contract", "0123456789"].join("-"),
    ODD_VALUE: ` spaced "quoted" 'single' =equals= #hash $DOLLAR 🔑 ünïcode\\backslash `,
    // A dotted name: json-secrets and encrypted-file may reach it as a path into nested objects.
    "providers.groq.key": "gsk-contract-dotted-0123456789",
  };
  const make = (values: Record<string, string>, options?: SecretStoreFactoryOptions) => Promise.resolve(makeWith(values, options));

  describe(`${name} (secret store contract)`, () => {
    it("has a connector-style id", async () => {
      expect((await make(secrets)).id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+\.v\d+$/);
    });

    it("returns each stored value exactly, odd characters and dotted names included", async () => {
      const store = await make(secrets);
      for (const [key, value] of Object.entries(secrets)) expect(await store.get(key)).toBe(value);
    });

    it("answers has() for present and absent names", async () => {
      const store = await make(secrets);
      expect(await store.has("OPENAI_API_KEY")).toBe(true);
      expect(await store.has("NOT_THERE_API_KEY")).toBe(false);
      expect(await store.has("")).toBe(false);
    });

    it("throws SecretNotFoundError naming the key and never a value", async () => {
      const store = await make(secrets);
      const error = await store.get("MISSING_API_KEY").then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(isModelMeshError(error)).toBe(true);
      const notFound = error as SecretNotFoundError;
      expect(notFound.secretName).toBe("MISSING_API_KEY");
      expect(notFound.code).toBe("secret_not_found");
      expect(notFound.retryable).toBe(false);
      expect(notFound.message).toContain("MISSING_API_KEY");
      const serialized = JSON.stringify(notFound.toJSON());
      for (const value of Object.values(secrets)) {
        expect(notFound.message).not.toContain(value);
        expect(serialized).not.toContain(JSON.stringify(value).slice(1, -1));
      }
    });

    it("treats an empty name and names of Object.prototype members as missing", async () => {
      const store = await make(secrets);
      await expect(store.get("")).rejects.toBeInstanceOf(SecretNotFoundError);
      for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
        expect(await store.has(key)).toBe(false);
        await expect(store.get(key)).rejects.toBeInstanceOf(SecretNotFoundError);
      }
    });

    it("serves concurrent reads consistently", async () => {
      const store = await make(secrets);
      const values = await Promise.all(Array.from({ length: 20 }, (_, position) => store.get(position % 2 ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY")));
      values.forEach((value, position) => expect(value).toBe(position % 2 ? secrets.OPENAI_API_KEY : secrets.ANTHROPIC_API_KEY));
    });

    it("caches a found value for cacheTtlMs on the injected clock, then asks its backend again", async () => {
      let now = 1_000_000;
      const store = await make(secrets, { cacheEnabled: true, cacheTtlMs: 1_000, now: () => now });
      // Every store is built on the base class: caching is the base's, and a store must not go around it.
      expect(store).toBeInstanceOf(BaseSecretStore);
      const backend = vi.spyOn(store as unknown as { _resolve(name: string): unknown }, "_resolve");
      expect(await store.get("OPENAI_API_KEY")).toBe(secrets.OPENAI_API_KEY);
      now += 999;
      expect(await store.get("OPENAI_API_KEY")).toBe(secrets.OPENAI_API_KEY);
      expect(await store.has("OPENAI_API_KEY")).toBe(true);
      expect(backend.mock.calls.filter(([asked]) => asked === "OPENAI_API_KEY")).toHaveLength(1);
      now += 2;
      expect(await store.get("OPENAI_API_KEY")).toBe(secrets.OPENAI_API_KEY);
      expect(backend.mock.calls.filter(([asked]) => asked === "OPENAI_API_KEY")).toHaveLength(2);
      // Misses are never cached: a secret added later must be found.
      await store.has("NOT_THERE_API_KEY");
      await store.has("NOT_THERE_API_KEY");
      expect(backend.mock.calls.filter(([asked]) => asked === "NOT_THERE_API_KEY")).toHaveLength(2);
    });

    it("asks its backend on every call with caching off", async () => {
      const store = await make(secrets, { cacheEnabled: false, now: () => 0 });
      const backend = vi.spyOn(store as unknown as { _resolve(name: string): unknown }, "_resolve");
      await store.get("OPENAI_API_KEY");
      await store.get("OPENAI_API_KEY");
      expect(backend).toHaveBeenCalledTimes(2);
    });

    it("reports handed-out values for redaction, and only those", async () => {
      const store = await make(secrets);
      if (!store.knownValues) return;
      expect(store.knownValues()).not.toContain(secrets.OPENAI_API_KEY);
      await store.get("OPENAI_API_KEY");
      await store.get("OPENAI_API_KEY");
      const known = store.knownValues();
      expect(known).toContain(secrets.OPENAI_API_KEY);
      expect(known.filter((value) => value === secrets.OPENAI_API_KEY)).toHaveLength(1);
      expect(known).not.toContain(secrets.ANTHROPIC_API_KEY);
    });

    it("holds nothing when built empty", async () => {
      const store = await make({});
      expect(await store.has("OPENAI_API_KEY")).toBe(false);
      await expect(store.get("OPENAI_API_KEY")).rejects.toBeInstanceOf(SecretNotFoundError);
    });

    describe("as a configuration's secrets.instance", () => {
      let fake: FakeOpenAI;
      beforeAll(async () => {
        fake = await startFakeOpenAI({ name: "secrets-contract", models: ["gpt-4o"] });
      });
      afterAll(async () => {
        await fake.close();
      });
      const config = (store: SecretStore, apiKey: string) => ({
        secrets: { instance: store },
        providers: {
          corp: { connector: "openai-compatible", config: { base_url: fake.url, api_key: apiKey, models: [{ id: "gpt-4o", capabilities: ["chat-completion"] }] } },
        },
      });

      it("resolves ${secrets:NAME} and the provider receives the value", async () => {
        fake.reset();
        const client = create({ config: config(await make(secrets), "${secrets:providers.groq.key}") });
        try {
          await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
          const sent = fake.requests.filter((request) => request.path === "/v1/chat/completions");
          expect(sent).toHaveLength(1);
          expect(sent[0]!.headers.authorization).toBe(`Bearer ${secrets["providers.groq.key"]}`);
        } finally {
          await client.close();
        }
      });

      it("fails start with SecretNotFoundError naming a missing ${secrets:NAME}, and sends nothing", async () => {
        fake.reset();
        const client = create({ config: config(await make(secrets), "${secrets:MISSING_API_KEY}") });
        const error = await client.ready().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        await client.close();
        expect(error).toBeInstanceOf(SecretNotFoundError);
        expect((error as SecretNotFoundError).secretName).toBe("MISSING_API_KEY");
        expect(fake.requests).toHaveLength(0);
      });
    });
  });
}

/**
 * Runs the contract for each store: one line per store.
 * @example
 * secretStoreContracts({ MemorySecretStore: (secrets, options) => new MemorySecretStore({ secrets, ...options }) });
 */
export function secretStoreContracts(factories: Record<string, SecretStoreFactory>): void {
  for (const [name, factory] of Object.entries(factories)) secretStoreContract(name, factory);
}
