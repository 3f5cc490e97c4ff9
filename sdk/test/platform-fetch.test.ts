import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { create, type MeshClient } from "modelmesh";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { isDefaultDispatcher, nodeTransportFits } from "../src/internal/platform-fetch.js";

// Which transport a provider with no `fetch` of its own sends through, told apart by what the fake server receives:
// Node's own fetch adds the browser-like headers of the Fetch standard (`sec-fetch-mode: cors`, `accept-language: *`,
// `accept-encoding: gzip, deflate`); modelmesh/node-fetch (undici's dispatcher) sends only what the provider wrote.
const CHAT = "generation.text-generation.chat-completion";
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
let fake: FakeOpenAI | undefined;
let mesh: MeshClient | undefined;

/** A source file of the SDK, as a quoted path for a script's `import()`. */
const source = (path: string) => JSON.stringify(fileURLToPath(new URL(`../src/${path}`, import.meta.url)));

/** Runs an ES module script in a fresh Node process (through tsx, so it can import the SDK's sources). */
const runFresh = (script: string, env: Record<string, string> = {}) => promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { env: { ...process.env, ...env } });

afterEach(async () => {
  vi.unstubAllGlobals();
  await mesh?.close();
  await fake?.close();
  mesh = undefined;
  fake = undefined;
});

async function chatOnce(options: { fetch?: typeof fetch } = {}): Promise<Record<string, string>> {
  fake ??= await startFakeOpenAI({ name: "platform", models: ["gpt-4o-mini"] });
  mesh ??= create({ ...options, config: { providers: { openai: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-platform-test", models: [{ id: "gpt-4o-mini", capabilities: [CHAT] }] } } } } });
  const reply = await mesh.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "which way?" }] });
  expect(reply.choices[0]?.message.content).toBe("Hello from gpt-4o-mini: which way?");
  const request = fake.requests.at(-1)!;
  expect(request.headers.authorization).toBe("Bearer sk-platform-test");
  return request.headers;
}

const sentByNodesFetch = (headers: Record<string, string>) => headers["sec-fetch-mode"] === "cors";

describe("the transport of a provider given no fetch, in Node", () => {
  it("is modelmesh/node-fetch: the fake receives none of the headers Node's fetch adds", async () => {
    const headers = await chatOnce();
    expect(headers["sec-fetch-mode"]).toBeUndefined();
    expect(headers["accept-encoding"]).toBeUndefined();
    expect(headers["content-type"]).toBe("application/json");
    // A second request goes the same way.
    expect(sentByNodesFetch(await chatOnce())).toBe(false);
    expect(fake!.requests).toHaveLength(2);
  });

  it("is Node's own fetch when the global fetch was replaced after the package loaded (a stub, an interceptor)", async () => {
    const nodesFetch = globalThis.fetch;
    const calls: string[] = [];
    vi.stubGlobal("fetch", (input: string | URL | Request, init?: RequestInit) => {
      calls.push(String(input));
      return nodesFetch(input, init);
    });
    const headers = await chatOnce();
    expect(calls).toEqual([`${fake!.url}/chat/completions`]);
    expect(sentByNodesFetch(headers)).toBe(true);
    // Put back, the default transport takes over again for the same client.
    vi.unstubAllGlobals();
    expect(sentByNodesFetch(await chatOnce())).toBe(false);
    expect(calls).toHaveLength(1);
  });

  it("is Node's own fetch while a dispatcher other than a plain Agent is set for every fetch (a ProxyAgent, a MockAgent)", async () => {
    expect(sentByNodesFetch(await chatOnce())).toBe(false);
    const global = globalThis as Record<symbol, unknown>;
    const before = global[GLOBAL_DISPATCHER];
    const { Agent } = await import("undici");
    class ProxyAgent extends Agent {}
    try {
      global[GLOBAL_DISPATCHER] = new ProxyAgent();
      expect(sentByNodesFetch(await chatOnce())).toBe(true);
      global[GLOBAL_DISPATCHER] = new Agent();
      expect(sentByNodesFetch(await chatOnce())).toBe(false);
      // undici's default Agent as a bundler renames it on a clash (esbuild: Agent2) is still the default.
      class Agent2 extends Agent {}
      global[GLOBAL_DISPATCHER] = new Agent2();
      expect(sentByNodesFetch(await chatOnce())).toBe(false);
    } finally {
      global[GLOBAL_DISPATCHER] = before ?? new Agent();
    }
  });

  it("is the fetch given to create(), whatever the platform", async () => {
    const calls: string[] = [];
    const given = ((input: string | URL | Request, init?: RequestInit) => {
      calls.push(String(input));
      return globalThis.fetch(input, init);
    }) as typeof fetch;
    expect(sentByNodesFetch(await chatOnce({ fetch: given }))).toBe(true);
    expect(calls).toHaveLength(1);
  });
});

describe("the transport of a provider given no fetch, in a fresh Node process", () => {
  it("is Node's own fetch under NODE_USE_ENV_PROXY (Node's fetch then honours HTTP(S)_PROXY), the Node transport otherwise", async () => {
    fake = await startFakeOpenAI({ name: "platform", models: ["gpt-4o-mini"] });
    const script = `const { create } = await import(${source("index.ts")});
      const mesh = create({ config: { providers: { openai: { connector: "openai-compatible", config: { base_url: ${JSON.stringify(fake.url)}, api_key: "sk-platform-test", models: [{ id: "gpt-4o-mini", capabilities: ["chat-completion"] }] } } } } });
      const reply = await mesh.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "which way?" }] });
      console.log(reply.choices[0].message.content);
      await mesh.close();`;
    const run = (env: Record<string, string>) => runFresh(script, env);
    expect((await run({})).stdout.trim()).toBe("Hello from gpt-4o-mini: which way?");
    expect(sentByNodesFetch(fake.requests.at(-1)!.headers)).toBe(false);
    expect((await run({ NODE_USE_ENV_PROXY: "1" })).stdout.trim()).toBe("Hello from gpt-4o-mini: which way?");
    expect(sentByNodesFetch(fake.requests.at(-1)!.headers)).toBe(true);
  }, 30_000);
});

describe("the transport of a request sent before any create(), in a fresh Node process", () => {
  it("is Node's own fetch until an entry sets up the Node transport, then the Node transport: the choice is not fixed early", async () => {
    fake = await startFakeOpenAI({ name: "platform", models: ["gpt-4o-mini"] });
    const script = `const { platformFetch } = await import(${source("internal/platform-fetch.ts")});
      const { create } = await import(${source("index.ts")});
      const models = ${JSON.stringify(`${fake.url}/models`)};
      const auth = { headers: { authorization: "Bearer sk-platform-test" } };
      const before = await platformFetch(models, auth);
      const mesh = create({ config: { providers: { openai: { connector: "openai-compatible", config: { base_url: ${JSON.stringify(fake.url)}, api_key: "sk-platform-test", models: [{ id: "gpt-4o-mini", capabilities: ["chat-completion"] }] } } } } });
      const after = await platformFetch(models, auth);
      console.log(before.status, after.status);
      await mesh.close();`;
    const { stdout } = await runFresh(script);
    expect(stdout.trim()).toBe("200 200");
    const sent = fake.requests.filter((request) => request.path === "/v1/models").map((request) => sentByNodesFetch(request.headers));
    expect(sent).toEqual([true, false]);
  }, 30_000);
});

describe("when the Node transport may stand in for fetch", () => {
  // What Node 20's own fetch looks like to Function.prototype.toString (its source names the bundled undici).
  const nodesOwn = globalThis.fetch;
  const replaced = (async () => new Response("")) as typeof fetch;
  const node = { versions: { node: "20.20.2" }, env: {} };

  it("in Node with Node's own fetch and no env proxy", () => {
    expect(Function.prototype.toString.call(nodesOwn)).toContain("undici");
    expect(nodeTransportFits(node, nodesOwn)).toBe(true);
    expect(nodeTransportFits({ versions: { node: "20.20.2" } }, nodesOwn)).toBe(true);
  });

  it.each([
    ["no process (a browser, a worker, an extension)", undefined, nodesOwn],
    ["a process without versions", { env: {} }, nodesOwn],
    ["a process that is not Node", { versions: {}, env: {} }, nodesOwn],
    ["Bun (it sets versions.node too)", { versions: { node: "22.6.0", bun: "1.2.0" }, env: {} }, nodesOwn],
    ["Deno (it sets versions.node too)", { versions: { node: "22.0.0", deno: "2.1.0" }, env: {} }, nodesOwn],
    ["NODE_USE_ENV_PROXY set", { versions: { node: "24.0.0" }, env: { NODE_USE_ENV_PROXY: "1" } }, nodesOwn],
    ["no fetch at all", node, undefined],
    ["a fetch replaced before ModelMesh loaded", node, replaced],
  ] as const)("not with %s", (_case, process, fetchFunction) => {
    expect(nodeTransportFits(process, fetchFunction)).toBe(false);
  });

  it("treats undici's default Agent (also as a bundler renames it) as nobody's choice, any other dispatcher as a choice", () => {
    class Agent {}
    class Agent2 {}
    class ProxyAgent {}
    class MockAgent {}
    class MyAgent {}
    class AgentOfMine {}
    expect(isDefaultDispatcher(undefined)).toBe(true);
    expect(isDefaultDispatcher(new Agent())).toBe(true);
    expect(isDefaultDispatcher(new Agent2())).toBe(true);
    for (const chosen of [new ProxyAgent(), new MockAgent(), new MyAgent(), new AgentOfMine(), Object.create(null) as object]) {
      expect(isDefaultDispatcher(chosen)).toBe(false);
    }
  });
});
