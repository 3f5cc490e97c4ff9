import { BrowserBaseProvider, OpenAICompatibleProvider, OpenAIProvider, createBrowserProviderConfig } from "../src/index.js";
import { startFakeOpenAI } from "./fakes/openai.js";
import { providerContract } from "./contracts/provider.contract.js";

const apiKey = "sk-proj-contractKEY0123456789abcdefghijklmnopqrstuvwx";

providerContract("OpenAIProvider", async () => {
  const fake = await startFakeOpenAI();
  return { provider: new OpenAIProvider({ baseUrl: fake.url, apiKey }), chatModel: "gpt-4o-mini", apiKey, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges, inBandMode: { kind: "stream-error", afterChunks: 2 } };
});

providerContract("OpenAICompatibleProvider", async () => {
  const fake = await startFakeOpenAI({ models: ["local-llm"] });
  const provider = new OpenAICompatibleProvider({ baseUrl: fake.url, apiKey, models: [{ id: "local-llm", capabilities: ["generation.text-generation.chat-completion"] }] });
  return { provider, chatModel: "local-llm", apiKey, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges, inBandMode: { kind: "stream-error", afterChunks: 2 } };
});

providerContract("BrowserBaseProvider", async () => {
  const fake = await startFakeOpenAI();
  const provider = new BrowserBaseProvider(createBrowserProviderConfig({ baseUrl: fake.url, apiKey, models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"] }] }));
  return { provider, chatModel: "gpt-4o-mini", apiKey, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges, inBandMode: { kind: "stream-error", afterChunks: 2 } };
});
