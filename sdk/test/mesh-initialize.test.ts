/**
 * The FAQ's Python mesh life cycle in TypeScript (api.md: a Python-only name is the camelCase of the Python one):
 * Q19 `mesh = modelmesh.ModelMesh()` / `mesh.initialize(MeshConfig.from_yaml("modelmesh.yaml"))`, and Q5/Q9/Q10
 * `mesh.initialize(MeshConfig(raw={...}))`. The mesh a caller made serves through `create({ mesh })`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { CallbackObservability, ConfigError, CostFirstPolicy, create, MeshConfig, ModelMesh, ModelMeshError, type MeshEvent } from "../src/index.js";
import { ModelMesh as StaticModelMesh, registerConnectors, OpenAICompatibleProvider } from "../src/static.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider, hello } from "./support/mesh.js";

const FAQ_PATH = fileURLToPath(new URL("../../../shared/spec/000_0f49a3117413170e.txt", import.meta.url));
if (!existsSync(FAQ_PATH)) throw new Error(`the FAQ is missing: ${FAQ_PATH}`);
const FAQ = readFileSync(FAQ_PATH, "utf8");

const directory = mkdtempSync(join(tmpdir(), "modelmesh-initialize-"));
const closers: Array<{ close(): Promise<void> }> = [];
let v1: FakeOpenAI;
let v2: FakeOpenAI;

beforeEach(async () => {
  v1 = await startFakeOpenAI({ name: "v1", models: ["gpt-4o"], reply: "from v1" });
  v2 = await startFakeOpenAI({ name: "v2", models: ["gpt-4o"], reply: "from v2" });
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((item) => item.close()));
  await Promise.all([v1.close(), v2.close()]);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const yaml = (fake: FakeOpenAI, key: string) =>
  `providers:\n  corp:\n    connector: openai-compatible\n    config:\n      base_url: ${fake.url}\n      api_key: ${key}\n      models: [{ id: gpt-4o, capabilities: [chat-completion] }]\npools:\n  chat:\n    capability: chat-completion\n`;
const configObject = (fake: FakeOpenAI, key: string) => ({ providers: { corp: chatProvider(fake, key, ["gpt-4o"]) }, pools: { chat: { capability: "chat-completion" } } });
const chats = (fake: FakeOpenAI) => fake.requests.filter((request) => request.path === "/v1/chat/completions");
const rejection = async (promise: Promise<unknown>): Promise<ModelMeshError> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ModelMeshError);
  return error as ModelMeshError;
};

describe("FAQ Q19: new ModelMesh(), then initialize(MeshConfig.fromYaml(file))", () => {
  it("reads the file, routes a request to its provider, and reloads from a second file with reconfigure()", async () => {
    expect(FAQ).toContain("mesh = modelmesh.ModelMesh()\nmesh.initialize(MeshConfig.from_yaml(\"modelmesh.yaml\"))");
    expect(FAQ).toContain('new_config = MeshConfig.from_yaml("modelmesh-v2.yaml")');
    const path = join(directory, "modelmesh.yaml");
    const v2Path = join(directory, "modelmesh-v2.yaml");
    writeFileSync(path, yaml(v1, "sk-v1-000000000000"));
    writeFileSync(v2Path, yaml(v2, "sk-v2-000000000000"));

    const mesh = new ModelMesh();
    closers.push(mesh);
    // As the FAQ's line: the promise fromYaml returns is given to initialize, which resolves with the mesh.
    expect(await mesh.initialize(MeshConfig.fromYaml(path))).toBe(mesh);
    expect(Object.keys(mesh.describe().pools)).toContain("chat");
    const client = create({ mesh });
    const reply = await client.chat.completions.create({ model: "chat", messages: hello });
    expect(client.mesh).toBe(mesh);

    expect(reply.choices[0]!.message.content).toBe("from v1");
    expect(chats(v1)).toHaveLength(1);
    expect(chats(v1)[0]!.body.model).toBe("gpt-4o");
    expect(chats(v1)[0]!.body.messages).toEqual(hello);
    expect(chats(v1)[0]!.headers.authorization).toBe("Bearer sk-v1-000000000000");

    expect(await mesh.reconfigure(await MeshConfig.fromYaml(v2Path))).toEqual([]);
    expect((await client.chat.completions.create({ model: "chat", messages: hello })).choices[0]!.message.content).toBe("from v2");
    expect(chats(v2)[0]!.headers.authorization).toBe("Bearer sk-v2-000000000000");
    expect(chats(v1)).toHaveLength(1);
    expect(mesh.usage.requests).toBe(2);
  });

  it("initialize() also takes a configuration object, YAML text, or nothing (the constructor's config), and keeps the constructor's middleware", async () => {
    const seen: string[] = [];
    const middleware = { beforeRequest: (request: { model: string }) => (seen.push(request.model), request) };
    const meshes = [
      [new ModelMesh({ middleware: [middleware] }), configObject(v1, "sk-object-0000000000")],
      [new ModelMesh({ middleware: [middleware] }), yaml(v1, "sk-yaml-00000000000")],
      [new ModelMesh({ middleware: [middleware], config: configObject(v1, "sk-options-000000000") }), undefined],
    ] as const;
    for (const [mesh, config] of meshes) {
      closers.push(mesh);
      await mesh.initialize(config);
      await create({ mesh }).chat.completions.create({ model: "chat", messages: hello });
    }
    expect(chats(v1).map((request) => request.headers.authorization)).toEqual(["Bearer sk-object-0000000000", "Bearer sk-yaml-00000000000", "Bearer sk-options-000000000"]);
    expect(seen).toEqual(["gpt-4o", "gpt-4o", "gpt-4o"]);
  });

  it("modelmesh/static's ModelMesh initializes the same way, with its registered connectors", async () => {
    registerConnectors([OpenAICompatibleProvider]);
    const mesh = new StaticModelMesh();
    closers.push(mesh);
    await mesh.initialize(new MeshConfig({ raw: configObject(v1, "sk-static-0000000000") }));
    await create({ mesh }).chat.completions.create({ model: "chat", messages: hello });
    expect(chats(v1)[0]!.headers.authorization).toBe("Bearer sk-static-0000000000");
  });
});

describe("a second initialize()", () => {
  it("on a running mesh is a ConfigError (already_initialized) pointing to reconfigure(), and changes nothing", async () => {
    const mesh = new ModelMesh();
    closers.push(mesh);
    await mesh.initialize(configObject(v1, "sk-first-00000000000"));
    const error = await rejection(mesh.initialize(configObject(v2, "sk-second-0000000000")));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe("already_initialized");
    expect(error.message).toContain("mesh.reconfigure(config)");
    await create({ mesh }).chat.completions.create({ model: "chat", messages: hello });
    expect(chats(v1)).toHaveLength(1);
    expect(v2.requests).toEqual([]);
  });

  it("while the first is still running is refused the same way; ModelMesh.start()'s mesh is already initialized", async () => {
    const mesh = new ModelMesh();
    closers.push(mesh);
    const first = mesh.initialize(configObject(v1, "sk-first-00000000000"));
    expect((await rejection(mesh.initialize(configObject(v2, "sk-second-0000000000")))).code).toBe("already_initialized");
    await first;
    const started = await ModelMesh.start({ config: configObject(v1, "sk-started-000000000") });
    closers.push(started);
    expect((await rejection(started.initialize(configObject(v2, "sk-second-0000000000")))).code).toBe("already_initialized");
    expect(v2.requests).toEqual([]);
  });

  it("after a failed one is allowed: the corrected configuration starts the mesh", async () => {
    const mesh = new ModelMesh();
    closers.push(mesh);
    // A pool no configured model can serve fails while the mesh is being built.
    const broken = { ...configObject(v1, "sk-retry-00000000000"), pools: { speech: { capability: "text-to-speech" } } };
    const error = await rejection(mesh.initialize(broken));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe("pools.speech");
    expect((await rejection(mesh.ready())).code).toBe("not_initialized");
    await mesh.initialize(configObject(v1, "sk-retry-00000000000"));
    await create({ mesh }).chat.completions.create({ model: "chat", messages: hello });
    expect(chats(v1)).toHaveLength(1);
  });
});

describe("a mesh not initialized", () => {
  it("answers with a ModelMeshError saying so (code not_initialized), sends nothing, and closes quietly", async () => {
    const mesh = new ModelMesh();
    const client = create({ mesh });
    const error = await rejection(client.chat.completions.create({ model: "chat", messages: hello }));
    expect(error.code).toBe("not_initialized");
    expect(error.message).toContain("await mesh.initialize(config)");
    expect(() => mesh.describe()).toThrow(/not initialized/);
    expect(await mesh.reconfigure(configObject(v1, "sk-never-00000000000"))).toEqual([expect.stringContaining("not initialized")]);
    await mesh.close();
    expect((await rejection(mesh.initialize(configObject(v1, "sk-never-00000000000")))).message).toContain("closed");
    expect(v1.requests).toEqual([]);
  });

  it("create({ mesh }) made while initialize() runs waits for it", async () => {
    const mesh = new ModelMesh();
    closers.push(mesh);
    void mesh.initialize(MeshConfig.fromYaml(yaml(v1, "sk-waiting-000000000")));
    const client = create({ mesh });
    expect(client.state).toBe("starting");
    expect((await client.chat.completions.create({ model: "chat", messages: hello })).choices[0]!.message.content).toBe("from v1");
    expect(chats(v1)).toHaveLength(1);
  });

  it("create({ mesh }) refuses options that would configure another mesh, instead of ignoring them", () => {
    const mesh = new ModelMesh();
    expect(() => create({ mesh, providers: ["openai"] })).toThrow(ConfigError);
    expect(() => create("chat", { mesh, config: "pools: {}" })).toThrow(/^config: configures a new mesh/);
    expect(() => create({ mesh, limits: { maxDepth: 10 } })).not.toThrow();
  });
});

describe("FAQ Q9/Q10: new MeshConfig({ raw: {...} })", () => {
  it("is the configuration inside raw: instances injected there serve the mesh it initializes", async () => {
    expect(FAQ).toContain('mesh.initialize(MeshConfig(raw={\n"observability": {"instance": obs},');
    const events: MeshEvent[] = [];
    const observability = new CallbackObservability({ callback: (event) => void events.push(event) });
    const strategy = new CostFirstPolicy();
    const raw = { observability: { instance: observability }, providers: { corp: chatProvider(v1, "sk-raw-000000000000", ["gpt-4o"]) }, pools: { chat: { capability: "chat-completion", strategy_instance: strategy } } };
    const config = new MeshConfig({ raw });
    expect(config.raw).toBe(raw);
    expect(config.resolved).toEqual(new MeshConfig(raw).resolved);

    const mesh = new ModelMesh();
    closers.push(mesh);
    await mesh.initialize(config);
    await create({ mesh }).chat.completions.create({ model: "chat", messages: hello });
    expect(chats(v1)[0]!.headers.authorization).toBe("Bearer sk-raw-000000000000");
    expect(mesh.describe().pools.chat!.strategy).toBe(strategy.id);
    expect(events.filter((event) => event.type === "request-end").map((event) => (event as { model?: string }).model)).toEqual(["gpt-4o"]);
  });

  it("raw beside configuration keys is still an unknown key (only the FAQ's lone wrapper is unwrapped)", () => {
    expect(() => new MeshConfig({ raw: { pools: {} }, pools: {} })).toThrow(/^raw: unknown key/);
  });
});
