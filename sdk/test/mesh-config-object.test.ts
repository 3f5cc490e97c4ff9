import { afterEach, describe, expect, it } from "vitest";
import { create, MeshConfig, ModelMesh } from "../src/index.js";
import { configSource, createOptions } from "../src/core/config-source.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider, hello } from "./support/mesh.js";

// The FAQ builds a configuration object and hands it over whole (`mesh.initialize(MeshConfig(raw={...}))`); in
// TypeScript `ModelMesh.start(new MeshConfig(raw))` and `create(new MeshConfig(raw))`. Taken as options, a MeshConfig
// used to be read as an empty options object: the mesh then discovered providers from the environment instead.

const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((item) => item.close()));
});

async function configured(): Promise<{ fake: FakeOpenAI; config: MeshConfig }> {
  const fake = await startFakeOpenAI({ name: "configured", models: ["from-config"] });
  closers.push(fake);
  const config = new MeshConfig({
    providers: { configured: chatProvider(fake, "sk-configured-000000", ["from-config"]) },
    pools: { "team-chat": { capability: "chat-completion" } },
  });
  return { fake, config };
}

describe("a MeshConfig given whole", () => {
  it("ModelMesh.start(config) builds the configuration's providers and pools, and routes to them", async () => {
    const { fake, config } = await configured();
    const mesh = await ModelMesh.start(config);
    closers.push(mesh);
    expect(Object.keys(mesh.describe().pools)).toEqual(["team-chat"]);
    expect(mesh.describe().providers.map((provider) => provider.id)).toEqual(["configured"]);
    const client = create({ config });
    closers.push(client);
    const reply = await client.chat.completions.create({ model: "team-chat", messages: hello });
    expect(reply.model).toBe("from-config");
    expect(fake.requests.map((request) => request.body?.model)).toEqual(["from-config"]);
  });

  it("create(config) is create({ config }): the configuration's pool serves", async () => {
    const { fake, config } = await configured();
    const client = create(config);
    closers.push(client);
    expect(Object.keys(client.poolStatus())).toEqual(["team-chat"]);
    const reply = await client.chat.completions.create({ model: "team-chat", messages: hello });
    expect(reply.model).toBe("from-config");
    expect(fake.requests).toHaveLength(1);
  });

  it("a bad key in it is a ConfigError at once, as with { config }", async () => {
    const config = new MeshConfig({ providers: { p: { connector: "no-such-connector" } } } as never);
    expect(() => create(config)).toThrow(/providers\.p\.connector/);
    expect(() => ModelMesh.validate(config)).toThrow(/providers\.p\.connector/);
  });
});

describe("configSource and createOptions", () => {
  it("pass anything that is not a MeshConfig through unchanged", () => {
    for (const value of [undefined, null, "pools: {}", 42, { config: "pools: {}" }, { __modelmeshConfig: "yes" }]) {
      expect(configSource(value)).toBe(value);
      if (typeof value === "object" && value !== null) expect(createOptions(value)).toBe(value);
    }
    const config = new MeshConfig({ pools: {} });
    expect(configSource(config)).toBe(config.raw);
    expect(createOptions(config)).toEqual({ config });
  });
});
