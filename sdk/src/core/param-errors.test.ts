import { describe, expect, it } from "vitest";
import { emptyArray, integerBelowMinimum, invalidType, missingParameter } from "./param-errors.js";
import { usageChunkOf } from "./stream-chunks.js";
import type { ChatCompletionChunk } from "../wire/types.js";

// OpenAI's own wording and codes for a caller's parameter mistakes (as its API and the fake OpenAI server answer them).

describe("parameter errors as OpenAI words them", () => {
  it("names the type it got as OpenAI does", () => {
    const got = (value: unknown) => invalidType("n", "an integer", value).message;
    expect(got("two")).toBe("Invalid type for 'n': expected an integer, but got a string instead.");
    expect(got(1.5)).toBe("Invalid type for 'n': expected an integer, but got a decimal instead.");
    expect(got(2)).toBe("Invalid type for 'n': expected an integer, but got an integer instead.");
    expect(got(true)).toBe("Invalid type for 'n': expected an integer, but got a boolean instead.");
    expect(got(null)).toBe("Invalid type for 'n': expected an integer, but got null instead.");
    expect(got([1])).toBe("Invalid type for 'n': expected an integer, but got an array instead.");
    expect(got({})).toBe("Invalid type for 'n': expected an integer, but got an object instead.");
    expect(invalidType("n", "an integer", "x")).toMatchObject({ name: "InvalidRequestError", param: "n", code: "invalid_type", retryable: false });
  });

  it("words a missing parameter, an empty array and a value below the minimum, each with its code", () => {
    expect(missingParameter("messages")).toMatchObject({ message: "Missing required parameter: 'messages'.", param: "messages", code: "missing_required_parameter" });
    expect(emptyArray("messages")).toMatchObject({ message: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", param: "messages", code: "empty_array" });
    expect(integerBelowMinimum("n", 1, 0)).toMatchObject({ message: "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.", param: "n", code: "integer_below_min_value" });
  });
});

describe("usageChunkOf", () => {
  const finish = { id: "c", object: "chat.completion.chunk", created: 7, model: "m", choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } } as ChatCompletionChunk;

  it("is the finish chunk's identity and usage with no choices, keeping a system_fingerprint only when there is one", () => {
    expect(usageChunkOf(finish)).toEqual({ id: "c", object: "chat.completion.chunk", created: 7, model: "m", choices: [], usage: finish.usage });
    expect(Object.keys(usageChunkOf(finish))).not.toContain("system_fingerprint");
    expect(usageChunkOf({ ...finish, system_fingerprint: "fp_1" })).toMatchObject({ system_fingerprint: "fp_1", choices: [] });
  });
});
