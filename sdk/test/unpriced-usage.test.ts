import { afterEach, describe, expect, it } from "vitest";
import { create, PrometheusObservability } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import type { MeshEvent } from "../src/wire/events.js";
import { CallbackObservability } from "../src/observability/callback.js";
import { MultiSink } from "../src/observability/multi.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { CHAT, chatProvider, hello } from "./support/mesh.js";

// A model without a price (a self-hosted one, a new id no table knows) has an unknown cost, not a cost of 0: the
// totals say how many answers they leave out, the request-end event says `priced: false` instead of `cost: 0`, and
// Prometheus counts them apart, so a dashboard of spend can show what it does not cover.

const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function setUp(storage = new MemoryStorage()) {
  const priced = await startFakeOpenAI({ name: "priced", models: ["paid"] });
  const free = await startFakeOpenAI({ name: "free", models: ["mystery"] });
  open.push(priced, free);
  const events: MeshEvent[] = [];
  const metrics = new PrometheusObservability({ minSeverity: "debug" });
  const client = create({
    config: {
      providers: {
        priced: { connector: "openai-compatible", config: { base_url: priced.url, api_key: "sk-priced-000000000", models: [{ id: "paid", capabilities: [CHAT], pricing: { input: 1_000_000, output: 2_000_000 } }] } },
        free: chatProvider(free, "sk-free-1111111111", ["mystery"]),
      },
    },
    storage: { instance: storage },
    observability: { instance: new MultiSink([new CallbackObservability({ callback: (event) => void events.push(event), minSeverity: "debug" }), metrics]) },
    persistDelayMs: 1,
  });
  open.push(client);
  return { client, events, metrics, storage };
}

describe("a model without a price", () => {
  it("is counted in unpricedRequests and its row's unpriced, and adds nothing to cost", async () => {
    const { client } = await setUp();
    await client.chat.completions.create({ model: "paid", messages: hello });
    await client.chat.completions.create({ model: "mystery", messages: hello });
    await client.chat.completions.create({ model: "mystery", messages: hello });
    const usage = client.usage;
    expect(usage.requests).toBe(3);
    expect(usage.unpricedRequests).toBe(2);
    expect(usage.byModel["free/mystery"]).toMatchObject({ requests: 2, unpriced: 2, cost: 0 });
    expect(usage.byModel["priced/paid"]).toMatchObject({ requests: 1, unpriced: 0 });
    expect(usage.byModel["priced/paid"]!.cost).toBeGreaterThan(0);
    expect(usage.totalCost).toBe(usage.byModel["priced/paid"]!.cost);
    expect(usage.byProvider["free"]).toMatchObject({ unpriced: 2 });
  });

  it("ends with a request-end event that says priced: false and carries no cost", async () => {
    const { client, events } = await setUp();
    await client.chat.completions.create({ model: "mystery", messages: hello });
    await client.chat.completions.create({ model: "paid", messages: hello });
    const ends = events.filter((event) => event.type === "request-end");
    expect(ends).toHaveLength(2);
    expect(ends[0]).toMatchObject({ model: "mystery", ok: true, priced: false });
    expect(ends[0]).not.toHaveProperty("cost");
    expect(ends[1]).toMatchObject({ model: "paid", ok: true });
    expect(ends[1]).not.toHaveProperty("priced");
    expect((ends[1] as { cost?: number }).cost).toBeGreaterThan(0);
  });

  it("has its own Prometheus counter, and no cost series", async () => {
    const { client, metrics } = await setUp();
    await client.chat.completions.create({ model: "mystery", messages: hello });
    await client.chat.completions.create({ model: "mystery", messages: hello });
    await client.chat.completions.create({ model: "paid", messages: hello });
    const text = metrics.render();
    expect(text).toContain("# TYPE modelmesh_unpriced_requests_total counter");
    const unpriced = text.split("\n").filter((line) => line.startsWith("modelmesh_unpriced_requests_total{"));
    expect(unpriced).toEqual([expect.stringMatching(/provider="free",model="mystery"\} 2$/)]);
    const cost = text.split("\n").filter((line) => line.startsWith("modelmesh_cost_usd_total{"));
    expect(cost).toEqual([expect.stringContaining('model="paid"')]);
  });

  it("is not a model priced at zero (a local server's): that one's cost is known, 0", async () => {
    const fake = await startFakeOpenAI({ name: "local", models: ["llama"] });
    open.push(fake);
    const metrics = new PrometheusObservability({ minSeverity: "debug" });
    const events: MeshEvent[] = [];
    const client = create({
      config: { providers: { local: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-local-000000", models: [{ id: "llama", capabilities: [CHAT], pricing: { input: 0, output: 0 } }] } } } },
      observability: { instance: new MultiSink([new CallbackObservability({ callback: (event) => void events.push(event), minSeverity: "debug" }), metrics]) },
    });
    open.push(client);
    await client.chat.completions.create({ model: "llama", messages: hello });
    expect(client.usage.unpricedRequests).toBe(0);
    expect(client.usage.byModel["local/llama"]).toMatchObject({ requests: 1, unpriced: 0, cost: 0 });
    expect(events.find((event) => event.type === "request-end")).toMatchObject({ cost: 0 });
    expect(metrics.render()).not.toMatch(/^modelmesh_unpriced_requests_total\{/m);
  });

  it("keeps its count across a restart", async () => {
    const first = await setUp();
    await first.client.chat.completions.create({ model: "mystery", messages: hello });
    await first.client.close();
    const second = await setUp(first.storage);
    await second.client.ready();
    expect(second.client.usage.unpricedRequests).toBe(1);
    expect(second.client.usage.byModel["free/mystery"]).toMatchObject({ requests: 1, unpriced: 1 });
  });
});
