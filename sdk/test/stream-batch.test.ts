import { describe, expect, it } from "vitest";
import { create } from "../src/index.js";
import type { ChatCompletionChunk, ChatCompletionCreateParams } from "../src/wire/types.js";
import { caught } from "./mutation/wire-capture.js";
import { base, content, finish, inBandError, service } from "./support/read-service.js";

// A provider takes all the events of one network read together and parses them one per chunk asked for
// (stream-first-chunk.test.ts: the first chunk is not held back by the rest of its read). What a
// consumer sees must not depend on how the bytes were cut into reads: the chunks before a failure come first, nothing
// after the end marker counts, and leaving early still closes the body and aborts the request.
//
// Stryker on `_iterate` (sdk/src/provider/base-provider.ts) with these tests, stream-first-chunk.test.ts, the other
// stream and base-provider suites and cors-proxy/test/raw-chunk.test.ts (2026-12-03, 22:40): 93.6 % before the test of
// the service's text in stream-first-chunk.test.ts, which kills the three mutants of `rawParser`; the survivors left
// are equivalent.
// - `if (chunk) return chunk` in `parseNext` → true: `accept` gives nothing only after setting the failure, which
//   `next()` throws at once.
// - `if (closed) return done` after a read → false: a read that resolves after the consumer left is a cancelled one
//   (`done`), which the truncation path and the catch below turn into `done` as well.
// - `closed = true` on completion → false, and `if (!closed)` in `return()` → true: closing and `Transfer.finish`/`stop`
//   are idempotent (`stop` after `finish` aborts nothing).
// - `chunk.choices.some(carriesContent)` → `every`: only a chunk with several choices, some empty, tells them apart,
//   and only by when the stall window restarts.
const request: ChatCompletionCreateParams = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] };

const texts = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "");

async function read(iterator: AsyncIterator<ChatCompletionChunk>, count: number): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for (let index = 0; index < count; index++) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
  }
  return chunks;
}

describe("a provider's stream, several events in one network read", () => {
  it("hands out the chunks before an in-band error, then fails with the service's error", async () => {
    const { provider, seen } = service([content("Hel") + content("lo") + inBandError + content("never")], true);
    const iterator = (await provider.chatStream(request)).body[Symbol.asyncIterator]();
    expect(texts(await read(iterator, 2))).toEqual(["Hel", "lo"]);
    const error = await caught(iterator.next());
    expect(error.message).toContain("The server had an error while processing your request.");
    expect(error.constructor.name).toBe("ProviderError");
    expect(seen.cancelled).toBe(true);
    expect(seen.signal?.aborted).toBe(true);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("hands out the chunks before a malformed event, then fails as malformed_response", async () => {
    const { provider } = service([content("a") + "data: {not json\n\n" + content("b")]);
    const iterator = (await provider.chatStream(request)).body[Symbol.asyncIterator]();
    expect(texts(await read(iterator, 1))).toEqual(["a"]);
    const error = await caught(iterator.next());
    expect(error.code).toBe("malformed_response");
  });

  it("ignores what follows the end marker in the same read and ends normally", async () => {
    const { provider, seen } = service([content("a") + finish + "data: [DONE]\n\n" + content("after the end")]);
    const chunks = await read((await provider.chatStream(request)).body[Symbol.asyncIterator](), 10);
    expect(texts(chunks)).toEqual(["a", ""]);
    expect(chunks[1]!.choices[0]!.finish_reason).toBe("stop");
    expect(seen.signal?.aborted).toBe(false);
  });

  it("reads on when a read completes no event (an event cut across reads)", async () => {
    const whole = content("split") + finish + "data: [DONE]\n\n";
    const { provider, seen } = service([whole.slice(0, 10), whole.slice(10, 20), whole.slice(20)]);
    const chunks = await read((await provider.chatStream(request)).body[Symbol.asyncIterator](), 10);
    expect(texts(chunks)).toEqual(["split", ""]);
    expect(seen.pulls).toBeGreaterThanOrEqual(3);
  });

  it("fails as truncated when the body ends after the chunks of its last read without a finish", async () => {
    const { provider } = service([content("a") + content("b")]);
    const iterator = (await provider.chatStream(request)).body[Symbol.asyncIterator]();
    expect(texts(await read(iterator, 2))).toEqual(["a", "b"]);
    const error = await caught(iterator.next());
    expect(error.code).toBe("stream_truncated");
    expect(error.message).toContain("ended before the service finished it");
  });

  it("closes the body and aborts the request when the consumer leaves with chunks of the read still unread", async () => {
    const { provider, seen } = service([content("a") + content("b") + content("c"), content("d") + finish], true);
    const iterator = (await provider.chatStream(request)).body[Symbol.asyncIterator]();
    expect(texts(await read(iterator, 1))).toEqual(["a"]);
    expect(await iterator.return!()).toEqual({ done: true, value: undefined });
    expect(seen.cancelled).toBe(true);
    expect(seen.signal?.aborted).toBe(true);
    expect(seen.pulls).toBeLessThan(3);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("hands out the chunks before an event that is not an object, then fails as malformed_response", async () => {
    const { provider } = service([content("a") + "data: 5\n\n" + content("b")]);
    const iterator = (await provider.chatStream(request)).body[Symbol.asyncIterator]();
    expect(texts(await read(iterator, 1))).toEqual(["a"]);
    const error = await caught(iterator.next());
    expect(error.code).toBe("malformed_response");
    expect(error.message).toContain("not an object");
  });

  it("gives a chunk without an id the stream's first id, not the last one seen", async () => {
    const other = `data: ${JSON.stringify({ ...base, id: "chatcmpl-other", choices: [{ index: 0, delta: { content: "b" }, logprobs: null, finish_reason: null }] })}\n\n`;
    const bare = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "c" }, finish_reason: "stop" }] })}\n\n`;
    const { provider } = service([content("a") + other + bare + "data: [DONE]\n\n"]);
    const chunks = await read((await provider.chatStream(request)).body[Symbol.asyncIterator](), 10);
    expect(chunks.map((chunk) => chunk.id)).toEqual(["chatcmpl-batch", "chatcmpl-other", "chatcmpl-batch"]);
    expect(chunks[2]!.created).toBe(base.created);
  });

  it("ends a read cut short by the consumer leaving as done, not as a failure", async () => {
    const { provider, seen } = service([content("a")], true);
    const iterator = (await provider.chatStream(request)).body[Symbol.asyncIterator]();
    expect(texts(await read(iterator, 1))).toEqual(["a"]);
    const pending = iterator.next();
    await iterator.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(seen.signal?.aborted).toBe(true);
  });

  it("closes the body unread when the consumer leaves before the first chunk", async () => {
    const { provider, seen } = service([content("a") + finish], true);
    const iterator = (await provider.chatStream(request)).body[Symbol.asyncIterator]();
    await iterator.return!();
    expect(seen.pulls).toBeLessThan(2);
    expect(seen.cancelled).toBe(true);
    expect(seen.signal?.aborted).toBe(true);
  });
});

describe("a chat stream left while it waits for the service", () => {
  it("aborts the request at once: leaving does not wait for the next chunk", async () => {
    const { provider, seen } = service([content("a")], true);
    const mesh = create({ config: { providers: {} }, providers: [{ instance: provider }] } as never);
    const stream = await mesh.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.choices[0]?.delta.content).toBe("a");
    const pending = iterator.next().catch((error: unknown) => error);
    const left = await Promise.race([iterator.return!().then(() => "left"), new Promise((resolve) => setTimeout(() => resolve("still waiting"), 1_000))]);
    expect(left).toBe("left");
    expect(seen.signal?.aborted).toBe(true);
    await pending;
    await mesh.close();
  });
});
