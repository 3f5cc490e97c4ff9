import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { zodFunction } from "openai/helpers/zod";
import { InvalidRequestError } from "../src/index.js";
import { mockClient } from "../src/testing/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import type { FakeOpenAI } from "./fakes/openai.js";
import { chatRequestsOf, fakeChatMesh } from "./support/chat-mesh.js";

// `client.chat.completions.runTools()`, the official client's tool loop, against the fake OpenAI server: the fake
// calls the first tool while the last message is the user's, and answers in text once a tool result follows.

const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

const setUp = () => fakeChatMesh(open);

const chatRequests = chatRequestsOf;
const ask = (content: string) => [{ role: "user" as const, content }];
const cityParameters = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };

describe("chat.completions.runTools()", () => {
  it("runs the function the answer calls, sends its result back, and ends on the answer that calls none", async () => {
    const { fake, client } = await setUp();
    const received: unknown[][] = [];
    const weather = (args: unknown, runner: unknown) => {
      received.push([args, runner]);
      return { temperature: 21 };
    };
    const tools = [{ type: "function" as const, function: { name: "weather", function: weather, parse: JSON.parse, parameters: cityParameters, description: "today's weather" } }];
    const runner = client.chat.completions.runTools({ model: "m", messages: ask("Paris"), tools });
    const events: string[] = [];
    for (const name of ["connect", "chatCompletion", "message", "functionToolCall", "functionToolCallResult", "finalChatCompletion", "finalMessage", "finalContent", "finalFunctionToolCall", "finalFunctionToolCallResult", "totalUsage", "end"]) runner.on(name, () => events.push(name));
    const content = await runner.finalContent();

    expect(received).toEqual([[{ city: "Paris" }, runner]]);
    const sent = chatRequests(fake).map((request) => request.body);
    expect(sent).toHaveLength(2);
    // The tool goes out as its definition only: the function and its parser stay here.
    expect(sent[0].tools).toEqual([{ type: "function", function: { name: "weather", description: "today's weather", parameters: cityParameters } }]);
    expect(sent[0]).toMatchObject({ model: "m", tool_choice: "auto", messages: ask("Paris") });
    const call = sent[1].messages[1].tool_calls[0];
    expect(sent[1].messages).toEqual([ask("Paris")[0], expect.objectContaining({ role: "assistant", tool_calls: [call] }), { role: "tool", tool_call_id: call.id, content: '{"temperature":21}' }]);
    expect(call.function).toEqual({ name: "weather", arguments: '{"city":"Paris"}' });

    expect(content).toBe("Hello from m: Paris");
    expect(events).toEqual(["connect", "chatCompletion", "message", "functionToolCall", "message", "functionToolCallResult", "chatCompletion", "message", "finalChatCompletion", "finalMessage", "finalContent", "finalFunctionToolCall", "finalFunctionToolCallResult", "totalUsage", "end"]);
    expect(runner.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    const completions = await runner.allChatCompletions();
    expect(completions).toHaveLength(2);
    expect(await runner.finalChatCompletion()).toBe(completions[1]);
    expect(await runner.finalFunctionToolCall()).toEqual({ name: "weather", arguments: '{"city":"Paris"}' });
    expect(await runner.finalFunctionToolCallResult()).toBe('{"temperature":21}');
    const usage = await runner.totalUsage();
    expect(usage.total_tokens).toBe(completions[0]!.usage!.total_tokens + completions[1]!.usage!.total_tokens);
    expect((await runner.finalMessage()).role).toBe("assistant");
    expect([runner.ended, runner.errored, runner.aborted]).toEqual([true, false, false]);
  });

  it("hands a function without parse the raw argument text, and sends a text result as it is", async () => {
    const { fake, client } = await setUp();
    const seen: unknown[] = [];
    const tools = [{ type: "function" as const, function: { name: "echo", parameters: cityParameters, function: (text: unknown) => (seen.push(text), "plain text") } }];
    await client.chat.completions.runTools({ model: "m", messages: ask("Rome"), tools }).done();
    expect(seen).toEqual(['{"city":"Rome"}']);
    expect(chatRequests(fake)[1]!.body.messages[2]).toMatchObject({ role: "tool", content: "plain text" });
  });

  it("stops after maxChatCompletions answers, and after the one function a tool_choice names has run", async () => {
    const { fake, client } = await setUp();
    let runs = 0;
    const tools = [{ type: "function" as const, function: { name: "count", parameters: cityParameters, function: () => ++runs } }];
    const capped = client.chat.completions.runTools({ model: "m", messages: ask("x"), tools }, { maxChatCompletions: 1 });
    expect(await capped.finalContent()).toBeNull();
    expect(await capped.finalFunctionToolCallResult()).toBe("1");
    expect(chatRequests(fake)).toHaveLength(1);

    const named = client.chat.completions.runTools({ model: "m", messages: ask("y"), tools, tool_choice: { type: "function", function: { name: "count" } } });
    await named.done();
    expect(runs).toBe(2);
    expect(chatRequests(fake)).toHaveLength(2);
    expect(chatRequests(fake)[1]!.body.tool_choice).toEqual({ type: "function", function: { name: "count" } });
  });

  it("tells the model a parse failure and goes on; a function that throws fails the run", async () => {
    const { fake, client } = await setUp();
    const strict = (text: string) => {
      throw new Error(`refused ${text.length} characters`);
    };
    const tools = [{ type: "function" as const, function: { name: "picky", parameters: cityParameters, parse: strict, function: () => "never" } }];
    await client.chat.completions.runTools({ model: "m", messages: ask("Oslo"), tools }).done();
    expect(chatRequests(fake)[1]!.body.messages[2]).toMatchObject({ role: "tool", content: "refused 15 characters" });

    const failing = new Error("the function broke");
    const broken = client.chat.completions.runTools({ model: "m", messages: ask("Oslo"), tools: [{ type: "function", function: { name: "bad", parameters: cityParameters, function: () => Promise.reject(failing) } }] });
    const heard: unknown[] = [];
    broken.on("error", (error: unknown) => heard.push(error));
    await expect(broken.finalContent()).rejects.toBe(failing);
    expect(heard).toEqual([failing]);
    expect([broken.ended, broken.errored]).toEqual([true, true]);
    expect(chatRequests(fake)).toHaveLength(3);
  });

  it("abort() stops the loop while a function runs: nothing more is sent, and it rejects with the abort", async () => {
    const { fake, client } = await setUp();
    let release!: () => void;
    const tools = [{ type: "function" as const, function: { name: "slow", parameters: cityParameters, function: () => new Promise<string>((resolve) => (release = () => resolve("late"))) } }];
    const runner = client.chat.completions.runTools({ model: "m", messages: ask("x"), tools });
    const aborts: unknown[] = [];
    runner.on("abort", (error: unknown) => aborts.push(error));
    await runner.emitted("functionToolCall");
    runner.abort();
    release();
    await expect(runner.done()).rejects.toMatchObject({ name: "AbortError" });
    expect(aborts).toHaveLength(1);
    expect(runner.aborted).toBe(true);
    expect(chatRequests(fake)).toHaveLength(1);
  });

  it("runs a tool made by the openai package's zodFunction, with its parser", async () => {
    const { fake, client } = await setUp();
    const seen: unknown[] = [];
    const tool = zodFunction({ name: "lookup", parameters: z.object({ city: z.string() }), function: (args: { city: string }) => (seen.push(args), `found ${args.city}`) });
    const runner = client.chat.completions.runTools({ model: "m", messages: ask("Lima"), tools: [tool] });
    expect(await runner.finalFunctionToolCallResult()).toBe("found Lima");
    expect(seen).toEqual([{ city: "Lima" }]);
    // Sent as a strict function tool, as the official client sends it.
    expect(chatRequests(fake)[0]!.body.tools[0]).toMatchObject({ type: "function", function: { name: "lookup", strict: true } });
  });

  it("refuses a function tool with no function, before anything is sent", async () => {
    const { fake, client } = await setUp();
    const bare = client.chat.completions.runTools({ model: "m", messages: ask("x"), tools: [{ type: "function", function: { name: "nothing", parameters: cityParameters } }] });
    await expect(bare.done()).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(bare.done()).rejects.toMatchObject({ param: "tools[0].function.function" });
    expect(chatRequests(fake)).toHaveLength(0);
  });

  it("serves a mock client's scripted answers too", async () => {
    const client = mockClient({ responses: [{ content: "no tools needed" }] });
    const runner = client.chat.completions.runTools({ model: "chat-completion", messages: ask("x"), tools: [{ type: "function", function: { name: "f", function: () => "" } }] });
    expect(await runner.finalContent()).toBe("no tools needed");
    await client.close();
  });
});
