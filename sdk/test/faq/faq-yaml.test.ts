/**
 * The FAQ's YAML for budgets, storage, observability and multiple pools, loaded by the config loader and run
 * against the fake OpenAI server (OPENAI_API_KEY and OPENAI_BASE_URL point at it, as discovery expects).
 * The FAQ file is flattened (its YAML lost its indentation), so each block is written here indented and checked to
 * be the FAQ's text line for line. Only two values are changed, and only where said: the SQLite path (a temporary
 * folder instead of the working directory) and Prometheus' port (a free one instead of 9090, which another process
 * on the machine may hold).
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { create, type MeshClient } from "../../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { HERE } from "./compile.js";

const SPEC = resolve(HERE, "../../../../shared/spec/000_0f49a3117413170e.txt");
if (!existsSync(SPEC)) throw new Error(`the FAQ is missing: ${SPEC}`);
const FAQ = readFileSync(SPEC, "utf8");

/** The block as the FAQ prints it: every line without its indentation. */
const flattened = (yaml: string) =>
  yaml
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join("\n");

const BLOCKS = {
  budget: `
providers:
  openai.llm.v1:
    connector: openai.llm.v1
    config:
      api_key: "\${secrets:OPENAI_API_KEY}"
    budget:
      daily_limit: 10.00
      monthly_limit: 100.00
      alert_threshold: 0.8
      enforce: true
`,
  budgetRotation: `
pools:
  chat:
    capability: generation.text-generation.chat-completion
    strategy: modelmesh.stick-until-failure.v1
    on_budget_exceeded: rotate # "rotate" or "error" (default: "error")
`,
  storage: `
storage:
  connector: modelmesh.sqlite.v1
  config:
    path: ./mesh-state.db
`,
  consoleQ9: `
observability:
  connector: modelmesh.console.v1
  config:
    log_level: summary
    use_color: true
`,
  console: `
observability:
  connector: modelmesh.console.v1
  config:
    log_level: metadata # "silent" | "summary" | "metadata" | "full"
    min_severity: info # "debug" | "info" | "warning" | "error"
    use_color: true
`,
  jsonLog: `
observability:
  connector: modelmesh.json-log.v1
  config:
    log_level: metadata
    min_severity: info
`,
  webhook: `
observability:
  connector: modelmesh.webhook.v1
  config:
    url: https://hooks.slack.com/services/T.../B.../xxx
    min_severity: warning # Only alert on warnings and errors
`,
  prometheus: `
observability:
  connector: modelmesh.prometheus.v1
  config:
    port: 9090
    path: /metrics
`,
  pools: `
pools:
  # Fast responses — pick the lowest latency model
  chat-fast:
    capability: generation.text-generation.chat-completion
    strategy: modelmesh.latency-first.v1
  # Cost-sensitive batch — pick the cheapest model
  chat-cheap:
    capability: generation.text-generation.chat-completion
    strategy: modelmesh.cost-first.v1
    on_budget_exceeded: rotate
  # Code review — priority ordering with specific models
  code-review:
    capability: generation.text-generation.code-generation
    strategy: modelmesh.priority-selection.v1
  # Embeddings — round-robin across providers
  embeddings:
    capability: representation.embeddings.text-embeddings
    strategy: modelmesh.round-robin.v1
`,
  poolProviders: `
pools:
  chat-openai-only:
    capability: generation.text-generation.chat-completion
    providers: ["openai"]
    strategy: modelmesh.stick-until-failure.v1
`,
} as const;

const hello = [{ role: "user" as const, content: "Hello" }];
const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
let fake: FakeOpenAI;
const clients: MeshClient[] = [];
const track = (client: MeshClient) => (clients.push(client), client);

beforeEach(async () => {
  fake = await startFakeOpenAI({ name: "faq-yaml" });
  // Built at run time: no key-shaped literal in the repository.
  process.env.OPENAI_API_KEY = ["sk", "faq", "yaml", "0123456789abcdef"].join("-");
  process.env.OPENAI_BASE_URL = fake.url;
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await fake.close();
  for (const [name, value] of [["OPENAI_API_KEY", saved.key], ["OPENAI_BASE_URL", saved.url]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe("the FAQ's YAML blocks", () => {
  it.each(Object.entries(BLOCKS))("%s is the FAQ's text, line for line", (_name, yaml) => {
    expect(FAQ).toContain(flattened(yaml));
  });

  it("budget: the provider's daily and monthly limits are in force and count what the request cost", async () => {
    const client = track(create({ config: BLOCKS.budget }));
    await client.chat.completions.create({ model: "gpt-4o", messages: hello });
    const budget = client.usage.budgets["provider:openai.llm.v1"]!;
    expect(budget.enforce).toBe(true);
    expect(budget.daily).toMatchObject({ limit: 10, reserved: 0 });
    expect(budget.monthly.limit).toBe(100);
    expect(budget.daily.spent).toBeGreaterThan(0);
    expect(budget.daily.spent).toBeCloseTo(client.usage.totalCost, 12);
  });

  it("budget rotation: the pool is built with on_budget_exceeded: rotate and answers", async () => {
    const client = track(create({ config: BLOCKS.budgetRotation }));
    const response = await client.chat.completions.create({ model: "chat", messages: hello });
    expect(response.choices[0]!.message.content).toContain("Hello");
    expect(client.mesh.pools().get("chat")?.settings.onBudgetExceeded).toBe("rotate");
  });

  it("storage: SQLite keeps usage across a restart (path moved to a temporary folder)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "modelmesh-faq-")), "mesh-state.db");
    const yaml = BLOCKS.storage.replace("./mesh-state.db", path);
    const first = create({ config: yaml });
    await first.chat.completions.create({ model: "gpt-4o", messages: hello });
    const cost = first.usage.totalCost;
    await first.close();
    const second = track(create({ config: yaml }));
    await second.ready();
    expect(second.usage.requests).toBe(1);
    expect(second.usage.totalCost).toBeCloseTo(cost, 12);
  });

  it("console (Q9 and Q15): coloured lines with the outcome; min_severity info leaves debug events out", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const summary = track(create({ config: BLOCKS.consoleQ9 }));
    await summary.chat.completions.create({ model: "gpt-4o", messages: hello });
    await summary.close();
    expect(lines.some((line) => line.includes("request-end") && line.includes("\u001b[36mINFO "))).toBe(true);
    expect(lines.some((line) => line.includes("request-start"))).toBe(false);
    lines.length = 0;
    const metadata = track(create({ config: BLOCKS.console }));
    await metadata.chat.completions.create({ model: "gpt-4o", messages: hello });
    await metadata.close();
    expect(lines.some((line) => line.includes("request-end") && line.includes("usage="))).toBe(true);
    // request-start and attempt-start are debug events: below min_severity info.
    expect(lines.some((line) => line.includes("attempt-start") || line.includes("request-start"))).toBe(false);
  });

  it("json-log: one JSON object per line on stdout", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const client = track(create({ config: BLOCKS.jsonLog }));
    await client.chat.completions.create({ model: "gpt-4o", messages: hello });
    await client.close();
    const events = lines.map((line) => JSON.parse(line) as { type: string; time: string });
    expect(events.map((event) => event.type)).toContain("request-end");
    expect(events[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("webhook: warnings are POSTed to the Slack URL (intercepted here) as Slack text, info events are not", async () => {
    const original = globalThis.fetch;
    const posted: Array<{ url: string; body: { text: string } }> = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.startsWith("https://hooks.slack.com/")) return original(input, init);
      posted.push({ url, body: JSON.parse(String(init?.body)) });
      return new Response("ok", { status: 200 });
    });
    const client = track(create({ config: BLOCKS.webhook }));
    // One failed attempt (a warning), then the retry answers.
    fake.enqueue({ kind: "error", status: 500 });
    await client.chat.completions.create({ model: "gpt-4o", messages: hello });
    await client.close();
    expect(posted.length).toBeGreaterThanOrEqual(1);
    expect(posted[0]!.url).toBe("https://hooks.slack.com/services/T.../B.../xxx");
    // Slack's incoming webhooks take {"text": ...}: one line per event, each a warning or an error.
    const lines = posted.flatMap((post) => post.body.text.split("\n"));
    expect(lines.some((line) => /^WARNING attempt-end /.test(line))).toBe(true);
    expect(lines.every((line) => /^(WARNING|ERROR) /.test(line))).toBe(true);
  });

  it("prometheus: served at /metrics on its port (a free one instead of 9090)", async () => {
    const port = await freePort();
    const client = track(create({ config: BLOCKS.prometheus.replace("9090", String(port)) }));
    await client.chat.completions.create({ model: "gpt-4o", messages: hello });
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.headers.get("content-type")).toContain("version=0.0.4");
    expect(await response.text()).toMatch(/^modelmesh_requests_total\{pool="[^"]+",provider="openai",model="gpt-4o",outcome="ok",code=""\} 1$/m);
  });

  it("multiple pools: each pool answers by its name, the embeddings pool included", async () => {
    const client = track(create({ config: BLOCKS.pools }));
    for (const pool of ["chat-fast", "chat-cheap", "code-review"]) {
      const response = await client.chat.completions.create({ model: pool, messages: hello });
      expect(response.object).toBe("chat.completion");
    }
    const embedding = await client.embeddings.create({ model: "embeddings", input: "hello" });
    expect(embedding.data[0]!.embedding.length).toBeGreaterThan(0);
    const status = client.poolStatus();
    for (const pool of ["chat-fast", "chat-cheap", "code-review", "embeddings"]) expect(status[pool]!.active).toBeGreaterThan(0);
    expect(Object.keys(client.usage.byPool).sort()).toEqual(["chat-cheap", "chat-fast", "code-review", "embeddings"]);
  });

  it("a pool restricted to a provider answers from that provider", async () => {
    const client = track(create({ config: BLOCKS.poolProviders }));
    await client.chat.completions.create({ model: "chat-openai-only", messages: hello });
    expect(Object.keys(client.usage.byProvider)).toEqual(["openai"]);
  });
});
