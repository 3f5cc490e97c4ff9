/**
 * What `model` may name, and what it may not: a request is refused (400-class, `param: "model"`) when the named pool,
 * capability or model cannot serve its kind, or when it names nothing; and whatever names callers send, no state
 * grows from them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProxy } from "../../../cors-proxy/src/handler.js";
import { capabilities, create, InvalidRequestError, ModelMeshError, NoCapableModelError, type MeshClient } from "../../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";

const CHAT = "generation.text-generation.chat-completion";
const EMBEDDINGS = "representation.embeddings.text-embeddings";
const hello = [{ role: "user" as const, content: "Hello" }];

let fake: FakeOpenAI;
let client: MeshClient;

beforeEach(async () => {
  fake = await startFakeOpenAI({ name: "names", models: ["gpt-4o", "text-embedding-3-small"] });
  client = create({
    config: {
      providers: {
        openai: {
          connector: "openai-compatible",
          config: { base_url: fake.url, api_key: "sk-names-000000000000", models: [{ id: "gpt-4o", capabilities: [CHAT] }, { id: "text-embedding-3-small", capabilities: [EMBEDDINGS] }] },
        },
      },
      pools: { chat: { capability: "chat-completion" }, embeddings: { capability: "text-embeddings" } },
    },
  });
  await client.ready();
});
afterEach(async () => {
  await client.close();
  await fake.close();
});

async function refusal(promise: Promise<unknown>): Promise<ModelMeshError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ModelMeshError);
  return error as ModelMeshError;
}

describe("a request the named model cannot serve", () => {
  it("is refused for chat to an embeddings pool, capability or model, before anything is sent", async () => {
    for (const model of ["embeddings", "text-embeddings", EMBEDDINGS, "text-embedding-3-small", "openai/text-embedding-3-small"]) {
      const error = await refusal(client.chat.completions.create({ model, messages: hello }));
      expect(error, model).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).param).toBe("model");
      expect(error.message).toContain("cannot answer chat completions");
    }
    expect(fake.requests).toEqual([]);
  });

  it("is refused for embeddings to a chat pool, capability or model", async () => {
    for (const model of ["chat", "chat-completion", CHAT, "gpt-4o"]) {
      const error = await refusal(client.embeddings.create({ model, input: "x" }));
      expect(error, model).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).param).toBe("model");
    }
    expect(fake.requests).toEqual([]);
  });

  it("is refused when model is missing or empty", async () => {
    for (const body of [{ messages: hello }, { model: "", messages: hello }]) {
      const error = await refusal(client.chat.completions.create(body as never));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).param).toBe("model");
    }
    const error = await refusal(client.embeddings.create({ input: "x" } as never));
    expect((error as InvalidRequestError).param).toBe("model");
    expect(fake.requests).toEqual([]);
  });

  it("still serves the right kind by pool, capability and model id", async () => {
    for (const model of ["chat", "chat-completion", CHAT, "gpt-4o", "openai/gpt-4o"]) {
      expect((await client.chat.completions.create({ model, messages: hello })).model).toMatch(/^gpt-4o/);
    }
    for (const model of ["embeddings", "text-embeddings", "text-embedding-3-small"]) {
      expect((await client.embeddings.create({ model, input: "x" })).data).toHaveLength(1);
    }
  });

  it("gets 400 with param \"model\" through the proxy", async () => {
    const proxy = createProxy({ mesh: client, listening: { host: "127.0.0.1" } });
    const post = (path: string, body: unknown) => proxy.handle(new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
    for (const [path, body] of [
      ["/v1/chat/completions", { model: "embeddings", messages: hello }],
      ["/v1/chat/completions", { model: "text-embedding-3-small", messages: hello }],
      ["/v1/embeddings", { model: "chat", input: "x" }],
      ["/v1/chat/completions", { messages: hello }],
    ] as const) {
      const response = await post(path, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const { error } = (await response.json()) as { error: { param: string | null; type: string } };
      expect(error).toMatchObject({ param: "model", type: "invalid_request_error" });
    }
    expect(fake.requests).toEqual([]);
  });
});

describe("model names callers make up", () => {
  const footprint = () => ({ pools: Object.keys(client.poolStatus()).sort(), describe: JSON.stringify(client.describe()).length, usage: JSON.stringify(client.usage) });

  it("leave no state behind: 1,000 unknown names do not grow pools, describe() or usage", async () => {
    await client.chat.completions.create({ model: "chat", messages: hello });
    const before = footprint();
    const random = () => Math.random().toString(36).slice(2);
    // Made-up names, and real capability names (in odd spellings) that no model here offers or that are of another kind.
    const capabilityNames = capabilities.listAll().filter((name) => name !== "chat-completion" && name !== "text-embeddings");
    const oddly = (name: string) => [name, name.toUpperCase(), ` ${name} `, `generation.text-generation.${name}`][Math.floor(Math.random() * 4)]!;
    for (let index = 0; index < 1000; index++) {
      const model = [random(), `${random()}/${random()}`, `generation.${random()}`, oddly(capabilityNames[index % capabilityNames.length]!)][index % 4]!;
      const error = await refusal(client.chat.completions.create({ model, messages: hello }));
      expect([NoCapableModelError, InvalidRequestError].some((kind) => error instanceof kind), `${model}: ${error.message}`).toBe(true);
    }
    expect(footprint()).toEqual(before);
    expect(fake.requests.filter((request) => request.path === "/v1/chat/completions")).toHaveLength(1);
  });

  it("share one pool whatever spelling of a capability they use", async () => {
    const spellings = ["code-generation", "generation.text-generation.code-generation", "text-generation.code-generation"];
    const implicit = create({
      config: { providers: { openai: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-names-1111111111", models: [{ id: "gpt-4o", capabilities: ["generation.text-generation.code-generation"] }] } } } },
    });
    try {
      await implicit.ready();
      for (const model of spellings) await implicit.chat.completions.create({ model, messages: hello });
      expect(Object.keys(implicit.poolStatus()).filter((name) => name.includes("code"))).toEqual(["code-generation"]);
      expect(Object.keys(implicit.usage.byPool)).toEqual(["code-generation"]);
      // A capability no model offers makes no pool either.
      const error = await refusal(implicit.chat.completions.create({ model: "chat-completion", messages: hello }));
      expect(error).toBeInstanceOf(NoCapableModelError);
      expect(Object.keys(implicit.poolStatus())).not.toContain("chat-completion");
    } finally {
      await implicit.close();
    }
  });

  it("a 1 MB name is refused with a typed error that does not echo it", async () => {
    const model = "m".repeat(1024 * 1024);
    const before = footprint();
    const error = await refusal(client.chat.completions.create({ model, messages: hello }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).param).toBe("model");
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).toContain("1048576");
    expect(JSON.stringify(error.toJSON()).length).toBeLessThan(1000);
    expect(footprint()).toEqual(before);
  });
});
