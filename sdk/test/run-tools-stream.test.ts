import { afterEach, describe, expect, it } from "vitest";
import { LengthFinishReasonError } from "../src/index.js";
import { mockClient } from "../src/testing/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import type { ChatCompletionChunk } from "../src/wire/types.js";
import type { FakeOpenAI } from "./fakes/openai.js";
import { chatRequestsOf, fakeChatMesh } from "./support/chat-mesh.js";

// `client.chat.completions.runTools({ ..., stream: true })`, the official client's streaming tool loop, against the
// fake OpenAI server: it streams a call of the first tool (its arguments in pieces) while the last message is the
// user's, and streams a text answer once a tool result follows.

const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

const ask = (content: string) => [{ role: "user" as const, content }];
const cityParameters = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
const weatherTool = (run: (args: unknown) => unknown) => [{ type: "function" as const, function: { name: "weather", parameters: cityParameters, parse: JSON.parse, function: run } }];

describe("chat.completions.runTools() with stream: true", () => {
  it("streams each answer: the chunks of both in turn, the stream's events, and the loop's on the assembled answers", async () => {
    const { fake, client } = await fakeChatMesh(open);
    const ran: unknown[] = [];
    const runner = client.chat.completions.runTools({ model: "m", messages: ask("Paris"), tools: weatherTool((args) => (ran.push(args), { temperature: 21 })), stream: true, stream_options: { include_usage: true } });
    const events: string[] = [];
    for (const name of ["connect", "chatCompletion", "message", "functionToolCall", "functionToolCallResult", "content.done", "tool_calls.function.arguments.done", "finalContent", "totalUsage", "end"]) runner.on(name, () => events.push(name));
    const argumentDeltas: string[] = [];
    runner.on("tool_calls.function.arguments.delta", (event: { arguments_delta: string }) => argumentDeltas.push(event.arguments_delta));
    const text: string[] = [];
    runner.on("content", (delta: string) => text.push(delta));
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of runner) chunks.push(chunk);

    expect(ran).toEqual([{ city: "Paris" }]);
    const sent = chatRequestsOf(fake).map((request) => request.body);
    expect(sent).toHaveLength(2);
    // Both answers were asked for as streams, with the tool as its definition only.
    expect(sent.map((body) => [body.stream, body.stream_options])).toEqual([[true, { include_usage: true }], [true, { include_usage: true }]]);
    expect(sent[0].tools).toEqual([{ type: "function", function: { name: "weather", parameters: cityParameters } }]);
    const call = sent[1].messages[1].tool_calls[0];
    expect(call.function).toEqual({ name: "weather", arguments: '{"city":"Paris"}' });
    expect(sent[1].messages[2]).toEqual({ role: "tool", tool_call_id: call.id, content: '{"temperature":21}' });

    // The iterator gave every chunk of both streams: the call's arguments in pieces, then the text.
    const argumentPieces = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls?.map((piece) => piece.function?.arguments ?? "") ?? []);
    expect(argumentPieces.join("")).toBe('{"city":"Paris"}');
    expect(argumentPieces.filter(Boolean).length).toBeGreaterThan(1);
    expect(argumentDeltas.join("")).toBe('{"city":"Paris"}');
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello from m: Paris");
    expect(text.join("")).toBe("Hello from m: Paris");
    expect(chunks.filter((chunk) => chunk.usage)).toHaveLength(2);

    expect(events).toEqual(["connect", "tool_calls.function.arguments.done", "chatCompletion", "message", "functionToolCall", "message", "functionToolCallResult", "content.done", "chatCompletion", "message", "finalContent", "totalUsage", "end"]);
    expect(await runner.finalContent()).toBe("Hello from m: Paris");
    const completions = await runner.allChatCompletions();
    expect(completions.map((completion) => completion.choices[0]!.finish_reason)).toEqual(["tool_calls", "stop"]);
    expect(completions[0]!.choices[0]!.message.tool_calls).toEqual([{ id: call.id, type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }]);
    const usage = await runner.totalUsage();
    expect(usage.total_tokens).toBe(completions[0]!.usage!.total_tokens + completions[1]!.usage!.total_tokens);
    expect(usage.total_tokens).toBeGreaterThan(0);
    expect(runner.currentChatCompletionSnapshot!.choices[0]!.message.content).toBe("Hello from m: Paris");
    expect(runner.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool", "assistant"]);
  });

  it("refuses an answer cut at its token limit before it runs more: LengthFinishReasonError, to the iterator too", async () => {
    const { fake, client } = await fakeChatMesh(open);
    let runs = 0;
    // The fake's first answer is the tool call; the second, a text answer, stops at max_tokens.
    const runner = client.chat.completions.runTools({ model: "m", messages: ask("Paris"), tools: weatherTool(() => ++runs), stream: true, max_tokens: 2 });
    const chunks: ChatCompletionChunk[] = [];
    const iterated = (async () => {
      for await (const chunk of runner) chunks.push(chunk);
    })();
    await expect(iterated).rejects.toBeInstanceOf(LengthFinishReasonError);
    await expect(runner.finalContent()).rejects.toBeInstanceOf(LengthFinishReasonError);
    expect(runs).toBe(1);
    expect(chatRequestsOf(fake)).toHaveLength(2);
    // The chunks that came before the failure were read first.
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("length");
    expect([runner.ended, runner.errored]).toEqual([true, true]);
  });

  it("leaving the loop early aborts the run: nothing more is sent", async () => {
    const { fake, client } = await fakeChatMesh(open);
    let runs = 0;
    const runner = client.chat.completions.runTools({ model: "m", messages: ask("Paris"), tools: weatherTool(() => ++runs), stream: true });
    const aborts: unknown[] = [];
    runner.on("abort", (error: unknown) => aborts.push(error));
    for await (const chunk of runner) {
      expect(chunk.object).toBe("chat.completion.chunk");
      break;
    }
    await expect(runner.done()).rejects.toMatchObject({ name: "AbortError" });
    expect(runner.aborted).toBe(true);
    expect(aborts).toHaveLength(1);
    expect(runs).toBe(0);
    expect(chatRequestsOf(fake)).toHaveLength(1);
  });

  it("serves a mock client's scripted answers too, streamed", async () => {
    const client = mockClient({ responses: [{ content: "no tools needed" }] });
    const runner = client.chat.completions.runTools({ model: "chat-completion", messages: ask("x"), tools: [{ type: "function", function: { name: "f", function: () => "" } }], stream: true });
    const text: string[] = [];
    for await (const chunk of runner) text.push(chunk.choices[0]?.delta.content ?? "");
    expect(text.join("")).toBe("no tools needed");
    expect(await runner.finalContent()).toBe("no tools needed");
    await client.close();
  });

  it("fails its iterators and listeners with the mesh's start failure", async () => {
    const client = mockClient({ responses: [] });
    await client.close();
    const runner = client.chat.completions.runTools({ model: "chat-completion", messages: ask("x"), tools: [], stream: true });
    const heard: unknown[] = [];
    runner.on("error", (error: unknown) => heard.push(error));
    const iterator = runner[Symbol.asyncIterator]();
    const failure = await iterator.next().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    await expect(runner.done()).rejects.toBe(failure);
    expect(heard).toEqual([failure]);
  });
});
