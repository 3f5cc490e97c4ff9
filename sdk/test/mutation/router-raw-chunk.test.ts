/**
 * A stream with no middleware (core/router.ts stream: a chunk goes through the middleware's onChunk only when there
 * is one): the chunk a provider hands over keeps the service's JSON text under Symbol.for("modelmesh.raw-chunk"), so
 * the proxy can write it as received. Observed on the chunks the caller gets.
 */
import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const RAW = Symbol.for("modelmesh.raw-chunk");
const rawOf = (chunk: ChatCompletionChunk) => (chunk as unknown as Record<symbol, unknown>)[RAW];

describe("the service's text of a chunk on a stream without middleware", () => {
  it("is still on the chunk the caller receives", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    // The provider's chunks carry their service text, as BaseProvider's default SSE parser sets it.
    a.chatStream = async (request) => {
      const chunks = [
        { id: "c1", object: "chat.completion.chunk" as const, created: 1, model: request.model, choices: [{ index: 0, delta: { role: "assistant" as const, content: "Hi" }, finish_reason: null }] },
        { id: "c1", object: "chat.completion.chunk" as const, created: 1, model: request.model, choices: [{ index: 0, delta: {}, finish_reason: "stop" as const }] },
      ];
      for (const chunk of chunks) Object.defineProperty(chunk, RAW, { value: JSON.stringify(chunk), configurable: true });
      return {
        body: (async function* () {
          yield* chunks;
        })(),
      };
    };
    const { mesh } = scriptedMesh([a], clock);
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as unknown as AsyncIterable<ChatCompletionChunk>;
    const received: ChatCompletionChunk[] = [];
    for await (const chunk of stream) received.push(chunk);
    expect(received.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hi");
    expect(received.map(rawOf)).toEqual(received.map((chunk) => JSON.stringify(chunk)));
    await mesh.close();
  });
});
