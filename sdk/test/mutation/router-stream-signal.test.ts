/**
 * A stream's controller reaches a provider that is not this package's (one that implements `Provider` itself and reads
 * `options.signal`) as a real AbortSignal: aborted when the stream is stopped, with the reason the stop gave, and the
 * same signal on every attempt of the request. The router follows the controller without building that signal, so
 * the provider's read is what builds it.
 */
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/wire/errors.js";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

describe("a custom provider's options.signal on a stream", () => {
  it("is aborted when the reader stops the stream, with an AbortError", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["one ", "two ", "three"] }], clock);
    const { mesh } = scriptedMesh([a], clock);
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true });
    const signal = a.received[0]!.options!.signal!;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(false);
    const iterator = (stream as unknown as AsyncIterable<ChatCompletionChunk>)[Symbol.asyncIterator]();
    await iterator.next();
    stream.controller.abort();
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe("AbortError");
    expect(signal).toBe(stream.controller.signal);
    await iterator.return!();
    await mesh.close();
  });

  it("carries the reason of a caller's signal, and is the same signal on the attempt after a failover", async () => {
    const clock = testClock();
    const controller = new AbortController();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new ProviderError("overloaded", { providerId: "a" }, { code: "server_error", retryable: true }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ pieces: ["one ", "two"] }], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { signal: controller.signal });
    const first = a.received[0]!.options!.signal!;
    const second = b.received[0]!.options!.signal!;
    expect(second).toBe(first);
    const reason = new Error("the page was closed");
    controller.abort(reason);
    expect(second.aborted).toBe(true);
    expect(second.reason).toBe(reason);
    expect(stream.controller.signal).toBe(second);
    await (stream as unknown as AsyncIterable<ChatCompletionChunk>)[Symbol.asyncIterator]().return!();
    await mesh.close();
  });
});
