/**
 * The first attempt of a stream (core/router.ts stream: `resume` is only for a stream that already delivered text),
 * observed through what a model that can continue an assistant prefix receives when nothing was delivered yet.
 */
import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { CHAT, hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const prefixModel = (id: string) => ({ id, capabilities: [CHAT], features: { assistantPrefix: true } });

describe("the first attempt of a stream under stream_failover: continue", () => {
  it("sends a prefix-capable model the caller's messages as they are, without continueAssistant, and passes its text on whole", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", [prefixModel("alpha")], [{ pieces: ["Hel", "lo"] }], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 0 }, stream_failover: "continue" });
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as unknown as AsyncIterable<ChatCompletionChunk>;
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello");
    expect(a.received).toHaveLength(1);
    expect(a.received[0]!.request.messages).toEqual(hello);
    expect(a.received[0]!.options).not.toHaveProperty("continueAssistant");
    await mesh.close();
  });
});
