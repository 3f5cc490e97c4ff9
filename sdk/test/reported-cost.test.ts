import { afterEach, describe, expect, it } from "vitest";
import { OpenRouterProvider, create } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { startFakeService, type FakeService } from "./fakes/openai-compatible-services.js";

// OpenRouter reports what it bills in `usage.cost` (its recorded streams carry it on the usage chunk, cached tokens
// and all). That figure is the cost: booked in `client.usage` and budgets, and shown to the caller, instead of an
// estimate from a price table, and even for a model that has no price table at all.

const open: Array<MeshClient | FakeService> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

const REPORTED = 0.0000123; // what the fake's OpenRouter usage chunk says

async function streamCost(pricing?: { input: number; output: number }) {
  const fake = await startFakeService("openrouter", { models: ["x-ai/grok-4"] });
  open.push(fake);
  const provider = new OpenRouterProvider({ baseUrl: fake.url, apiKey: "sk-or-v1-reportedCostKEY0123456789abcdefghij", models: [{ id: "x-ai/grok-4", ...(pricing ? { pricing } : {}) }] });
  const client = create("chat-completion", { providers: [{ instance: provider }] });
  open.push(client);
  let shown: number | undefined;
  for await (const chunk of await client.chat.completions.create({ model: "x-ai/grok-4", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true } })) {
    if (chunk.usage) shown = chunk.usage.cost;
  }
  return { client, shown, sent: fake.requests.filter((request) => request.method === "POST") };
}

describe("a service's own reported cost", () => {
  it("is booked and shown for a model without a price table (not an unpriced request)", async () => {
    const { client, shown, sent } = await streamCost();
    expect(sent).toHaveLength(1);
    expect(shown).toBe(REPORTED);
    expect(client.usage.totalCost).toBeCloseTo(REPORTED, 12);
    expect(client.usage.unpricedRequests).toBe(0);
    expect(client.usage.byModel["openrouter/x-ai/grok-4"] ?? Object.values(client.usage.byModel)[0]).toMatchObject({ cost: expect.closeTo(REPORTED, 12) });
  });

  it("wins over the price table's estimate", async () => {
    // A price so high that its estimate could not be mistaken for the reported figure.
    const { client, shown } = await streamCost({ input: 1_000, output: 1_000 });
    expect(shown).toBe(REPORTED);
    expect(client.usage.totalCost).toBeCloseTo(REPORTED, 12);
  });
});

describe("a broken stream's usage, as its error event reports it", () => {
  it("is booked as the service counted it (OpenRouter's in-band error carries usage), not estimated", async () => {
    const fake = await startFakeService("openrouter", { models: ["x-ai/grok-4"] });
    open.push(fake);
    const provider = new OpenRouterProvider({ baseUrl: fake.url, apiKey: "sk-or-v1-reportedCostKEY0123456789abcdefghij", models: [{ id: "x-ai/grok-4" }] });
    const client = create("chat-completion", { providers: [{ instance: provider }], config: { pools: { chat: { capability: "chat-completion", retry: { max_retries: 0 } } } } });
    open.push(client);
    fake.enqueue({ kind: "in-band-error", afterEvents: 5 });
    const chunks: unknown[] = [];
    const failure = await (async () => {
      for await (const chunk of await client.chat.completions.create({ model: "x-ai/grok-4", messages: [{ role: "user", content: "Hello there" }], stream: true })) chunks.push(chunk);
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(chunks.length).toBeGreaterThan(0);
    const sent = fake.requests.filter((request) => request.method === "POST");
    expect(sent).toHaveLength(1);
    // The fake's error event says 7 completion tokens on top of the prompt's: booked as such.
    const booked = Object.values(client.usage.byModel)[0]!;
    expect(booked.completionTokens).toBe(7);
    expect(booked.totalTokens).toBe(booked.promptTokens + 7);
  });
});
