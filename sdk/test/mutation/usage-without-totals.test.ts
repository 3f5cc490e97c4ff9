/**
 * Usage the service leaves incomplete is still booked: a served stream that reports no usage is estimated (4
 * characters a token, as a broken attempt is), and an answer without `total_tokens` counts prompt + completion.
 * Seen from outside, in client.usage.
 */
import { describe, expect, it } from "vitest";
import type { CompletionUsage } from "../../src/wire/types.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

/** The conversation `hello` by the 4-characters-a-token estimate: "Hello there" is 3 tokens, plus 4 for the message. */
const HELLO_PROMPT_ESTIMATE = 7;

describe("usage a service leaves out", () => {
  it("a stream served to its end without usage is booked by estimate, not as zero tokens", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["abcd", "efgh"], usage: null }], clock);
    const { mesh } = scriptedMesh([a], clock);
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true } as never)) as unknown as AsyncIterable<unknown>;
    for await (const chunk of stream) void chunk;
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ requests: 1, promptTokens: HELLO_PROMPT_ESTIMATE, completionTokens: 2, totalTokens: HELLO_PROMPT_ESTIMATE + 2 });
    await mesh.close();
  });

  it("an answer without total_tokens counts prompt + completion", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ text: "Hi", usage: { prompt_tokens: 12, completion_tokens: 5 } as CompletionUsage }], clock);
    const { mesh } = scriptedMesh([a], clock);
    await mesh.chat.completions.create({ model: "chat", messages: hello } as never);
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ promptTokens: 12, completionTokens: 5, totalTokens: 17 });
    await mesh.close();
  });
});
