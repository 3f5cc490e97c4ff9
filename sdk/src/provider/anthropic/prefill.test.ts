import { describe, expect, it } from "vitest";
import { allowsPrefill, prefillTail, WhitespaceMatcher } from "./prefill.js";

describe("allowsPrefill", () => {
  it("Claude 3.x to 4.5 take a prefill, in both id schemes and with dated snapshots", () => {
    for (const id of ["claude-3-5-haiku-latest", "claude-3-7-sonnet-20250219", "claude-3-haiku-20240307", "claude-sonnet-4-20250514", "claude-opus-4-1", "claude-opus-4-1-20250805", "claude-sonnet-4-5", "claude-haiku-4-5-20251001"]) {
      expect(allowsPrefill(id), id).toBe(true);
    }
  });

  it("Claude 4.6 and later, and ids the rule cannot read, never get one", () => {
    for (const id of ["claude-opus-4-6", "claude-sonnet-4-6", "claude-opus-4-7", "claude-opus-4-10", "claude-sonnet-5", "claude-opus-5-5-20261001", "claude-next", "gpt-4o"]) {
      expect(allowsPrefill(id), id).toBe(false);
    }
  });
});

describe("prefillTail", () => {
  const ask = { role: "user" as const, content: "Hi" };
  it("is the trailing whitespace of a final assistant text, and nothing otherwise", () => {
    expect(prefillTail({ model: "m", messages: [ask, { role: "assistant", content: "Sure:\n\n" }] })).toBe("\n\n");
    expect(prefillTail({ model: "m", messages: [ask, { role: "assistant", content: [{ type: "text", text: "a " }, { type: "text", text: "b \t" }] }] })).toBe(" \t");
    expect(prefillTail({ model: "m", messages: [ask, { role: "assistant", content: "Sure:" }] })).toBe("");
    expect(prefillTail({ model: "m", messages: [{ role: "assistant", content: "Sure: " }, ask] })).toBe("");
    expect(prefillTail({ model: "m", messages: [ask, { role: "assistant", content: "x ", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] }] })).toBe("");
  });
});

describe("WhitespaceMatcher", () => {
  it("drops the repeated whitespace once, across pieces, and passes the rest unchanged", () => {
    const split = new WhitespaceMatcher("\n\n");
    expect([split.take(""), split.take("\n"), split.take("\nNext"), split.take(" para\n\n")]).toEqual(["", "", "Next", " para\n\n"]);
    const more = new WhitespaceMatcher(" ");
    expect([more.take("  two"), more.take(" spaces")]).toEqual([" two", " spaces"]);
    const none = new WhitespaceMatcher(" ");
    expect([none.take("word"), none.take(" next")]).toEqual(["word", " next"]);
    const different = new WhitespaceMatcher("\n\n");
    expect([different.take("\n Item"), different.take("\n")]).toEqual([" Item", "\n"]);
  });
});
