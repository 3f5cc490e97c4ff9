import { describe, expect, it } from "vitest";
import { contentPieces, messageText, toolArguments, unsupported } from "../../src/provider/content-parts.js";
import { withVersionSegment } from "../../src/provider/content-parts.js";

// How OpenAI message content is read for the Anthropic and Gemini translations: which parts count as text, images
// or refusals, which are refused with which message, and how tool-call arguments become objects.

const user = (content: unknown) => ({ role: "user", content }) as never;
const refusal = (call: () => unknown) => {
  try {
    call();
  } catch (error) {
    return error as { name: string; message: string; code?: string; param?: string; retryable?: boolean; providerId?: string };
  }
  throw new Error("no error");
};

describe("contentPieces", () => {
  it("absent content is no pieces; text, image and refusal parts in order", () => {
    expect(contentPieces(user(undefined), "p")).toEqual([]);
    expect(contentPieces(user(null), "p")).toEqual([]);
    expect(contentPieces(user(""), "p")).toEqual([]);
    expect(contentPieces(user([{ type: "text", text: "a" }, { type: "image_url", image_url: { url: "data:image/gif;base64,R0" } }, { type: "refusal", refusal: "no" }, { type: "image_url", image_url: { url: "https://x/i" } }]), "p")).toEqual([
      { kind: "text", text: "a" },
      { kind: "image", image: { kind: "inline", mediaType: "image/gif", data: "R0" } },
      { kind: "text", text: "no" },
      { kind: "image", image: { kind: "url", url: "https://x/i" } },
    ]);
  });

  it("a part of the right type with the wrong field, or another type carrying that field, is refused naming its type", () => {
    const cases: Array<[unknown, string]> = [
      [{ type: "text", text: 5 }, 'p does not support content part "text"'],
      [{ type: "note", text: "x" }, 'p does not support content part "note"'],
      [{ type: "image_url", image_url: "https://x" }, 'p does not support content part "image_url"'],
      [{ type: "image_url", image_url: { url: 5 } }, 'p does not support content part "image_url"'],
      [{ type: "picture", image_url: { url: "https://x" } }, 'p does not support content part "picture"'],
      [{ type: "refusal", refusal: 5 }, 'p does not support content part "refusal"'],
      [{ type: "other", refusal: "x" }, 'p does not support content part "other"'],
      ["loose text", 'p does not support content part "string"'],
      [null, 'p does not support content part "object"'],
    ];
    for (const [part, message] of cases) {
      const error = refusal(() => contentPieces(user([part]), "p"));
      expect([error.message, error.code, error.retryable, error.providerId], JSON.stringify(part)).toEqual([message, "unsupported_parameter", false, "p"]);
    }
    const shape = refusal(() => contentPieces(user({ text: "x" }), "p"));
    expect([shape.name, shape.message, shape.param]).toEqual(["InvalidRequestError", "messages: content must be a string or an array of parts", "messages"]);
    const dataUrl = refusal(() => contentPieces(user([{ type: "image_url", image_url: { url: "data:image/png,raw" } }]), "p"));
    expect([dataUrl.name, dataUrl.param]).toEqual(["InvalidRequestError", "messages"]);
  });

  it("data URLs: the media type and bytes up to the end, a trailing newline kept in the data", () => {
    expect(contentPieces(user([{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA\n" } }]), "p")).toEqual([{ kind: "image", image: { kind: "inline", mediaType: "image/png", data: "AAAA\n" } }]);
  });
});

describe("messageText and toolArguments", () => {
  it("joins text parts; an image in a text-only role is refused naming the role", () => {
    expect(messageText({ role: "system", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] } as never, "p")).toBe("ab");
    expect(refusal(() => messageText({ role: "tool", content: [{ type: "image_url", image_url: { url: "https://x" } }] } as never, "p")).message).toBe("p does not support an image in a tool message");
  });

  it("blank arguments are an empty object; bad JSON and non-objects are the caller's error, quoting at most 80 characters", () => {
    expect(toolArguments(undefined)).toEqual({});
    expect(toolArguments("  \n")).toEqual({});
    expect(toolArguments(' {"a":1} ')).toEqual({ a: 1 });
    const bad = refusal(() => toolArguments(`{${"x".repeat(100)}`));
    expect([bad.name, bad.param, bad.message]).toEqual(["InvalidRequestError", "messages", `tool_calls: function.arguments is not valid JSON: {${"x".repeat(79)}`]);
    for (const text of ["[1]", "1", '"s"', "null"]) {
      const error = refusal(() => toolArguments(text));
      expect([error.name, error.param, error.message], text).toEqual(["InvalidRequestError", "messages", "tool_calls: function.arguments must be a JSON object"]);
    }
    const failover = unsupported("svc", "x");
    expect([failover.message, failover.code, failover.retryable, failover.providerId]).toEqual(["svc does not support x", "unsupported_parameter", false, "svc"]);
  });

  it("version segments with several digits count", () => {
    expect(withVersionSegment("https://api.x.com/v10", "/v1")).toBe("https://api.x.com/v10");
    expect(withVersionSegment("https://api.x.com/v2beta12", "/v1")).toBe("https://api.x.com/v2beta12");
  });
});
