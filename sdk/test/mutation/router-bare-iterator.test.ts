/**
 * A provider's stream is any AsyncIterable: its iterator may have `next()` only (no `return()`), as a hand-written
 * connector's often does. The router must neither crash on the missing `return()` nor let it hide the real failure.
 */
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/wire/errors.js";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

/** The scripted stream seen through an iterator that has `next()` and nothing else. */
function withoutReturn(provider: ScriptedProvider): void {
  const original = provider.chatStream.bind(provider);
  provider.chatStream = async (request, options) => {
    const result = await original(request, options);
    const inner = result.body[Symbol.asyncIterator]();
    return { ...result, body: { [Symbol.asyncIterator]: () => ({ next: () => inner.next() }) } };
  };
}

const open = (mesh: ReturnType<typeof scriptedMesh>["mesh"]) =>
  mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }) as unknown as Promise<AsyncIterable<ChatCompletionChunk>>;

describe("a stream whose iterator has no return()", () => {
  it("that fails before its first chunk is booked with its own error, and the next model serves", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    a.chatStream = async () => ({
      body: { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new ProviderError("upstream exploded", { providerId: "a", status: 500 }, { code: "server_error", retryable: true })) }) },
    });
    const b = new ScriptedProvider("b", ["beta"], [{ text: "from beta" }], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 } });
    let text = "";
    for await (const chunk of await open(mesh)) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("from beta");
    expect(model("alpha")).toMatchObject({ failures: 1, lastError: "upstream exploded" });
    await mesh.close();
  });

  it("that the caller stops reading early ends quietly, the model credited with a request", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["one ", "two ", "three"] }], clock);
    withoutReturn(a);
    const { mesh, model } = scriptedMesh([a], clock);
    const seen: string[] = [];
    for await (const chunk of await open(mesh)) {
      seen.push(chunk.choices[0]?.delta.content ?? "");
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(["", "one "]);
    expect(model("alpha")).toMatchObject({ requests: 1, failures: 0, status: "active" });
    await mesh.close();
  });
});
