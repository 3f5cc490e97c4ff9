/**
 * Runs inside a real, headless Secret Service (gnome-keyring-daemon on a private D-Bus session), started by
 * keyring-secrets.test.ts; never on its own (the file name keeps it out of the main run).
 */
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { SecretNotFoundError } from "../../src/wire/errors.js";
import { KeyringSecretStore } from "../../src/node/keyring-secrets.js";
import { create } from "../../src/index.js";
import { startFakeOpenAI } from "../fakes/openai.js";
import { secretStoreContract } from "../contracts/secret-store.contract.js";

if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error("run through keyring-secrets.test.ts: no D-Bus session here");

let counter = 0;
const services: string[] = [];
const serviceName = () => {
  const service = `modelmesh-contract-${process.pid}-${counter++}`;
  services.push(service);
  return service;
};

afterAll(async () => {
  // The keyring lives in a temporary folder that is removed anyway; emptying it proves delete() works on every entry.
  for (const service of services) {
    const store = new KeyringSecretStore({ service });
    for (const name of await store.names()) await store.delete(name);
    expect(await store.names()).toEqual([]);
  }
});

secretStoreContract("KeyringSecretStore (gnome-keyring Secret Service)", async (secrets, options) => {
  const service = serviceName();
  const writer = new KeyringSecretStore({ service });
  for (const [name, value] of Object.entries(secrets)) await writer.set(name, value);
  return new KeyringSecretStore({ service, ...options });
});

describe("KeyringSecretStore against the Secret Service", () => {
  it("stores entries other Secret Service clients read (secret-tool), and reads theirs", async () => {
    const service = serviceName();
    const store = new KeyringSecretStore({ service });
    await store.open();
    await store.set("OPENAI_API_KEY", "sk-keyring-roundtrip-0001");
    // libsecret's own client sees the entry under the attributes service/username.
    expect(execFileSync("secret-tool", ["lookup", "service", service, "username", "OPENAI_API_KEY"], { encoding: "utf8" })).toBe("sk-keyring-roundtrip-0001");
    // And an entry filed by secret-tool (the README's set-up command) is read by the store.
    execFileSync("secret-tool", ["store", "--label=Groq", "service", service, "username", "GROQ_API_KEY"], { input: "gsk-filed-by-secret-tool" });
    const fresh = new KeyringSecretStore({ service });
    expect(await fresh.get("GROQ_API_KEY")).toBe("gsk-filed-by-secret-tool");
    expect((await fresh.names()).sort()).toEqual(["GROQ_API_KEY", "OPENAI_API_KEY"]);
  });

  it("set replaces, delete removes, and a removed secret is missing again", async () => {
    const store = new KeyringSecretStore({ service: serviceName(), cacheEnabled: true });
    await store.set("KEY", "one");
    expect(await store.get("KEY")).toBe("one");
    await store.set("KEY", "two");
    expect(await store.get("KEY")).toBe("two");
    expect(await store.delete("KEY")).toBe(true);
    expect(await store.delete("KEY")).toBe(false);
    await expect(store.get("KEY")).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it("is named keyring in a configuration; auto-discovery finds a provider from its entries", async () => {
    const fake = await startFakeOpenAI({ name: "keyring" });
    const service = serviceName();
    const store = new KeyringSecretStore({ service });
    await store.set("OPENAI_API_KEY", "sk-from-the-keyring-42");
    await store.set("OPENAI_BASE_URL", fake.url);
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    delete process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_BASE_URL;
    const client = create("chat-completion", { config: `secrets:\n  store: keyring\n  config:\n    service: ${service}\n` });
    try {
      await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
      expect(fake.requests.at(-1)!.headers.authorization).toBe("Bearer sk-from-the-keyring-42");
    } finally {
      await client.close();
      await fake.close();
      Object.assign(process.env, saved);
    }
  });
});
