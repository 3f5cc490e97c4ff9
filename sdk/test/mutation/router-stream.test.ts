/**
 * Streams across failover (core/router.ts stream/openStream), observed through scripted in-process streams: the
 * chunks the caller receives, the requests and options each model received, the state and usage booked, and the
 * StreamInterruptedError a stream that cannot be completed ends with.
 */
import { describe, expect, it } from "vitest";
import { ProviderError, StreamInterruptedError } from "../../src/wire/errors.js";
import { create } from "../../src/index.js";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { CHAT, hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const broken = (providerId = "a") => new ProviderError("connection reset mid-stream", { providerId }, { code: "stream_broken", retryable: true });
const prefixModel = (id: string) => ({ id, capabilities: [CHAT], features: { assistantPrefix: true } });

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  const text = chunks.map((chunk) => chunk.choices.map((choice) => (choice.index === 0 ? (choice.delta.content ?? "") : "")).join("")).join("");
  return { chunks, error, text };
}

function open(mesh: ReturnType<typeof scriptedMesh>["mesh"], body: Record<string, unknown> = {}, options?: Record<string, unknown>) {
  return mesh.chat.completions.create({ model: "chat", messages: hello, stream: true, ...body } as never, options as never) as unknown as Promise<AsyncIterable<ChatCompletionChunk>>;
}

describe("one stream", () => {
  it("is passed through in order, with usage only when asked for", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Hel", "lo"] }, { pieces: ["Hi"], usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 } }], clock);
    const { mesh, model } = scriptedMesh([a], clock);
    const plain = await collect(await open(mesh));
    expect(plain.text).toBe("Hello");
    expect(plain.chunks.every((chunk) => !("usage" in chunk))).toBe(true);
    expect(plain.chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    const counted = await collect(await open(mesh, { stream_options: { include_usage: true } }));
    expect(counted.chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 } });
    expect(model("alpha")).toMatchObject({ requests: 2, failures: 0 });
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ requests: 2, promptTokens: 10 + 7, completionTokens: 2 + 1 });
    await mesh.close();
  });

  it("a stream that ends before its first chunk is malformed: the next model serves", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    a.chatStream = async (request) => {
      a.received.push({ operation: "chat", request: request as never, options: undefined, at: clock.now() });
      return { body: (async function* () {})() };
    };
    const b = new ScriptedProvider("b", ["beta"], [{ text: "from beta" }], clock);
    const { mesh, model, ofType } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const { text, error } = await collect(await open(mesh));
    expect(error).toBeUndefined();
    expect(text).toBe("from beta");
    expect(model("alpha")).toMatchObject({ failures: 1, lastError: "a ended the stream without a chunk" });
    expect(ofType("attempt-end").find((event) => !event.ok)!.error).toMatchObject({ code: "malformed_response", retryable: true, providerId: "a", modelId: "alpha" });
    await mesh.close();
  });
});

describe("failover before any text", () => {
  it("is silent: one role delta, the first stream's id, the next model's whole answer", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: [], breakWith: broken() }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ pieces: ["Fresh ", "answer"] }], clock);
    const { mesh, ofType } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const { chunks, text, error } = await collect(await open(mesh));
    expect(error).toBeUndefined();
    expect(text).toBe("Fresh answer");
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.role !== undefined)).toHaveLength(1);
    expect(new Set(chunks.map((chunk) => chunk.id))).toEqual(new Set(["chatcmpl-1"]));
    expect(new Set(chunks.map((chunk) => chunk.created))).toEqual(new Set([1_700_000_001]));
    expect(b.received[0]!.request.messages).toEqual(hello);
    expect(ofType("stream-failover")).toHaveLength(0);
    await mesh.close();
  });
});

describe("failover after partial text", () => {
  it("continues on a model that extends an assistant prefix: the delivered text as the prefix, counted in usage", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["The quick ", "brown"], breakWith: broken() }], clock);
    const b = new ScriptedProvider("b", [prefixModel("beta")], [{ pieces: [" fox"], usage: { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22 } }], clock);
    const { mesh, ofType, model } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 }, stream_failover: "continue" });
    const { chunks, text, error } = await collect(await open(mesh, { stream_options: { include_usage: true } }));
    expect(error).toBeUndefined();
    expect(text).toBe("The quick brown fox");
    expect(b.received[0]!.request.messages).toEqual([...hello, { role: "assistant", content: "The quick brown" }]);
    expect(b.received[0]!.options).toMatchObject({ continueAssistant: true });
    expect(a.received[0]!.options).not.toHaveProperty("continueAssistant");
    expect(ofType("stream-failover")).toEqual([expect.objectContaining({ fromModel: "a/alpha", deliveredChars: 15, pool: "chat", severity: "warning" })]);
    // The caller's usage chunk counts the broken attempt too (estimated: 4 characters a token).
    const usage = chunks.at(-1)!.usage!;
    expect(usage.prompt_tokens).toBeGreaterThan(20);
    expect(usage.completion_tokens).toBe(2 + Math.ceil("The quick brown".length / 4));
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(model("alpha")).toMatchObject({ failures: 1 });
    expect(mesh.usage.byModel["a/alpha"]!.completionTokens).toBe(Math.ceil("The quick brown".length / 4));
    await mesh.close();
  });

  it("restarts on a model without prefix support and drops the repeat of what was delivered", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["The quick ", "brown"], breakWith: broken() }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ pieces: ["The qu", "ick brown", " fox"] }], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 }, stream_failover: "continue" });
    const { text, error } = await collect(await open(mesh));
    expect(error).toBeUndefined();
    expect(text).toBe("The quick brown fox");
    expect(b.received[0]!.request.messages).toEqual(hello);
    expect(b.received[0]!.options).not.toHaveProperty("continueAssistant");
    await mesh.close();
  });

  it("restart mode restarts even on a prefix model", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Same "], breakWith: broken() }], clock);
    const b = new ScriptedProvider("b", [prefixModel("beta")], [{ pieces: ["Same ", "end"] }], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 }, stream_failover: "restart" });
    expect((await collect(await open(mesh))).text).toBe("Same end");
    expect(b.received[0]!.request.messages).toEqual(hello);
    await mesh.close();
  });

  it("a restarted answer that departs from the delivered text is refused, and the model that gave it is not blamed", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Answer one"], breakWith: broken() }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ pieces: ["Different", " answer"] }], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const { text, error } = await collect(await open(mesh));
    expect(text).toBe("Answer one");
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).message).toBe("stream from alpha broke after 10 characters (beta answered differently when the request was restarted)");
    expect((error as StreamInterruptedError).deliveredText).toBe("Answer one");
    // The model whose stream broke is the one named; the restarted one only gave the reason it could not be joined.
    expect((error as StreamInterruptedError).modelId).toBe("alpha");
    expect((error as StreamInterruptedError).cause).toMatchObject({ code: "stream_broken" });
    expect(model("beta")).toMatchObject({ requests: 1, failures: 0 });
    // Served but unusable: billed, yet not a request the caller got an answer from.
    expect(mesh.usage.requests).toBe(0);
    expect(mesh.usage.byModel["b/beta"]).toMatchObject({ requests: 0, failures: 1 });
    expect(mesh.usage.byModel["b/beta"]!.completionTokens).toBeGreaterThan(0);
    await mesh.close();
  });

  it("a restarted answer shorter than the delivered text is refused", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Answer one"], breakWith: broken() }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ pieces: ["Answer"] }], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const { error } = await collect(await open(mesh));
    expect((error as StreamInterruptedError).message).toBe("stream from alpha broke after 10 characters (beta gave a shorter answer when the request was restarted)");
    expect(model("beta")).toMatchObject({ requests: 1, failures: 0 });
    await mesh.close();
  });

  it("stream_failover: error ends with the failure itself", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Partial"], breakWith: broken() }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 }, stream_failover: "error" });
    const { error } = await collect(await open(mesh));
    expect((error as StreamInterruptedError).message).toBe("stream from alpha broke after 7 characters (connection reset mid-stream)");
    expect((error as StreamInterruptedError).modelId).toBe("alpha");
    expect(b.received).toHaveLength(0);
    await mesh.close();
  });

  it("tool calls, a delivered finish, or n > 1 cannot be resumed", async () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, string]> = [
      [{ pieces: [], extraChunks: [[{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "{" } }] }, finish_reason: null }]] }, {}, "tool calls cannot be resumed"],
      [{ pieces: ["Done"], extraChunks: [[{ index: 0, delta: {}, finish_reason: "stop" }]] }, {}, "the answer had already finished"],
      [{ pieces: ["One"] }, { n: 2 }, "n > 1 cannot be resumed"],
    ];
    for (const [step, body, reason] of cases) {
      const clock = testClock();
      const a = new ScriptedProvider("a", ["alpha"], [{ ...step, breakWith: broken() }], clock);
      const b = new ScriptedProvider("b", ["beta"], [], clock);
      const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
      const { error } = await collect(await open(mesh, body));
      expect(error, reason).toBeInstanceOf(StreamInterruptedError);
      expect((error as Error).message, reason).toContain(`(${reason})`);
      expect(b.received, reason).toHaveLength(0);
      await mesh.close();
    }
  });

  it("when no model can finish it, the error says so and keeps the delivered text", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Half"], breakWith: broken() }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ error: broken("b") }], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const { error } = await collect(await open(mesh));
    expect((error as StreamInterruptedError).message).toBe("stream from alpha broke after 4 characters (no model could finish it after 2 attempt(s))");
    expect((error as StreamInterruptedError).deliveredText).toBe("Half");
    await mesh.close();
  });

  it("a resumed request the next model refuses outright still says what was delivered", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Half"], breakWith: broken() }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ error: new ProviderError("bad request", { providerId: "b", status: 400 }, { code: "invalid_request" }) }], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const { error } = await collect(await open(mesh));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).message).toBe("stream from beta broke after 4 characters (bad request)");
    await mesh.close();
  });

  it("an in-band refusal after text is an interruption, not a clean end", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Half"], breakWith: new ProviderError("context too long", { providerId: "a", status: 400 }, { code: "invalid_request" }) }], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 0 } });
    const { error } = await collect(await open(mesh));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).message).toBe("stream from alpha broke after 4 characters (context too long)");
    await mesh.close();
  });
});

describe("the caller leaving", () => {
  it("stopping early cancels the upstream stream and books a served request, billed as far as it went", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["one ", "two ", "three"] }], clock);
    const { mesh, model } = scriptedMesh([a], clock);
    let cancelled = false;
    const original = a.chatStream.bind(a);
    a.chatStream = async (request, options) => {
      const result = await original(request, options);
      const iterator = result.body[Symbol.asyncIterator]();
      return {
        body: {
          [Symbol.asyncIterator]: () => ({
            next: () => iterator.next(),
            return: async () => {
              cancelled = true;
              return iterator.return!();
            },
          }),
        },
      };
    };
    for await (const chunk of await open(mesh)) if (chunk.choices[0]?.delta.content === "one ") break;
    expect(cancelled).toBe(true);
    expect(model("alpha")).toMatchObject({ requests: 1, failures: 0, status: "active" });
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ requests: 1, completionTokens: 1 });
    await mesh.close();
  });

  it("an abort mid-stream ends with the caller's reason and never blames the model", async () => {
    const clock = testClock();
    const controller = new AbortController();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    a.chatStream = async (request, options) => {
      a.received.push({ operation: "chat", request: request as never, options, at: clock.now() });
      const base = { id: "c", object: "chat.completion.chunk" as const, created: 1, model: "alpha" };
      return {
        body: (async function* () {
          yield { ...base, choices: [{ index: 0, delta: { role: "assistant" as const, content: "Hello" }, finish_reason: null }] };
          controller.abort(new Error("caller gone"));
          throw new ProviderError("aborted", { providerId: "a" }, { code: "connection_error", retryable: true });
        })(),
      };
    };
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const { error, text } = await collect(await open(mesh, {}, { signal: controller.signal }));
    expect(error).toEqual(new Error("caller gone"));
    expect(text).toBe("Hello");
    expect(model("alpha")).toMatchObject({ failures: 0, consecutiveFailures: 0 });
    expect(b.received).toHaveLength(0);
    // What was generated until then is still billed.
    expect(mesh.usage.byModel["a/alpha"]!.completionTokens).toBe(2);
    await mesh.close();
  });
});

describe("middleware on streams", () => {
  it("onChunk may replace chunks; afterResponse receives the assembled completion of the model that served", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["a", "b"] }], clock);
    const seen: unknown[] = [];
    const mesh = create({
      config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion" } } },
      clock,
      middleware: [
        {
          onChunk: (chunk: ChatCompletionChunk) => (chunk.choices[0]?.delta.content ? { ...chunk, choices: [{ ...chunk.choices[0], delta: { content: chunk.choices[0].delta.content.toUpperCase() } }] } : undefined),
          afterResponse: (completion: unknown) => void seen.push(completion),
        },
      ],
    } as never);
    const { text } = await collect((await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as AsyncIterable<ChatCompletionChunk>);
    expect(text).toBe("AB");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ object: "chat.completion", model: "alpha", choices: [{ message: { content: "ab" }, finish_reason: "stop" }] });
    await mesh.close();
  });

  it("a middleware fallback that is a whole completion is streamed as chunks", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new ProviderError("down", { providerId: "a", status: 500 }, { code: "server_error", retryable: true }) }], clock);
    const mesh = create({
      config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion", retry: { max_retries: 0 } } } },
      clock,
      middleware: [
        {
          onError: () => ({ id: "fallback", object: "chat.completion", created: 5, model: "cache", choices: [{ index: 0, message: { role: "assistant", content: "cached answer", refusal: null }, finish_reason: "stop", logprobs: null }] }),
        },
      ],
    } as never);
    const { text, error } = await collect((await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as AsyncIterable<ChatCompletionChunk>);
    expect(error).toBeUndefined();
    expect(text).toBe("cached answer");
    await mesh.close();
  });
});
