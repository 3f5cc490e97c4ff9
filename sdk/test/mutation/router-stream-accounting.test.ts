/**
 * What a stream books and reports (core/router.ts stream, usageCounts, addCounts, attemptUsage), observed from
 * outside: the usage chunk the caller receives, client.usage, the model's latency in describe(), and what the
 * provider's iterator was told.
 */
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/wire/errors.js";
import type { ChatCompletionChunk, CompletionUsage } from "../../src/wire/types.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const broken = (providerId: string) => new ProviderError("connection reset mid-stream", { providerId }, { code: "stream_broken", retryable: true });
/** The conversation `hello` by the 4-characters-a-token estimate: "Hello there" is 3 tokens, plus 4 for the message. */
const HELLO_PROMPT_ESTIMATE = 7;

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((chunk) => chunk.choices.map((choice) => (choice.index === 0 ? (choice.delta.content ?? "") : "")).join("")).join("");
  return { chunks, text };
}

function open(mesh: ReturnType<typeof scriptedMesh>["mesh"], body: Record<string, unknown> = {}) {
  return mesh.chat.completions.create({ model: "chat", messages: hello, stream: true, ...body } as never) as unknown as Promise<AsyncIterable<ChatCompletionChunk>>;
}

/** Replaces the provider's stream with these chunks (ids and model filled in). */
function streams(provider: ScriptedProvider, ...bodies: Array<Array<Pick<ChatCompletionChunk, "choices"> & { usage?: CompletionUsage }>>): void {
  provider.chatStream = async (request) => {
    provider.received.push({ operation: "chat", request: request as never, options: undefined, at: 0 });
    const chunks = bodies.shift()!;
    return {
      body: (async function* () {
        for (const chunk of chunks) yield { id: "chatcmpl-x", object: "chat.completion.chunk" as const, created: 1, model: request.model, ...chunk };
      })(),
    };
  };
}

describe("the usage a stream reports", () => {
  it("without total_tokens is booked as prompt plus completion; a total the service gives is kept as given", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Hi"], usage: { prompt_tokens: 7, completion_tokens: 3 } as CompletionUsage }, { pieces: ["Hi"], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 20 } }], clock);
    const { mesh } = scriptedMesh([a], clock);
    await collect(await open(mesh));
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ promptTokens: 7, completionTokens: 3, totalTokens: 10 });
    // A total above prompt + completion (reasoning tokens, cached input) is the service's count, not recomputed.
    await collect(await open(mesh));
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ promptTokens: 14, completionTokens: 6, totalTokens: 30 });
    await mesh.close();
  });

  it("that arrives on a content chunk is kept when later chunks carry none", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    streams(a, [
      { choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }] },
      { choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null, logprobs: null }], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
      { choices: [{ index: 0, delta: {}, finish_reason: "stop", logprobs: null }] },
    ]);
    const { mesh } = scriptedMesh([a], clock);
    expect((await collect(await open(mesh))).text).toBe("Hi");
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ promptTokens: 9, completionTokens: 4, totalTokens: 13 });
    await mesh.close();
  });

  it("when the service sends none, is estimated from the first choice's text only (4 characters a token)", async () => {
    const clock = testClock();
    const a = new ScriptedProvider(
      "a",
      ["alpha"],
      // 8 characters of answer before the break; a second choice's text and a delta without content must not count.
      [{ pieces: ["abcd", "efgh"], breakWith: broken("a"), extraChunks: [[{ index: 1, delta: { content: "a much longer second choice" }, finish_reason: null, logprobs: null }], [{ index: 0, delta: {}, finish_reason: null, logprobs: null }]] }],
      clock,
    );
    const b = new ScriptedProvider("b", ["beta"], [{ pieces: ["abcdefgh", " and more"] }], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    expect((await collect(await open(mesh))).text).toBe("abcdefgh and more");
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ failures: 1, promptTokens: HELLO_PROMPT_ESTIMATE, completionTokens: 2, totalTokens: HELLO_PROMPT_ESTIMATE + 2 });
    await mesh.close();
  });

  it("after two broken attempts adds both to the serving model's usage, as client.usage booked them", async () => {
    const clock = testClock();
    // Each broken attempt is billed by estimate: the prompt, and the text it generated ("Hel": 1 token, "Hello ": 2).
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Hel"], breakWith: broken("a") }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ pieces: ["Hel", "lo "], breakWith: broken("b") }], clock);
    const c = new ScriptedProvider("c", ["gamma"], [{ pieces: ["Hel", "lo ", "world"], usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 } }], clock);
    const { mesh } = scriptedMesh([a, b, c], clock, { retry: { max_retries: 0 } });
    const { chunks, text } = await collect(await open(mesh, { stream_options: { include_usage: true } }));
    expect(text).toBe("Hello world");
    const reported = chunks.at(-1)!.usage;
    expect(reported).toMatchObject({ prompt_tokens: 10 + 2 * HELLO_PROMPT_ESTIMATE, completion_tokens: 3 + 1 + 2, total_tokens: 13 + (HELLO_PROMPT_ESTIMATE + 1) + (HELLO_PROMPT_ESTIMATE + 2) });
    const booked = Object.values(mesh.usage.byModel);
    expect(booked).toHaveLength(3);
    expect(reported).toMatchObject({
      prompt_tokens: booked.reduce((sum, entry) => sum + entry.promptTokens, 0),
      completion_tokens: booked.reduce((sum, entry) => sum + entry.completionTokens, 0),
      total_tokens: booked.reduce((sum, entry) => sum + entry.totalTokens, 0),
    });
    await mesh.close();
  });
});

describe("a stream's timing and its upstream iterator", () => {
  it("the model's latency is the time to open its stream", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Hi"], latencyMs: 120 }], clock);
    const { mesh, model } = scriptedMesh([a], clock);
    await collect(await open(mesh));
    expect(model("alpha").latencyMs).toBe(120);
    await mesh.close();
  });

  it("an iterator that ended on its own is not told to return(); one the caller left early is, once", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["one ", "two ", "three"] }, { pieces: ["one ", "two ", "three"] }], clock);
    let returns = 0;
    const original = a.chatStream.bind(a);
    a.chatStream = async (request, options) => {
      const result = await original(request, options);
      const inner = result.body[Symbol.asyncIterator]();
      const iterator = {
        next: () => inner.next(),
        return: (value?: unknown) => {
          returns += 1;
          return inner.return!(value as never);
        },
      };
      return { ...result, body: { [Symbol.asyncIterator]: () => iterator } };
    };
    const { mesh } = scriptedMesh([a], clock);
    expect((await collect(await open(mesh))).text).toBe("one two three");
    expect(returns).toBe(0);
    for await (const chunk of await open(mesh)) if (chunk.choices[0]?.delta.content === "one ") break;
    expect(returns).toBe(1);
    await mesh.close();
  });
});
