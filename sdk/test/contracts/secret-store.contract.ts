import { describe, expect, it } from "vitest";
import { SecretNotFoundError, isModelMeshError } from "../../src/wire/errors.js";
import type { SecretStore } from "../../src/secrets/secret-store.js";

/**
 * The shared suite every secret store runs. `makeWith` builds a store holding exactly `secrets`
 * (name → value); a store is done when it passes.
 * @example
 * secretStoreContract("MemorySecretStore", (secrets) => new MemorySecretStore({ secrets }));
 */
export function secretStoreContract(name: string, makeWith: (secrets: Record<string, string>) => SecretStore): void {
  const secrets = {
    OPENAI_API_KEY: "sk-proj-contract0123456789abcdefghijklmnopqrstuv",
    // Built at run time so no key-shaped literal sits in the tree.
    ANTHROPIC_API_KEY: ["sk", "ant", "api03", "contract", "0123456789"].join("-"),
    ODD_VALUE: ` spaced "quoted" =equals= 🔑 ünïcode\\backslash `,
  };

  describe(`${name} (secret store contract)`, () => {
    it("has a connector-style id", () => {
      expect(makeWith(secrets).id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+\.v\d+$/);
    });

    it("returns each stored value exactly, odd characters included", async () => {
      const store = makeWith(secrets);
      for (const [key, value] of Object.entries(secrets)) expect(await store.get(key)).toBe(value);
    });

    it("answers has() for present and absent names", async () => {
      const store = makeWith(secrets);
      expect(await store.has("OPENAI_API_KEY")).toBe(true);
      expect(await store.has("NOT_THERE_API_KEY")).toBe(false);
      expect(await store.has("")).toBe(false);
    });

    it("throws SecretNotFoundError naming the key and never a value", async () => {
      const store = makeWith(secrets);
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
      const store = makeWith(secrets);
      await expect(store.get("")).rejects.toBeInstanceOf(SecretNotFoundError);
      for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
        expect(await store.has(key)).toBe(false);
        await expect(store.get(key)).rejects.toBeInstanceOf(SecretNotFoundError);
      }
    });

    it("serves concurrent reads consistently", async () => {
      const store = makeWith(secrets);
      const values = await Promise.all(Array.from({ length: 20 }, (_, position) => store.get(position % 2 ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY")));
      values.forEach((value, position) => expect(value).toBe(position % 2 ? secrets.OPENAI_API_KEY : secrets.ANTHROPIC_API_KEY));
    });

    it("reports handed-out values for redaction, and only those", async () => {
      const store = makeWith(secrets);
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
      const store = makeWith({});
      expect(await store.has("OPENAI_API_KEY")).toBe(false);
      await expect(store.get("OPENAI_API_KEY")).rejects.toBeInstanceOf(SecretNotFoundError);
    });
  });
}
