import { afterEach, describe, expect, it } from "vitest";
import { CallbackObservability, create, type MeshClient, type MeshEvent } from "../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((item) => item.close()));
});

const until = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

async function meshOverTwo(): Promise<{ primary: FakeOpenAI; backup: FakeOpenAI; client: MeshClient; events: MeshEvent[] }> {
  const [primary, backup] = await Promise.all([startFakeOpenAI({ name: "primary" }), startFakeOpenAI({ name: "backup" })]);
  opened.push(primary, backup);
  const events: MeshEvent[] = [];
  const client = create("chat-completion", {
    config: {
      providers: {
        primary: { connector: "openai", config: { base_url: primary.url, api_key: "test-key-primary" } },
        backup: { connector: "openai", config: { base_url: backup.url, api_key: "test-key-backup" } },
      },
      pools: { chat: { capability: "chat-completion", strategy: "priority", providers: ["primary", "backup"], models: ["gpt-4o-mini"], retry: { max_retries: 0 } } },
      discovery: { connector: "modelmesh.health-monitor.v1", config: { interval_ms: 60, timeout_ms: 500 } },
    },
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), minSeverity: "debug" }) },
  } as never);
  opened.push(client);
  await client.ready();
  return { primary, backup, client, events };
}

const chatPaths = (fake: FakeOpenAI) => fake.requests.filter((request) => request.path.endsWith("/chat/completions"));

describe("modelmesh.health-monitor.v1", () => {
  it("a provider whose probe fails is skipped before any caller's request reaches it, and comes back when a probe succeeds", async () => {
    const { primary, backup, client, events } = await meshOverTwo();
    await until(() => primary.requests.some((request) => request.method === "GET" && request.path === "/v1/models"));
    // Probes are model-list reads: no tokens spent.
    expect(primary.requests.every((request) => request.method === "GET" && request.path === "/v1/models")).toBe(true);

    primary.setMode({ kind: "error", status: 503 });
    await until(() => events.some((event) => event.type === "model-deactivated" && (event as { provider: string }).provider === "primary"));
    const deactivated = events.find((event) => event.type === "model-deactivated") as unknown as { reason: string };
    expect(deactivated.reason).toMatch(/^health probe failed: /);
    const answer = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hi" }] });
    expect(answer.choices[0]?.message.content).toContain("Hello from gpt-4o-mini");
    expect(chatPaths(primary)).toHaveLength(0);
    expect(chatPaths(backup)).toHaveLength(1);

    primary.reset();
    await until(() => events.some((event) => event.type === "model-recovered" && (event as { provider: string }).provider === "primary"));
    await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hi again" }] });
    expect(chatPaths(primary)).toHaveLength(1);
  });

  it("keeps a provider out while its probes keep failing, however many rounds pass", async () => {
    const { primary, backup, client, events } = await meshOverTwo();
    primary.setMode({ kind: "error", status: 503 });
    await until(() => events.some((event) => event.type === "model-deactivated" && (event as { provider: string }).provider === "primary"));
    const probes = () => primary.requests.filter((request) => request.path === "/v1/models").length;
    const seen = probes();
    // More rounds, all failing, for longer than the first rest (2 × 60 ms interval + 500 ms probe timeout) lasts.
    const since = Date.now();
    await until(() => probes() >= seen + 3 && Date.now() - since > 900);
    await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hi" }] });
    expect(chatPaths(primary)).toHaveLength(0);
    expect(chatPaths(backup)).toHaveLength(1);
  });

  it("stops probing when the client closes, and discovers providers as auto-discovery does", async () => {
    const { primary, client } = await meshOverTwo();
    // Discovery's model-list read at start, then the monitor's first probe.
    await until(() => primary.requests.length > 1);
    await client.close();
    const seen = primary.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(primary.requests.length).toBe(seen);
  });
});
