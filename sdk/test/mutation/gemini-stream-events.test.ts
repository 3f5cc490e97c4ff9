import { describe, expect, it } from "vitest";
import { mapGeminiEvent } from "../../src/provider/gemini/stream.js";
import type { GeminiToolCall } from "../../src/provider/gemini/response.js";

// Gemini's streamGenerateContent events as OpenAI chunk drafts, one event at a time with the stream's scratch state
// carried between them: identity fields, candidate indexes, tool-call numbering across events, finish reasons,
// blocked prompts and usage-only events.

const raise = () => new Error("in-band error") as never;
const stream = () => {
  const scratch: Record<string, unknown> = {};
  const remembered: GeminiToolCall[] = [];
  return { remembered, map: (data: unknown) => mapGeminiEvent({ data: typeof data === "string" ? data : JSON.stringify(data) } as never, scratch, raise, (call) => void remembered.push(call)) };
};
const text = (value: string, extra: Record<string, unknown> = {}) => ({ content: { role: "model", parts: [{ text: value }] }, ...extra });
const call = (name: string, id: string) => ({ functionCall: { name, id, args: { q: name } } });

describe("mapGeminiEvent", () => {
  it("a blank event is skipped, whatever whitespace it holds", () => {
    expect(stream().map("  \n ")).toBeNull();
    expect(stream().map("")).toBeNull();
  });

  it("copies responseId and modelVersion when they are strings, and leaves them out otherwise", () => {
    const withIdentity = stream().map({ responseId: "r-1", modelVersion: "gemini-2.5-flash", candidates: [text("Hi")] });
    expect(withIdentity).toStrictEqual([{ id: "r-1", model: "gemini-2.5-flash", choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] }]);
    const without = stream().map({ responseId: 7, modelVersion: null, candidates: [text("Hi")] });
    expect(without).toStrictEqual([{ choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] }]);
  });

  it("uses a candidate's own index, else its position; the role is sent once", () => {
    const { map } = stream();
    expect(map({ candidates: [text("a", { index: 2 }), text("b")] })).toStrictEqual([
      {
        choices: [
          { index: 2, delta: { role: "assistant", content: "a" }, finish_reason: null },
          { index: 1, delta: { role: "assistant", content: "b" }, finish_reason: null },
        ],
      },
    ]);
    expect(map({ candidates: [text("c", { index: 2 })] })).toStrictEqual([{ choices: [{ index: 2, delta: { content: "c" }, finish_reason: null }] }]);
  });

  it("numbers tool calls per candidate across events, and a stop after calls is tool_calls", () => {
    const { map, remembered } = stream();
    const first = map({ candidates: [{ content: { parts: [call("one", "c1")] } }] }) as Array<{ choices: Array<{ delta: { tool_calls: Array<{ index: number; id: string }> } }> }>;
    expect(first[0]!.choices[0]!.delta.tool_calls.map((item) => [item.index, item.id])).toEqual([[0, "c1"]]);
    const second = map({ candidates: [{ content: { parts: [call("two", "c2"), call("three", "c3")] }, finishReason: "STOP" }] }) as Array<{ choices: Array<{ delta: { tool_calls: Array<{ index: number; id: string; function: unknown }> }; finish_reason: string }> }>;
    expect(second[0]!.choices[0]!.delta.tool_calls.map((item) => [item.index, item.id])).toEqual([
      [1, "c2"],
      [2, "c3"],
    ]);
    expect(second[0]!.choices[0]!.delta.tool_calls[0]!.function).toEqual({ name: "two", arguments: '{"q":"two"}' });
    expect(second[0]!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(remembered.map((item) => item.id)).toEqual(["c1", "c2", "c3"]);
  });

  it("a stop without calls is stop, and the last usage follows the finish as its own chunk", () => {
    const { map } = stream();
    const chunks = map({ candidates: [text("done", { finishReason: "STOP" })], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2 } }) as Array<Record<string, unknown>>;
    expect(chunks).toHaveLength(2);
    expect((chunks[0]!.choices as Array<{ finish_reason: string }>)[0]!.finish_reason).toBe("stop");
    expect(chunks[1]).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
  });

  it("a usage-only event before the finish gives nothing and does not start the stream", () => {
    const { map } = stream();
    expect(map({ usageMetadata: { promptTokenCount: 3 } })).toBeNull();
    expect(map({ candidates: [text("Hi")] })).toStrictEqual([{ choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] }]);
  });

  it("a blocked prompt ends with content_filter only when no candidate came; feedback without a block reason is nothing", () => {
    expect(stream().map({ promptFeedback: { blockReason: "SAFETY" } })).toStrictEqual([{ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: "content_filter" }] }]);
    expect(stream().map({ promptFeedback: { safetyRatings: [] } })).toBeNull();
    expect(stream().map({ promptFeedback: "SAFETY" })).toBeNull();
    expect(stream().map({ promptFeedback: { blockReason: 3 } })).toBeNull();
    const withCandidate = stream().map({ promptFeedback: { blockReason: "SAFETY" }, candidates: [text("x")] }) as Array<{ choices: unknown[] }>;
    expect(withCandidate[0]!.choices).toHaveLength(1);
    const { map } = stream();
    map({ candidates: [text("Hi")] });
    expect(map({ promptFeedback: { blockReason: "OTHER" } })).toStrictEqual([{ choices: [{ index: 0, delta: {}, finish_reason: "content_filter" }] }]);
  });
});
