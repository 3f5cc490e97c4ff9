import { afterEach, describe, expect, it } from "vitest";
import { AllProvidersExhaustedError, AuthenticationError, create, isModelMeshErrorOf } from "../src/index.js";
import { mockClient } from "../src/testing/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider } from "./support/mesh.js";

// `client.chat.completions.stream()`, the official client's streaming helper: events as the chunks arrive, the
// chunks by `for await`, and the whole completion at the end, assembled from what the fake really streamed.

const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function setUp(reply = "Hello there, friend") {
  const fake = await startFakeOpenAI({ name: "p", models: ["m"], reply });
  open.push(fake);
  const client = create({ config: { providers: { p: chatProvider(fake, "sk-p-0000000000", ["m"]) } } });
  open.push(client);
  return { fake, client };
}

const hi = [{ role: "user" as const, content: "Hi" }];

describe("chat.completions.stream()", () => {
  it("emits connect, each text delta with the text so far, content.done, the final completion and end, in order", async () => {
    const { fake, client } = await setUp();
    const events: string[] = [];
    const deltas: Array<[string, string]> = [];
    const stream = client.chat.completions.stream({ model: "m", messages: hi, stream_options: { include_usage: true } });
    for (const name of ["connect", "chunk", "content.done", "chatCompletion", "finalChatCompletion", "finalContent", "finalMessage", "totalUsage", "end"]) stream.on(name, () => events.push(name));
    stream.on("content", (delta: string, snapshot: string) => deltas.push([delta, snapshot]));
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]!.message.content).toBe("Hello there, friend");
    expect(deltas.map(([delta]) => delta).join("")).toBe("Hello there, friend");
    expect(deltas.at(-1)![1]).toBe("Hello there, friend");
    expect(deltas.every(([, snapshot], index) => snapshot === deltas.slice(0, index + 1).map(([delta]) => delta).join(""))).toBe(true);
    // One `chunk` per chunk the fake sent; the completion closes with the usage the fake reported.
    const chunkCount = events.filter((name) => name === "chunk").length;
    expect(chunkCount).toBeGreaterThan(3);
    expect(events.filter((name) => name !== "chunk")).toEqual(["connect", "content.done", "chatCompletion", "finalChatCompletion", "finalContent", "finalMessage", "totalUsage", "end"]);
    expect(completion).toMatchObject({ object: "chat.completion", model: expect.stringContaining("m"), choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", refusal: null } }] });
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    expect(await stream.totalUsage()).toEqual(completion.usage);
    expect(await stream.finalContent()).toBe("Hello there, friend");
    expect(stream.currentChatCompletionSnapshot!.choices[0]!.message.content).toBe("Hello there, friend");
    expect(stream.ended).toBe(true);
    const sent = fake.requests.filter((request) => request.path === "/v1/chat/completions");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ model: "m", stream: true, stream_options: { include_usage: true } });
  });

  it("gives the chunks to for await, the same as create({ stream: true }) gives them, and toReadableStream() as JSON lines", async () => {
    const { client } = await setUp();
    const viaHelper: string[] = [];
    for await (const chunk of client.chat.completions.stream({ model: "m", messages: hi })) viaHelper.push(chunk.choices[0]?.delta.content ?? "");
    const viaCreate: string[] = [];
    for await (const chunk of await client.chat.completions.create({ model: "m", messages: hi, stream: true })) viaCreate.push(chunk.choices[0]?.delta.content ?? "");
    expect(viaHelper).toEqual(viaCreate);
    const text = await new Response(client.chat.completions.stream({ model: "m", messages: hi }).toReadableStream()).text();
    const lines = text.trim().split("\n").map((line) => JSON.parse(line) as { object: string; choices: Array<{ delta: { content?: string } }> });
    expect(lines.every((line) => line.object === "chat.completion.chunk")).toBe(true);
    expect(lines.map((line) => line.choices[0]?.delta.content ?? "").join("")).toBe("Hello there, friend");
  });

  it("streams a tool call: argument deltas, then the whole arguments parsed, and the call in the final message", async () => {
    const { client } = await setUp();
    const tools = [{ type: "function" as const, function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
    const stream = client.chat.completions.stream({ model: "m", messages: [{ role: "user", content: "Weather in Paris?" }], tools });
    const deltas: string[] = [];
    stream.on("tool_calls.function.arguments.delta", (event: { arguments_delta: string }) => deltas.push(event.arguments_delta));
    const done = stream.emitted("tool_calls.function.arguments.done");
    const message = await stream.finalMessage();
    const call = message.tool_calls![0]!;
    expect(call.function.name).toBe("weather");
    expect(deltas.join("")).toBe(call.function.arguments);
    expect(deltas.length).toBeGreaterThan(1);
    expect(await done).toEqual({ name: "weather", index: 0, arguments: call.function.arguments, parsed_arguments: JSON.parse(call.function.arguments) });
    expect((await stream.finalChatCompletion()).choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("abort() stops the request: abort, error and end are emitted, the final promises reject, the fake sees the client go", async () => {
    const { fake, client } = await setUp("one two three four five six seven eight nine ten");
    fake.setMode({ kind: "slow-stream", chunkDelayMs: 40 });
    const stream = client.chat.completions.stream({ model: "m", messages: hi });
    const events: string[] = [];
    for (const name of ["abort", "error", "end"]) stream.on(name, () => events.push(name));
    stream.once("content", () => stream.abort());
    const error = await stream.finalChatCompletion().catch((caught: unknown) => caught);
    expect((error as Error).name).toBe("AbortError");
    expect(events).toEqual(["abort", "error", "end"]);
    expect(stream.aborted).toBe(true);
    await expect.poll(() => fake.exchanges.at(-1)?.ending).toBe("client-closed");
  });

  it("a request no model can serve reaches the error listener and every waiting promise as the mesh's error", async () => {
    const { fake, client } = await setUp();
    fake.setMode({ kind: "error", status: 401 });
    const stream = client.chat.completions.stream({ model: "m", messages: hi });
    const seen: unknown[] = [];
    stream.on("error", (error: unknown) => seen.push(error));
    const error = await stream.done().catch((caught: unknown) => caught);
    // As create({ stream: true }) rejects: every attempt failed, the last on the key the fake refused.
    expect(error).toBeInstanceOf(AllProvidersExhaustedError);
    expect(isModelMeshErrorOf((error as AllProvidersExhaustedError).lastError, AuthenticationError)).toBe(true);
    expect(fake.requests.filter((request) => request.path === "/v1/chat/completions")).toHaveLength(1);
    expect(seen).toEqual([error]);
    await expect(stream.finalContent()).rejects.toBe(error);
  });

  it("serves a mock client's scripted stream too", async () => {
    const client = mockClient({ responses: [{ content: "mocked reply" }] });
    const stream = client.chat.completions.stream({ model: "chat-completion", messages: hi });
    expect(await stream.finalContent()).toBe("mocked reply");
    expect(client.calls.map((call) => call.operation)).toEqual(["chat"]);
    await client.close();
  });
});
