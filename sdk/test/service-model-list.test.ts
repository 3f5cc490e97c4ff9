import { afterEach, expect, it } from "vitest";
import { create, OpenAICompatibleProvider } from "../src/index.js";
import type { MeshEvent } from "../src/wire/events.js";
import { CallbackObservability } from "../src/observability/callback.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";

// An OpenAI-compatible service given only its URL and key (the upstream quick-provider shape) would serve nothing:
// at start the mesh asks the service which models it has.
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

it("asks a provider with no models for its service's list, and routes to them", async () => {
  fake = await startFakeOpenAI();
  const provider = new OpenAICompatibleProvider({ id: "corp", baseUrl: fake.url, apiKey: "sk-corp-key-0000000000" });
  const client = create("chat-completion", { providers: [{ instance: provider }] });
  const response = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
  expect(response.choices[0]?.message.content).toContain("Hello");
  const paths = fake.requests.map((request) => `${request.method} ${request.path}`);
  expect(paths[0]).toBe("GET /v1/models");
  expect(paths.at(-1)).toBe("POST /v1/chat/completions");
  // The models the service listed are the pool's.
  expect(client.describe().pools["chat-completion"]!.models.length).toBeGreaterThan(0);
  await client.close();
});

it("does not ask when models are given, and warns when the list cannot be read", async () => {
  fake = await startFakeOpenAI();
  const listed = new OpenAICompatibleProvider({ id: "corp", baseUrl: fake.url, apiKey: "sk-corp-key-0000000000", models: [{ id: "gpt-4o-mini" }] });
  const client = create("chat-completion", { providers: [{ instance: listed }] });
  await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
  expect(fake.requests.some((request) => request.path.endsWith("/models"))).toBe(false);
  await client.close();

  const events: MeshEvent[] = [];
  const down = new OpenAICompatibleProvider({ id: "down", baseUrl: "http://127.0.0.1:9/v1", apiKey: "sk-down-key-0000000000" });
  const other = new OpenAICompatibleProvider({ id: "corp", baseUrl: fake.url, apiKey: "sk-corp-key-0000000000", models: [{ id: "gpt-4o-mini" }] });
  const second = create("chat-completion", {
    providers: [{ instance: down }, { instance: other }],
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), minSeverity: "debug" }) },
  });
  // Start does not fail for it: the other provider serves.
  const response = await second.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
  expect(response.model).toMatch(/gpt-4o-mini/);
  expect(events.find((event) => event.type === "model-list-failed")).toMatchObject({ provider: "down", severity: "warning" });
  await second.close();
});
