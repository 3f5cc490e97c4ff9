import "fake-indexeddb/auto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SecretNotFoundError } from "../src/wire/errors.js";
import { ConfigError } from "../src/wire/error-base.js";
import { EnvSecretStore } from "../src/secrets/env.js";
import { JsonSecretStore } from "../src/secrets/json-secrets.js";
import { MemorySecretStore } from "../src/secrets/memory-secrets.js";
import { BaseSecretStore } from "../src/secrets/secret-store.js";
import { DotenvSecretStore } from "../src/node/dotenv-secrets.js";
import { EncryptedFileSecretStore, writeEncryptedSecretsFile } from "../src/node/encrypted-file-secrets.js";
import { secretStoreContracts } from "./contracts/secret-store.contract.js";
import { BrowserSecretStore } from "../src/secrets/browser-secrets.js";

const directory = mkdtempSync(join(tmpdir(), "modelmesh-secrets-"));
const processVariables: string[] = [];
let counter = 0;

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
  for (const variable of processVariables) delete process.env[variable];
});

/** `.env` text for `secrets`, in the several spellings the format allows, all read back as the same values. */
function dotenvText(secrets: Record<string, string>): string {
  const lines = ["# written by the secret store contract", ""];
  Object.entries(secrets).forEach(([name, value], position) => {
    const doubleQuoted = `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
    const plain = /^[^\s'"#]+$/.test(value);
    // Rotate the spellings: export + double quotes, single quotes + comment, plain value.
    if (position % 3 === 1 && !value.includes("'")) lines.push(`${name}='${value}'   # a comment`);
    else if (position % 3 === 2 && plain) lines.push(`  ${name} = ${value}`);
    else lines.push(`export ${name}=${doubleQuoted}`);
  });
  return `${lines.join("\n")}\n`;
}

/** `{ "a.b": v }` → `{ a: { b: v } }`: dotted names stored as nested objects, reached by dot paths. */
function nested(secrets: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(secrets)) {
    const parts = name.split(".");
    let current = root;
    for (const part of parts.slice(0, -1)) current = (current[part] ??= {}) as Record<string, unknown>;
    current[parts.at(-1)!] = value;
  }
  return root;
}

const PASSWORD = "correct horse battery staple ü";
// Encrypting costs a PBKDF2 pass (600 000 iterations); files with the same content are written once and copied.
const encryptedTexts = new Map<string, Promise<string>>();
async function encryptedFile(secrets: Record<string, unknown>): Promise<string> {
  const key = JSON.stringify(secrets);
  if (!encryptedTexts.has(key)) {
    encryptedTexts.set(
      key,
      (async () => {
        const source = join(directory, `source-${counter++}.enc`);
        await writeEncryptedSecretsFile(source, secrets, PASSWORD);
        return readFileSync(source, "utf8");
      })(),
    );
  }
  const path = join(directory, `secrets-${counter++}.enc`);
  writeFileSync(path, await encryptedTexts.get(key)!);
  return path;
}

// One line per store; the browser's store (modelmesh.browser-secrets.v1) joins this list where it can run.
secretStoreContracts({
  "EnvSecretStore (injected env)": (secrets, options) => new EnvSecretStore({ env: { ...secrets }, ...options }),
  "EnvSecretStore (prefix)": (secrets, options) => {
    const env = Object.fromEntries(Object.entries(secrets).map(([name, value]) => [`MODELMESH_${name}`, value]));
    // Unprefixed decoys must never be read when a prefix is set.
    return new EnvSecretStore({ prefix: "MODELMESH_", env: { ...env, MISSING_API_KEY: "decoy", NOT_THERE_API_KEY: "decoy", OPENAI_API_KEY: "decoy" }, ...options });
  },
  "EnvSecretStore (process.env)": (secrets, options) => {
    const prefix = `MM_CONTRACT_${process.pid}_${counter++}_`;
    for (const [name, value] of Object.entries(secrets)) {
      process.env[`${prefix}${name}`] = value;
      processVariables.push(`${prefix}${name}`);
    }
    return new EnvSecretStore({ prefix, ...options });
  },
  MemorySecretStore: (secrets, options) => new MemorySecretStore({ secrets, ...options }),
  "JsonSecretStore (data)": (secrets, options) => new JsonSecretStore({ data: { ...secrets }, ...options }),
  "JsonSecretStore (dot paths into nested data)": (secrets, options) => new JsonSecretStore({ data: nested(secrets), ...options }),
  "JsonSecretStore (file)": (secrets, options) => {
    const path = join(directory, `secrets-${counter++}.json`);
    writeFileSync(path, JSON.stringify(nested(secrets)));
    return new JsonSecretStore({ path, ...options });
  },
  DotenvSecretStore: (secrets, options) => {
    const path = join(directory, `secrets-${counter++}.env`);
    writeFileSync(path, dotenvText(secrets));
    return new DotenvSecretStore({ path, ...options });
  },
  EncryptedFileSecretStore: async (secrets, options) => new EncryptedFileSecretStore({ path: await encryptedFile(nested(secrets)), password: PASSWORD, ...options }),
  // IndexedDB from fake-indexeddb here; the extension's e2e run uses the real one in Chromium.
  BrowserSecretStore: async (secrets, options) => {
    const store = new BrowserSecretStore({ database: `contract-${process.pid}-${counter++}`, ...options });
    for (const [name, value] of Object.entries(secrets)) await store.set(name, value);
    return store;
  },
  // The keyring joins in keyring-secrets.test.ts, which runs the contract inside a headless Secret Service.
});

class CountingStore extends BaseSecretStore {
  override readonly id = "test.counting.v1";
  calls = 0;
  constructor(
    private readonly values: Record<string, string>,
    config: ConstructorParameters<typeof BaseSecretStore>[0],
  ) {
    super(config);
  }
  // Sync and `string | null`, as the FAQ's VaultSecretStore example writes it.
  protected _resolve(name: string): string | null {
    this.calls++;
    return this.values[name] ?? null;
  }
}

describe("BaseSecretStore", () => {
  it("caches found values for cacheTtlMs and asks again after", async () => {
    let now = 1_000;
    const store = new CountingStore({ KEY: "value-1" }, { cacheTtlMs: 100, now: () => now });
    await store.get("KEY");
    await store.get("KEY");
    expect(store.calls).toBe(1);
    now += 101;
    await store.get("KEY");
    expect(store.calls).toBe(2);
    store.clearCache();
    await store.has("KEY");
    expect(store.calls).toBe(3);
  });

  it("does not cache misses, and asks every time with caching off", async () => {
    const store = new CountingStore({}, {});
    await store.has("LATER");
    await store.has("LATER");
    expect(store.calls).toBe(2);
    const uncached = new CountingStore({ KEY: "value" }, { cacheEnabled: false });
    await uncached.get("KEY");
    await uncached.get("KEY");
    expect(uncached.calls).toBe(2);
  });

  it("resolves a missing secret to an empty string when failOnMissing is false", async () => {
    const store = new CountingStore({}, { failOnMissing: false });
    expect(await store.get("OPTIONAL_KEY")).toBe("");
    expect(await store.has("OPTIONAL_KEY")).toBe(false);
    expect(await store.tryGet("OPTIONAL_KEY")).toBeUndefined();
  });

  it("treats an empty value as missing", async () => {
    const store = new EnvSecretStore({ env: { OPENAI_API_KEY: "" } });
    expect(await store.has("OPENAI_API_KEY")).toBe(false);
    await expect(store.get("OPENAI_API_KEY")).rejects.toBeInstanceOf(SecretNotFoundError);
  });
});

describe("EnvSecretStore", () => {
  it("reads the prefixed variable and does not prefix twice", async () => {
    const store = new EnvSecretStore({ prefix: "MODELMESH_", env: { MODELMESH_OPENAI_API_KEY: "prefixed", OPENAI_API_KEY: "plain" } });
    expect(await store.get("OPENAI_API_KEY")).toBe("prefixed");
    expect(await store.get("MODELMESH_OPENAI_API_KEY")).toBe("prefixed");
    expect(store.variableName("GROQ_API_KEY")).toBe("MODELMESH_GROQ_API_KEY");
    expect(store.names()).toEqual(["OPENAI_API_KEY"]);
  });

  it("names the variable it looked for in the error", async () => {
    const store = new EnvSecretStore({ prefix: "MODELMESH_", env: {} });
    await expect(store.get("GROQ_API_KEY")).rejects.toThrow(/MODELMESH_GROQ_API_KEY/);
  });

  it("sees variables set after it was built (no cache by default)", async () => {
    const env: Record<string, string> = {};
    const store = new EnvSecretStore({ env });
    expect(await store.has("LATE_KEY")).toBe(false);
    env.LATE_KEY = "now-here";
    expect(await store.get("LATE_KEY")).toBe("now-here");
  });

  it("exposes its connector id", () => {
    expect(EnvSecretStore.connectorId).toBe("modelmesh.env.v1");
    expect(new EnvSecretStore().id).toBe("modelmesh.env.v1");
  });
});

describe("MemorySecretStore", () => {
  it("sets and deletes secrets, effective immediately", async () => {
    const store = new MemorySecretStore({ cacheEnabled: true });
    store.set("KEY", "first");
    expect(await store.get("KEY")).toBe("first");
    store.set("KEY", "second");
    expect(await store.get("KEY")).toBe("second");
    expect(store.delete("KEY")).toBe(true);
    expect(store.delete("KEY")).toBe(false);
    expect(await store.has("KEY")).toBe(false);
    expect(store.knownValues()).toEqual(["first", "second"]);
  });

  it("copies its initial secrets", async () => {
    const initial: Record<string, string> = { KEY: "value" };
    const store = new MemorySecretStore({ secrets: initial });
    initial.KEY = "changed";
    expect(await store.get("KEY")).toBe("value");
    expect(store.names()).toEqual(["KEY"]);
    expect(store.id).toBe("modelmesh.memory-secrets.v1");
  });
});

describe("JsonSecretStore", () => {
  it("walks dot paths, prefers literal dotted keys and turns scalars into strings", async () => {
    const store = new JsonSecretStore({
      data: { openai: { key: "sk-nested", org: { id: 42 } }, "openai.key": "sk-literal", groq: { key: "gsk-nested" }, flags: { on: true }, list: ["a"] },
    });
    expect(await store.get("openai.key")).toBe("sk-literal");
    expect(await store.get("groq.key")).toBe("gsk-nested");
    expect(await store.get("openai.org.id")).toBe("42");
    expect(await store.get("flags.on")).toBe("true");
    expect(await store.has("openai")).toBe(false);
    expect(await store.has("list")).toBe(false);
    expect(await store.has("openai.key.deeper")).toBe(false);
  });

  it("reads a file lazily, with inline data winning, and re-reads after reload()", async () => {
    const path = join(directory, "lazy.json");
    const store = new JsonSecretStore({ path, data: { override: "inline" } });
    writeFileSync(path, JSON.stringify({ openai: { key: "from-file" }, override: "file" }));
    expect(await store.get("openai.key")).toBe("from-file");
    expect(await store.get("override")).toBe("inline");
    writeFileSync(path, JSON.stringify({ openai: { key: "changed" } }));
    expect(await store.get("openai.key")).toBe("from-file");
    store.reload();
    expect(await store.get("openai.key")).toBe("changed");
  });

  it("reports an unreadable file as a ConfigError and retries on the next call", async () => {
    const path = join(directory, "later.json");
    const store = new JsonSecretStore({ path });
    await expect(store.get("key")).rejects.toBeInstanceOf(ConfigError);
    writeFileSync(path, JSON.stringify({ key: "appeared" }));
    expect(await store.get("key")).toBe("appeared");
  });

  it("never quotes the file's text when it is not valid JSON", async () => {
    const path = join(directory, "broken.json");
    writeFileSync(path, '{ "key": "sk-proj-should-never-appear-in-errors", }');
    const error = await new JsonSecretStore({ path }).get("key").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).not.toContain("sk-proj");
    expect(JSON.stringify((error as ConfigError).toJSON())).not.toContain("sk-proj");
    expect((error as Error).cause).toBeUndefined();
  });

  it("needs data or a path", () => {
    expect(() => new JsonSecretStore({})).toThrow(ConfigError);
    expect(() => new JsonSecretStore({ data: [] as unknown as Record<string, unknown> })).toThrow(ConfigError);
  });
});
