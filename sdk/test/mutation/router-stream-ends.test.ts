/**
 * How a stream ends when it cannot end well (core/router.ts stream): the caller's abort mid-stream, a request error
 * in-band before any text, and a failover after text was delivered, observed through what the caller gets,
 * client.usage, the model's state and the events.
 */
import { describe, expect, it } from "vitest";
import { ProviderError, StreamInterruptedError } from "../../src/wire/errors.js";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const broken = (providerId: string) => new ProviderError("connection reset mid-stream", { providerId }, { code: "stream_broken", retryable: true });

async function drain(stream: AsyncIterable<ChatCompletionChunk>, onChunk: (chunk: ChatCompletionChunk) => void = () => {}) {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      onChunk(chunk);
    }
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

const open = (mesh: ReturnType<typeof scriptedMesh>["mesh"], options?: { signal: AbortSignal }) =>
  mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, options) as unknown as Promise<AsyncIterable<ChatCompletionChunk>>;

describe("a stream the caller aborts mid-way", () => {
  it("is billed for what it generated but counted as no served request, and the model is not blamed", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    // As fetch does: once the caller's signal fires, reading the body throws.
    a.chatStream = async (request, options) => {
      a.received.push({ operation: "chat", request: request as never, options, at: clock.now() });
      const base = { id: "c", object: "chat.completion.chunk" as const, created: 1, model: "alpha" };
      return {
        body: (async function* () {
          for (const content of ["", "abcd", "efgh", "ijkl"]) {
            if (options?.signal?.aborted) throw new DOMException("This operation was aborted", "AbortError");
            yield { ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] };
          }
        })(),
      };
    };
    const { mesh, model } = scriptedMesh([a], clock);
    const controller = new AbortController();
    const { error } = await drain(await open(mesh, { signal: controller.signal }), (chunk) => {
      if (chunk.choices[0]?.delta.content === "efgh") controller.abort();
    });
    // A plain abort ends the reader's loop quietly, as the official client's does.
    expect(error).toBeUndefined();
    // "abcdefgh" generated: 2 tokens by the 4-characters estimate; the prompt 7.
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ requests: 0, failures: 1, promptTokens: 7, completionTokens: 2 });
    expect(mesh.usage.requests).toBe(0);
    expect(model("alpha")).toMatchObject({ requests: 0, failures: 0, status: "active" });
    await mesh.close();
  });
});

describe("a request error in-band", () => {
  it("before any text is the caller's error as the service gave it, not an interrupted stream", async () => {
    const clock = testClock();
    const rejected = new ProviderError("messages: unsupported content", { providerId: "a", status: 400 }, { code: "invalid_request", retryable: false });
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: [], breakWith: rejected }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh } = scriptedMesh([a, b], clock);
    const { chunks, error } = await drain(await open(mesh));
    // The caller had the role chunk only.
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual([""]);
    expect(error).toBe(rejected);
    expect(error).not.toBeInstanceOf(StreamInterruptedError);
    expect(b.received).toHaveLength(0);
    await mesh.close();
  });
});

describe("a failover after text was delivered", () => {
  it("is announced by a stream-failover event naming the model left and the characters delivered", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["Hel"], breakWith: broken("a") }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ pieces: ["Hello", " world"] }], clock);
    const { mesh, ofType } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    const { chunks, error } = await drain(await open(mesh));
    expect(error).toBeUndefined();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello world");
    const requestId = ofType("request-start")[0]!.requestId;
    expect(ofType("stream-failover")).toEqual([{ type: "stream-failover", severity: "warning", component: "router", requestId, pool: "chat", fromModel: "a/alpha", deliveredChars: 3, timestamp: expect.any(Number) }]);
    await mesh.close();
  });
});
