import { describe, expect, it } from "vitest";
import { configAsWritten, isBuiltinConnector, otherSpelling } from "./connector-config.js";

// What a connector's constructor is given: built-ins read camelCase; a user's connector reads the keys as written.

describe("connector config", () => {
  it("tells a shipped connector from a user's, even one registered under a built-in id", () => {
    class Shipped {
      static connectorId = "modelmesh.env.v1";
    }
    class Users {
      static connectorId = "corp.vault-secrets.v1";
    }
    class Replacement {}
    expect(isBuiltinConnector("modelmesh.env.v1", Shipped)).toBe(true);
    expect(isBuiltinConnector("corp.vault-secrets.v1", Users)).toBe(false);
    expect(isBuiltinConnector("modelmesh.env.v1", Replacement)).toBe(false);
    expect(isBuiltinConnector("modelmesh.env.v1", Users)).toBe(false);
  });

  it("spells a key the other way, and leaves a one-word key as it is", () => {
    expect(otherSpelling("vault_url")).toBe("vaultUrl");
    expect(otherSpelling("vaultUrl")).toBe("vault_url");
    expect(otherSpelling("keyPrefixLength")).toBe("key_prefix_length");
    expect(otherSpelling("url")).toBe("url");
  });

  it("gives the keys as written, each also readable (not listed) in the other spelling", () => {
    const config = configAsWritten({ vaultUrl: "https://vault.corp", timeoutMs: 5, plain: 1 }, { vaultUrl: "vault_url" });
    expect(Object.keys(config)).toEqual(["vault_url", "timeoutMs", "plain"]);
    expect(JSON.parse(JSON.stringify(config))).toEqual({ vault_url: "https://vault.corp", timeoutMs: 5, plain: 1 });
    expect({ ...config }).toEqual({ vault_url: "https://vault.corp", timeoutMs: 5, plain: 1 });
    expect(config.vaultUrl).toBe("https://vault.corp");
    expect(config.timeout_ms).toBe(5);
    // Writable and configurable, as a plain object's properties: a constructor may normalise its own config.
    config.vault_url = "https://other";
    expect(config.vault_url).toBe("https://other");
    delete config.timeout_ms;
    expect(config.timeout_ms).toBeUndefined();
    // A key written both ways keeps both as written.
    expect(Object.keys(configAsWritten({ a_b: 1, aB: 2 }))).toEqual(["a_b", "aB"]);
    expect(configAsWritten({ a_b: 1, aB: 2 })).toMatchObject({ a_b: 1, aB: 2 });
    expect(Object.keys(configAsWritten({ x: 1 }))).toEqual(["x"]);
  });
});
