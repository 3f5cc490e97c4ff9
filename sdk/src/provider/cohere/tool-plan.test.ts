import { describe, expect, it } from "vitest";
import { fromCohereResponse } from "./response.js";
import { mapCohereEvent } from "./stream.js";

const fail = (reason: string) => new Error(reason);
const call = { id: "k", type: "function", function: { name: "f", arguments: "{}" } };

describe("Cohere's tool_plan as OpenAI content", () => {
  it("is the content of an answer with tool calls and no text", () => {
    const draft = fromCohereResponse({ message: { role: "assistant", tool_plan: "I will call f.", tool_calls: [call] }, finish_reason: "TOOL_CALL" }, fail);
    expect(draft.choices?.[0]).toMatchObject({ message: { content: "I will call f." }, finish_reason: "tool_calls" });
  });

  it("gives way to the answer's own text, is ignored without tool calls, and must be text", () => {
    const withText = fromCohereResponse({ message: { role: "assistant", content: [{ type: "text", text: "Done" }], tool_plan: "plan", tool_calls: [call] } }, fail);
    expect((withText.choices?.[0] as { message: { content: unknown } }).message.content).toBe("Done");
    const noCalls = fromCohereResponse({ message: { role: "assistant", content: [], tool_plan: "plan" } }, fail);
    expect((noCalls.choices?.[0] as { message: { content: unknown } }).message.content).toBe("");
    const notText = fromCohereResponse({ message: { role: "assistant", tool_plan: 42, tool_calls: [call] } }, fail);
    expect((notText.choices?.[0] as { message: { content: unknown } }).message.content).toBeNull();
  });

  it("streams each tool-plan-delta as a content delta; an empty or missing plan is no chunk", () => {
    const event = (plan: unknown) => ({ event: "tool-plan-delta", data: JSON.stringify({ type: "tool-plan-delta", delta: { message: { tool_plan: plan } } }) });
    expect(mapCohereEvent(event("I will"), {}, fail)).toEqual({ choices: [{ index: 0, delta: { content: "I will" }, finish_reason: null }] });
    expect(mapCohereEvent(event(""), {}, fail)).toBeNull();
    expect(mapCohereEvent(event(7), {}, fail)).toBeNull();
    expect(mapCohereEvent({ event: "tool-plan-delta", data: '{"type":"tool-plan-delta"}' }, {}, fail)).toBeNull();
  });
});
