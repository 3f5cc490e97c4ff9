import { describe, expect, it } from "vitest";
import { ChatStreamRun, ChatStreamSnapshot, type ChatStreamHost } from "./chat-stream-snapshot.js";
import type { ChatCompletionChunk, ChatCompletionTokenLogprob } from "../wire/types.js";

type Choice = ChatCompletionChunk["choices"][number];
const chunk = (choices: Array<Partial<Choice> & { delta: Choice["delta"] }>, extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk => ({
  id: "c1",
  object: "chat.completion.chunk",
  created: 5,
  model: "m",
  choices: choices.map((choice) => ({ index: 0, finish_reason: null, ...choice })),
  ...extra,
});
const logprob = (token: string): ChatCompletionTokenLogprob => ({ token, logprob: -0.5, bytes: [...token].map((letter) => letter.charCodeAt(0)), top_logprobs: [] });
const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

/** Every event with its arguments as they were at that moment (the snapshot changes as chunks arrive). */
function recorder() {
  const events: Array<[string, ...unknown[]]> = [];
  const emit = (event: string, ...args: unknown[]) => events.push([event, ...(JSON.parse(JSON.stringify(args)) as unknown[])]);
  return { events, emit, names: () => events.map(([name]) => name) };
}

describe("ChatStreamSnapshot: chunks folded into the official client's snapshot, with its events", () => {
  it("text with logprobs in choice 0, a second choice, usage and fingerprint: events follow choice 0 only", () => {
    const folding = new ChatStreamSnapshot();
    const { events, emit } = recorder();
    // Choice 1 shows up first; usage comes before a last chunk that carries `usage: null` (it keeps the usage).
    const chunks = [
      chunk([{ index: 1, delta: { role: "assistant", content: "" } }], { system_fingerprint: "fp_1" }),
      chunk([{ index: 1, delta: { content: "Other" } }, { delta: { role: "assistant", content: "" } }]),
      chunk([{ delta: { content: "Hel" }, logprobs: { content: [logprob("Hel")], refusal: null } }]),
      chunk([{ delta: { content: "lo" }, logprobs: { content: [logprob("lo")], refusal: null }, finish_reason: "stop" }, { index: 1, delta: {}, finish_reason: "length" }]),
      chunk([], { usage }),
      chunk([], { usage: null }),
    ];
    for (const each of chunks) folding.push(each, emit);
    expect(events.filter(([name]) => name !== "chunk")).toEqual([
      ["content", "Hel", "Hel"],
      ["content.delta", { delta: "Hel", snapshot: "Hel", parsed: null }],
      ["content", "lo", "Hello"],
      ["content.delta", { delta: "lo", snapshot: "Hello", parsed: null }],
      ["content.done", { content: "Hello", parsed: null }],
    ]);
    // One `chunk` event per chunk, each with the chunk and the snapshot as it was then.
    expect(events.filter(([name]) => name === "chunk").map(([, given]) => given)).toEqual(JSON.parse(JSON.stringify(chunks)));
    expect((events[0]![2] as { choices: unknown[] }).choices).toEqual([{ index: 1, message: { role: "assistant", content: "", refusal: null }, finish_reason: null, logprobs: null }]);
    expect(folding.completion()).toEqual({
      id: "c1",
      object: "chat.completion",
      created: 5,
      model: "m",
      choices: [
        { index: 0, message: { role: "assistant", content: "Hello", refusal: null }, finish_reason: "stop", logprobs: { content: [logprob("Hel"), logprob("lo")], refusal: null } },
        { index: 1, message: { role: "assistant", content: "Other", refusal: null }, finish_reason: "length", logprobs: null },
      ],
      usage,
      system_fingerprint: "fp_1",
    });
  });

  it("a refusal and tool calls: deltas as they come, the .done events when the choice finishes, the calls in the message", () => {
    const folding = new ChatStreamSnapshot();
    const { events, emit } = recorder();
    folding.push(chunk([{ delta: { role: "assistant", refusal: "I can" }, logprobs: { content: null, refusal: [logprob("I")] } }]), emit);
    folding.push(chunk([{ delta: { refusal: "not", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "wea", arguments: "" } }] } }]), emit);
    folding.push(chunk([{ delta: { tool_calls: [{ index: 0, function: { name: "ther", arguments: '{"ci' } }, { index: 1, id: "call_2", type: "function" }] } }]), emit);
    folding.push(chunk([{ delta: { refusal: "", tool_calls: [{ index: 0, function: { arguments: 'ty":1}' } }, { index: 1, function: { name: "now", arguments: "{}" } }] }, finish_reason: "tool_calls" }]), emit);
    expect(events.filter(([name]) => name !== "chunk")).toEqual([
      ["refusal.delta", { delta: "I can", snapshot: "I can" }],
      ["refusal.delta", { delta: "not", snapshot: "I cannot" }],
      ["tool_calls.function.arguments.delta", { name: "weather", index: 0, arguments: '{"ci', parsed_arguments: null, arguments_delta: '{"ci' }],
      ["tool_calls.function.arguments.delta", { name: "weather", index: 0, arguments: '{"city":1}', parsed_arguments: { city: 1 }, arguments_delta: 'ty":1}' }],
      ["tool_calls.function.arguments.delta", { name: "now", index: 1, arguments: "{}", parsed_arguments: {}, arguments_delta: "{}" }],
      ["refusal.done", { refusal: "I cannot" }],
      ["tool_calls.function.arguments.done", { name: "weather", index: 0, arguments: '{"city":1}', parsed_arguments: { city: 1 } }],
      ["tool_calls.function.arguments.done", { name: "now", index: 1, arguments: "{}", parsed_arguments: {} }],
    ]);
    expect(folding.completion()!.choices).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          refusal: "I cannot",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":1}' } },
            { id: "call_2", type: "function", function: { name: "now", arguments: "{}" } },
          ],
        },
        finish_reason: "tool_calls",
        logprobs: { content: null, refusal: [logprob("I")] },
      },
    ]);
  });

  it("a choice the stream never finished ends as stop; no fingerprint or usage, none in the completion; none before a chunk", () => {
    const folding = new ChatStreamSnapshot();
    expect(folding.completion()).toBeUndefined();
    folding.push(chunk([{ delta: { content: "cut" } }]), () => {});
    // A later chunk's model names the completion (after a failover, the serving one); an empty one does not.
    folding.push(chunk([], { model: "" }));
    expect(folding.completion()!.model).toBe("m");
    folding.push(chunk([], { model: "m2" }));
    expect(folding.completion()).toStrictEqual({ id: "c1", object: "chat.completion", created: 5, model: "m2", choices: [{ index: 0, message: { role: "assistant", content: "cut", refusal: null }, finish_reason: "stop", logprobs: null }] });
  });

  it("tool calls numbered with a gap end as a list without holes; a call never given an id keeps an empty one", () => {
    const folding = new ChatStreamSnapshot();
    folding.push(chunk([{ delta: { tool_calls: [{ index: 1, function: { name: "f", arguments: "{}" } }] }, finish_reason: "tool_calls" }]), () => {});
    expect(folding.completion()!.choices[0]!.message.tool_calls).toStrictEqual([{ id: "", type: "function", function: { name: "f", arguments: "{}" } }]);
  });
});

describe("ChatStreamRun: one run of the helper", () => {
  function host(seen = true) {
    const controller = new AbortController();
    const marks: string[] = [];
    const recorded = recorder();
    const value: ChatStreamHost = { emit: recorded.emit, signal: controller.signal, seen: () => seen, mark: (state) => void marks.push(state) };
    return { value, controller, marks, ...recorded };
  }
  async function* streamOf(chunks: ChatCompletionChunk[], between?: () => void) {
    for (const each of chunks) {
      yield each;
      between?.();
    }
  }
  const text = [chunk([{ delta: { role: "assistant", content: "Hi" } }]), chunk([{ delta: {}, finish_reason: "stop" }]), chunk([], { usage })];

  it("emits connect, the chunks' events, then the completion's events and end; iterators read every chunk from the first", async () => {
    const { value, marks, names } = host();
    let release!: (stream: AsyncIterable<ChatCompletionChunk>) => void;
    let proceed!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    async function* held() {
      yield text[0]!;
      await gate;
      yield* text.slice(1);
    }
    const run = new ChatStreamRun(value, () => new Promise((resolve) => (release = resolve)));
    const first = run.chunk(0);
    release(held());
    // The first chunk is there while the stream still waits for the rest.
    expect(await first).toEqual({ value: text[0], done: false });
    proceed();
    const completion = await run.result;
    expect(completion.choices[0]!.message.content).toBe("Hi");
    expect(names()).toEqual(["connect", "chunk", "content", "content.delta", "chunk", "content.done", "chunk", "chatCompletion", "message", "finalChatCompletion", "finalContent", "finalMessage", "totalUsage", "end"]);
    expect(marks).toEqual(["ended"]);
    const read = [];
    for (let index = 0; ; index++) {
      const next = await run.chunk(index);
      if (next.done) break;
      read.push(next.value);
    }
    expect(read).toEqual(text);
  });

  it("leaves out finalContent without text, totalUsage without usage, and the message events without a choice", async () => {
    const { value, names } = host();
    const call = chunk([{ delta: { tool_calls: [{ index: 0, id: "c", type: "function", function: { name: "f", arguments: "{}" } }] }, finish_reason: "tool_calls" }]);
    await new ChatStreamRun(value, async () => streamOf([call])).result;
    expect(names().slice(-5)).toEqual(["chatCompletion", "message", "finalChatCompletion", "finalMessage", "end"]);
    const bare = host();
    await new ChatStreamRun(bare.value, async () => streamOf([chunk([], { usage })])).result;
    expect(bare.names()).toEqual(["connect", "chunk", "chatCompletion", "finalChatCompletion", "totalUsage", "end"]);
  });

  it("an abort mid-stream (the chunk loop ends quietly) fails the run: abort, error, end, and the iterators after the chunks read", async () => {
    const { value, controller, marks, events } = host();
    const run = new ChatStreamRun(value, async () => streamOf(text.slice(0, 1), () => controller.abort()));
    const error = await run.result.catch((caught: unknown) => caught);
    expect((error as Error).name).toBe("AbortError");
    expect(events.filter(([name]) => name !== "chunk" && !name.startsWith("content")).map(([name]) => name)).toEqual(["connect", "abort", "error", "end"]);
    expect(marks).toEqual(["errored", "aborted", "ended"]);
    expect(await run.chunk(0)).toEqual({ value: text[0], done: false });
    await expect(run.chunk(1)).rejects.toBe(error);
  });

  it("a stream that opens but gives nothing, or does not open, fails without the completion's events", async () => {
    const empty = host();
    const error = await new ChatStreamRun(empty.value, async () => streamOf([])).result.catch((caught: unknown) => caught);
    expect((error as Error).message).toBe("the stream ended without a chunk");
    expect(empty.names()).toEqual(["connect", "error", "end"]);
    expect(empty.marks).toEqual(["errored", "ended"]);
    const refused = host();
    const failure = new Error("no model");
    await expect(new ChatStreamRun(refused.value, () => Promise.reject(failure)).result).rejects.toBe(failure);
    expect(refused.events).toEqual([["error", {}], ["end"]]);
  });
});
