import { describe, expect, it } from "vitest";
import { prefillTail, thinkingEnabled, WhitespaceMatcher } from "../../src/provider/anthropic/prefill.js";
import type { ChatCompletionCreateParams } from "../../src/wire/types.js";

// The edges of Anthropic prefill's rules: which requests have extended thinking on, which final message counts as a
// prefill (and which whitespace it ends with), and how the repeated whitespace is matched across pieces.
//
// Mutants of prefill.ts and anthropic/provider.ts these tests leave alive, judged equivalent: the guards in front of
// `WhitespaceMatcher.take` and in `withoutRepeatedWhitespace` (a matcher with nothing pending returns its text as it is,
// so skipping a guard changes no output); the loop bounds of `take` (reading past either string compares with
// `undefined`, which never matches); optional chaining on values the connector always sets.

const ask = { role: "user" as const, content: "Hi" };
const request = (messages: ChatCompletionCreateParams["messages"], extra: Record<string, unknown> = {}) => ({ model: "claude-sonnet-4-5", messages, ...extra }) as ChatCompletionCreateParams;

describe("thinkingEnabled", () => {
  it("is true for Anthropic's enabled and adaptive thinking, false for anything else", () => {
    expect(thinkingEnabled(request([ask], { thinking: { type: "enabled", budget_tokens: 2048 } }))).toBe(true);
    expect(thinkingEnabled(request([ask], { thinking: { type: "adaptive" } }))).toBe(true);
    expect(thinkingEnabled(request([ask], { thinking: { type: "disabled" } }))).toBe(false);
    expect(thinkingEnabled(request([ask], { thinking: "enabled" }))).toBe(false);
    expect(thinkingEnabled(request([ask]))).toBe(false);
  });
});

describe("prefillTail", () => {
  it("only the very last message counts, and only when it is the assistant's", () => {
    expect(prefillTail(request([ask, { role: "assistant", content: "Sure " }, { role: "user", content: "More " }]))).toBe("");
    expect(prefillTail(request([{ role: "user", content: "Hi " }]))).toBe("");
  });

  it("an empty tool_calls list is no tool call: the message is still a prefill", () => {
    expect(prefillTail(request([ask, { role: "assistant", content: "Sure ", tool_calls: [] } as never]))).toBe(" ");
  });

  it("of content parts, only a text part at the very end gives the tail", () => {
    expect(prefillTail(request([ask, { role: "assistant", content: [{ type: "text", text: "x" }, { type: "text", text: "y " }, { type: "text", text: "z" }] } as never]))).toBe("");
    expect(prefillTail(request([ask, { role: "assistant", content: [{ type: "text", text: "x" }, { type: "text", text: "y  " }] } as never]))).toBe("  ");
    expect(prefillTail(request([ask, { role: "assistant", content: [{ type: "text", text: "x " }, { type: "image_url", image_url: { url: "https://img.test/a.png" } }] } as never]))).toBe("");
  });
});

describe("WhitespaceMatcher", () => {
  it("a piece that repeats only part of the tail leaves the rest of it to match in the next piece", () => {
    const matcher = new WhitespaceMatcher("\n ");
    expect(matcher.take("\n")).toBe("");
    expect(matcher.take(" x")).toBe("x");
    expect(matcher.take(" y")).toBe(" y");
  });

  it("once the answer shows a character of its own, every later piece passes unchanged", () => {
    const matcher = new WhitespaceMatcher(" ");
    expect(matcher.take(" a")).toBe("a");
    expect(matcher.take("Stryker was here!")).toBe("Stryker was here!");
    expect(matcher.take(" b")).toBe(" b");
  });
});

describe("a Claude model configured without assistant prefix", () => {
  it("is never sent a prefill (refused before sending); the same model id left as built in is", async () => {
    const { AnthropicProvider } = await import("../../src/provider/anthropic/provider.js");
    const { wireCapture } = await import("./wire-capture.js");
    const reply = { json: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "three" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } };
    const conversation = request([ask, { role: "assistant", content: "one, two," }]);
    const off = wireCapture(reply);
    const configured = new AnthropicProvider({ apiKey: "test-key-anthropic", fetch: off.fetch, models: [{ id: "claude-sonnet-4-5", features: { assistantPrefix: false } }] });
    await expect(configured.chat(conversation)).rejects.toMatchObject({ code: "unsupported_parameter" });
    expect(off.requests).toHaveLength(0);
    const on = wireCapture(reply);
    const builtIn = new AnthropicProvider({ apiKey: "test-key-anthropic", fetch: on.fetch });
    const answer = await builtIn.chat(conversation);
    expect(answer.body.choices[0]!.message.content).toBe("three");
    expect((on.last().body as { messages: Array<{ role: string }> }).messages.at(-1)!.role).toBe("assistant");
  });
});
