import { afterEach, describe, expect, it } from "vitest";
import { create } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { CHAT, hello } from "./support/mesh.js";

// A 429 `insufficient_quota` (billing or credits exhausted) is about the account behind the key, not the model that
// happened to answer: every model of that key must rest, so the next requests go straight to another provider instead
// of each exhausted model being tried and refused in turn.

const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function setUp() {
  const exhausted = await startFakeOpenAI({ name: "exhausted", models: ["one", "two", "three"] });
  const backup = await startFakeOpenAI({ name: "backup", models: ["spare"] });
  open.push(exhausted, backup);
  const model = (id: string) => ({ id, capabilities: [CHAT] });
  const client = create({
    config: {
      providers: {
        exhausted: { connector: "openai-compatible", config: { base_url: exhausted.url, api_key: "sk-exhausted-0000000000", models: ["one", "two", "three"].map(model) } },
        backup: { connector: "openai-compatible", config: { base_url: backup.url, api_key: "sk-backup-1111111111", models: [model("spare")] } },
      },
      pools: { chat: { capability: "chat-completion", strategy: "priority", strategy_config: { priorities: ["one", "two", "three", "spare"] }, retry: { max_retries: 0 } } },
    },
  });
  open.push(client);
  return { exhausted, backup, client };
}

describe("an exhausted quota rests every model of its key", () => {
  it("the first request fails over to the other provider after one refusal, and the next ones skip the key", async () => {
    const { exhausted, backup, client } = await setUp();
    exhausted.setMode({ kind: "error", status: 429, code: "insufficient_quota" });
    const first = await client.chat.completions.create({ model: "chat", messages: hello });
    expect(first.model).toBe("spare");
    // One refusal, not one per model of the exhausted account.
    expect(exhausted.requests.map((request) => request.body?.model)).toEqual(["one"]);
    for (let index = 0; index < 3; index++) await client.chat.completions.create({ model: "chat", messages: hello });
    expect(exhausted.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(4);
    const models = client.describe().pools["chat"]!.models;
    for (const name of ["one", "two", "three"]) expect(models.find((entry) => entry.model === name)).toMatchObject({ status: "cooldown", available: false });
    expect(models.find((entry) => entry.model === "spare")).toMatchObject({ status: "active" });
  });

  it("a failure that is not about the quota leaves the key's other models in service", async () => {
    const { exhausted, client } = await setUp();
    exhausted.enqueue({ kind: "error", status: 500 }, { model: "one" });
    const first = await client.chat.completions.create({ model: "chat", messages: hello });
    // "one" failed with a plain server error: "two" of the same key still serves this request.
    expect(first.model).toBe("two");
    expect(exhausted.requests.map((request) => request.body?.model)).toEqual(["one", "two"]);
  });
});

describe("how long the key's models rest", () => {
  it("a quota 429 rests them at least an hour (the service named no sooner reset)", async () => {
    const { exhausted, client } = await setUp();
    exhausted.setMode({ kind: "error", status: 429, code: "insufficient_quota" });
    const before = Date.now();
    await client.chat.completions.create({ model: "chat", messages: hello });
    for (const entry of client.describe().pools["chat"]!.models.filter((item) => item.model !== "spare")) {
      expect(Date.parse(String(entry.cooldownUntil)) - before).toBeGreaterThanOrEqual(3_600_000);
    }
  });
});
