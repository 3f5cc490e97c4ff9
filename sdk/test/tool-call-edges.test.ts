import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../src/wire/error-base.js";
import { toolArguments } from "../src/provider/content-parts.js";
import { toCohereRequest } from "../src/provider/cohere/request.js";
import { MeshStream } from "../src/wire/mesh-stream.js";

// Edges of what this session changed in the translation of tool calls and in how a stream stops.

describe("toolArguments", () => {
  it("reads no arguments (absent, null, blank) as {}, and a JSON object as itself", () => {
    for (const empty of [undefined, null, "", "   "]) expect(toolArguments(empty)).toEqual({});
    expect(toolArguments('{"city":"Paris"}')).toEqual({ city: "Paris" });
  });

  it("refuses what is not a string of JSON, bad JSON and JSON that is not an object, as the caller's error", () => {
    const refusal = (value: unknown) => {
      try {
        toolArguments(value);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect((error as InvalidRequestError).param).toBe("messages");
        return (error as Error).message;
      }
      throw new Error("not refused");
    };
    expect(refusal(7)).toBe("tool_calls: function.arguments must be a string of JSON");
    expect(refusal({ city: "Paris" })).toBe("tool_calls: function.arguments must be a string of JSON");
    expect(refusal(`{"city": ${"x".repeat(100)}`)).toBe(`tool_calls: function.arguments is not valid JSON: {"city": ${"x".repeat(71)}`);
    expect(refusal("[1,2]")).toBe("tool_calls: function.arguments must be a JSON object");
  });
});

describe("Cohere's request with a tool call in the history", () => {
  const history = (call: Record<string, unknown>) => ({
    model: "command-a-03-2025",
    messages: [
      { role: "user" as const, content: "find it" },
      { role: "assistant" as const, content: null, tool_calls: [call as never] },
      { role: "tool" as const, tool_call_id: "c1", content: "found" },
    ],
  });

  it("passes a function call on in OpenAI's shape", () => {
    const body = toCohereRequest(history({ id: "c1", type: "function", function: { name: "grep", arguments: '{"q":"x"}' } }) as never, "cohere") as { messages: Array<Record<string, unknown>> };
    expect(body.messages[1]).toMatchObject({ role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "grep", arguments: '{"q":"x"}' } }] });
  });

  it("refuses a custom tool's call, which has no function to send", () => {
    expect(() => toCohereRequest(history({ id: "c1", type: "custom", custom: { name: "grep", input: "x" } }) as never, "cohere")).toThrow(
      "tool_calls: each call needs function.name (Cohere takes function tools only)",
    );
  });
});

describe("a MeshStream over any source", () => {
  const counting = () =>
    new MeshStream<number>((signal) => {
      let next = 0;
      return {
        next: async () => {
          if (signal.aborted) throw signal.reason;
          return { done: false, value: next++ };
        },
      };
    });

  it("ends its loop quietly when its reader calls abort()", async () => {
    const stream = counting();
    const seen: number[] = [];
    for await (const item of stream) {
      seen.push(item);
      if (item === 2) stream.abort();
    }
    expect(seen).toEqual([0, 1, 2]);
  });

  it("throws the reason an abort was given", async () => {
    const stream = counting();
    const reason = new Error("stop now");
    const error = await (async () => {
      for await (const item of stream) if (item === 1) stream.controller.abort(reason);
    })().catch((caught: unknown) => caught);
    expect(error).toBe(reason);
  });
});
