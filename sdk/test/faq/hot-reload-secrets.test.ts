/**
 * The FAQ's hot-reload answer and its secret-store configuration, in the TypeScript shape (the FAQ writes them in
 * Python and YAML whose indentation the flattened text lost): each test first finds the FAQ's own lines, so a changed
 * FAQ is noticed, then runs the same steps through the package's public entries (`modelmesh`, `modelmesh/node`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_CONNECTORS, NODE_CONNECTORS } from "../../src/core/connector-ids.js";
import { create, MeshConfig, SecretStoreError, type MeshClient } from "modelmesh";
import { ConfigWatcher, EncryptedFileSecretStore, writeEncryptedSecretsFile } from "modelmesh/node";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { HERE } from "./compile.js";

const SPEC = resolve(HERE, "../../../../shared/spec/000_0f49a3117413170e.txt");
if (!existsSync(SPEC)) throw new Error(`the FAQ is missing: ${SPEC} (the repository expects ../shared/spec beside it)`);
const FAQ = readFileSync(SPEC, "utf8");
const directory = mkdtempSync(join(tmpdir(), "modelmesh-faq-reload-"));
const KEY_NAMES = Object.keys(process.env).filter((name) => /_API_KEY$|_BASE_URL$/.test(name));
const saved = Object.fromEntries(KEY_NAMES.map((name) => [name, process.env[name]]));

let first: FakeOpenAI;
let second: FakeOpenAI;
const clients: MeshClient[] = [];
beforeEach(async () => {
  for (const name of KEY_NAMES) delete process.env[name];
  first = await startFakeOpenAI({ name: "v1", models: ["gpt-4o"], reply: "from v1" });
  second = await startFakeOpenAI({ name: "v2", models: ["gpt-4o"], reply: "from v2" });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all([first.close(), second.close()]);
  for (const name of ["MODELMESH_OPENAI_API_KEY", "MODELMESH_OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"]) delete process.env[name];
});
afterAll(() => {
  Object.assign(process.env, saved);
  rmSync(directory, { recursive: true, force: true });
});

const config = (service: FakeOpenAI) =>
  `providers:\n  corp:\n    connector: openai-compatible\n    config:\n      base_url: ${service.url}\n      api_key: corp-key-000000\n      models: [{ id: gpt-4o, capabilities: [chat-completion] }]\npools:\n  chat:\n    capability: chat-completion\n`;
const hello = [{ role: "user" as const, content: "Hello" }];

describe("FAQ: can I change configuration without restarting?", () => {
  it("ConfigWatcher(\"modelmesh.yaml\", mesh, interval 5 s): an edit applies within 5 seconds; stop() when shutting down", { timeout: 30_000 }, async () => {
    expect(FAQ).toContain('watcher = ConfigWatcher("modelmesh.yaml", mesh, interval=5.0)');
    expect(FAQ).toContain("# Edit modelmesh.yaml while running — changes apply within 5 seconds");
    const path = join(directory, "modelmesh.yaml");
    writeFileSync(path, config(first));
    // mesh = modelmesh.ModelMesh(); mesh.initialize(MeshConfig.from_yaml("modelmesh.yaml"))
    const client = create({ config: path });
    clients.push(client);
    await client.ready();
    const mesh = client.mesh;
    const watcher = new ConfigWatcher(path, mesh, { intervalMs: 5_000 });
    await watcher.start();
    try {
      expect((await client.chat.completions.create({ model: "chat", messages: hello })).choices[0]!.message.content).toBe("from v1");
      const applied = new Promise<number>((done) => watcher.on("config-reloaded", () => done(Date.now())));
      const editedAt = Date.now();
      writeFileSync(path, config(second));
      // Within one interval, plus a margin for a loaded machine.
      expect((await applied) - editedAt).toBeLessThan(5_000 + 2_500);
      expect((await client.chat.completions.create({ model: "chat", messages: hello })).choices[0]!.message.content).toBe("from v2");
    } finally {
      watcher.stop();
    }
    expect(watcher.running).toBe(false);
  });

  it("programmatic reload: errors = reconfigure(mesh, new_config); empty when applied, the reasons when not", async () => {
    expect(FAQ).toContain("errors = reconfigure(mesh, new_config)");
    expect(FAQ).toContain("In-flight requests complete with the old config; new requests use the updated config.");
    const client = create({ config: config(first) });
    clients.push(client);
    await client.ready();
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const v2 = join(directory, "modelmesh-v2.yaml");
      writeFileSync(v2, config(second));
      // new_config = MeshConfig.from_yaml("modelmesh-v2.yaml"): a file, so fromFile in TypeScript.
      const newConfig = await MeshConfig.fromFile(v2);
      const errors = await client.mesh.reconfigure(newConfig);
      if (errors.length) console.log(`Reload failed: ${errors}`);
      else console.log("Configuration reloaded successfully");
      expect(log).toHaveBeenLastCalledWith("Configuration reloaded successfully");
      expect((await client.chat.completions.create({ model: "chat", messages: hello })).choices[0]!.message.content).toBe("from v2");
      // A configuration that cannot be built (no provider left) is refused with its reason; v2 stays in force.
      const refused = await client.mesh.reconfigure({ pools: { chat: { capability: "chat-completion" } } });
      expect(refused.join("\n")).toMatch(/no providers/);
      expect((await client.chat.completions.create({ model: "chat", messages: hello })).choices[0]!.message.content).toBe("from v2");
    } finally {
      log.mockRestore();
    }
  });
});

describe("FAQ: secret stores", () => {
  it("names seven built-in stores; the six that run in Node are registered connectors", () => {
    const ids = [...FAQ.matchAll(/^(modelmesh\.[a-z-]+\.v1) \|\n([^\n]*)\|/gm)].map((match) => match[1]!).filter((id) => /secrets|env|dotenv|encrypted|keyring/.test(id));
    expect(ids).toEqual(["modelmesh.env.v1", "modelmesh.dotenv.v1", "modelmesh.json-secrets.v1", "modelmesh.memory-secrets.v1", "modelmesh.encrypted-file.v1", "modelmesh.keyring.v1", "modelmesh.browser-secrets.v1"]);
    const known = new Set<string>([...BUILTIN_CONNECTORS, ...NODE_CONNECTORS].filter((connector) => connector.kind === "secrets").map((connector) => connector.id));
    // modelmesh.browser-secrets.v1 runs in browsers and extensions only (IndexedDB); its own tests cover it.
    expect(ids.filter((id) => id !== "modelmesh.browser-secrets.v1").filter((id) => !known.has(id))).toEqual([]);
  });

  it("secrets: { store: modelmesh.env.v1, config: { prefix: MODELMESH_ } } reads only the prefixed variables", async () => {
    expect(FAQ).toContain("store: modelmesh.env.v1\nconfig:\nprefix: MODELMESH_ # only read env vars starting with this prefix");
    process.env.MODELMESH_OPENAI_API_KEY = "sk-prefixed-0000000000";
    process.env.MODELMESH_OPENAI_BASE_URL = first.url;
    // Unprefixed decoys: read without the prefix rule, these would send the request to the wrong service.
    process.env.OPENAI_API_KEY = "sk-unprefixed-decoy-000";
    process.env.OPENAI_BASE_URL = second.url;
    const client = create("chat-completion", { config: "secrets:\n  store: modelmesh.env.v1\n  config:\n    prefix: MODELMESH_ # only read env vars starting with this prefix\n" });
    clients.push(client);
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(first.requests.at(-1)!.headers.authorization).toBe("Bearer sk-prefixed-0000000000");
    expect(second.requests).toHaveLength(0);
  });

  it('EncryptedFileSecretStore({ path: "secrets.enc", password }) given as secrets.instance', { timeout: 30_000 }, async () => {
    expect(FAQ).toContain('store = EncryptedFileSecretStore({"path": "secrets.enc", "password": "..."})');
    expect(FAQ).toContain('"secrets": {"instance": store},');
    const path = join(directory, "secrets.enc");
    await writeEncryptedSecretsFile(path, { OPENAI_API_KEY: "sk-from-encrypted-file-1", OPENAI_BASE_URL: first.url }, "the password");
    const store = new EncryptedFileSecretStore({ path, password: "the password" });
    const client = create("chat-completion", { config: { secrets: { instance: store } } });
    clients.push(client);
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(first.requests.at(-1)!.headers.authorization).toBe("Bearer sk-from-encrypted-file-1");
    // The same file under a wrong password stops start-up with the reason, instead of finding no providers.
    const wrong = create("chat-completion", { config: { secrets: { instance: new EncryptedFileSecretStore({ path, password: "..." }) } } });
    clients.push(wrong);
    const error = await wrong.ready().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretStoreError);
    expect((error as SecretStoreError).reason).toBe("wrong_password");
  });
});
