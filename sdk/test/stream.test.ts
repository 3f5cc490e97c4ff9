import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { create, MeshStream, StreamInterruptedError, type ChatCompletionChunk } from "../src/index.js";
import { wireValidator } from "./wire-schema.js";
import { hello, pairConfig, startPair, testClock } from "./support/mesh.js";

const wire = wireValidator();
let pair: Awaited<ReturnType<typeof startPair>>;

beforeEach(async () => {
  pair = await startPair({
    a: { reply: "The quick brown fox jumps over the lazy dog" },
    b: { reply: (body: { messages: Array<{ role: string; content: string }> }) => (body.messages.some((message) => message.role === "assistant") ? " over the lazy dog" : "B starts fresh here") },
  });
});
afterEach(async () => {
  await pair.close();
});

function text(chunks: ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function client(pool: Record<string, unknown> = {}) {
  return create({ config: pairConfig(pair, pool), clock: testClock() });
}

describe("streaming", () => {
  it("streams chunks in OpenAI's wire shape, with usage only when asked for", async () => {
    const mesh = client();
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true });
    expect(stream).toBeInstanceOf(MeshStream);
    const chunks = await collect(stream);
    expect(text(chunks)).toBe("The quick brown fox jumps over the lazy dog");
    expect(chunks.every((chunk) => chunk.choices.length > 0 && !("usage" in chunk))).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
    // The provider always asks for usage (to count cost) but the caller did not: it is stripped.
    expect(pair.a.requests[0]!.body.stream_options).toEqual({ include_usage: true });

    const withUsage = await collect(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true, stream_options: { include_usage: true } }));
    const last = withUsage.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.total_tokens).toBeGreaterThan(0);
    if (wire) for (const chunk of withUsage) expect(wire.validate("response.chunk", chunk)).toEqual([]);
    expect(mesh.usage.byModel["a/alpha"]!.totalTokens).toBe(2 * last.usage!.total_tokens);
    await mesh.close();
  });

  it("delivers the first chunk before a slow stream has finished", async () => {
    const mesh = client();
    pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 80 });
    const started = Date.now();
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const firstAfter = Date.now() - started;
    while (!(await iterator.next()).done);
    const totalAfter = Date.now() - started;
    expect(firstAfter).toBeLessThan(totalAfter / 2);
    await mesh.close();
  });

  it("fails over silently when a stream fails before its first chunk", async () => {
    const mesh = client({ retry: { max_retries: 0 } });
    pair.a.enqueue({ kind: "error", status: 503 });
    const chunks = await collect(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(text(chunks)).toBe("B starts fresh here");
    expect(chunks.every((chunk) => chunk.model.startsWith("beta"))).toBe(true);
    await mesh.close();
  });

  it("fails over when the stream breaks before any text (malformed first event)", async () => {
    const mesh = client({ retry: { max_retries: 0 } });
    pair.a.enqueue({ kind: "break-stream", afterChunks: 0 });
    const chunks = await collect(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(text(chunks)).toBe("B starts fresh here");
    // Only one role delta reaches the caller, as in one clean stream.
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.role).length).toBe(1);
    await mesh.close();
  });

  it("continues on a model that extends an assistant prefix: the delivered text as a prefix, no instruction in words", async () => {
    await pair.close();
    pair = await startPair({
      a: { reply: "The quick brown fox jumps over the lazy dog" },
      b: { assistantPrefix: true, reply: (body: { messages: Array<{ role: string; prefix?: boolean }> }) => (body.messages.at(-1)?.prefix ? " over the lazy dog" : "B starts fresh here") },
    });
    const config = pairConfig(pair, { retry: { max_retries: 0 } }) as Record<string, any>;
    config.providers.b.config.models[0].features.assistant_prefix = true;
    const mesh = create({ config, clock: testClock() });
    pair.a.enqueue({ kind: "break-stream", afterChunks: 5 });
    const chunks = await collect(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    const delivered = text(chunks.filter((chunk) => chunk.model.startsWith("alpha")));
    expect(delivered).toBe("The quick brown fox jumps");
    expect(text(chunks)).toBe("The quick brown fox jumps over the lazy dog");
    // What beta received: the conversation and the partial reply marked as a prefix, nothing else.
    const continuation = pair.b.requests[0]!.body;
    expect(continuation.messages).toEqual([...hello, { role: "assistant", content: delivered, prefix: true }]);
    // One stream: one id, one role delta, chunks from both models.
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.role).length).toBe(1);
    expect(chunks.at(-1)!.model).toMatch(/^beta/);
    if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
    // The broken stream is one request that failed, not two.
    const alpha = mesh.describe().pools["chat"]!.models.find((model) => model.model === "alpha")!;
    expect(alpha).toMatchObject({ requests: 1, failures: 1 });
    await mesh.close();
  });

  it("drops a restarted answer's repeat of everything delivered", async () => {
    await pair.close();
    pair = await startPair({ a: { reply: "one two three four five six" }, b: { reply: "one two three four five six" } });
    const mesh = client();
    pair.a.enqueue({ kind: "break-stream", afterChunks: 3 });
    const chunks = await collect(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(text(chunks)).toBe("one two three four five six");
    await mesh.close();
  });

  it("raises StreamInterruptedError after a mid-stream break when stream_failover is error", async () => {
    const mesh = client({ stream_failover: "error" });
    pair.a.enqueue({ kind: "break-stream", afterChunks: 3 });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) received.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).deliveredText).toBe(received.join(""));
    expect((error as StreamInterruptedError).modelId).toBe("alpha");
    expect(pair.b.requests).toHaveLength(0);
    await mesh.close();
  });

  it("rejects create() when no model can start the stream", async () => {
    const mesh = client({ retry: { max_retries: 0 } });
    pair.a.setMode({ kind: "error", status: 500 });
    pair.b.setMode({ kind: "error", status: 500 });
    await expect(mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })).rejects.toMatchObject({ name: "AllProvidersExhaustedError" });
    await mesh.close();
  });

  it("tees and round-trips through a ReadableStream", async () => {
    const mesh = client();
    const [left, right] = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })).tee();
    const [leftChunks, rightChunks] = await Promise.all([collect(left), collect(right)]);
    expect(text(leftChunks)).toBe(text(rightChunks));
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true });
    const copy = MeshStream.fromReadableStream<ChatCompletionChunk>(stream.toReadableStream());
    expect(text(await collect(copy))).toBe("The quick brown fox jumps over the lazy dog");
    await mesh.close();
  });
});
