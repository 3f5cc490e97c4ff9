/**
 * The typed events a real mesh sends its sinks, requests going through a fake OpenAI server: their order for one
 * request (with the budget reservation), budget alerts and refusals, config reloads, the periodic stats event, and
 * several sinks configured at once each getting them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BudgetExceededError, CallbackObservability, create, JsonLogObservability, PrometheusObservability, type EventSink, type MeshClient, type MeshEvent } from "../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";

let fake: FakeOpenAI;
const clients: MeshClient[] = [];
beforeEach(async () => {
  fake = await startFakeOpenAI({ name: "events" });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await fake.close();
});

const hello = [{ role: "user" as const, content: "Hello" }];
const providers = () => ({
  corp: {
    connector: "openai-compatible",
    config: { base_url: fake.url, api_key: "corp-events-token-000000", models: [{ id: "gpt-4o", capabilities: ["chat-completion"], pricing: { input: 2_000, output: 8_000 } }] },
  },
});

function recorder(config: Record<string, unknown> = {}) {
  const events: MeshEvent[] = [];
  const sink = new CallbackObservability({ minSeverity: "debug", ...config, callback: (event) => void events.push(event) });
  return { sink, events };
}

describe("the events a mesh emits", () => {
  it("one request: request-start, budget-reserved, attempt-start, attempt-end, request-end, in that order", async () => {
    const { sink, events } = recorder();
    const client = create({ config: { providers: providers(), pools: { chat: { capability: "chat-completion" } }, budget: { daily_limit: 50 } }, observability: { instance: sink } });
    clients.push(client);
    await client.chat.completions.create({ model: "chat", messages: hello, max_tokens: 100 });
    const mine = events.filter((event) => event.requestId !== undefined);
    expect(mine.map((event) => event.type)).toEqual(["request-start", "budget-reserved", "attempt-start", "attempt-end", "request-end"]);
    expect(new Set(mine.map((event) => event.requestId)).size).toBe(1);
    const reserved = mine[1] as Extract<MeshEvent, { type: "budget-reserved" }>;
    // Worst case: 100 output tokens at $8 000 per million alone is $0.80.
    expect(reserved).toMatchObject({ pool: "chat", provider: "corp", model: "gpt-4o", budgets: ["global"] });
    expect(reserved.amount).toBeGreaterThanOrEqual(0.8);
    const end = mine[4] as Extract<MeshEvent, { type: "request-end" }>;
    expect(end).toMatchObject({ ok: true, attempts: 1, pool: "chat", model: "gpt-4o" });
    expect(end.cost).toBeGreaterThan(0);
  });

  it("a budget alert past alert_threshold, then budget-exceeded when a request would breach the limit", async () => {
    const { sink, events } = recorder();
    // Each answer costs about $0.1 (prompt and completion tokens of the fake); the limit fits a few.
    const client = create({ config: { providers: providers(), pools: { chat: { capability: "chat-completion" } }, budget: { daily_limit: 0.5, alert_threshold: 0.1 } }, observability: { instance: sink } });
    clients.push(client);
    let refused: unknown;
    for (let index = 0; index < 20 && !refused; index++) {
      await client.chat.completions.create({ model: "chat", messages: hello, max_tokens: 10 }).catch((error: unknown) => (refused = error));
    }
    expect(refused).toBeInstanceOf(BudgetExceededError);
    const alert = events.find((event) => event.type === "budget-alert");
    expect(alert).toMatchObject({ scope: "global", limitType: "daily", limitValue: 0.5, threshold: 0.1 });
    const exceeded = events.find((event) => event.type === "budget-exceeded");
    expect(exceeded).toMatchObject({ scope: "global", limitType: "daily", limitValue: 0.5 });
  });

  it("config-reloaded after a reconfigure, naming the new pools", async () => {
    const { sink, events } = recorder();
    const client = create({ config: { providers: providers(), pools: { chat: { capability: "chat-completion" } } }, observability: { instance: sink } });
    clients.push(client);
    await client.ready();
    expect(await client.mesh.reconfigure({ providers: providers(), pools: { "chat-fast": { capability: "chat-completion" } } })).toEqual([]);
    expect(events.find((event) => event.type === "config-reloaded")).toMatchObject({ severity: "info", component: "mesh", pools: ["chat-fast"] });
  });

  it("a stats event every stats_interval_ms with the pools' active/standby models and the totals client.usage reports", async () => {
    const { sink, events } = recorder({ statsIntervalMs: 20 });
    const client = create({ config: { providers: providers(), pools: { chat: { capability: "chat-completion" } }, budget: { daily_limit: 50 } }, observability: { instance: sink } });
    clients.push(client);
    await client.chat.completions.create({ model: "chat", messages: hello });
    // Read only stats sent after the request ended (on a loaded machine some may come before).
    const after = events.length;
    const statsAfter = () => events.slice(after).filter((event): event is Extract<MeshEvent, { type: "stats" }> => event.type === "stats");
    const deadline = Date.now() + 5_000;
    while (statsAfter().length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const stats = statsAfter();
    expect(stats.length).toBeGreaterThanOrEqual(2);
    const last = stats.at(-1)!;
    expect(last.pools.chat).toEqual({ active: 1, standby: 0, total: 1 });
    expect(last.requests).toBe(client.usage.requests);
    expect(last.totalCost).toBeCloseTo(client.usage.totalCost, 12);
    expect(last.budgets).toContainEqual(expect.objectContaining({ budget: "global", period: "daily", limit: 50, remaining: client.usage.budgets.global!.daily.remaining }));
    await client.close();
    // close() stops the timer.
    const count = events.length;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(events.length).toBe(count);
  });

  it("several sinks configured at once each get every event they accept, filtered by their own min_severity and log_level", async () => {
    const debug = recorder();
    const warnings = recorder({ minSeverity: "warning" });
    const lines: string[] = [];
    const summary = new JsonLogObservability({ logLevel: "summary", write: (line) => lines.push(line) });
    const client = create({ config: { providers: providers() }, observability: [{ instance: debug.sink }, { instance: warnings.sink }, { instance: summary }] });
    clients.push(client);
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(debug.events.map((event) => event.type)).toEqual(expect.arrayContaining(["request-start", "attempt-start", "attempt-end", "request-end"]));
    expect(warnings.events).toEqual([]);
    expect(lines.map((line) => (JSON.parse(line) as { type: string }).type)).toEqual(["request-end"]);
  });

  it("builds no event that no sink would keep: a sink's accepts() is asked before each request's events", async () => {
    // A plain sink that keeps only the ends: emit() itself filters nothing, so whatever it is given was built.
    const asked: string[] = [];
    const received: string[] = [];
    const ends: EventSink = {
      accepts: (type, severity) => (asked.push(`${type}/${severity}`), type.endsWith("-end")),
      emit: (event) => void received.push(event.type),
    };
    const client = create({ config: { providers: providers(), budget: { daily_limit: 50 } }, observability: { instance: ends } });
    clients.push(client);
    await client.chat.completions.create({ model: "chat-completion", messages: hello, max_tokens: 10 });
    const stream = await client.chat.completions.create({ model: "chat-completion", messages: hello, stream: true });
    for await (const chunk of stream) void chunk;
    expect(received).toEqual(["attempt-end", "request-end", "attempt-end", "request-end"]);
    expect(asked).toEqual(expect.arrayContaining(["request-start/debug", "budget-reserved/debug", "attempt-start/debug", "attempt-end/debug", "request-end/info"]));
    // The proxy's Prometheus sink keeps only what its metrics are made of.
    const metrics = new PrometheusObservability({ minSeverity: "debug" });
    expect(["request-start", "attempt-start", "budget-reserved", "request-end", "attempt-end", "stream-failover"].map((type) => metrics.accepts(type as MeshEvent["type"], "debug"))).toEqual([false, false, false, true, true, true]);
    expect(new PrometheusObservability({ minSeverity: "info" }).accepts("attempt-end", "debug")).toBe(false);
  });
});
