/**
 * FAQ Q10: a connector the user wrote, registered by id and configured from YAML or a config object, reads the keys
 * the user wrote. The FAQ's VaultSecretStore reads only `config.vault_url`; the connectors' config used to be
 * camelCased for every connector, so it was given `vaultUrl`, read undefined, and start failed with "unknown key
 * vaultUrl (did you mean "vault_url"?)". The same for a sink reading `api_key` and a storage reading `key_prefix`.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { BaseObservability, BaseStorage, ConfigError, create, registerConnector, type BaseSecretStore, type MeshClient, type StorageEntry } from "../../src/index.js";
import { configAsWritten } from "../../src/core/connector-config.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { startLocalServer, type LocalServer } from "../fakes/http.js";
import { HERE } from "./compile.js";
import { extractTypeScriptSnippets } from "./extract.js";
import { removeRunFiles, runSnippet } from "./run.js";

const FAQ = readFileSync(resolve(HERE, "../../../../shared/spec/000_0f49a3117413170e.txt"), "utf8");
const hello = [{ role: "user" as const, content: "Hi" }];

type VaultClass = new (config: { vault_url: string }) => BaseSecretStore;

/**
 * The FAQ's own TypeScript VaultSecretStore, run exactly as printed (its constructor reads only `config.vault_url`),
 * with its placeholder `_resolve` filled in the way the FAQ's Python one is: GET {vault_url}/v1/secret/data/{name}.
 */
async function faqVaultStore(): Promise<VaultClass> {
  const [snippet] = extractTypeScriptSnippets(FAQ).filter((item) => item.code.includes("class VaultSecretStore"));
  const { VaultSecretStore } = await runSnippet<{ VaultSecretStore: VaultClass }>(snippet!);
  return class ServedVaultSecretStore extends VaultSecretStore {
    protected override async _resolve(name: string): Promise<string | null> {
      const url = (this as unknown as { _vaultUrl: string })._vaultUrl;
      const response = await fetch(`${url}/v1/secret/data/${name}`);
      return response.ok ? ((await response.json()) as { data: { data: { value: string } } }).data.data.value : null;
    }
  };
}

/** A Vault KV v2 holding one secret; records the paths it was asked for. */
async function startFakeVault(name: string, value: string): Promise<LocalServer & { paths: string[] }> {
  const paths: string[] = [];
  const server = await startLocalServer((request, response) => {
    paths.push(request.url ?? "");
    const found = request.url === `/v1/secret/data/${name}`;
    response.writeHead(found ? 200 : 404, { "content-type": "application/json" });
    response.end(JSON.stringify(found ? { data: { data: { value } } } : { errors: [] }));
  });
  return Object.assign(server, { paths });
}

/** What the custom sink and storage below delivered, by the key they were configured with: the fake backends. */
const intake: Array<{ apiKey: string | undefined; type: string }> = [];
const redis = new Map<string, StorageEntry>();

/** The FAQ's Datadog sink shape: reads `config.api_key` only. */
class DatadogObservability extends BaseObservability {
  private readonly ddApiKey: string | undefined;
  constructor(config: { api_key?: string }) {
    super({ logLevel: "metadata", minSeverity: "info" });
    this.ddApiKey = config.api_key;
  }
  protected _write(line: string): void {
    intake.push({ apiKey: this.ddApiKey, type: (JSON.parse(line) as { type: string }).type });
  }
}

/** A storage reading `config.key_prefix` only, keeping entries in `redis` under that prefix. */
class PrefixedStorage extends BaseStorage {
  private readonly prefix: string;
  constructor(config: { key_prefix?: string }) {
    super({});
    this.prefix = config.key_prefix ?? "modelmesh:";
  }
  async load(key: string) {
    return redis.get(this.prefix + key) ?? null;
  }
  async save(key: string, entry: StorageEntry) {
    redis.set(this.prefix + key, entry);
  }
  async list(prefix = "") {
    return [...redis.keys()].filter((key) => key.startsWith(this.prefix + prefix)).map((key) => key.slice(this.prefix.length));
  }
  async delete(key: string) {
    return redis.delete(this.prefix + key);
  }
}

let openai: FakeOpenAI;
let vault: Awaited<ReturnType<typeof startFakeVault>>;
const clients: MeshClient[] = [];

beforeEach(async () => {
  openai = await startFakeOpenAI({ name: "vaulted", models: ["gpt-4o"] });
  vault = await startFakeVault("OPENAI_API_KEY", "sk-from-vault-42424242");
  registerConnector("corp.vault-secrets.v1", await faqVaultStore());
  registerConnector("corp.datadog-obs.v1", DatadogObservability);
  registerConnector("corp.redis-storage.v1", PrefixedStorage);
  process.env.DD_API_KEY_FOR_TEST = "dd-123";
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all([openai.close(), vault.close()]);
  intake.length = 0;
  redis.clear();
  delete process.env.DD_API_KEY_FOR_TEST;
});
afterAll(() => removeRunFiles());

/** A provider that takes its key from the secret store, so a request shows what the store resolved. */
const provider = (apiKey = "${secrets:OPENAI_API_KEY}") => ({ connector: "openai-compatible", config: { base_url: openai.url, api_key: apiKey, models: [{ id: "gpt-4o", capabilities: ["chat-completion"] }] } });
const chats = () => openai.requests.filter((request) => request.path === "/v1/chat/completions");

async function askOnce(config: string | Record<string, unknown>): Promise<void> {
  const client = create({ config });
  clients.push(client);
  await client.chat.completions.create({ model: "chat-completion", messages: hello });
}

describe("the FAQ's VaultSecretStore, registered by id", () => {
  it("is given vault_url from the FAQ's YAML: the key it resolves comes from that Vault", async () => {
    await askOnce(`
secrets:
  store: corp.vault-secrets.v1
  config:
    vault_url: ${vault.url}
providers:
  corp:
    connector: openai-compatible
    config:
      base_url: ${openai.url}
      api_key: "\${secrets:OPENAI_API_KEY}"
      models: [{ id: gpt-4o, capabilities: [chat-completion] }]
`);
    expect(vault.paths).toContain("/v1/secret/data/OPENAI_API_KEY");
    expect(chats().map((request) => request.headers.authorization)).toEqual(["Bearer sk-from-vault-42424242"]);
  });

  it("is given vault_url from a config object, and from create()'s secrets option, in either spelling", async () => {
    for (const config of [{ vault_url: vault.url }, { vaultUrl: vault.url }]) {
      await askOnce({ secrets: { store: "corp.vault-secrets.v1", config }, providers: { corp: provider() } });
      const client = create("chat-completion", { secrets: { store: "corp.vault-secrets.v1", config }, config: { providers: { corp: provider() } } });
      clients.push(client);
      await client.chat.completions.create({ model: "chat-completion", messages: hello });
    }
    expect(vault.paths.filter((path) => path === "/v1/secret/data/OPENAI_API_KEY")).toHaveLength(4);
    expect(chats().map((request) => request.headers.authorization)).toEqual(Array(4).fill("Bearer sk-from-vault-42424242"));
  });

  it("still has a misspelt key refused, named as written, with the key the connector reads", async () => {
    const client = create({ config: { secrets: { store: "corp.vault-secrets.v1", config: { vault_ulr: vault.url } }, providers: { corp: provider() } } });
    clients.push(client);
    const error = await client.ready().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ path: "secrets.config.vault_ulr" });
    expect((error as Error).message).toContain('did you mean "vault_url"?');
  });
});

describe("a custom observability sink and storage, registered by id", () => {
  const sinkAndStorage = {
    storage: { connector: "corp.redis-storage.v1", config: { host: "redis.corp", key_prefix: "mm:" } },
    observability: { connector: "corp.datadog-obs.v1", config: { api_key: "${secrets:DD_API_KEY_FOR_TEST}" } },
  };

  it("are given api_key (its secret resolved) and key_prefix from YAML", async () => {
    await askOnce(`
storage:
  connector: corp.redis-storage.v1
  config:
    host: redis.corp
    key_prefix: "mm:"
observability:
  connector: corp.datadog-obs.v1
  config:
    api_key: "\${secrets:DD_API_KEY_FOR_TEST}"
providers:
  corp:
    connector: openai-compatible
    config:
      base_url: ${openai.url}
      api_key: sk-plain-0000000000
      models: [{ id: gpt-4o, capabilities: [chat-completion] }]
`);
    await clients.pop()!.close();
    expect(intake.length).toBeGreaterThan(0);
    expect(new Set(intake.map((event) => event.apiKey))).toEqual(new Set(["dd-123"]));
    expect([...redis.keys()]).toContain("mm:modelmesh/state");
  });

  it("are given api_key and key_prefix from a config object", async () => {
    await askOnce({ ...sinkAndStorage, providers: { corp: provider("sk-plain-0000000000") } });
    await clients.pop()!.close();
    expect(intake.length).toBeGreaterThan(0);
    expect(new Set(intake.map((event) => event.apiKey))).toEqual(new Set(["dd-123"]));
    expect([...redis.keys()]).toContain("mm:modelmesh/state");
  });
});

describe("configAsWritten", () => {
  it("keeps the keys as written, each also readable in the other spelling, which is never listed or copied", () => {
    const config = configAsWritten({ vaultUrl: "https://vault.corp", keyPrefix: "mm:", token: "t" }, { vaultUrl: "vault_url" });
    expect(Object.keys(config)).toEqual(["vault_url", "keyPrefix", "token"]);
    expect(JSON.parse(JSON.stringify(config))).toEqual({ vault_url: "https://vault.corp", keyPrefix: "mm:", token: "t" });
    expect({ ...config }).toEqual({ vault_url: "https://vault.corp", keyPrefix: "mm:", token: "t" });
    expect([config.vaultUrl, config.vault_url, config.key_prefix, config.keyPrefix]).toEqual(["https://vault.corp", "https://vault.corp", "mm:", "mm:"]);
  });
});
