import { describe, expect, it } from "vitest";
import { chosenFunctionName } from "./tool-choice.js";
import type { ChatCompletionToolChoice } from "./types.js";

describe("chosenFunctionName", () => {
  it("reads the function a choice names, with or without its type", () => {
    expect(chosenFunctionName({ type: "function", function: { name: "weather" } })).toBe("weather");
    expect(chosenFunctionName({ function: { name: "weather" } } as unknown as ChatCompletionToolChoice)).toBe("weather");
  });

  it("names none for the word choices, other kinds and what JavaScript callers may send instead", () => {
    for (const choice of ["auto", "none", "required", undefined, { type: "allowed_tools" }, { type: "custom", custom: { name: "grep" } }]) {
      expect(chosenFunctionName(choice as ChatCompletionToolChoice | undefined)).toBeUndefined();
    }
    for (const loose of [null, { type: "function", function: null }, { type: "function", function: "weather" }, { type: "function", function: { name: 42 } }, { type: "function", function: {} }]) {
      expect(chosenFunctionName(loose as unknown as ChatCompletionToolChoice)).toBeUndefined();
    }
  });
});
