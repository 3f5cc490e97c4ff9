import { describe, expect, it } from "vitest";
import { checkParseRequest, parseCompletion } from "./chat-parse.js";
import { ContentFilterFinishReasonError, LengthFinishReasonError } from "../wire/errors.js";
import { InvalidRequestError, ModelMeshError } from "../wire/error-base.js";
import { markServed, servedBy } from "../wire/served.js";
import type { ChatCompletion, ChatCompletionChoice, ChatCompletionRequest } from "../wire/types.js";

// The rules of `chat.completions.parse()` on answers built by hand (`sdk/test/chat-parse.test.ts` runs it against the
// fake OpenAI server).

const messages = [{ role: "user" as const, content: "x" }];
const schemaFormat = { type: "json_schema" as const, json_schema: { name: "s", schema: { type: "object" } } };

function completion(message: Partial<ChatCompletionChoice["message"]>, finish: ChatCompletionChoice["finish_reason"] = "stop"): ChatCompletion {
  return { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, finish_reason: finish, logprobs: null, message: { role: "assistant", content: null, refusal: null, ...message } }] };
}

/** A format or tool as the `openai` package's helpers make them: `$brand` and `$parseRaw` not enumerable. */
function selfParsing<T extends object>(value: T, parse: (text: string) => unknown, brand: string): T {
  return Object.defineProperties({ ...value }, { $brand: { value: brand, enumerable: false }, $parseRaw: { value: parse, enumerable: false } });
}

/** What `run` throws; a test that expected a failure fails when it returns. */
const caught = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
};
const refusal = (run: () => unknown) => caught(run) as InvalidRequestError;

describe("checkParseRequest", () => {
  it("takes no tools, strict function tools and custom tools", () => {
    expect(() => checkParseRequest({ model: "m", messages })).not.toThrow();
    expect(() => checkParseRequest({ model: "m", messages, tools: null } as never)).not.toThrow();
    expect(() => checkParseRequest({ model: "m", messages, tools: [{ type: "function", function: { name: "f", strict: true } }, { type: "custom", custom: { name: "c" } }] })).not.toThrow();
  });

  it("refuses a stream, tools that are not a list, other tool kinds and a function tool without strict: true, naming where", () => {
    const stream = refusal(() => checkParseRequest({ model: "m", messages, stream: true }));
    expect(stream).toBeInstanceOf(InvalidRequestError);
    expect([stream.message, stream.param]).toEqual(["chat.completions.parse() does not stream: use chat.completions.stream() for a streamed answer", "stream"]);
    const notList = refusal(() => checkParseRequest({ model: "m", messages, tools: {} } as never));
    expect([notList.message, notList.param]).toEqual(["tools must be a list", "tools"]);
    const other = refusal(() => checkParseRequest({ model: "m", messages, tools: [{ type: "function", function: { name: "f", strict: true } }, { type: "web_search" }] } as never));
    expect([other.message, other.param]).toEqual(['tools[1]: only function and custom tools can be parsed, got type "web_search"', "tools[1].type"]);
    const hole = refusal(() => checkParseRequest({ model: "m", messages, tools: [null] } as never));
    expect(hole.param).toBe("tools[0].type");
    const loose = refusal(() => checkParseRequest({ model: "m", messages, tools: [{ type: "function", function: { name: "f", strict: false } }] }));
    expect([loose.message, loose.param]).toEqual(['the "f" tool is not marked strict: true; only strict function tools can be parsed', "tools[0].function.strict"]);
    const bare = refusal(() => checkParseRequest({ model: "m", messages, tools: [{ type: "function" }] } as never));
    expect([bare.message, bare.param]).toEqual(["the undefined tool is not marked strict: true; only strict function tools can be parsed", "tools[0].function.strict"]);
  });
});

describe("parseCompletion", () => {
  it("parses JSON content for a json_schema format and leaves text and json_object answers unparsed", () => {
    const body = { model: "m", messages, response_format: schemaFormat };
    expect(parseCompletion(body, completion({ content: '{"a":1}' })).choices[0]!.message.parsed).toEqual({ a: 1 });
    expect(parseCompletion({ model: "m", messages }, completion({ content: '{"a":1}' })).choices[0]!.message.parsed).toBeNull();
    expect(parseCompletion({ model: "m", messages, response_format: { type: "json_object" } }, completion({ content: '{"a":1}' })).choices[0]!.message.parsed).toBeNull();
  });

  it("uses a format's own parser when it has one", () => {
    const body = { model: "m", messages, response_format: selfParsing(schemaFormat, (text) => ({ parsedBy: "helper", text }), "auto-parseable-response-format") };
    expect(parseCompletion(body, completion({ content: '{"a":1}' })).choices[0]!.message.parsed).toEqual({ parsedBy: "helper", text: '{"a":1}' });
  });

  it("parses nothing for a refusal, no content, or empty content beside tool calls; empty content alone is parsed", () => {
    const body = { model: "m", messages, response_format: schemaFormat };
    expect(parseCompletion(body, completion({ content: '{"a":1}', refusal: "no" })).choices[0]!.message.parsed).toBeNull();
    expect(parseCompletion(body, completion({ content: null })).choices[0]!.message.parsed).toBeNull();
    const call = { id: "1", type: "function" as const, function: { name: "f", arguments: "{}" } };
    expect(parseCompletion(body, completion({ content: "", tool_calls: [call] })).choices[0]!.message.parsed).toBeNull();
    expect(parseCompletion(body, completion({ content: '{"a":1}', tool_calls: [call] })).choices[0]!.message.parsed).toEqual({ a: 1 });
    // A format's own parser is not handed a missing content.
    const seen: unknown[] = [];
    const helper = { model: "m", messages, response_format: selfParsing(schemaFormat, (text) => seen.push(text), "auto-parseable-response-format") };
    expect(parseCompletion(helper, completion({ content: null })).choices[0]!.message.parsed).toBeNull();
    expect(seen).toEqual([]);
    const emptyAlone = caught(() => parseCompletion(body, completion({ content: "" })));
    expect(emptyAlone).toBeInstanceOf(ModelMeshError);
    expect(emptyAlone).toMatchObject({ code: "invalid_structured_output", retryable: true, message: "the structured output is not valid JSON, so it cannot be parsed" });
  });

  it("parses the arguments of calls to strict tools (with their own parser when they have one); others get null", () => {
    const tools = [
      { type: "custom" as const, custom: { name: "strict" } },
      { type: "function" as const, function: { name: "loose" } },
      { type: "function" as const, function: { name: "strict", strict: true } },
      selfParsing({ type: "function" as const, function: { name: "helper", strict: true } }, (text) => ({ helper: JSON.parse(text) }), "auto-parseable-tool"),
    ];
    const body = { model: "m", messages, tools } as ChatCompletionRequest;
    const calls = [
      { id: "1", type: "function" as const, function: { name: "strict", arguments: '{"a":1}' } },
      { id: "2", type: "function" as const, function: { name: "loose", arguments: '{"b":2}' } },
      { id: "3", type: "function" as const, function: { name: "helper", arguments: '{"c":3}' } },
      { id: "4", type: "function" as const, function: { name: "unknown", arguments: '{"d":4}' } },
    ];
    const custom = { id: "5", type: "custom", custom: { name: "strict", input: "text" } };
    const parsed = parseCompletion(body, completion({ content: null, tool_calls: [...calls, custom] as never }, "tool_calls")).choices[0]!.message.tool_calls!;
    expect(parsed.map((call) => (call.type === "function" ? (call.function as { parsed_arguments?: unknown }).parsed_arguments : call))).toEqual([{ a: 1 }, null, { helper: { c: 3 } }, null, custom]);
    expect(parsed[0]).toEqual({ ...calls[0], function: { ...calls[0]!.function, parsed_arguments: { a: 1 } } });
    // A strict tool's arguments that are not JSON: the model's failure.
    const broken = caught(() => parseCompletion(body, completion({ content: null, tool_calls: [{ ...calls[0]!, function: { name: "strict", arguments: "{" } }] }, "tool_calls")));
    expect(broken).toMatchObject({ code: "invalid_structured_output", message: 'the arguments of the "strict" tool call is not valid JSON, so it cannot be parsed' });
  });

  it("refuses a choice cut at its token limit or stopped by a content filter", () => {
    const body = { model: "m", messages, response_format: schemaFormat };
    expect(() => parseCompletion(body, completion({ content: '{"a"' }, "length"))).toThrow(LengthFinishReasonError);
    expect(() => parseCompletion(body, completion({ content: "" }, "content_filter"))).toThrow(ContentFilterFinishReasonError);
  });

  it("returns a copy that keeps the service's request id and who served it, and leaves the original unchanged", () => {
    const original = completion({ content: '{"a":1}' });
    Object.defineProperty(original, "_request_id", { value: "req_1", enumerable: false, configurable: true });
    markServed(original, { provider: "p", model: "m", attempts: 2, cost: 0, priced: false });
    const parsed = parseCompletion({ model: "m", messages, response_format: schemaFormat }, original);
    expect(parsed).not.toBe(original);
    expect(parsed._request_id).toBe("req_1");
    expect(Object.keys(parsed)).not.toContain("_request_id");
    expect(servedBy(parsed)).toEqual({ provider: "p", model: "m", attempts: 2, cost: 0, priced: false });
    expect((original.choices[0]!.message as { parsed?: unknown }).parsed).toBeUndefined();
    const plain = parseCompletion({ model: "m", messages }, completion({ content: "hi" }));
    expect(Object.getOwnPropertyDescriptor(plain, "_request_id")).toBeUndefined();
  });
});
