/**
 * Configuration as the FAQ writes it: `MeshConfig` objects wherever configuration goes, pools restricted to
 * auto-discovered providers (`providers: ["openai"]` with only OPENAI_API_KEY set), and no setting silently ignored.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, create, MeshConfig, PrometheusObservability } from "../../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";

const hello = [{ role: "user" as const, content: "Hello" }];
const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
let fake: FakeOpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI({ name: "config" });
});
afterEach(async () => {
  await fake.close();
  process.env.OPENAI_API_KEY = saved.key;
  process.env.OPENAI_BASE_URL = saved.url;
  if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
  if (saved.url === undefined) delete process.env.OPENAI_BASE_URL;
});

const providerBlock = (apiKey: string) => ({
  connector: "openai-compatible",
  config: { base_url: fake.url, api_key: apiKey, models: [{ id: "gpt-4o", capabilities: ["chat-completion"] }] },
});

describe("MeshConfig objects", () => {
  it("are accepted by create(), with or without a capability, and by reconfigure()", async () => {
    const config = new MeshConfig({ providers: { corp: providerBlock("sk-config-0000000000") }, pools: { "chat-fast": { capability: "chat-completion" } } });
    for (const client of [create({ config }), create("chat-completion", { config: await MeshConfig.fromYaml(`providers:\n  corp:\n    connector: openai-compatible\n    config:\n      base_url: ${fake.url}\n      api_key: sk-config-0000000000\n      models: [{ id: gpt-4o, capabilities: [chat-completion] }]\npools:\n  chat-fast:\n    capability: chat-completion\n`) })]) {
      const response = await client.chat.completions.create({ model: "chat-fast", messages: hello });
      expect(response.model).toMatch(/^gpt-4o/);
      const errors = await client.mesh.reconfigure(new MeshConfig({ providers: { corp: providerBlock("sk-config-0000000000") }, pools: { "chat-slow": { capability: "chat-completion" } } }));
      expect(errors).toEqual([]);
      expect(Object.keys(client.poolStatus())).toContain("chat-slow");
      await client.close();
    }
    expect(fake.requests.filter((request) => request.path === "/v1/chat/completions")).toHaveLength(2);
  });

  it("with a mistake fail at create() with the path of the bad key", () => {
    expect(() => new MeshConfig({ pools: { chat: { capability: "chat-completion", strategy: 3 } } })).toThrow(ConfigError);
  });
});

describe("a pool's providers", () => {
  it("may name a provider that auto-discovery found", async () => {
    process.env.OPENAI_API_KEY = "sk-discovered-00000000";
    process.env.OPENAI_BASE_URL = fake.url;
    // The FAQ's Q20 YAML, with providers found from the environment.
    const client = create({ config: "pools:\n  chat-openai-only:\n    capability: generation.text-generation.chat-completion\n    providers: [\"openai\"]\n    strategy: modelmesh.stick-until-failure.v1\n" });
    try {
      const response = await client.chat.completions.create({ model: "chat-openai-only", messages: hello });
      expect(response.model).toMatch(/^gpt-4o/);
      expect(fake.requests.at(-1)!.headers.authorization).toBe("Bearer sk-discovered-00000000");
    } finally {
      await client.close();
    }
  });

  it("naming a provider discovery did not find is a ConfigError at start-up", async () => {
    process.env.OPENAI_API_KEY = "sk-discovered-00000000";
    process.env.OPENAI_BASE_URL = fake.url;
    const client = create({ config: { pools: { claude: { capability: "chat-completion", providers: ["anthropic"] } } } });
    const error = await client.ready().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe("pools.claude.providers");
    expect((error as ConfigError).message).toContain("discovery did not find");
  });
});

describe("Prometheus settings", () => {
  it("port and path (the FAQ's YAML) are served, not ignored; a bad port is a ConfigError at create()", async () => {
    const apiKey = ["sk", "config", "0000000000"].join("-");
    const client = create({ config: { providers: { corp: providerBlock(apiKey) }, observability: { connector: "modelmesh.prometheus.v1", config: { port: 0, path: "/metrics" } } } });
    await client.ready();
    await client.close();
    const bad = create({ config: { providers: { corp: providerBlock(apiKey) }, observability: { connector: "modelmesh.prometheus.v1", config: { port: -1 } } } });
    const error = await bad.ready().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe("observability.config.port");
    expect(new PrometheusObservability({ prefix: "llm" }).prefix).toBe("llm");
  });
});
