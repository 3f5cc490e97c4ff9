/**
 * Answers real services send that are legal but unusual: `usage: null` on a priced model's answer, and a stream with
 * n > 1 whose other choices carry text. Observed through what the caller gets.
 */
import { describe, expect, it } from "vitest";
import { ProviderError, StreamInterruptedError } from "../../src/wire/errors.js";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { CHAT, hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

describe("unusual answers", () => {
  it("a priced model's answer with usage: null is returned as sent, without a cost", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", [{ id: "alpha", capabilities: [CHAT], pricing: { input: 1, output: 2 } }], [], clock);
    const chat = a.chat.bind(a);
    a.chat = async (request, options) => {
      const result = await chat(request, options);
      return { ...result, body: { ...result.body, usage: null as never } };
    };
    const { mesh } = scriptedMesh([a], clock);
    const answer = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(answer.choices[0]!.message.content).toBe("answer from alpha");
    expect(answer.usage).toBeNull();
    await mesh.close();
  });

  it("a broken n > 1 stream reports as delivered only the first choice's text", async () => {
    const clock = testClock();
    const second = [{ index: 1, delta: { content: "other choice" }, finish_reason: null }];
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["One"], extraChunks: [second as ChatCompletionChunk["choices"]], breakWith: new ProviderError("reset", { providerId: "a" }, { code: "stream_broken", retryable: true }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    let caught: unknown;
    try {
      for await (const chunk of (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true, n: 2 })) as unknown as AsyncIterable<ChatCompletionChunk>) void chunk;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StreamInterruptedError);
    expect((caught as StreamInterruptedError).deliveredText).toBe("One");
    await mesh.close();
  });
});
