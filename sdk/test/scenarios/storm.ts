/**
 * The "storm" scenario: one streaming request to a pool of one model whose streams always break after 3 chunks.
 * Prints how many upstream requests were sent and how the call ended (or that it had not ended after the cap).
 * Run: npx tsx --conditions=modelmesh-source sdk/test/scenarios/storm.ts
 */
import { create } from "../../src/index.js";
import { startFakeOpenAI } from "../fakes/openai.js";

const capMs = 20_000;
const fake = await startFakeOpenAI({ name: "a", models: ["alpha"], reply: "one two three four five six seven eight nine ten" });
fake.setMode({ kind: "break-stream", afterChunks: 3 });
const mesh = create({
  config: {
    providers: { a: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-storm-0000", models: [{ id: "alpha", capabilities: ["generation.text-generation.chat-completion"] }] } } },
    pools: { chat: { capability: "chat-completion" } },
  },
});
const started = Date.now();
const controller = new AbortController();
const outcome = (async () => {
  const stream = await mesh.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hi" }], stream: true }, { signal: controller.signal });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  return `finished with ${JSON.stringify(text)}`;
})().catch((error: Error) => `failed with ${error.name}: ${error.message.slice(0, 160)}`);
const timer = setTimeout(() => controller.abort(), capMs);
const result = await Promise.race([outcome, new Promise<string>((resolve) => setTimeout(() => resolve("not settled"), capMs + 2_000))]);
clearTimeout(timer);
const chat = fake.requests.filter((request) => request.path === "/v1/chat/completions").length;
console.log(JSON.stringify({ upstreamRequests: chat, elapsedMs: Date.now() - started, result }));
await mesh.close();
await fake.close();
process.exit(0);
