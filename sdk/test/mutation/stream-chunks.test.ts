/**
 * core/stream-chunks.ts observed directly: what a restarted answer may add to the delivered text, how chunks are
 * reshaped into the one stream the caller sees, and the completion afterResponse hooks get.
 */
import { describe, expect, it } from "vitest";
import { assembleCompletion, continuationRequest, RestartFilter, shapeChunk } from "../../src/core/stream-chunks.js";
import type { ChatCompletionChunk, ChatCompletionChunkChoice } from "../../src/wire/types.js";

const identity = { id: "chatcmpl-first", created: 1_700_000_000 };

function chunk(choices: Array<Partial<ChatCompletionChunkChoice> & { delta: ChatCompletionChunkChoice["delta"] }>, extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk {
  return {
    id: "chatcmpl-later",
    object: "chat.completion.chunk",
    created: 1_800_000_000,
    model: "m",
    choices: choices.map((choice) => ({ index: 0, finish_reason: null, ...choice })),
    ...extra,
  };
}

describe("continuationRequest", () => {
  it("appends the delivered text as the assistant's partial reply and changes nothing else", () => {
    const body = { model: "chat", messages: [{ role: "user" as const, content: "Count" }], temperature: 0.1 };
    const next = continuationRequest(body, "1, 2,");
    expect(next).toEqual({ model: "chat", temperature: 0.1, messages: [{ role: "user", content: "Count" }, { role: "assistant", content: "1, 2," }] });
    expect(body.messages).toHaveLength(1);
  });
});

describe("RestartFilter", () => {
  it("holds back the repeat, then releases only the new part, then passes everything", () => {
    const filter = new RestartFilter("The quick");
    expect(filter.finish()).toBe(false);
    expect(filter.push("The qu")).toBe("");
    expect(filter.finish()).toBe(false);
    expect(filter.push("ick brown")).toBe(" brown");
    expect(filter.finish()).toBe(true);
    expect(filter.push(" fox")).toBe(" fox");
    // Once decided, even text that would have diverged passes: it extends the answer.
    expect(filter.push("The")).toBe("The");
  });

  it("an exact repeat that ends at the delivered text finishes cleanly with nothing new", () => {
    const filter = new RestartFilter("abc");
    expect(filter.push("ab")).toBe("");
    expect(filter.push("c")).toBe("");
    expect(filter.finish()).toBe(true);
  });

  it("a repeat that stops short cannot finish", () => {
    const filter = new RestartFilter("abc");
    expect(filter.push("ab")).toBe("");
    expect(filter.finish()).toBe(false);
  });

  it("a departure before or after the delivered length is refused", () => {
    expect(new RestartFilter("abc").push("x")).toBeNull();
    expect(new RestartFilter("abc").push("abx")).toBeNull();
    expect(new RestartFilter("abc").push("abd and more")).toBeNull();
    const later = new RestartFilter("abc");
    expect(later.push("a")).toBe("");
    expect(later.push("bXd")).toBeNull();
  });

  it("the first push longer than the delivered text releases just the excess", () => {
    const filter = new RestartFilter("ab");
    expect(filter.push("abcd")).toBe("cd");
    expect(filter.push("e")).toBe("e");
  });
});

describe("shapeChunk", () => {
  it("gives every chunk the first stream's id and created time and drops usage nobody asked for", () => {
    const shaped = shapeChunk(chunk([{ delta: { content: "hi" } }], { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }), identity, false, undefined, false);
    expect(shaped).toEqual({ id: "chatcmpl-first", object: "chat.completion.chunk", created: 1_700_000_000, model: "m", choices: [{ index: 0, finish_reason: null, delta: { content: "hi" } }] });
    expect(shaped).not.toHaveProperty("usage");
  });

  it("keeps usage, and usage-only chunks, when the caller asked for them", () => {
    const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };
    expect(shapeChunk(chunk([], { usage }), identity, true, undefined, false)).toMatchObject({ id: "chatcmpl-first", choices: [], usage });
    expect(shapeChunk(chunk([], { usage }), identity, false, undefined, false)).toBeUndefined();
    // A usage-only chunk survives the filtering path too (a restarted stream that asked for usage).
    expect(shapeChunk(chunk([], { usage }), identity, true, new RestartFilter("x"), true)).toMatchObject({ choices: [], usage });
  });

  it("strips the role of a second stream, keeps it on the first", () => {
    const first = shapeChunk(chunk([{ delta: { role: "assistant", content: "" } }]), identity, false, new RestartFilter(""), false);
    expect(first).toMatchObject({ choices: [{ delta: { role: "assistant", content: "" } }] });
    const second = shapeChunk(chunk([{ delta: { role: "assistant", content: "" } }]), identity, false, undefined, true);
    expect(second).toBeUndefined();
    const secondWithText = shapeChunk(chunk([{ delta: { role: "assistant", content: "more" } }]), identity, false, undefined, true);
    expect(secondWithText!.choices[0]!.delta).toEqual({ content: "more" });
  });

  it("the first stream's chunks pass as they are, empty deltas (logprobs only) included", () => {
    const logprobsOnly = chunk([{ delta: {}, logprobs: { content: [{ token: "x", logprob: -0.1, bytes: [120], top_logprobs: [] }], refusal: null } }]);
    expect(shapeChunk(logprobsOnly, identity, false, undefined, false)).toEqual({ ...logprobsOnly, id: identity.id, created: identity.created });
  });

  it("a delta without a role gains none", () => {
    const shaped = shapeChunk(chunk([{ delta: { content: "x" } }]), identity, false, new RestartFilter(""), false);
    expect(shaped!.choices[0]!.delta).toEqual({ content: "x" });
    expect(Object.keys(shaped!.choices[0]!.delta)).toEqual(["content"]);
  });

  it("filters only choice 0's text through the restart filter", () => {
    const filter = new RestartFilter("Hello");
    const shaped = shapeChunk(chunk([{ delta: { content: "Hel" } }, { index: 1, delta: { content: "Other" } }]), identity, false, filter, true);
    expect(shaped!.choices.map((choice) => choice.delta.content)).toEqual(["", "Other"]);
    const next = shapeChunk(chunk([{ delta: { content: "lo there" } }]), identity, false, filter, true);
    expect(next!.choices[0]!.delta.content).toBe(" there");
  });

  it("a chunk that is only held-back repeat sends nothing; a departure returns null", () => {
    const filter = new RestartFilter("Hello");
    expect(shapeChunk(chunk([{ delta: { content: "Hel" } }]), identity, false, filter, true)).toBeUndefined();
    expect(shapeChunk(chunk([{ delta: { content: "p!" } }]), identity, false, filter, true)).toBeNull();
  });

  it("a chunk with no text still goes out when it carries a finish, a tool call, a refusal or a role", () => {
    const filter = () => new RestartFilter("abc");
    expect(shapeChunk(chunk([{ delta: {}, finish_reason: "stop" }]), identity, false, filter(), true)).toMatchObject({ choices: [{ finish_reason: "stop" }] });
    expect(shapeChunk(chunk([{ delta: { tool_calls: [{ index: 0, id: "call_1" }] } }]), identity, false, filter(), true)).toMatchObject({ choices: [{ delta: { tool_calls: [{ index: 0, id: "call_1" }] } }] });
    expect(shapeChunk(chunk([{ delta: { refusal: "no" } }]), identity, false, filter(), true)).toMatchObject({ choices: [{ delta: { refusal: "no" } }] });
    expect(shapeChunk(chunk([{ delta: { role: "assistant" } }]), identity, false, filter(), false)).toMatchObject({ choices: [{ delta: { role: "assistant" } }] });
    expect(shapeChunk(chunk([{ delta: {} }]), identity, false, filter(), true)).toBeUndefined();
    // One empty choice beside one with text: the chunk goes out.
    expect(shapeChunk(chunk([{ delta: {} }, { index: 1, delta: { content: "x" } }]), identity, false, filter(), true)).toMatchObject({ choices: [{ delta: {} }, { delta: { content: "x" } }] });
  });

  it("leaves the upstream chunk untouched", () => {
    const original = chunk([{ delta: { role: "assistant", content: "abcdef" } }], { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    const copy = structuredClone(original);
    shapeChunk(original, identity, false, new RestartFilter("abc"), true);
    expect(original).toEqual(copy);
  });
});

describe("assembleCompletion", () => {
  it("joins text and tool-call pieces per choice, with the last finish reason and the usage", () => {
    const usage = { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 };
    const completion = assembleCompletion(
      [
        chunk([{ delta: { role: "assistant", content: "Hel" } }, { index: 1, delta: { content: "" } }], { id: "c1", created: 11, model: "served-1" }),
        chunk([{ delta: { content: "lo" } }, { index: 1, delta: { tool_calls: [{ index: 0, id: "call_a", function: { name: "get_", arguments: '{"ci' } }] } }]),
        chunk([{ index: 1, delta: { tool_calls: [{ index: 0, function: { name: "weather", arguments: 'ty":"Oslo"}' } }, { index: 1, id: "call_b", function: { name: "now" } }] } }]),
        chunk([{ delta: {}, finish_reason: "length" }, { index: 1, delta: {}, finish_reason: "tool_calls" }], { model: "served-2" }),
        // A trailing delta without a finish reason keeps the one already given.
        chunk([{ delta: {} }], { model: "served-2" }),
        chunk([], { usage, model: "served-2" }),
      ],
      "asked",
    );
    expect(completion).toEqual({
      id: "c1",
      object: "chat.completion",
      created: 11,
      model: "served-2",
      choices: [
        { index: 0, message: { role: "assistant", content: "Hello", refusal: null }, finish_reason: "length", logprobs: null },
        {
          index: 1,
          message: {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [
              { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
              { id: "call_b", type: "function", function: { name: "now", arguments: "" } },
            ],
          },
          finish_reason: "tool_calls",
          logprobs: null,
        },
      ],
      usage,
    });
  });

  it("keeps text beside tool calls, says stop when no finish came, and has no usage key without usage", () => {
    const completion = assembleCompletion([chunk([{ delta: { content: "Let me check.", tool_calls: [{ index: 0, id: "call_x", function: { arguments: "{}" } }] } }])], "asked");
    expect(completion.choices[0]!.message).toEqual({ role: "assistant", content: "Let me check.", refusal: null, tool_calls: [{ id: "call_x", type: "function", function: { name: "", arguments: "{}" } }] });
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion).not.toHaveProperty("usage");
  });

  it("a tool call whose id and function come in separate deltas, or never come, is still assembled", () => {
    const completion = assembleCompletion(
      [
        chunk([{ delta: { tool_calls: [{ index: 0, type: "function" }] } }]),
        chunk([{ delta: { tool_calls: [{ index: 0, function: { name: "lookup" } }] } }]),
        chunk([{ delta: { tool_calls: [{ index: 0, function: { arguments: "{}" } }] } }]),
      ],
      "m",
    );
    expect(completion.choices[0]!.message).toEqual({ role: "assistant", content: null, refusal: null, tool_calls: [{ id: "", type: "function", function: { name: "lookup", arguments: "{}" } }] });
  });

  it("a later chunk without usage does not erase an earlier usage", () => {
    const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
    expect(assembleCompletion([chunk([], { usage }), chunk([{ delta: { content: "x" } }])], "m").usage).toEqual(usage);
  });

  it("with no chunks: the asked model, an empty id and the current time", () => {
    const before = Math.floor(Date.now() / 1000);
    const completion = assembleCompletion([], "asked");
    const after = Math.floor(Date.now() / 1000);
    expect(completion.id).toBe("");
    expect(completion.model).toBe("asked");
    expect(completion.choices).toEqual([]);
    expect(completion.created).toBeGreaterThanOrEqual(before);
    expect(completion.created).toBeLessThanOrEqual(after);
  });
});
