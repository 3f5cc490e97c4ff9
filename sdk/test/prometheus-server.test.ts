/**
 * modelmesh.prometheus.v1 serving its FAQ `port`/`path` in Node: a mesh answers requests through a fake OpenAI
 * server, a test scrapes the metrics over HTTP and parses them with a strict reader of the text exposition format
 * 0.0.4 (below), then checks the numbers against what the fake served.
 */
import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, create, PrometheusObservability, type MeshClient } from "../src/index.js";
import { serveMetrics } from "../src/node/index.js";
import type { MeshStats } from "../src/wire/events.js";
import { OVERFLOW_LABEL } from "../src/observability/prometheus.js";
import { sampleEvents } from "./contracts/observability.contract.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string;
  samples: Sample[];
}

const METRIC = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = "[a-zA-Z_][a-zA-Z0-9_]*";
const VALUE = "[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)";

/**
 * A strict reader of Prometheus' text format 0.0.4: every line must be a HELP, a TYPE or a sample of the family
 * the last TYPE opened; label values are unescaped (\\ \" \n); a family appears once; a series appears once.
 */
function check(condition: boolean, rule: string): void {
  if (!condition) throw new Error(`not valid exposition text: ${rule}`);
}

function parseExposition(text: string): Map<string, Family> {
  check(text.endsWith("\n"), "ends with a newline");
  const families = new Map<string, Family>();
  let current: Family | undefined;
  const seen = new Set<string>();
  for (const line of text.slice(0, -1).split("\n")) {
    const help = new RegExp(`^# HELP (${METRIC}) (.*)$`).exec(line);
    const type = new RegExp(`^# TYPE (${METRIC}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (help) {
      check(!families.has(help[1]!), `family ${help[1]} appears once`);
      current = { name: help[1]!, type: "untyped", help: help[2]!, samples: [] };
      families.set(current.name, current);
      continue;
    }
    if (type) {
      check(current?.name === type[1], `TYPE ${type[1]} follows its HELP`);
      current!.type = type[2] as Family["type"];
      continue;
    }
    if (line.startsWith("#")) throw new Error(`unexpected comment: ${line}`);
    const sample = new RegExp(`^(${METRIC})(?:\\{(.*)\\})? (${VALUE})$`).exec(line);
    if (!sample) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText = "", valueText] = sample;
    check(current !== undefined, `sample ${name} has a family`);
    const suffixes = current!.type === "histogram" ? ["_bucket", "_sum", "_count"] : [""];
    check(suffixes.some((suffix) => `${current!.name}${suffix}` === name), `${name} belongs to ${current!.name}`);
    const labels: Record<string, string> = {};
    const labelPattern = new RegExp(`(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`, "y");
    let position = 0;
    while (position < labelText.length) {
      labelPattern.lastIndex = position;
      const match = labelPattern.exec(labelText);
      if (!match) throw new Error(`bad labels in ${JSON.stringify(line)}`);
      check(labels[match[1]!] === undefined, `label ${match[1]} once`);
      labels[match[1]!] = match[2]!.replace(/\\(["\\n])/g, (_, escaped: string) => (escaped === "n" ? "\n" : escaped));
      position = labelPattern.lastIndex;
    }
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    check(!seen.has(key), `series ${key} appears once`);
    seen.add(key);
    const value = valueText === "+Inf" || valueText === "Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
    current!.samples.push({ name: name!, labels, value });
  }
  return families;
}

function value(families: Map<string, Family>, family: string, labels: Record<string, string>, name = family): number | undefined {
  return families.get(family)?.samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))?.value;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let fake: FakeOpenAI;
const clients: MeshClient[] = [];
beforeEach(async () => {
  fake = await startFakeOpenAI({ name: "metrics" });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await fake.close();
});

const hello = [{ role: "user" as const, content: "Hello" }];
// USD per million tokens: every request costs something, so cost counters and the budget move.
const PRICE = { input: 2_000, output: 8_000 };
const providers = () => ({
  corp: {
    connector: "openai-compatible",
    config: { base_url: fake.url, api_key: "corp-metrics-token-000000", models: [{ id: "gpt-4o", capabilities: ["chat-completion"], pricing: PRICE }] },
  },
});

describe("Prometheus metrics served on the FAQ's port and path", () => {
  it("a YAML-configured mesh serves them on port/path: counters, a latency histogram and gauges that match what the fake served", async () => {
    const port = await freePort();
    const yaml = [
      "providers:",
      "  corp:",
      "    connector: openai-compatible",
      "    config:",
      `      base_url: ${fake.url}`,
      "      api_key: corp-metrics-token-000000",
      "      models:",
      `        - { id: gpt-4o, capabilities: [chat-completion], pricing: { input: ${PRICE.input}, output: ${PRICE.output} } }`,
      "pools:",
      "  chat:",
      "    capability: chat-completion",
      "budget:",
      "  daily_limit: 50",
      "observability:",
      "  connector: modelmesh.prometheus.v1",
      "  config:",
      `    port: ${port}`,
      "    path: /metrics",
      "    min_severity: debug",
    ].join("\n");
    const client = create({ config: yaml });
    clients.push(client);
    await client.ready();
    let promptTokens = 0;
    let completionTokens = 0;
    for (let index = 0; index < 3; index++) {
      const response = await client.chat.completions.create({ model: "chat", messages: hello });
      promptTokens += response.usage!.prompt_tokens;
      completionTokens += response.usage!.completion_tokens;
    }
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const families = parseExposition(await response.text());

    expect(families.get("modelmesh_requests_total")?.type).toBe("counter");
    expect(value(families, "modelmesh_requests_total", { pool: "chat", provider: "corp", model: "gpt-4o", outcome: "ok" })).toBe(3);
    expect(value(families, "modelmesh_attempts_total", { pool: "chat", outcome: "ok" })).toBe(3);
    expect(value(families, "modelmesh_tokens_total", { pool: "chat", type: "prompt" })).toBe(promptTokens);
    expect(value(families, "modelmesh_tokens_total", { pool: "chat", type: "completion" })).toBe(completionTokens);
    const cost = (promptTokens * PRICE.input + completionTokens * PRICE.output) / 1_000_000;
    expect(value(families, "modelmesh_cost_usd_total", { pool: "chat", model: "gpt-4o" })).toBeCloseTo(cost, 9);

    const histogram = families.get("modelmesh_request_duration_seconds")!;
    expect(histogram.type).toBe("histogram");
    const buckets = histogram.samples.filter((sample) => sample.name.endsWith("_bucket") && sample.labels.pool === "chat");
    const counts = buckets.map((sample) => sample.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(buckets.at(-1)!.labels.le).toBe("+Inf");
    expect(buckets.at(-1)!.value).toBe(3);
    expect(value(families, "modelmesh_request_duration_seconds", { pool: "chat" }, "modelmesh_request_duration_seconds_count")).toBe(3);
    expect(value(families, "modelmesh_request_duration_seconds", { pool: "chat" }, "modelmesh_request_duration_seconds_sum")).toBeGreaterThan(0);

    expect(families.get("modelmesh_pool_active_models")?.type).toBe("gauge");
    expect(value(families, "modelmesh_pool_active_models", { pool: "chat" })).toBe(1);
    expect(value(families, "modelmesh_pool_standby_models", { pool: "chat" })).toBe(0);
    // The same numbers client.usage reports.
    const daily = client.usage.budgets.global!.daily;
    expect(daily.spent).toBeCloseTo(cost, 9);
    expect(value(families, "modelmesh_budget_remaining_usd", { budget: "global", period: "daily" })).toBeCloseTo(daily.remaining!, 9);
    expect(value(families, "modelmesh_budget_spent_usd", { budget: "global", period: "daily" })).toBeCloseTo(cost, 9);
    expect(value(families, "modelmesh_budget_limit_usd", { budget: "global", period: "daily" })).toBe(50);

    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: "POST" })).status).toBe(405);
    await client.close();
    // close() stops serving.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it("an injected instance with port 0 serves on a free port at its own path", async () => {
    const metrics = new PrometheusObservability({ port: 0, path: "/custom/metrics" });
    const client = create({ config: { providers: providers() }, observability: { instance: metrics } });
    clients.push(client);
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(metrics.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/custom\/metrics$/);
    const families = parseExposition(await (await fetch(metrics.url!)).text());
    expect(value(families, "modelmesh_requests_total", { pool: "chat-completion", outcome: "ok" })).toBe(1);
  });

  it("a port already in use fails create() with a ConfigError at observability.config.port", async () => {
    const taken = await serveMetrics(() => "", { port: 0 });
    try {
      const client = create({ config: { providers: providers(), observability: { connector: "prometheus", config: { port: taken.port } } } });
      clients.push(client);
      const error = await client.ready().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe("observability.config.port");
      expect((error as ConfigError).message).toMatch(/EADDRINUSE/);
    } finally {
      await taken.close();
    }
  });

  it("when another sink fails to open, the port it had bound is released and create() fails", async () => {
    const metrics = new PrometheusObservability({ port: 0 });
    const broken = { emit() {}, open: async () => Promise.reject(new Error("cannot open")) };
    const client = create({ config: { providers: providers() }, observability: [{ instance: metrics }, { instance: broken }] });
    clients.push(client);
    await expect(client.ready()).rejects.toThrow("cannot open");
    expect(metrics.url).toBeUndefined();
  });

  it("refuses a bad port or path with a ConfigError", () => {
    expect(() => new PrometheusObservability({ port: 70_000 })).toThrow(/observability\.config\.port|port number/);
    expect(() => new PrometheusObservability({ path: "metrics" })).toThrow(ConfigError);
  });
});

describe("Prometheus output", () => {
  it("escapes label values (backslash, quote, newline) so a reader gets them back exactly", () => {
    const metrics = new PrometheusObservability();
    const pool = 'we"ird\\pool\nname';
    metrics.emit({ ...sampleEvents().requestEnd, pool });
    const families = parseExposition(metrics.render());
    expect(value(families, "modelmesh_requests_total", { pool })).toBe(1);
  });

  it("keeps each family bounded: past 1 000 series, new label sets are counted in one overflow series", () => {
    const metrics = new PrometheusObservability();
    for (let index = 0; index < 1_500; index++) metrics.emit({ ...sampleEvents().requestEnd, model: `model-${index}` });
    const families = parseExposition(metrics.render());
    const requests = families.get("modelmesh_requests_total")!.samples;
    expect(requests.length).toBeLessThanOrEqual(1_001);
    const overflow = requests.find((sample) => sample.labels.model === OVERFLOW_LABEL);
    expect(overflow?.value).toBe(500);
    expect(requests.reduce((sum, sample) => sum + sample.value, 0)).toBe(1_500);
  });

  it("cuts very long label values", () => {
    const metrics = new PrometheusObservability();
    metrics.emit({ ...sampleEvents().requestEnd, model: "m".repeat(5_000) });
    const families = parseExposition(metrics.render());
    expect(families.get("modelmesh_requests_total")!.samples[0]!.labels.model!.length).toBe(200);
  });

  it("gauges read the stats source at each render (standby models, budgets' remaining), or the last stats event", () => {
    let stats: MeshStats = { pools: { chat: { active: 2, standby: 1, total: 3 } }, budgets: [{ budget: "provider:corp", period: "monthly", limit: 100, spent: 40, reserved: 5, remaining: 55 }], requests: 1, totalTokens: 2, totalCost: 3 };
    const metrics = new PrometheusObservability();
    metrics.useStatsSource(() => stats);
    let families = parseExposition(metrics.render());
    expect(value(families, "modelmesh_pool_standby_models", { pool: "chat" })).toBe(1);
    expect(value(families, "modelmesh_budget_remaining_usd", { budget: "provider:corp", period: "monthly" })).toBe(55);
    stats = { ...stats, pools: { chat: { active: 3, standby: 0, total: 3 } } };
    families = parseExposition(metrics.render());
    expect(value(families, "modelmesh_pool_active_models", { pool: "chat" })).toBe(3);
    const fedByEvents = new PrometheusObservability();
    fedByEvents.emit({ type: "stats", severity: "info", component: "mesh", timestamp: 1, ...stats });
    expect(value(parseExposition(fedByEvents.render()), "modelmesh_pool_active_models", { pool: "chat" })).toBe(3);
  });
});
