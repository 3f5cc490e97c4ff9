/**
 * How core/mesh.ts builds a runtime from a configuration, and swaps it on reconfigure: which providers and models
 * it keeps (enabled flags, discovery patterns, pool filters), where a provider's key and base URL come from, the
 * errors of each build step, and what a reconfigure carries over. Providers are scripted or registered test classes;
 * nothing is sent over a network.
 *
 * Most of what these tests check (buildRuntime, buildProvider: lines before 391) was not in the mutation run. Survivors
 * of the lines 391-684 run not killed here: reconfigure's re-reading of a secret store given as the same
 * instance (`secrets === previousSecrets && secrets.reload`, `clearCache`), which config-watcher.test.ts exercises
 * without telling the two calls apart.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, create, registerConnector, type MeshClient } from "../../src/index.js";
import { ModelMesh } from "../../src/core/mesh.js";
import { CallbackObservability } from "../../src/observability/callback.js";
import { EnvSecretStore } from "../../src/secrets/env.js";
import { MockProvider } from "../../src/testing/index.js";
import type { MeshEvent } from "../../src/wire/events.js";
import { ProviderError } from "../../src/wire/errors.js";
import { hello, ScriptedProvider, testClock } from "./scripted.js";

const clients: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function track<Client extends { close(): Promise<void> }>(client: Client): Client {
  clients.push(client);
  return client;
}

async function startError(options: Parameters<typeof create>[0]): Promise<Error> {
  const client = track(create(options));
  return client.ready().then(
    () => {
      throw new Error("the mesh started");
    },
    (error: Error) => error,
  );
}

/** A provider class that takes its key from CORP_A_KEY or CORP_B_KEY and its base URL from CORP_BASE_URL. */
class KeyedProvider extends MockProvider {
  static envVars = ["CORP_A_KEY", "CORP_B_KEY"];
  static baseUrlEnvVar = "CORP_BASE_URL";
  static built: Array<Record<string, unknown>> = [];
  constructor(config: Record<string, unknown>) {
    if (config.explode) throw new Error("no such region");
    super({ id: String(config.id), models: ["keyed-1"] });
    KeyedProvider.built.push(config);
  }
}
class KeylessProvider extends KeyedProvider {
  static requiresApiKey = false;
}
registerConnector("test.keyed.v1", KeyedProvider, { kind: "provider" });
registerConnector("test.keyless.v1", KeylessProvider, { kind: "provider" });

describe("a provider's key and base URL", () => {
  it("come from the first secret the connector names, unless the configuration gives them", async () => {
    KeyedProvider.built = [];
    const secrets = new EnvSecretStore({ env: { CORP_B_KEY: "sk-from-b", CORP_BASE_URL: "http://127.0.0.1:9/v1" } });
    const client = track(create({ config: { providers: { corp: { connector: "test.keyed.v1" }, own: { connector: "test.keyed.v1", config: { api_key: "sk-own", base_url: "http://127.0.0.1:8" } } } }, secrets: { instance: secrets } } as never));
    await client.ready();
    expect(KeyedProvider.built.map(({ id, apiKey, baseUrl }) => ({ id, apiKey, baseUrl }))).toEqual([
      { id: "corp", apiKey: "sk-from-b", baseUrl: "http://127.0.0.1:9/v1" },
      { id: "own", apiKey: "sk-own", baseUrl: "http://127.0.0.1:8" },
    ]);
  });

  it("takes the first of several secrets that are set, and passes the mesh's fetch on", async () => {
    KeyedProvider.built = [];
    const fetch = async () => new Response("{}");
    const secrets = new EnvSecretStore({ env: { CORP_A_KEY: "sk-from-a", CORP_B_KEY: "sk-from-b" } });
    const client = track(create({ config: { providers: { corp: { connector: "test.keyed.v1" } } }, secrets: { instance: secrets }, fetch } as never));
    await client.ready();
    expect(KeyedProvider.built).toEqual([expect.objectContaining({ apiKey: "sk-from-a", fetch })]);
    expect(KeyedProvider.built[0]!.baseUrl).toBeUndefined();
  });

  it("is required when the connector names secrets for it, unless it says a key is optional", async () => {
    const secrets = { instance: new EnvSecretStore({ env: {} }) };
    const error = await startError({ config: { providers: { corp: { connector: "test.keyed.v1" } } }, secrets } as never);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('provider "corp" has no API key: set CORP_A_KEY or CORP_B_KEY or config.api_key');
    expect(error.message).toContain("providers.corp.config.api_key");
    const keyless = track(create({ config: { providers: { free: { connector: "test.keyless.v1" } } }, secrets } as never));
    await keyless.ready();
    expect(keyless.describe().providers.map((provider) => provider.id)).toEqual(["free"]);
  });

  it("a connector that fails to build is named with its reason", async () => {
    const error = await startError({ config: { providers: { corp: { connector: "test.keyed.v1", config: { api_key: "sk-x", explode: true } } } } } as never);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('cannot build provider "corp": no such region');
  });
});

describe("which providers and models the runtime keeps", () => {
  it("leaves out a disabled provider, and refuses a pool that names it", async () => {
    const clock = testClock();
    const on = new ScriptedProvider("on", ["alpha"], [], clock);
    const client = track(create({ config: { providers: { on: { instance: on }, off: { connector: "test.keyless.v1", enabled: false } } }, clock } as never));
    await client.ready();
    expect(client.describe().providers.map((provider) => provider.id)).toEqual(["on"]);
    const error = await startError({ config: { providers: { on: { instance: on }, off: { connector: "test.keyless.v1", enabled: false } }, pools: { chat: { capability: "chat-completion", providers: ["off"] } } }, clock } as never);
    expect(error.message).toContain('names provider(s) "off", which are not configured (providers: on)');
  });

  it("keeps the models discovery's patterns include and does not exclude", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha", "alpha-mini", "beta"], [], clock);
    const client = track(create({ config: { providers: { a: { instance: a } }, discovery: { connector: "auto-discovery", config: { include_patterns: ["alpha*"], exclude_patterns: ["*-mini"] } } }, clock } as never));
    await client.ready();
    expect(client.describe().pools["chat-completion"]!.models.map((model) => model.model)).toEqual(["alpha"]);
  });

  it("fills a pool by provider, by model id and by provider/model, and names the filters when nothing is left", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha", "shared"], [], clock);
    const b = new ScriptedProvider("b", ["beta", "shared"], [], clock);
    const providers = { a: { instance: a }, b: { instance: b } };
    const client = track(
      create({
        config: {
          providers,
          pools: {
            onlyB: { capability: "chat-completion", providers: ["b"] },
            byId: { capability: "chat-completion", models: ["shared"] },
            byKey: { capability: "chat-completion", models: ["a/shared", "beta"] },
            both: { capability: "chat-completion", providers: ["a"], models: ["shared", "beta"] },
          },
        },
        clock,
      } as never),
    );
    await client.ready();
    const members = (pool: string) => client.describe().pools[pool]!.models.map((model) => `${model.provider}/${model.model}`);
    expect([members("onlyB"), members("byId"), members("byKey"), members("both")]).toEqual([["b/beta", "b/shared"], ["a/shared", "b/shared"], ["a/shared", "b/beta"], ["a/shared"]]);
    const error = await startError({ config: { providers, pools: { none: { capability: "chat-completion", providers: ["a"], models: ["beta"] } } }, clock } as never);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`no configured model offers generation.text-generation.chat-completion among providers a among models beta`);
    const plain = await startError({ config: { providers, pools: { none: { capability: "text-embeddings" } } }, clock } as never);
    expect(plain.message).toMatch(/no configured model offers representation\.embeddings\.text-embeddings$/);
  });

  it("adds a pool per capability some model offers, unless a configured pool has that capability", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha", { id: "embed", capabilities: ["representation.embeddings.text-embeddings"] }], [], clock);
    const implicit = track(create({ config: { providers: { a: { instance: a } } }, clock } as never));
    await implicit.ready();
    expect(Object.keys(implicit.poolStatus()).sort()).toEqual(["chat-completion", "text-embeddings"]);
    expect(implicit.describe().pools["chat-completion"]!.configured).toBe(false);
    const configured = track(create({ config: { providers: { a: { instance: a } }, pools: { talk: { capability: "chat-completion" } } }, clock } as never));
    await configured.ready();
    expect(Object.keys(configured.poolStatus()).sort()).toEqual(["talk", "text-embeddings"]);
  });
});

describe("rotation strategies", () => {
  it("refuses a registered strategy that builds something without pick()", async () => {
    class NotAPolicy {
      constructor(readonly settings: unknown) {}
    }
    registerConnector("test.not-a-policy.v1", NotAPolicy as never, { kind: "rotation" });
    const clock = testClock();
    const error = await startError({ config: { providers: { a: { instance: new ScriptedProvider("a", ["alpha"], [], clock) } }, pools: { chat: { capability: "chat-completion", strategy: "test.not-a-policy.v1" } } }, clock } as never);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('"test.not-a-policy.v1" does not build a rotation policy (it has no pick())');
    expect(error.message).toContain("pools.chat.strategy");
  });
});

describe("the static entry's configuration reader", () => {
  it("reads JSON text (even indented), and refuses YAML text", async () => {
    const json = JSON.stringify({ providers: { free: { connector: "test.keyless.v1" } } });
    const mesh = track(await ModelMesh.start({ config: `\n  ${json}` }));
    expect(mesh.describe().providers).toEqual([{ id: "free", connector: "modelmesh.mock.v1", models: 1 }]);
    const yaml = await ModelMesh.start({ config: "providers: { free: { connector: test.keyless.v1 } }" }).catch((error: Error) => error);
    expect(yaml).toBeInstanceOf(ConfigError);
    expect((yaml as Error).message).toContain("this ModelMesh (modelmesh/static) reads configuration objects and JSON only; parse YAML first");
  });
});

describe("reconfigure()", () => {
  function meshOver(events: MeshEvent[]) {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const client: MeshClient = track(
      create({
        config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion", retry: { max_retries: 0 } } } },
        clock,
        observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), minSeverity: "debug" }) },
      } as never),
    );
    return { client, clock, a };
  }

  it("carries a model's counters over when its key is the same, and starts it fresh when the key changed", async () => {
    const events: MeshEvent[] = [];
    const { client, clock, a } = meshOver(events);
    a.script({ error: new ProviderError("upstream exploded", { providerId: "a", status: 500 }, { code: "server_error", retryable: true }) });
    await client.chat.completions.create({ model: "chat", messages: hello }).catch(() => undefined);
    await client.chat.completions.create({ model: "chat", messages: hello });
    const sameKey = new ScriptedProvider("a", ["alpha"], [], clock);
    expect(await client.mesh.reconfigure({ providers: { a: { instance: sameKey } }, pools: { chat: { capability: "chat-completion" }, also: { capability: "chat-completion" } } } as never)).toEqual([]);
    expect(client.describe().pools["chat"]!.models[0]).toMatchObject({ requests: 2, failures: 1 });
    expect(events.filter((event) => event.type === "config-reloaded")).toEqual([expect.objectContaining({ severity: "info", component: "mesh", pools: ["chat", "also"] })]);
    const newKey = new ScriptedProvider("a", ["alpha"], [], clock, "rotated-key");
    expect(await client.mesh.reconfigure({ providers: { a: { instance: newKey } }, pools: { chat: { capability: "chat-completion" } } } as never)).toEqual([]);
    expect(client.describe().pools["chat"]!.models[0]).toMatchObject({ requests: 0, failures: 0 });
  });

  it("returns the error and keeps the configuration in force when the new one cannot be built", async () => {
    const events: MeshEvent[] = [];
    const { client } = meshOver(events);
    await client.ready();
    const errors = await client.mesh.reconfigure({ providers: { b: { connector: "test.keyed.v1" } }, secrets: { store: "env", config: {} } } as never);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('provider "b" has no API key');
    expect(client.describe().providers.map((provider) => provider.id)).toEqual(["a"]);
    expect(events.filter((event) => event.type === "config-reloaded")).toEqual([]);
    expect((await client.chat.completions.create({ model: "chat", messages: hello })).model).toBe("alpha");
  });
});
