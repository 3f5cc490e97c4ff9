import { afterEach, describe, expect, it } from "vitest";
import { create, InvalidRequestError } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider } from "./support/mesh.js";

// `client.models` as the official client has it: `list()` awaited gives a page (`object: "list"`, `data`), iterated
// gives the models; `retrieve(id)` gives one. What is listed is what a request's `model` can name here.

const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function setUp() {
  const east = await startFakeOpenAI({ name: "east", models: ["shared", "only-east"] });
  const west = await startFakeOpenAI({ name: "west", models: ["shared"] });
  open.push(east, west);
  const client = create({
    config: {
      providers: { east: chatProvider(east, "sk-east-0000000000", ["shared", "only-east"]), west: chatProvider(west, "sk-west-1111111111", ["shared"]) },
      // A pool may carry a model's name: it is listed once, as the pool (which is what the name routes to).
      pools: { chat: { capability: "chat-completion" }, "only-east": { capability: "chat-completion", models: ["only-east"] } },
    },
    clock: { now: () => 1_700_000_000_500 },
  });
  open.push(client);
  return { east, west, client };
}

const entry = (id: string, owner: string) => ({ id, object: "model", created: 1_700_000_000, owned_by: owner });

describe("client.models", () => {
  it("list() awaited is a page of every pool and model; a model two providers serve is also listed as provider/model", async () => {
    const { client } = await setUp();
    // Called while the mesh is still starting: it waits for it.
    expect(client.state).toBe("starting");
    const page = await client.models.list();
    expect(page.object).toBe("list");
    expect(page.hasNextPage()).toBe(false);
    expect(page.data).toEqual([entry("chat", "modelmesh"), entry("only-east", "modelmesh"), entry("chat-completion", "modelmesh"), entry("shared", "modelmesh"), entry("east/shared", "east"), entry("west/shared", "west")]);
    expect(page.getPaginatedItems()).toBe(page.data);
    const pages = [];
    for await (const each of page.iterPages()) pages.push(each);
    expect(pages).toEqual([page]);
  });

  it("list() iterated with for await gives the models, as the official client's pages do", async () => {
    const { client } = await setUp();
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(["chat", "only-east", "chat-completion", "shared", "east/shared", "west/shared"]);
    const again: string[] = [];
    for await (const model of await client.models.list()) again.push(model.id);
    expect(again).toEqual(ids);
  });

  it("every listed id is a name a request can use, and is served by the provider it names", async () => {
    const { client, east, west } = await setUp();
    const reply = await client.chat.completions.create({ model: "west/shared", messages: [{ role: "user", content: "hi" }] });
    expect(reply.model).toBe("shared");
    expect(west.requests).toHaveLength(1);
    expect(east.requests).toHaveLength(0);
    for await (const model of client.models.list()) {
      const answer = await client.chat.completions.create({ model: model.id, messages: [{ role: "user", content: "hi" }] });
      expect(answer.choices[0]?.message.role).toBe("assistant");
    }
  });

  it("is the same list before and after requests by any name (pools made for a name asked for are not listed)", async () => {
    const { client } = await setUp();
    const before = (await client.models.list()).data;
    for (const model of ["shared", "east/shared", "west/shared", "only-east", "chat-completion", "generation.text-generation.chat-completion"]) {
      await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
    }
    expect((await client.models.list()).data).toEqual(before);
  });

  it("retrieve(id) gives one model object, and rejects a name the mesh does not serve with model_not_found", async () => {
    const { client } = await setUp();
    expect(await client.models.retrieve("east/shared")).toEqual(entry("east/shared", "east"));
    expect(await client.models.retrieve("chat")).toEqual(entry("chat", "modelmesh"));
    expect(await client.models.retrieve("chat-completion")).toEqual(entry("chat-completion", "modelmesh"));
    const error = await client.models.retrieve("gpt-nonexistent").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ code: "model_not_found", param: "model", retryable: false });
    expect((error as Error).message).toContain("gpt-nonexistent");
    // A long name is cut in the message, not echoed whole.
    const long = "x".repeat(5_000);
    const cut = (await client.models.retrieve(long).catch((caught: unknown) => caught)) as Error;
    expect(cut).toMatchObject({ code: "model_not_found" });
    expect(cut.message.length).toBeLessThan(400);
  });

  it("retrieve(id) knows every name a request may use, listed or not: a capability's full path, provider/model of a model one provider serves", async () => {
    const { client, east } = await setUp();
    const names = ["generation.text-generation.chat-completion", "east/only-east"];
    // Each is a name `create` routes (east serves only-east alone)...
    for (const model of names) await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
    expect(east.requests.map((request) => request.body.model)).toEqual(["shared", "only-east"]);
    // ...and retrieve gives its model object, though the list names it otherwise.
    expect(await client.models.retrieve(names[0]!)).toEqual(entry(names[0]!, "modelmesh"));
    expect(await client.models.retrieve("east/only-east")).toEqual(entry("east/only-east", "east"));
    const listed = (await client.models.list()).data.map((model) => model.id);
    expect(listed).not.toContain(names[0]);
    expect(listed).not.toContain("east/only-east");
    // A provider that does not serve the model, or a capability no model offers, is still unknown.
    for (const unknown of ["west/only-east", "generation.audio-generation.text-to-speech", "east/"]) {
      await expect(client.models.retrieve(unknown)).rejects.toMatchObject({ code: "model_not_found" });
    }
  });

  it("list() and retrieve() give their HTTP side as the official client's promises do: withResponse() and asResponse()", async () => {
    const { client } = await setUp();
    const listed = await client.models.list().withResponse();
    expect(listed.data.data.map((model) => model.id)).toEqual(["chat", "only-east", "chat-completion", "shared", "east/shared", "west/shared"]);
    expect(listed.response.status).toBe(200);
    expect(listed.response.headers.get("content-type")).toBe("application/json");
    // The body is the /v1/models answer: the page's wire shape, not its methods.
    const body = await (await client.models.list().asResponse()).json();
    expect(body).toEqual({ object: "list", data: listed.data.data });
    const one = await client.models.retrieve("east/shared").withResponse();
    expect(one.data).toEqual(entry("east/shared", "east"));
    expect(one.request_id).toBeNull();
    expect(await (await client.models.retrieve("chat").asResponse()).json()).toEqual(entry("chat", "modelmesh"));
    // A name the mesh does not serve rejects both, as the plain promise does.
    await expect(client.models.retrieve("gpt-nonexistent").withResponse()).rejects.toMatchObject({ code: "model_not_found" });
  });
});
