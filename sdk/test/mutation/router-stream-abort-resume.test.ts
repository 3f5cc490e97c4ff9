/**
 * A caller that goes away while the router is opening the next model's stream, after text was delivered: the caller
 * gets its own abort reason (not a StreamInterruptedError, which would say a model failed), and nobody is blamed.
 */
import { describe, expect, it } from "vitest";
import { ProviderError, StreamInterruptedError } from "../../src/wire/errors.js";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

describe("an abort while a broken stream is resumed", () => {
  it("ends with the caller's reason, the delivered text kept, and the next model not blamed", async () => {
    const clock = testClock();
    const controller = new AbortController();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Half"], breakWith: new ProviderError("connection reset mid-stream", { providerId: "a" }, { code: "stream_broken", retryable: true }) }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    b.chatStream = async (request, options) => {
      b.received.push({ operation: "chat", request: request as never, options, at: clock.now() });
      // What fetch does when the caller's signal fires while the request is being sent.
      controller.abort(new Error("caller gone"));
      throw new ProviderError("aborted", { providerId: "b" }, { code: "connection_error", retryable: true });
    };
    const { mesh, model } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { signal: controller.signal })) as unknown as AsyncIterable<ChatCompletionChunk>;
    let text = "";
    let caught: unknown;
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    } catch (error) {
      caught = error;
    }
    expect(text).toBe("Half");
    expect(caught).not.toBeInstanceOf(StreamInterruptedError);
    expect(caught).toEqual(new Error("caller gone"));
    expect(b.received).toHaveLength(1);
    expect(model("beta")).toMatchObject({ failures: 0, consecutiveFailures: 0, status: "active" });
    await mesh.close();
  });
});
