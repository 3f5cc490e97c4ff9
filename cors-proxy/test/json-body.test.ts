import { describe, expect, it } from "vitest";
import { ProxyRequestError } from "../src/errors.js";
import { exceedsJsonDepth, MAX_JSON_DEPTH, parseJsonObject } from "../src/json-body.js";

// The proxy's JSON body parser on its own: which bodies become an object, which a 400 (and with which message), and
// how exactly nesting is counted (only brackets outside strings, each kind, down as well as up).

const bytes = (text: string) => new TextEncoder().encode(text);

function refusal(text: string, maxDepth?: number): ProxyRequestError["reply"] {
  try {
    parseJsonObject(bytes(text), maxDepth);
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyRequestError);
    return (error as ProxyRequestError).reply;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe("parseJsonObject", () => {
  it("returns the body's object, UTF-8 decoded", () => {
    expect(parseJsonObject(bytes('{"model":"chat","messages":[{"role":"user","content":"héllo ✓"}]}'))).toEqual({
      model: "chat",
      messages: [{ role: "user", content: "héllo ✓" }],
    });
  });

  it("refuses what is not JSON with OpenAI's own message", () => {
    expect(refusal('{"model":"chat",')).toEqual({
      status: 400,
      message: "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.",
      type: "invalid_request_error",
      param: null,
      code: null,
    });
  });

  it("refuses JSON that is not an object", () => {
    for (const text of ["[1,2,3]", "[]", "null", '"text"', "42", "true"]) {
      expect(refusal(text), text).toMatchObject({ status: 400, message: "the request body must be a JSON object", type: "invalid_request_error" });
    }
  });

  it("refuses nesting deeper than the limit before parsing, naming the limit, and accepts exactly the limit", () => {
    expect(MAX_JSON_DEPTH).toBe(128);
    const nested = (levels: number) => `{"a":${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}}`;
    expect(parseJsonObject(bytes(nested(128)))).toHaveProperty("a");
    expect(refusal(nested(129))).toMatchObject({ status: 400, message: "the JSON body nests deeper than 128 levels" });
    expect(parseJsonObject(bytes(nested(3)), 3)).toEqual({ a: [[]] });
    expect(refusal(nested(4), 3).message).toBe("the JSON body nests deeper than 3 levels");
  });
});

describe("exceedsJsonDepth", () => {
  it("counts braces and brackets alike, going down as well as up", () => {
    expect(exceedsJsonDepth("{{{}}}", 2)).toBe(true);
    expect(exceedsJsonDepth("{{{}}}", 3)).toBe(false);
    expect(exceedsJsonDepth("[{[]}]", 2)).toBe(true);
    // Many openings, but side by side: deep 1 each time, since every closing bracket goes back up.
    expect(exceedsJsonDepth("[],[],[],[],[]", 1)).toBe(false);
    expect(exceedsJsonDepth("{},{},{},{},{}", 1)).toBe(false);
    expect(exceedsJsonDepth('[{"a":1},{"b":2},{"c":3}]', 2)).toBe(false);
    expect(exceedsJsonDepth('[{"a":1},{"b":[2]},{"c":3}]', 2)).toBe(true);
  });

  it("needs more openings than the limit across both kinds before it looks closer", () => {
    // Two braces and two brackets: four openings in all, nested four deep.
    expect(exceedsJsonDepth("{[{[]}]}", 3)).toBe(true);
    expect(exceedsJsonDepth("[{[{}]}]", 3)).toBe(true);
    expect(exceedsJsonDepth("{[{[]}]}", 4)).toBe(false);
  });

  it("skips brackets inside strings, including after escaped quotes and escaped backslashes", () => {
    expect(exceedsJsonDepth('["[[[[", "{{{{"]', 1)).toBe(false);
    expect(exceedsJsonDepth('["a\\"[[[[", "b"]', 1)).toBe(false);
    expect(exceedsJsonDepth('["a\\\\", [[[]]]]', 3)).toBe(true);
    expect(exceedsJsonDepth('["a\\\\\\"[[[["]', 1)).toBe(false);
    // A string that starts with an escaped quote: the backslash count looks at the characters just before the quote.
    expect(exceedsJsonDepth('["\\"", [[[]]]]', 3)).toBe(true);
    expect(exceedsJsonDepth('["", [[[]]]]', 3)).toBe(true);
  });

  it("stops at an unterminated string (the parser refuses it anyway)", () => {
    expect(exceedsJsonDepth('["[[[[[', 2)).toBe(false);
    expect(exceedsJsonDepth('[[["abc', 2)).toBe(true);
  });
});
