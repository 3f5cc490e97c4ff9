/**
 * How core/mesh.ts resolves `model` (a pool, a capability or a model id) and what its refusals say: the length bound,
 * the quoting of long names, the wrong-kind message, a capability no model offers, and the pool a model id gets
 * (its home pool's settings and strategy, remembered under its name). Providers are scripted, in process.
 *
 * Survivors judged equivalent:
 * - servesOperation's memo (`if (!answers)`, `serves === undefined`, the 1,024-entry cap): recomputing an answer gives
 *   the same answer.
 * - the strategy paths given to buildPolicy for a model-id pool (`pools.NAME.strategy`, `defaults.strategy`) emptied:
 *   they only name the key in an error, and the same strategy already built once for its home pool or the defaults.
 * - `name.slice(0, MAX_MODEL_NAME_LENGTH)` -> `name` in the last refusal: a longer name was refused before.
 * Killed by hand where Stryker reported a survivor (lines 391-684 run): the configured pool found by capability
 * ("is served by the configured pool of that capability"), and the members of a wider capability's pool
 * ("a wider capability gets a pool of every model under it").
 */
import { afterEach, describe, expect, it } from "vitest";
import { create, InvalidRequestError, ModelMeshError, NoCapableModelError, type MeshClient } from "../../src/index.js";
import { CHAT, EMBEDDINGS, hello, ScriptedProvider, testClock } from "./scripted.js";

const clients: MeshClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** a: alpha (chat), alpha-embed (embeddings), omni (chat and embeddings), bare (no capability); b: beta (chat). */
function meshOverTwo(pools: Record<string, unknown> = { chat: { capability: "chat-completion", strategy: "round-robin", retry: { max_retries: 2 } } }) {
  const clock = testClock();
  const a = new ScriptedProvider("a", ["alpha", { id: "alpha-embed", capabilities: [EMBEDDINGS] }, { id: "omni", capabilities: [CHAT, EMBEDDINGS] }, { id: "bare", capabilities: [] }], [], clock);
  const b = new ScriptedProvider("b", ["beta"], [], clock);
  const client = create({ config: { providers: { a: { instance: a }, b: { instance: b } }, pools }, clock } as Parameters<typeof create>[0]);
  clients.push(client);
  return { client, a, b };
}

async function refusal(promise: Promise<unknown>): Promise<ModelMeshError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ModelMeshError);
  return error as ModelMeshError;
}

describe("names the mesh does not know", () => {
  it("are quoted whole up to 80 characters, and cut to 60 with their length beyond", async () => {
    const { client } = meshOverTwo();
    const eighty = "n".repeat(80);
    const long = `${"m".repeat(60)}${"z".repeat(21)}`;
    const whole = await refusal(client.chat.completions.create({ model: eighty, messages: hello }));
    expect(whole).toBeInstanceOf(NoCapableModelError);
    expect(whole.message).toBe(`"${eighty}" is not a pool, a capability or a model id known to this mesh (pools: chat, text-embeddings)`);
    const cut = await refusal(client.chat.completions.create({ model: long, messages: hello }));
    expect(cut.message).toBe(`"${"m".repeat(60)}…" (81 characters) is not a pool, a capability or a model id known to this mesh (pools: chat, text-embeddings)`);
  });

  it("are looked up up to 256 characters, and refused unlooked-up past that", async () => {
    const { client } = meshOverTwo();
    await client.ready();
    // explain() hands the name to the mesh as it is (a request's own check stops a long model before the mesh).
    const explain = (model: string) => {
      try {
        client.explain({ model });
      } catch (error) {
        return error as ModelMeshError;
      }
      throw new Error("explain() accepted an unknown name");
    };
    expect(explain("q".repeat(256))).toBeInstanceOf(NoCapableModelError);
    const tooLong = explain("q".repeat(257));
    expect(tooLong).toBeInstanceOf(InvalidRequestError);
    expect((tooLong as InvalidRequestError).param).toBe("model");
    expect(tooLong.message).toBe(`model must be a pool, capability or model id of at most 256 characters (got 257: "${"q".repeat(60)}…" (257 characters))`);
  });
});

describe("names of the wrong kind", () => {
  it("a configured pool, a capability or a model says what it serves and where to look instead", async () => {
    const { client, a, b } = meshOverTwo();
    const messages = [];
    for (const model of ["chat", "chat-completion", "alpha"]) messages.push((await refusal(client.embeddings.create({ model, input: "x" }))).message);
    messages.push((await refusal(client.chat.completions.create({ model: "alpha-embed", messages: hello }))).message);
    messages.push((await refusal(client.chat.completions.create({ model: "bare", messages: hello }))).message);
    expect(messages).toEqual([
      `"chat" serves ${CHAT}, which cannot answer embeddings: name a pool, capability or model under representation.embeddings`,
      `"chat-completion" serves ${CHAT}, which cannot answer embeddings: name a pool, capability or model under representation.embeddings`,
      `"alpha" serves ${CHAT}, which cannot answer embeddings: name a pool, capability or model under representation.embeddings`,
      `"alpha-embed" serves ${EMBEDDINGS}, which cannot answer chat completions: name a pool, capability or model under generation.text-generation`,
      `"bare" serves no capability, which cannot answer chat completions: name a pool, capability or model under generation.text-generation`,
    ]);
    expect([a.received, b.received]).toEqual([[], []]);
  });

  it("a capability of the right kind that no model offers names the pools there are", async () => {
    const { client } = meshOverTwo();
    const error = await refusal(client.chat.completions.create({ model: "code-generation", messages: hello }));
    expect(error).toBeInstanceOf(NoCapableModelError);
    expect(error.message).toBe("no configured model offers generation.text-generation.code-generation (pools: chat, text-embeddings)");
    expect(Object.keys(client.poolStatus()).sort()).toEqual(["chat", "text-embeddings"]);
  });
});

describe("a capability asked for by name", () => {
  it("is served by the configured pool of that capability, under its name", async () => {
    const { client, a, b } = meshOverTwo();
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(a.received.length + b.received.length).toBe(1);
    expect(Object.keys(client.usage.byPool)).toEqual(["chat"]);
    expect(Object.keys(client.poolStatus()).sort()).toEqual(["chat", "text-embeddings"]);
  });

  it("a wider capability gets a pool of every model under it, and an implicit pool holds only its own kind", async () => {
    const { client } = meshOverTwo();
    await client.chat.completions.create({ model: "text-generation", messages: hello });
    const pools = client.describe().pools;
    const members = (name: string) => pools[name]!.models.map((entry) => `${entry.provider}/${entry.model}`).sort();
    expect(pools["text-generation"]!.capability).toBe("generation.text-generation");
    expect(members("text-generation")).toEqual(["a/alpha", "a/omni", "b/beta"]);
    expect(members("text-embeddings")).toEqual(["a/alpha-embed", "a/omni"]);
  });

  it("names no pools when no model offers anything", async () => {
    const client = create({ config: { providers: { a: { instance: new ScriptedProvider("a", [], [], testClock()) } } } } as Parameters<typeof create>[0]);
    clients.push(client);
    const error = await refusal(client.chat.completions.create({ model: "anything", messages: hello }));
    expect(error.message).toBe('"anything" is not a pool, a capability or a model id known to this mesh (pools: none)');
  });
});

describe("a model asked for by id", () => {
  it("is served from a pool named after it, with its home pool's strategy, kept for the next request", async () => {
    const { client, a } = meshOverTwo();
    await client.chat.completions.create({ model: "alpha", messages: hello });
    await client.chat.completions.create({ model: "a/alpha", messages: hello });
    expect(a.received.map((entry) => entry.request.model)).toEqual(["alpha", "alpha"]);
    const pools = client.describe().pools;
    expect(pools["alpha"]).toMatchObject({ capability: CHAT, strategy: "modelmesh.round-robin.v1", configured: false, models: [{ model: "alpha", provider: "a", requests: 2 }] });
    expect(pools["a/alpha"]).toMatchObject({ capability: CHAT, configured: false, models: [{ model: "alpha", provider: "a" }] });
  });

  it("takes the capability of the kind asked for, and the default strategy when it is in no configured pool", async () => {
    const { client } = meshOverTwo();
    // omni (chat and embeddings) is in the chat pool; alpha-embed is in none.
    await client.embeddings.create({ model: "omni", input: "x" });
    await client.embeddings.create({ model: "alpha-embed", input: "x" });
    const pools = client.describe().pools;
    expect(pools["omni"]).toMatchObject({ capability: EMBEDDINGS, strategy: "modelmesh.round-robin.v1", configured: false });
    expect(pools["alpha-embed"]).toMatchObject({ capability: EMBEDDINGS, strategy: "modelmesh.stick-until-failure.v1", configured: false });
  });

  it("retries as its home pool says", async () => {
    const clock = testClock();
    const failure = new ModelMeshError("upstream exploded", { code: "server_error", retryable: true } as never);
    const a = new ScriptedProvider("a", ["alpha"], [{ error: failure }, { error: failure }, { text: "third time" }], clock);
    const client = create({ config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion", retry: { max_retries: 2, base_delay_ms: 1 } } } }, clock } as Parameters<typeof create>[0]);
    clients.push(client);
    const answer = await client.chat.completions.create({ model: "alpha", messages: hello });
    expect(answer.choices[0]!.message.content).toBe("third time");
    expect(a.received).toHaveLength(3);
  });
});
