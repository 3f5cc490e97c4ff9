/**
 * The user's FAQ, as written: every TypeScript snippet is extracted from `../shared/spec/000_0f49a3117413170e.txt`
 * at test time, type-checked under `strict`, and the runnable ones are run against fake servers on 127.0.0.1.
 * Only the package name is mapped (`@nistrapa/modelmesh-core` → this repository's `modelmesh`).
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BaseSecretStore, create, createBaseProviderConfig, type BaseProvider, type BaseStorage, type MeshClient } from "../../src/index.js";
import { startFakeAnthropic } from "../fakes/anthropic.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { testClock } from "../support/mesh.js";
import { compileSnippets, HERE } from "./compile.js";
import { extractTypeScriptSnippets, type FaqSnippet } from "./extract.js";
import { removeRunFiles, runSnippet } from "./run.js";
import { createRedisClient, resetRedis } from "./user-code/redis-client.js";
import { VaultSecretStore as UserVaultSecretStore } from "./user-code/connectors/vault-store.js";

const SPEC = resolve(HERE, "../../../../shared/spec/000_0f49a3117413170e.txt");
if (!existsSync(SPEC)) {
  // Not a skip: without the FAQ this suite proves nothing, and CI must say so.
  throw new Error(`the FAQ is missing: ${SPEC} (the repository expects ../shared/spec beside it)`);
}
const snippets = extractTypeScriptSnippets(readFileSync(SPEC, "utf8"));

/** Each snippet by a phrase only it contains, so a reordered FAQ still finds the right one. */
const snippet = (phrase: string): FaqSnippet => {
  const found = snippets.filter((item) => item.code.includes(phrase));
  if (found.length !== 1) throw new Error(`expected one FAQ snippet containing ${JSON.stringify(phrase)}, found ${found.length}`);
  return found[0]!;
};

/** What the harness does with each snippet; one that is not listed here fails the suite, so a new one is noticed. */
const PLAN: Array<{ phrase: string; run: boolean; why?: string }> = [
  { phrase: 'content: "Summarize this"', run: true },
  { phrase: "mockClient({", run: true },
  { phrase: 'from "@corp/modelmesh-connectors"', run: true },
  { phrase: "registerConnector(", run: true },
  { phrase: "class CorpLLMProvider", run: true },
  { phrase: "class CostAwareStrategy", run: true },
  { phrase: "class VaultSecretStore", run: true },
  { phrase: "class RedisStorage", run: true },
  { phrase: "class LoggingMiddleware", run: true },
  { phrase: "e instanceof RateLimitError", run: true },
  { phrase: "Write a poem about AI", run: true },
  { phrase: 'connector: "anthropic.llm.v1"', run: true },
  { phrase: 'proxyUrl: "http://localhost:3000/proxy/"', run: true },
  { phrase: "Hello from Node.js", run: true },
  { phrase: "chrome.storage.local.get", run: false, why: "needs a Chrome extension (chrome.storage, localStorage, modelmesh.browser-secrets.v1); type-checked only" },
];

const KEY_NAMES = Object.keys(process.env).filter((name) => /_API_KEY$|_BASE_URL$/.test(name));
const savedEnv = Object.fromEntries(KEY_NAMES.map((name) => [name, process.env[name]]));
const globals = globalThis as Record<string, unknown>;

let fake: FakeOpenAI;
const clients: MeshClient[] = [];
const servers: Server[] = [];

beforeEach(async () => {
  // Providers come only from what each test sets: no key of the machine running the tests leaks in.
  for (const name of KEY_NAMES) delete process.env[name];
  fake = await startFakeOpenAI({ name: "faq" });
  process.env.OPENAI_API_KEY = "sk-faq-test-0123456789";
  process.env.OPENAI_BASE_URL = fake.url;
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
  await fake.close();
  delete process.env.OPENAI_API_KEY;
  delete process.env.OPENAI_BASE_URL;
  for (const name of ["client", "userEnteredKey", "createRedisClient", "expect"]) delete globals[name];
});
afterAll(() => {
  Object.assign(process.env, savedEnv);
  removeRunFiles();
});

/** A JSON server on 127.0.0.1 for the reader's own services (a corporate LLM, Vault). */
async function jsonServer(answer: (request: IncomingMessage, body: any) => { status?: number; body: unknown }) {
  const received: Array<{ url: string; headers: IncomingMessage["headers"]; body: any }> = [];
  const server = createServer(async (request, response) => {
    let text = "";
    for await (const chunk of request) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    received.push({ url: request.url ?? "", headers: request.headers, body });
    const reply = answer(request, body);
    response.writeHead(reply.status ?? 200, { "content-type": "application/json" });
    response.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function captureConsole(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => void lines.push(parts.map(String).join(" ")));
  return lines;
}

/** Every key of a JSON value, at any depth. */
function allKeys(value: unknown, keys = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => allKeys(item, keys));
  else if (value && typeof value === "object") for (const [key, item] of Object.entries(value)) keys.add(key), allKeys(item, keys);
  return keys;
}

describe("the FAQ's TypeScript snippets", () => {
  it("are found in the FAQ: 15 of them, each planned for", () => {
    expect(snippets.map((item) => item.line)).toEqual([31, 178, 309, 312, 369, 421, 464, 499, 597, 633, 748, 825, 837, 850, 868]);
    const planned = PLAN.map((entry) => snippet(entry.phrase).index).sort((a, b) => a - b);
    expect(planned).toEqual(snippets.map((item) => item.index));
    // Each ends where the TypeScript ends, not in the prose glued after it.
    for (const item of snippets) expect(item.code.trimEnd()).toMatch(/[;}]$/);
  });

  it("all compile under strict with the FAQ's imports", { timeout: 60_000 }, () => {
    const diagnostics = compileSnippets(snippets);
    const failures = [...diagnostics].filter(([, messages]) => messages.length > 0).map(([index, messages]) => `snippet ${index}:\n  ${messages.join("\n  ")}`);
    expect(failures, failures.join("\n")).toEqual([]);
  });

  it("Q2/Q18: create() discovers OpenAI from OPENAI_API_KEY and answers in the OpenAI wire shape", async () => {
    for (const phrase of ['content: "Summarize this"', "Hello from Node.js"]) {
      fake.reset();
      const { client, response } = await runSnippet<{ client: MeshClient; response: any }>(snippet(phrase));
      clients.push(client);
      const sent = fake.requests.filter((request) => request.path === "/v1/chat/completions");
      expect(sent).toHaveLength(1);
      expect(sent[0]!.headers.authorization).toBe("Bearer sk-faq-test-0123456789");
      expect(response.choices[0].message.content).toBe(`Hello from ${sent[0]!.body.model}: ${sent[0]!.body.messages.at(-1).content}`);
      expect(response.usage.total_tokens).toBeGreaterThan(0);
    }
  });

  it("Q8: mockClient answers from its script, and calls record what the caller asked for", async () => {
    globals.expect = expect;
    const { client, resp } = await runSnippet<{ client: any; resp: any }>(snippet("mockClient({"));
    expect(resp.model).toBe("gpt-4o");
    expect(client.calls[0].model).toBe("chat-completion");
    await client.close();
  });

  it("Q10: the reader's VaultSecretStore, imported from a shared package and registered, serves keys from Vault", async () => {
    const { VaultSecretStore } = await runSnippet<{ VaultSecretStore: typeof UserVaultSecretStore }>(snippet('from "@corp/modelmesh-connectors"'));
    expect(VaultSecretStore.prototype).toBeInstanceOf(BaseSecretStore);
    await runSnippet(snippet("registerConnector("));
    const vault = await jsonServer((request) =>
      request.url === "/v1/secret/data/OPENAI_API_KEY" ? { body: { data: { data: { value: "sk-from-vault-42424242" } } } } : { status: 404, body: { errors: [] } },
    );
    // The FAQ's YAML after registration, with a provider that takes its key from the store.
    const client = create("chat-completion", {
      config: `
secrets:
  store: corp.vault-secrets.v1
  config:
    vault_url: ${vault.url}
providers:
  openai:
    connector: openai.llm.v1
    config:
      api_key: "\${secrets:OPENAI_API_KEY}"
      base_url: ${fake.url}
`,
    });
    clients.push(client);
    await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
    expect(vault.received.map((request) => request.url)).toContain("/v1/secret/data/OPENAI_API_KEY");
    expect(fake.requests.at(-1)!.headers.authorization).toBe("Bearer sk-from-vault-42424242");
  });

  it("Q10: a custom provider returning the FAQ's camelCase CompletionResponse reaches callers in the wire shape", async () => {
    const { CorpLLMProvider } = await runSnippet<{ CorpLLMProvider: new (config: unknown) => BaseProvider }>(snippet("class CorpLLMProvider"));
    const corp = await jsonServer((_request, body) => ({ body: { request_id: "req-7", model: body.model_name, output: `echo: ${body.prompt}`, tokens_in: 5, tokens_out: 3 } }));
    const provider = new CorpLLMProvider(createBaseProviderConfig({ baseUrl: corp.url, apiKey: "corp-token-1", models: [{ id: "corp-llm" }] }));
    const client = create("chat-completion", { providers: [{ instance: provider }] });
    clients.push(client);
    const response = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "ping" }] });
    expect(corp.received).toHaveLength(1);
    expect(corp.received[0]!.url).toBe("/api/generate");
    expect(corp.received[0]!.headers["x-corp-token"]).toBe("corp-token-1");
    expect(corp.received[0]!.body).toEqual({ prompt: "ping", model_name: "corp-llm", params: { temperature: 0.7 } });
    expect(response).toMatchObject({ id: "req-7", object: "chat.completion", model: "corp-llm" });
    expect(response.choices[0]).toEqual({ index: 0, message: { role: "assistant", content: "echo: ping", refusal: null }, finish_reason: "stop", logprobs: null });
    expect(response.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
    expect([...allKeys(JSON.parse(JSON.stringify(response)))].filter((key) => /[A-Z]/.test(key))).toEqual([]);
  });

  it("Q10: the custom CostAwareStrategy picks the model with the lowest accumulated cost", async () => {
    const { CostAwareStrategy } = await runSnippet<{ CostAwareStrategy: new () => any }>(snippet("class CostAwareStrategy"));
    const second = await startFakeOpenAI({ name: "faq-b", models: ["beta"] });
    try {
      const model = (id: string) => ({ id, capabilities: ["generation.text-generation.chat-completion"], pricing: { input: 1, output: 1 } });
      const client = create("chat-completion", {
        providers: [
          { name: "a", connector: "openai-compatible", config: { baseUrl: fake.url, apiKey: "sk-a-000000000000", models: [model("gpt-4o")] } },
          { name: "b", connector: "openai-compatible", config: { baseUrl: second.url, apiKey: "sk-b-000000000000", models: [model("beta")] } },
        ],
        strategy: new CostAwareStrategy(),
      });
      clients.push(client);
      const served: string[] = [];
      for (let index = 0; index < 3; index++) {
        served.push((await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "x".repeat(40 * (index + 1)) }] })).model);
      }
      // a costs something after the first answer, so b (still at 0) serves next; then b is dearer.
      expect(served.map((name) => (name.startsWith("beta") ? "b" : "a"))).toEqual(["a", "b", "a"]);
      const costs = client.usage.byProvider;
      expect(costs.a!.cost).toBeGreaterThan(0);
      expect(costs.b!.cost).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });

  it("Q10: the FAQ's own VaultSecretStore builds and, as written, resolves nothing", async () => {
    const { VaultSecretStore } = await runSnippet<{ VaultSecretStore: new (config: { vault_url: string }) => BaseSecretStore }>(snippet("class VaultSecretStore"));
    const store = new VaultSecretStore({ vault_url: "https://vault.corp" });
    expect(await store.has("OPENAI_API_KEY")).toBe(false);
  });

  it("Q10: the custom RedisStorage keeps usage and model state across restarts", async () => {
    globals.createRedisClient = createRedisClient;
    resetRedis();
    const { RedisStorage } = await runSnippet<{ RedisStorage: new (config: { host?: string }) => BaseStorage }>(snippet("class RedisStorage"));
    const first = create("chat-completion", { storage: { instance: new RedisStorage({ host: "redis.test" }) } });
    await first.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
    await first.close();
    const saved = createRedisClient("redis.test");
    expect(await saved.keys("modelmesh:*")).toEqual(["modelmesh:modelmesh/state"]);
    const restarted = create("chat-completion", { storage: { instance: new RedisStorage({ host: "redis.test" }) } });
    clients.push(restarted);
    await restarted.ready();
    expect(restarted.usage.requests).toBe(1);
    expect(restarted.usage.totalTokens).toBeGreaterThan(0);
  });

  it("Q13: LoggingMiddleware reads usage?.totalTokens, and callers still get exactly the wire shape", async () => {
    const lines = captureConsole();
    const { client } = await runSnippet<{ client: MeshClient }>(snippet("class LoggingMiddleware"));
    clients.push(client);
    const response = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hello" }] });
    const total = response.usage!.total_tokens;
    expect(total).toBeGreaterThan(0);
    expect(lines).toEqual([`>>> chat-completion → ${fake.requests[0]!.body.model}`, `<<< ${fake.requests[0]!.body.model}: ${total} tokens`]);
    expect([...allKeys(JSON.parse(JSON.stringify(response)))].filter((key) => /[A-Z]/.test(key))).toEqual([]);
    expect(Object.keys(response.choices[0]!)).not.toContain("finishReason");
  });

  it("Q14: a request whose every attempt was rate limited is caught as RateLimitError with the shortest retryAfter", async () => {
    const second = await startFakeOpenAI({ name: "faq-b", models: ["beta"] });
    try {
      fake.setMode({ kind: "error", status: 429, headers: { "retry-after": "30" } });
      second.setMode({ kind: "error", status: 429, headers: { "retry-after": "7" } });
      const model = (id: string) => ({ id, capabilities: ["generation.text-generation.chat-completion"] });
      globals.client = create("chat-completion", {
        providers: [
          { name: "a", connector: "openai-compatible", config: { baseUrl: fake.url, apiKey: "sk-a-000000000000", models: [model("gpt-4o")] } },
          { name: "b", connector: "openai-compatible", config: { baseUrl: second.url, apiKey: "sk-b-000000000000", models: [model("beta")] } },
        ],
        config: { defaults: { retry: { max_retries: 0 } } },
      });
      clients.push(globals.client as MeshClient);
      const lines = captureConsole();
      await runSnippet(snippet("e instanceof RateLimitError"));
      expect(lines).toEqual(["Rate limited, retry after 7s"]);
      expect(fake.requests.length + second.requests.length).toBe(2);
    } finally {
      await second.close();
    }
  });

  it("Q14: when every attempt failed otherwise, e.attempts is the number of attempts", async () => {
    fake.setMode({ kind: "error", status: 500 });
    const clock = testClock();
    globals.client = create("chat-completion", {
      providers: [{ name: "a", connector: "openai-compatible", config: { baseUrl: fake.url, apiKey: "sk-a-000000000000", models: [{ id: "gpt-4o" }] } }],
      config: { defaults: { retry: { max_retries: 2 }, deactivation: { failure_threshold: 10 } } },
      clock,
    });
    clients.push(globals.client as MeshClient);
    const lines = captureConsole();
    await runSnippet(snippet("e instanceof RateLimitError"));
    expect(fake.requests).toHaveLength(3);
    expect(lines).toEqual(["All 3 attempts failed"]);
  });

  it("Q16: streaming writes the answer chunk by chunk", async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation(((text: string) => (written.push(text), true)) as typeof process.stdout.write);
    const { client } = await runSnippet<{ client: MeshClient }>(snippet("Write a poem about AI"));
    clients.push(client);
    const sent = fake.requests.find((request) => request.path === "/v1/chat/completions")!;
    expect(sent.body.stream).toBe(true);
    expect(written.length).toBeGreaterThan(1);
    expect(written.join("")).toMatch(/Write a poem about AI$/);
  });

  it("Q19: a BrowserBaseProvider with a CORS proxy URL builds without exposing the key", async () => {
    globals.userEnteredKey = "sk-user-typed-0000000";
    const { provider } = await runSnippet<{ provider: BaseProvider }>(snippet('proxyUrl: "http://localhost:3000/proxy/"'));
    expect(provider.toJSON()).toMatchObject({ baseUrl: expect.stringMatching(/^https:\/\/api\.openai\.com/), proxyUrl: "http://localhost:3000/proxy/" });
    expect(JSON.stringify(provider)).not.toContain("sk-user-typed");
  });

  it("Q19: Anthropic straight from a browser-like scope, with the key the person typed and the direct-access header", async () => {
    const anthropic = await startFakeAnthropic();
    // The snippet names no base URL: ANTHROPIC_BASE_URL points the connector at the fake, as it would at a gateway.
    process.env.ANTHROPIC_BASE_URL = anthropic.origin;
    globals.userEnteredKey = "user-typed-anthropic-key-01";
    // A page: the connector sends Anthropic's direct-browser-access header only where a document exists.
    globals.document = {};
    try {
      const { client, response } = await runSnippet<{ client: MeshClient; response: any }>(snippet('connector: "anthropic.llm.v1"'));
      clients.push(client);
      const sent = anthropic.requests.filter((request) => request.path === "/v1/messages");
      // The pool holds every Anthropic chat model; the fake serves fewer, so a model it lacks (404) fails over to one
      // it has. Every request carries the typed key and the direct-access header; the last one answered.
      expect(sent.length).toBeGreaterThanOrEqual(1);
      for (const request of sent) {
        expect(request.headers["x-api-key"]).toBe("user-typed-anthropic-key-01");
        expect(request.headers["anthropic-dangerous-direct-browser-access"]).toBe("true");
        expect(request.headers["anthropic-version"]).toBe("2023-06-01");
        expect((request.body as { messages: unknown }).messages).toEqual([{ role: "user", content: [{ type: "text", text: "Hello from the browser!" }] }]);
        expect(typeof (request.body as { max_tokens?: unknown }).max_tokens).toBe("number");
      }
      expect(response.model).toBe((sent.at(-1)!.body as { model: string }).model);
      expect(response.object).toBe("chat.completion");
      expect(typeof response.choices[0].message.content).toBe("string");
      // OpenAI was configured too (beforeEach), but the snippet names only Anthropic.
      expect(fake.requests.filter((request) => request.path === "/v1/chat/completions")).toHaveLength(0);
    } finally {
      delete globals.document;
      delete process.env.ANTHROPIC_BASE_URL;
      await anthropic.close();
    }
  });

  it("snippets that are only type-checked say why", () => {
    const compileOnly = PLAN.filter((entry) => !entry.run);
    for (const entry of compileOnly) expect(entry.why).toBeTruthy();
    expect(compileOnly.map((entry) => snippet(entry.phrase).line)).toEqual([868]);
  });
});
