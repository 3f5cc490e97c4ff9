/**
 * Discovery reads each provider's model list from its service when the mesh starts (the catalogue spec: "the
 * service's model-list endpoint where it has one, else the built-in list"): models the built-in list lacks become
 * routable, built-in models the service does not list are never tried, a list that cannot be read leaves the built-in
 * list in force with a warning, and a provider whose configuration lists `models:` is not asked. Without `discovery:`
 * nothing is fetched at start. Every server is the fake OpenAI service on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AutoDiscovery, CallbackObservability, create, NoCapableModelError, OpenAIProvider, type MeshClient, type MeshEvent } from "../src/index.js";
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from "./fakes/openai.js";

const KEY = `test-key-disc-${Date.now().toString(36)}`;
const DISCOVERY = { connector: "modelmesh.auto-discovery.v1" };

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((item) => item.close()));
});

async function fake(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const server = await startFakeOpenAI(options);
  opened.push(server);
  return server;
}

async function mesh(config: Record<string, unknown>): Promise<{ client: MeshClient; events: MeshEvent[] }> {
  const events: MeshEvent[] = [];
  const client = create("chat-completion", {
    config,
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), minSeverity: "debug" }) },
  } as never);
  opened.push(client);
  await client.ready();
  return { client, events };
}

const provider = (server: FakeOpenAI, extra: Record<string, unknown> = {}) => ({ connector: "openai", config: { base_url: server.url, api_key: KEY, ...extra } });
const listReads = (server: FakeOpenAI) => server.requests.filter((request) => request.method === "GET" && request.path === "/v1/models");
const chatModels = (server: FakeOpenAI) => server.requests.filter((request) => request.path === "/v1/chat/completions").map((request) => request.body.model as string);
const ask = (client: MeshClient, model: string) => client.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }] });
const poolModels = (client: MeshClient) => client.describe().pools["chat-completion"]!.models.map((entry) => `${entry.provider}/${entry.model}`);

describe("discovery reads the service's model list at start", () => {
  it("keeps the catalogue's models first in pool order, adds the rest after, and leaves out what no call shape can use", async () => {
    // As a service lists them (alphabetically): legacy completion-only, moderation and realtime models among them.
    const acme = await fake({ models: ["babbage-002", "gpt-4o-realtime-preview", "gpt-4o-mini", "a-new-chat-model", "gpt-4o", "omni-moderation-latest", "text-embedding-3-small"] });
    const { client } = await mesh({ providers: { acme: provider(acme) }, discovery: DISCOVERY });
    // The catalogue ranks gpt-4o before gpt-4o-mini; the unknown chat model comes after both.
    expect(poolModels(client)).toEqual(["acme/gpt-4o", "acme/gpt-4o-mini", "acme/a-new-chat-model"]);
    await ask(client, "chat-completion");
    await expect(ask(client, "babbage-002")).rejects.toBeInstanceOf(NoCapableModelError);
    expect(chatModels(acme)).toEqual(["gpt-4o"]);
  });


  it("asks GET /v1/models once with the key, and a model the built-in list lacks answers by id and by provider/model", async () => {
    const acme = await fake({ models: ["gpt-4o-mini", "my-finetune-model", "ft:gpt-4o-mini:acme::abc123"] });
    const { client } = await mesh({ providers: { acme: provider(acme) }, discovery: DISCOVERY });

    expect(listReads(acme)).toHaveLength(1);
    expect(listReads(acme)[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(poolModels(client)).toEqual(["acme/gpt-4o-mini", "acme/my-finetune-model", "acme/ft:gpt-4o-mini:acme::abc123"]);

    expect((await ask(client, "my-finetune-model")).choices[0]?.message.content).toBe("Hello from my-finetune-model: Hi");
    expect((await ask(client, "acme/ft:gpt-4o-mini:acme::abc123")).choices[0]?.message.content).toBe("Hello from ft:gpt-4o-mini:acme::abc123: Hi");
    expect(chatModels(acme)).toEqual(["my-finetune-model", "ft:gpt-4o-mini:acme::abc123"]);

    // A model the built-in list knows keeps its catalogue entry (its price): the unknown one costs nothing known.
    await ask(client, "gpt-4o-mini");
    const cost = (model: string) => client.describe().pools["chat-completion"]!.models.find((entry) => entry.model === model)!.cost;
    expect(cost("gpt-4o-mini")).toBeGreaterThan(0);
    expect(cost("my-finetune-model")).toBe(0);
  });

  it("a built-in model the service does not list is not in the pool and never tried", async () => {
    const acme = await fake({ models: ["my-finetune-model"] });
    const { client } = await mesh({ providers: { acme: provider(acme) }, discovery: DISCOVERY });

    expect(poolModels(client)).toEqual(["acme/my-finetune-model"]);
    await ask(client, "chat-completion");
    await ask(client, "chat-completion");
    expect(chatModels(acme)).toEqual(["my-finetune-model", "my-finetune-model"]);
    await expect(ask(client, "gpt-4o")).rejects.toBeInstanceOf(NoCapableModelError);
    expect(chatModels(acme)).toHaveLength(2);
  });

  it("a list that cannot be read (401) keeps the built-in list, warns without the key, and start succeeds", async () => {
    const acme = await fake({ models: ["gpt-4o-mini", "my-finetune-model"] });
    acme.enqueue({ kind: "error", status: 401 }, { path: "/v1/models" });
    const { client, events } = await mesh({ providers: { acme: provider(acme) }, discovery: DISCOVERY });

    expect(listReads(acme)).toHaveLength(1);
    const warnings = events.filter((event) => event.type === "model-list-failed");
    expect(warnings).toEqual([expect.objectContaining({ severity: "warning", component: "provider", provider: "acme" })]);
    expect((warnings[0] as { reason: string }).reason).toMatch(/built-in model list is used$/);
    expect(JSON.stringify(warnings)).not.toContain(KEY);

    expect(poolModels(client)).toContain("acme/gpt-4o-mini");
    expect(poolModels(client)).toContain("acme/gpt-4o");
    expect((await ask(client, "gpt-4o-mini")).choices[0]?.message.content).toBe("Hello from gpt-4o-mini: Hi");
    await expect(ask(client, "my-finetune-model")).rejects.toBeInstanceOf(NoCapableModelError);
  });

  it("a provider whose configuration lists models: is not asked; the others are", async () => {
    const fixed = await fake({ models: ["gpt-4o-mini", "my-finetune-model"] });
    const listed = await fake({ models: ["my-finetune-model"] });
    const { client } = await mesh({
      providers: { fixed: provider(fixed, { models: [{ id: "corp-llm" }] }), listed: provider(listed) },
      discovery: DISCOVERY,
    });

    expect(listReads(fixed)).toHaveLength(0);
    expect(listReads(listed)).toHaveLength(1);
    expect(poolModels(client)).toContain("fixed/corp-llm");
    expect(poolModels(client)).toContain("listed/my-finetune-model");
    expect(poolModels(client)).not.toContain("listed/gpt-4o-mini");
  });

  it("discovery's include and exclude patterns apply to the service's list", async () => {
    const acme = await fake({ models: ["my-finetune-model", "my-finetune-model-mini", "other-model"] });
    const { client } = await mesh({ providers: { acme: provider(acme) }, discovery: { ...DISCOVERY, config: { include_patterns: ["my-*"], exclude_patterns: ["*-mini"] } } });
    expect(poolModels(client)).toEqual(["acme/my-finetune-model"]);
  });

  it("a reconfigure that adds discovery: reads the list, and a failing read there warns and keeps the built-in list", async () => {
    const acme = await fake({ models: ["gpt-4o-mini", "my-finetune-model"] });
    const { client, events } = await mesh({ providers: { acme: provider(acme) } });
    expect(await client.mesh.reconfigure({ providers: { acme: provider(acme) }, discovery: DISCOVERY } as never)).toEqual([]);
    expect(listReads(acme)).toHaveLength(1);
    expect((await ask(client, "my-finetune-model")).choices[0]?.message.content).toBe("Hello from my-finetune-model: Hi");

    acme.enqueue({ kind: "error", status: 503 }, { path: "/v1/models" });
    expect(await client.mesh.reconfigure({ providers: { acme: provider(acme) }, discovery: DISCOVERY } as never)).toEqual([]);
    expect(events.filter((event) => event.type === "model-list-failed")).toEqual([expect.objectContaining({ severity: "warning", provider: "acme" })]);
    await expect(ask(client, "my-finetune-model")).rejects.toBeInstanceOf(NoCapableModelError);
  });

  it("without discovery: configured, nothing is fetched at start and the built-in list is used", async () => {
    const acme = await fake({ models: ["gpt-4o-mini", "my-finetune-model"] });
    const plain = await mesh({ providers: { acme: provider(acme) } });
    expect(listReads(acme)).toHaveLength(0);
    await expect(ask(plain.client, "my-finetune-model")).rejects.toBeInstanceOf(NoCapableModelError);

    // The same service with discovery configured: one list read, and the model answers.
    await mesh({ providers: { acme: provider(acme) }, discovery: DISCOVERY }).then(({ client }) => ask(client, "my-finetune-model"));
    expect(listReads(acme)).toHaveLength(1);
    expect(chatModels(acme)).toEqual(["my-finetune-model"]);
  });
});

describe("BaseDiscovery reads the service's list", () => {
  it("_discoverProviderModels returns the service's list; probe is true when it is read, false when it is not", async () => {
    const acme = await fake({ models: ["gpt-4o-mini", "my-finetune-model"] });
    const openai = new OpenAIProvider({ baseUrl: acme.url, apiKey: KEY });
    const discovery = new AutoDiscovery();
    expect((await discovery._discoverProviderModels(openai)).map((model) => model.id)).toEqual(["gpt-4o-mini", "my-finetune-model"]);
    expect(await discovery.probe(openai)).toBe(true);
    acme.enqueue({ kind: "error", status: 401 }, { path: "/v1/models" });
    expect(await discovery.probe(openai)).toBe(false);
    expect(listReads(acme)).toHaveLength(3);
  });
});
