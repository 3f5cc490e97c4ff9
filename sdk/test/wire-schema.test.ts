import { describe, expect, it } from "vitest";
import { wireValidator } from "./wire-schema.js";

describe("the wire-schema check", () => {
  it("throws, naming the file, when OpenAI's schemas are missing, instead of letting the checks pass unchecked", () => {
    const missing = "/nonexistent/wire/openai-schemas.json";
    expect(() => wireValidator(missing)).toThrow(`wire schemas not found at ${missing}`);
  });

  it("finds real problems when the schemas are there", () => {
    const validator = wireValidator();
    const completion = {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi", refusal: null }, finish_reason: "stop", logprobs: null }],
    };
    expect(validator.validate("response.chat", completion)).toEqual([]);
    expect(validator.validate("response.chat", { ...completion, choices: [{ index: 0, finish_reason: "finished" }] }).length).toBeGreaterThan(0);
    expect(validator.validate("request.chat", { model: "gpt-4o-mini" }).join("\n")).toContain("messages");
  });
});
