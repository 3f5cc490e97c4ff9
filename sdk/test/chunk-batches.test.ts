import { describe, expect, it } from "vitest";
import { create, OpenAICompatibleProvider, StreamInterruptedError, type ChatCompletionChunk } from "../src/index.js";
import { CHUNK_BATCHES } from "../src/wire/chunk-batches.js";
import type { SseEvent } from "../src/wire/sse.js";
import type { ChunkDraftResult, StreamContext } from "../src/provider/provider-config.js";
import { content, finish, inBandError, service } from "./support/read-service.js";

// A caller that writes chunks out again (the proxy) asks for them in batches: each step of the stream is an array of
// the chunks ready together, so a network read's events cross the provider, the router and the client once, not once
// each. What reaches the caller must be exactly what it gets chunk by chunk, in the same order, with a failure after
// the chunks before it.

const hello = [{ role: "user" as const, content: "Hi" }];

function meshOver(reads: string[], open = false, middleware: unknown[] = [], instance?: OpenAICompatibleProvider) {
  const { provider: served, seen } = service(reads, open);
  const provider = instance ?? served;
  const mesh = create({
    config: { providers: {}, pools: { chat: { capability: "chat-completion", models: ["gpt-4o-mini"], retry: { max_retries: 0 }, stream_failover: "error" } } },
    providers: [{ instance: provider }],
    middleware,
  } as never);
  return { mesh, seen };
}

/** Every step of a stream (arrays stay arrays), and what ended it. */
async function steps(stream: AsyncIterable<unknown>): Promise<{ values: unknown[]; error?: unknown }> {
  const values: unknown[] = [];
  try {
    for await (const value of stream) values.push(value);
  } catch (error) {
    return { values, error };
  }
  return { values };
}

const text = (chunk: ChatCompletionChunk) => chunk.choices[0]?.delta.content ?? "";
const texts = (values: unknown[]) => (values as ChatCompletionChunk[][]).map((batch) => batch.map(text));

describe("a stream in batches (CHUNK_BATCHES)", () => {
  it("gives the first chunk alone, then the chunks of each read as one array: together, the chunks of a plain stream", async () => {
    const reads = [content("Hel") + content("lo"), content(" there") + content("!") + finish + "data: [DONE]\n\n"];
    const batched = meshOver(reads);
    const { values, error } = await steps((await batched.mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { [CHUNK_BATCHES]: true })) as AsyncIterable<unknown>);
    expect(error).toBeUndefined();
    expect(values.every(Array.isArray)).toBe(true);
    expect(texts(values)).toEqual([["Hel"], ["lo"], [" there", "!", ""]]);
    const arrays = values as ChatCompletionChunk[][];
    expect(arrays.at(-1)!.at(-1)!.choices[0]!.finish_reason).toBe("stop");

    const plain = meshOver(reads);
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of await plain.mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) chunks.push(chunk);
    expect(chunks.every((chunk) => !Array.isArray(chunk))).toBe(true);
    expect(arrays.flat()).toEqual(chunks);
    await Promise.all([batched.mesh.close(), plain.mesh.close()]);
  });

  it("hands out the chunks read before an in-band error, then the failure with all of them as delivered text", async () => {
    const { mesh, seen } = meshOver([content("Hel") + content("lo") + content("!") + inBandError + content("never")], true);
    const { values, error } = await steps((await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { [CHUNK_BATCHES]: true })) as AsyncIterable<unknown>);
    expect(texts(values)).toEqual([["Hel"], ["lo", "!"]]);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).deliveredText).toBe("Hello!");
    expect(seen.signal?.aborted).toBe(true);
    await mesh.close();
  });

  it("hands out the chunks of a batch before one that fails on the mesh's side (a middleware's onChunk throws)", async () => {
    const refuse = {
      onChunk(chunk: ChatCompletionChunk) {
        if (text(chunk) === "!") throw new Error("refused by the middleware");
        return chunk;
      },
    };
    const { mesh } = meshOver([content("Hel"), content("lo") + content("!") + content("never") + finish + "data: [DONE]\n\n"], false, [refuse]);
    const { values, error } = await steps((await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { [CHUNK_BATCHES]: true })) as AsyncIterable<unknown>);
    // Chunk by chunk the caller would have had "Hel" and "lo" before the failure: batched, the same.
    expect(texts(values)).toEqual([["Hel"], ["lo"]]);
    expect(error).toBeInstanceOf(Error);
    await mesh.close();
  });

  it("counts the usage and the delivered text of every chunk of a batch", async () => {
    const usage = `data: ${JSON.stringify({ id: "chatcmpl-batch", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } })}\n\n`;
    const { mesh } = meshOver([content("a"), content("b") + content("c") + finish + usage + "data: [DONE]\n\n"]);
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true, stream_options: { include_usage: true } }, { [CHUNK_BATCHES]: true });
    const { values } = await steps(stream as AsyncIterable<unknown>);
    const last = (values as ChatCompletionChunk[][]).at(-1)!;
    expect(last.map(text)).toEqual(["b", "c", "", ""]);
    expect(last.at(-1)!.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    // The usage in the batch's last chunk is what the mesh books.
    expect(mesh.usage.totalTokens).toBe(10);
    await mesh.close();
  });

  it("hands out every chunk of an event a provider turns into several, in order", async () => {
    // A provider whose parser makes two chunks of each content event (as a CDK provider may): the second waits in the
    // provider's queue and must come before the next event's.
    class Doubling extends OpenAICompatibleProvider {
      protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
        const parsed = super._parseSseChunk(event, context);
        if (parsed === null || parsed === undefined || parsed === "done" || Array.isArray(parsed)) return parsed;
        const piece = (parsed.choices as Array<{ delta: { content?: string } }>)[0]?.delta.content;
        if (typeof piece !== "string" || piece === "") return parsed;
        const half = (suffix: string) => ({ ...parsed, choices: [{ index: 0, delta: { content: piece + suffix }, logprobs: null, finish_reason: null }] });
        return [half("1"), half("2")];
      }
    }
    const reads = [content("a"), content("b") + content("c") + finish + "data: [DONE]\n\n"];
    const { fetch } = service(reads);
    const doubling = new Doubling({ baseUrl: "https://batch.test/v1", apiKey: "sk-batch-0123456789", fetch, models: [{ id: "gpt-4o-mini" }] });
    const { mesh } = meshOver([], false, [], doubling);
    const { values, error } = await steps((await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { [CHUNK_BATCHES]: true })) as AsyncIterable<unknown>);
    expect(error).toBeUndefined();
    expect(texts(values)).toEqual([["a1"], ["a2"], ["b1", "b2", "c1", "c2", ""]]);
    await mesh.close();
  });

  it("batches a stream whose chunks come from an iterator without ready chunks (a JSON answer to a stream request)", async () => {
    const completion = { id: "chatcmpl-json", object: "chat.completion", created: 1_700_000_000, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: "Whole answer", refusal: null }, logprobs: null, finish_reason: "stop" }] };
    const fetch = (async () => new Response(JSON.stringify(completion), { status: 200, headers: { "content-type": "application/json" } })) as typeof globalThis.fetch;
    const provider = new OpenAICompatibleProvider({ baseUrl: "https://batch.test/v1", apiKey: "sk-batch-0123456789", fetch, models: [{ id: "gpt-4o-mini" }] });
    const { mesh } = meshOver([], false, [], provider);
    const { values, error } = await steps((await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { [CHUNK_BATCHES]: true })) as AsyncIterable<unknown>);
    expect(error).toBeUndefined();
    expect(values.every(Array.isArray)).toBe(true);
    expect((values as ChatCompletionChunk[][]).flat().map(text).join("")).toBe("Whole answer");
    await mesh.close();
  });
});
