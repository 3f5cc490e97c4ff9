import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BaseDiscovery,
  BaseObservability,
  BaseRotationPolicy,
  BaseSecretStore,
  BaseStorage,
  ConfigError,
  EnvSecretStore,
  MemorySecretStore,
  MemoryStorage,
  ModelMesh,
  SecretNotFoundError,
  StorageError,
  CallbackObservability,
  create,
  registerConnector,
  type ModelState,
  type ProviderSpec,
  type StorageEntry,
} from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { CHAT, hello, pairConfig, providerBlock, startPair, testClock } from "./support/mesh.js";

let pair: Awaited<ReturnType<typeof startPair>>;
beforeEach(async () => {
  pair = await startPair();
});
afterEach(async () => {
  await pair.close();
});

const yamlFor = (a: FakeOpenAI) => `
secrets:
  store: modelmesh.env.v1
  config:
    prefix: MMTEST_
providers:
  primary:
    connector: openai-compatible
    config:
      base_url: ${a.url}
      api_key: "\${secrets:PRIMARY_KEY}"
      models:
        - id: alpha
          capabilities: [${CHAT}]
pools:
  chat:
    capability: chat-completion
    strategy: round-robin
`;

describe("building a mesh from configuration", () => {
  it("reads YAML and resolves ${secrets:NAME} through the configured store", async () => {
    process.env.MMTEST_PRIMARY_KEY = "sk-from-env-secret-123456";
    try {
      const client = create({ config: yamlFor(pair.a) });
      const response = await client.chat.completions.create({ model: "chat", messages: hello });
      expect(response.model).toMatch(/^alpha/);
      expect(pair.a.requests[0]!.headers.authorization).toBe("Bearer sk-from-env-secret-123456");
      expect(client.describe().pools["chat"]!.strategy).toBe("modelmesh.round-robin.v1");
      await client.close();
    } finally {
      delete process.env.MMTEST_PRIMARY_KEY;
    }
  });

  it("names a missing secret, never a value", async () => {
    const client = create({ config: yamlFor(pair.a) });
    const error = await client.ready().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).secretName).toBe("PRIMARY_KEY");
    await expect(client.chat.completions.create({ model: "chat", messages: hello })).rejects.toBe(error);
  });

  it("throws ConfigError from create() for a bad object configuration", () => {
    expect(() => create({ config: { pools: { chat: { capability: "chat-completion", strategy: 5 } } } })).toThrow(ConfigError);
    expect(() => create({ config: { pools: { chat: { capability: "chat-completion", retry: { jitter: "lots" } } } } })).toThrow(/pools\.chat\.retry\.jitter/);
    expect(() => create({ config: '{"pools": {' })).toThrow(ConfigError);
  });

  it("rejects unknown connectors of every kind with the path of the key", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...(pairConfig(pair) as object), storage: { connector: "modelmesh.nosuch.v1" } }, "storage.connector"],
      [{ ...(pairConfig(pair) as object), observability: { connector: "nope" } }, "observability.connector"],
      [{ ...(pairConfig(pair) as object), secrets: { store: "vault" } }, "secrets.store"],
      [{ ...(pairConfig(pair) as object), discovery: { connector: "x" } }, "discovery.connector"],
      [{ providers: { p: { connector: "acme.llm.v9" } } }, "providers.p.connector"],
      [pairConfig(pair, { strategy: "fastest-ever" }) as Record<string, unknown>, "pools.chat.strategy"],
      // A known id of the wrong kind is refused too.
      [pairConfig(pair, { strategy: "modelmesh.memory.v1" }) as Record<string, unknown>, "pools.chat.strategy"],
    ];
    for (const [config, path] of cases) {
      // Synchronously, in create(): the set of known connector names is a static table, nothing needs loading.
      let error: unknown;
      try {
        create({ config });
      } catch (caught) {
        error = caught;
      }
      expect(error, path).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe(path);
    }
  });

  it("rejects a pool no configured model can serve", async () => {
    const error = await create({ config: pairConfig(pair, {}, { pools: { voice: { capability: "text-to-speech" } } }) }).ready().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe("pools.voice");
  });

  it("builds custom connectors of every kind named in YAML after registerConnector()", async () => {
    const used: string[] = [];
    class CorpSecrets extends BaseSecretStore {
      protected _resolve(name: string) {
        used.push(`secret:${name}`);
        return name === "CORP_KEY" ? "sk-corp-0000000000000000" : null;
      }
    }
    class CorpStorage extends BaseStorage {
      readonly entries = new Map<string, StorageEntry>();
      async load(key: string) {
        used.push("storage:load");
        return this.entries.get(key) ?? null;
      }
      async save(key: string, entry: StorageEntry) {
        used.push("storage:save");
        this.entries.set(key, entry);
      }
      async list() {
        return [...this.entries.keys()];
      }
      async delete(key: string) {
        return this.entries.delete(key);
      }
    }
    class CorpSink extends BaseObservability {
      protected _write(line: string) {
        if (line.includes("request-end")) used.push("observability");
      }
    }
    class CorpPolicy extends BaseRotationPolicy {
      override readonly id = "corp.last.v1";
      select(candidates: ModelState[]) {
        used.push("rotation");
        return candidates.at(-1) ?? null;
      }
    }
    class CorpDiscovery extends BaseDiscovery {
      async discover(): Promise<ProviderSpec[]> {
        used.push("discovery");
        return [];
      }
    }
    class CorpProvider extends MockProvider {
      constructor(config: { apiKey?: string }) {
        super({ id: "corp", responses: ["corp says hi"], models: ["corp-1", "corp-2"] });
        used.push(`provider:${config.apiKey}`);
      }
    }
    registerConnector("corp.secrets.v1", CorpSecrets, { kind: "secrets" });
    registerConnector("corp.storage.v1", CorpStorage, { kind: "storage" });
    registerConnector("corp.sink.v1", CorpSink, { kind: "observability" });
    registerConnector("corp.last.v1", CorpPolicy, { kind: "rotation" });
    registerConnector("corp.discovery.v1", CorpDiscovery, { kind: "discovery" });
    registerConnector("corp.llm.v1", CorpProvider, { kind: "provider" });
    const yaml = `
secrets: { store: corp.secrets.v1 }
storage: { connector: corp.storage.v1 }
observability: { connector: corp.sink.v1, config: { log_level: summary } }
discovery: { connector: corp.discovery.v1 }
providers:
  corp: { connector: corp.llm.v1, config: { api_key: "\${secrets:CORP_KEY}" } }
pools:
  chat: { capability: chat-completion, strategy: corp.last.v1 }
`;
    const client = create({ config: yaml, persistDelayMs: 1 });
    const response = await client.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toBe("corp-2");
    await client.close();
    expect(used).toEqual(expect.arrayContaining(["secret:CORP_KEY", "provider:sk-corp-0000000000000000", "rotation", "observability", "storage:load", "storage:save"]));
    // Discovery runs only when no provider is configured.
    const discovered = create({ config: { discovery: { connector: "corp.discovery.v1" }, providers: [] } });
    await discovered.ready().catch(() => undefined);
    expect(used).toContain("discovery");
  });

  it("takes ready-made instances of every kind", async () => {
    const storage = new MemoryStorage();
    const events: string[] = [];
    class Sink extends BaseObservability {
      protected _write(line: string) {
        events.push(JSON.parse(line).type as string);
      }
    }
    class First extends BaseRotationPolicy {
      select(candidates: ModelState[]) {
        return candidates[0] ?? null;
      }
    }
    const provider = new MockProvider({ id: "injected", responses: ["from the instance"] });
    const client = create("chat-completion", {
      providers: [{ instance: provider }],
      strategy: new First(),
      storage: { instance: storage },
      secrets: { instance: new MemorySecretStore({ secrets: {} }) },
      observability: { instance: new Sink({ logLevel: "metadata", minSeverity: "debug" }) },
      persistDelayMs: 1,
    });
    const response = await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(response.choices[0]?.message.content).toBe("from the instance");
    expect(client.describe().pools["chat-completion"]!.strategy).toBe("custom.rotation.v1");
    await client.close();
    expect(events).toEqual(expect.arrayContaining(["request-start", "attempt-end", "request-end"]));
    expect(await storage.list()).toContain("modelmesh/state");
    const pooled = create({ config: { providers: { p: { instance: new MockProvider({ id: "p", responses: ["pooled"] }) } }, pools: { chat: { capability: "chat-completion", strategy_instance: new First() } } } });
    expect((await pooled.chat.completions.create({ model: "chat", messages: hello })).choices[0]?.message.content).toBe("pooled");
  });

  it("discovers providers from the environment: the FAQ quick start", async () => {
    const fake = await startFakeOpenAI({ name: "openai" });
    try {
      const secrets = new EnvSecretStore({ env: { OPENAI_API_KEY: "sk-quickstart-000000000000", OPENAI_BASE_URL: fake.url } });
      const client = create("chat-completion", { secrets: { instance: secrets } });
      const response = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hello!" }] });
      expect(response.choices[0]?.message.content).toContain("Hello!");
      expect(client.poolStatus()["chat-completion"]!.total).toBeGreaterThan(1);
      expect(client.describe().providers).toEqual([expect.objectContaining({ id: "openai", connector: "openai.llm.v1" })]);
      await client.close();
      const none = create("chat-completion", { secrets: { instance: new EnvSecretStore({ env: {} }) } });
      await expect(none.ready()).rejects.toThrow(/no providers/i);
    } finally {
      await fake.close();
    }
  });

  it("keeps model state and usage across a restart through storage", async () => {
    const storage = new MemoryStorage();
    const clock = testClock();
    const options = { config: pairConfig(pair, { deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 60_000 } }), clock, storage: { instance: storage }, persistDelayMs: 1 };
    const first = create(options);
    pair.a.enqueue({ kind: "error", status: 500 });
    await first.chat.completions.create({ model: "chat", messages: hello });
    expect(first.poolStatus().chat).toEqual({ active: 1, standby: 1, total: 2 });
    await first.close();
    const second = create(options);
    await second.ready();
    expect(second.poolStatus().chat).toEqual({ active: 1, standby: 1, total: 2 });
    expect(second.usage.requests).toBe(1);
    expect(second.usage.byModel["b/beta"]!.requests).toBe(1);
    await second.chat.completions.create({ model: "chat", messages: hello });
    // Alpha is still cooling down after the restart: beta serves.
    expect(pair.a.requests).toHaveLength(1);
    expect(second.usage.requests).toBe(2);
    await second.close();
  });

  it("starts fresh, and says so, when the saved state cannot be read", async () => {
    class BrokenStorage extends MemoryStorage {
      override async load(): Promise<StorageEntry | null> {
        throw new StorageError("modelmesh/state holds something that is not JSON");
      }
    }
    const events: Array<{ type: string; error?: string }> = [];
    const client = create({
      config: pairConfig(pair),
      storage: { instance: new BrokenStorage() },
      observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event as never), minSeverity: "debug" }) },
    });
    const response = await client.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^alpha/);
    expect(events.find((event) => event.type === "state-restored")?.error).toContain("not JSON");
    await client.close();
  });

  it("reconfigures atomically: a good config applies, a bad one changes nothing", async () => {
    const client = create({ config: pairConfig(pair), clock: testClock() });
    await client.ready();
    const mesh: ModelMesh = client.mesh;
    const onlyB = { providers: { b: providerBlock(pair.b, "beta", "beta-embed", "sk-test-key-b-1111111111") }, pools: { chat: { capability: "chat-completion" } } };
    expect(await mesh.reconfigure(onlyB)).toEqual([]);
    expect((await client.chat.completions.create({ model: "chat", messages: hello })).model).toMatch(/^beta/);
    const errors = await mesh.reconfigure({ ...onlyB, pools: { chat: { capability: "chat-completion", strategy: "nope" } } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("pools.chat.strategy");
    expect((await client.chat.completions.create({ model: "chat", messages: hello })).model).toMatch(/^beta/);
    expect(client.poolStatus().chat!.total).toBe(1);
    await client.close();
  });
});
