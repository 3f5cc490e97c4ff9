import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AnthropicProvider,
  AutoDiscovery,
  DeepSeekProvider,
  GeminiProvider,
  GroqProvider,
  MemorySecretStore,
  MistralProvider,
  OpenAIProvider,
  OpenRouterProvider,
  create,
  registerConnector,
} from "../src/index.js";
import { listConnectors } from "../src/core/registry-load.js";
import { BUILTIN_CONNECTORS } from "../src/core/connector-ids.js";
import { discoveryContract } from "./contracts/discovery.contract.js";
import { startFakeAnthropic, type FakeAnthropic } from "./fakes/anthropic.js";
import { startFakeGemini, type FakeGemini } from "./fakes/gemini.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";

// The FAQ's first promise, tried as a new user would: a key in the environment (here a memory secret store, which
// auto-discovery reads the same way) and `create("chat-completion")` finds the provider. Registration is what the
// built-in registry does; it is done here because the registry is being rewritten on another branch.
const builtIns = [AnthropicProvider, GeminiProvider, GroqProvider, MistralProvider, DeepSeekProvider, OpenRouterProvider] as const;
function registerAll(): void {
  for (const provider of builtIns) registerConnector(provider.connectorId!, provider, { kind: "provider", aliases: [provider.shortName!] });
}

describe("auto-discovery of the new providers", () => {
  let anthropic: FakeAnthropic;
  let gemini: FakeGemini;
  let openai: FakeOpenAI;
  beforeAll(async () => {
    registerAll();
    [anthropic, gemini, openai] = await Promise.all([startFakeAnthropic(), startFakeGemini(), startFakeOpenAI()]);
  });
  afterAll(() => Promise.all([anthropic.close(), gemini.close(), openai.close()]));

  it("the known-key table matches each class's own envVars", () => {
    for (const provider of builtIns) {
      const entry = BUILTIN_CONNECTORS.find((connector) => connector.id === provider.connectorId);
      expect(entry && { id: entry.id, shortName: entry.aliases[0], envVars: "envVars" in entry ? entry.envVars : [] }).toEqual({ id: provider.connectorId, shortName: provider.shortName, envVars: provider.envVars });
    }
  });

  it("finds each provider by its key name, GOOGLE_API_KEY or GEMINI_API_KEY for Gemini", async () => {
    const cases: Array<[string, string]> = [
      ["ANTHROPIC_API_KEY", "anthropic.llm.v1"],
      ["GOOGLE_API_KEY", "google.gemini.v1"],
      ["GEMINI_API_KEY", "google.gemini.v1"],
      ["GROQ_API_KEY", "groq.api.v1"],
      ["MISTRAL_API_KEY", "mistral.api.v1"],
      ["DEEPSEEK_API_KEY", "deepseek.api.v1"],
      ["OPENROUTER_API_KEY", "openrouter.gateway.v1"],
    ];
    for (const [variable, connector] of cases) {
      const specs = await new AutoDiscovery().discover(new MemorySecretStore({ secrets: { [variable]: "key-value-123456" } }), listConnectors("provider"));
      expect(specs.map((spec) => spec.connector), variable).toEqual([connector]);
    }
  });

  it('with only ANTHROPIC_API_KEY set, create("chat-completion") answers through Anthropic', async () => {
    const secrets = new MemorySecretStore({ secrets: { ANTHROPIC_API_KEY: "sk-ant-found-0123456789", ANTHROPIC_BASE_URL: anthropic.origin } });
    const client = create("chat-completion", { secrets: { instance: secrets } });
    try {
      const completion = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
      expect(completion.choices[0]?.message.content).toMatch(/^Hello from claude-[a-z0-9-]+: Hi$/);
      expect(anthropic.requests.at(-1)?.headers["x-api-key"]).toBe("sk-ant-found-0123456789");
    } finally {
      await client.close();
    }
  });

  it('with only GEMINI_API_KEY set, create("chat-completion") answers through Gemini, key in the header', async () => {
    const secrets = new MemorySecretStore({ secrets: { GEMINI_API_KEY: "AIzaDiscovered0123456789abcdefghijkl", GEMINI_BASE_URL: gemini.origin } });
    const client = create("chat-completion", { secrets: { instance: secrets } });
    try {
      const completion = await client.chat.completions.create({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
      expect(completion.choices[0]?.message.content).toBe("Hello from gemini-2.5-flash: Hi");
      expect(gemini.requests.at(-1)?.headers["x-goog-api-key"]).toBe("AIzaDiscovered0123456789abcdefghijkl");
    } finally {
      await client.close();
    }
  });

  it('providers: ["openai", "anthropic"] builds both and serves from either', async () => {
    const secrets = new MemorySecretStore({
      secrets: { OPENAI_API_KEY: "sk-openai-discovered-0123456789", OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: "sk-ant-found-0123456789", ANTHROPIC_BASE_URL: anthropic.origin },
    });
    registerConnector(OpenAIProvider.connectorId, OpenAIProvider, { kind: "provider", aliases: ["openai"] });
    const client = create("chat-completion", { providers: ["openai", "anthropic"], secrets: { instance: secrets } });
    try {
      const viaOpenAI = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
      const viaAnthropic = await client.chat.completions.create({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hi" }] });
      expect(viaOpenAI.model).toMatch(/^gpt-4o-mini/);
      expect(viaAnthropic.choices[0]?.message.content).toBe("Hello from claude-haiku-4-5: Hi");
    } finally {
      await client.close();
    }
  });
});

describe("the FAQ's failover and browser examples", () => {
  let anthropic: FakeAnthropic;
  let gemini: FakeGemini;
  let openai: FakeOpenAI;
  beforeAll(async () => {
    registerAll();
    registerConnector(OpenAIProvider.connectorId, OpenAIProvider, { kind: "provider", aliases: ["openai"] });
    [anthropic, gemini, openai] = await Promise.all([startFakeAnthropic(), startFakeGemini(), startFakeOpenAI()]);
  });
  afterAll(() => Promise.all([anthropic.close(), gemini.close(), openai.close()]));

  it("OpenAI failing, then Anthropic overloaded: the caller gets Gemini's answer", async () => {
    openai.setMode({ kind: "error", status: 500 });
    anthropic.setMode({ kind: "error", status: 529 });
    const secrets = new MemorySecretStore({
      secrets: {
        OPENAI_API_KEY: "sk-openai-failover-0123456789", OPENAI_BASE_URL: openai.url,
        ANTHROPIC_API_KEY: "sk-ant-failover-0123456789", ANTHROPIC_BASE_URL: anthropic.origin,
        GOOGLE_API_KEY: "AIzaFailover0123456789abcdefghijklmno", GEMINI_BASE_URL: gemini.origin,
      },
    });
    const client = create({ config: { pools: { chat: { capability: "chat-completion", strategy: "priority", retry: { max_retries: 0 } } } }, secrets: { instance: secrets } });
    try {
      const completion = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hello" }] });
      expect(completion.model).toMatch(/^gemini-/);
      expect(completion.choices[0]?.message.content).toBe(`Hello from ${completion.model}: Hello`);
      expect(openai.requests.length).toBeGreaterThan(0);
      expect(anthropic.requests.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('providers: [{ connector: "anthropic.llm.v1", config: { apiKey } }] in a browser sends the direct-access header', async () => {
    vi.stubGlobal("document", {});
    anthropic.reset();
    const client = create("chat-completion", { providers: [{ connector: "anthropic.llm.v1", config: { apiKey: "sk-ant-browser-0123456789", baseUrl: anthropic.url } }] });
    try {
      const completion = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hello from the browser!" }] });
      expect(completion.choices[0]?.message.content).toBe(`Hello from ${completion.model}: Hello from the browser!`);
      expect(anthropic.requests.at(-1)?.headers["anthropic-dangerous-direct-browser-access"]).toBe("true");
    } finally {
      vi.unstubAllGlobals();
      await client.close();
    }
  });
});

describe("contract", () => {
  beforeAll(registerAll);
  discoveryContract("AutoDiscovery (Anthropic key)", (config) => new AutoDiscovery(config), { ANTHROPIC_API_KEY: "sk-ant-discovery-00000" });
  discoveryContract("AutoDiscovery (Gemini key)", (config) => new AutoDiscovery(config), { GEMINI_API_KEY: "AIza-discovery-000000000000000000" });
});
