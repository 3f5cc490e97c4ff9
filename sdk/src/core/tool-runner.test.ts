import { describe, expect, it } from "vitest";
import { finalFunctionToolCall, finalFunctionToolCallResult, finalMessage, runToolLoop, totalUsage, type ToolRunnerHost } from "./tool-runner.js";
import type { ChatCompletion, ChatCompletionMessageParam, ChatCompletionRequest } from "../wire/types.js";

// The tool loop with a scripted `create` (`sdk/test/run-tools.test.ts` runs it against the fake OpenAI server).

type Call = { id: string; name: string; arguments: string };

function answer(calls: Call[] | string, usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }): ChatCompletion {
  const message =
    typeof calls === "string"
      ? { role: "assistant" as const, content: calls, refusal: null }
      : { role: "assistant" as const, content: null, refusal: null, tool_calls: calls.map((call) => ({ id: call.id, type: "function" as const, function: { name: call.name, arguments: call.arguments } })) };
  return { id: "c", object: "chat.completion", created: 1, model: "m", usage, choices: [{ index: 0, finish_reason: typeof calls === "string" ? "stop" : "tool_calls", logprobs: null, message }] };
}

function host(controller = new AbortController()) {
  const events: Array<[string, unknown[]]> = [];
  const marks: string[] = [];
  const value: ToolRunnerHost = { emit: (event, ...args) => events.push([event, args]), signal: controller.signal, messages: [], seen: () => true, mark: (state) => marks.push(state), runner: "the runner" };
  return { host: value, events, marks, controller };
}

function scripted(answers: ChatCompletion[]) {
  const requests: Array<Record<string, unknown>> = [];
  return { requests, create: async (request: Record<string, unknown>) => (requests.push(request), answers.shift() ?? answer("out of answers")) };
}

const body = (tools: unknown[], extra: Record<string, unknown> = {}) => ({ model: "m", messages: [{ role: "user" as const, content: "hi" }], tools, ...extra }) as ChatCompletionRequest;
const fn = (name: string, run: (args: unknown, runner: unknown) => unknown, extra: Record<string, unknown> = {}) => ({ type: "function", function: { name, function: run, ...extra } });
const toolMessages = (request: Record<string, unknown>) => (request.messages as ChatCompletionMessageParam[]).filter((message) => message.role === "tool");

describe("runToolLoop", () => {
  it("tells the model about a function it does not have, and sends every result back in the order of the calls", async () => {
    const { host: h } = host();
    const order: string[] = [];
    const slow = fn("slow", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push("slow");
      return "s";
    });
    const fast = fn("fast", () => (order.push("fast"), undefined));
    const { requests, create } = scripted([answer([{ id: "1", name: "slow", arguments: "{}" }, { id: "2", name: "ghost", arguments: "{}" }, { id: "3", name: "fast", arguments: "{}" }]), answer("done")]);
    await runToolLoop(h, body([slow, fast, { type: "custom", custom: { name: "c" } }]), {}, create);
    // Run together: the fast one finished first, yet its result comes last, as its call did.
    expect(order).toEqual(["fast", "slow"]);
    expect(toolMessages(requests[1]!)).toEqual([
      { role: "tool", tool_call_id: "1", content: "s" },
      { role: "tool", tool_call_id: "2", content: 'Invalid tool_call: "ghost". Available options are: "slow", "fast". Please try again' },
      { role: "tool", tool_call_id: "3", content: "undefined" },
    ]);
    // Non-function tools go out unchanged; a function tool as its definition.
    expect(requests[0]!.tools).toEqual([{ type: "function", function: { name: "slow" } }, { type: "function", function: { name: "fast" } }, { type: "custom", custom: { name: "c" } }]);
  });

  it("with a tool_choice naming one function, refuses calls of another and stops once it has run", async () => {
    const { host: h } = host();
    const ran: string[] = [];
    const calls = [
      { id: "0", name: "ghost", arguments: "{}" },
      { id: "1", name: "other", arguments: "{}" },
      { id: "2", name: "chosen", arguments: "bad" },
      { id: "3", name: "chosen", arguments: "ok" },
      { id: "4", name: "chosen", arguments: "ok" },
    ];
    const { requests, create } = scripted([answer(calls)]);
    const parse = (text: string) => {
      if (text === "bad") throw new Error("bad arguments");
      return text;
    };
    const tools = [fn("chosen", (args) => (ran.push(`chosen ${String(args)}`), 1), { parse, description: "d" }), fn("other", () => ran.push("other"))];
    const outcome = await runToolLoop(h, body(tools, { tool_choice: { type: "function", function: { name: "chosen" } } }), {}, create);
    expect(ran).toEqual(["chosen ok"]);
    expect(requests).toHaveLength(1);
    expect(h.messages.filter((message) => message.role === "tool").map((message) => message.content)).toEqual([
      'Invalid tool_call: "ghost". Available options are: "chosen", "other". Please try again',
      'Invalid tool_call: "other". "chosen" requested. Please try again',
      "bad arguments",
      "1",
    ]);
    expect(outcome.functionResult).toBe("1");
  });

  it("with parallel_tool_calls false, runs the calls one after another; a function that throws fails the run after the others finished", async () => {
    const { host: h, events, marks } = host();
    const order: string[] = [];
    const first = fn("first", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push("first");
      return "1";
    });
    const second = fn("second", () => (order.push("second"), "2"));
    const sequential = scripted([answer([{ id: "1", name: "first", arguments: "" }, { id: "2", name: "second", arguments: "" }]), answer("done")]);
    await runToolLoop(h, body([first, second], { parallel_tool_calls: false }), {}, sequential.create);
    expect(order).toEqual(["first", "second"]);
    expect(sequential.requests).toHaveLength(2);
    expect(marks).toEqual(["ended"]);

    const failing = new Error("broke");
    const finished: string[] = [];
    const { host: other, events: otherEvents, marks: otherMarks } = host();
    const parallel = scripted([answer([{ id: "1", name: "bad", arguments: "" }, { id: "2", name: "good", arguments: "" }])]);
    const bad = fn("bad", () => Promise.reject(failing));
    const good = fn("good", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      finished.push("good");
      return "ok";
    });
    await expect(runToolLoop(other, body([bad, good]), {}, parallel.create)).rejects.toBe(failing);
    expect(finished).toEqual(["good"]);
    expect(otherMarks).toEqual(["errored", "ended"]);
    expect(otherEvents.slice(-2)).toEqual([["error", [failing]], ["end", []]]);
    expect(otherEvents.map(([name]) => name)).not.toContain("abort");
    expect(events.at(-1)).toEqual(["end", []]);
  });

  it("refuses tools that are not a list, a function tool with no function or no name, a stream, and an answer with no message", async () => {
    for (const [tools, param, message, extra] of [
      [undefined, "tools", 'runTools() needs tools: a list of { type: "function", function: { function, parameters } }', {}],
      [[{ type: "function", function: { name: "f" } }], "tools[0].function.function", "tools[0] has no function to run: give it as function.function", {}],
      // A stream is the streaming runner's: the plain loop's `create` answers with whole completions.
      [[], "stream", "runTools() with stream: true needs the streaming runner (client.chat.completions.runTools)", { stream: true }],
      // An arrow function in an array has no name (in an object literal it would take the key's).
      [[{ type: "function", function: { function: [() => 1][0] } }], "tools[0].function.name", "tools[0] needs a name: function.name, or a named function", {}],
    ] as const) {
      const { host: h } = host();
      await expect(runToolLoop(h, { model: "m", messages: [], ...(tools ? { tools } : {}), ...extra } as ChatCompletionRequest, {}, scripted([]).create)).rejects.toMatchObject({ name: "InvalidRequestError", param, message });
    }
    for (const maxChatCompletions of [0, 1.5]) {
      const { host: capped } = host();
      const nothing = scripted([]);
      await expect(runToolLoop(capped, body([fn("f", () => 1)]), { maxChatCompletions }, nothing.create)).rejects.toMatchObject({
        name: "InvalidRequestError",
        param: "maxChatCompletions",
        message: `maxChatCompletions must be a whole number of at least 1, got ${maxChatCompletions}`,
      });
      expect(nothing.requests).toHaveLength(0);
    }
    const { host: h } = host();
    const empty = { ...answer("x"), choices: [] };
    await expect(runToolLoop(h, body([fn("f", () => 1)]), {}, scripted([empty]).create)).rejects.toMatchObject({ code: "missing_message", retryable: true, message: "the answer has no message" });
    // A named function needs no name of its own.
    const { host: named } = host();
    const requests = scripted([answer("fine")]);
    await runToolLoop(named, body([null, { type: "function", function: { name: "", parse: "not a function", function: function lookup() {} } }, { type: "function", function: { function: function find() {} } }], { tool_choice: null }), {}, requests.create);
    expect(requests.requests[0]!.tools).toEqual([null, { type: "function", function: { name: "lookup" } }, { type: "function", function: { name: "find" } }]);
    expect(requests.requests[0]!.tool_choice).toBeNull();
  });

  it("an abort before the loop asks again rejects with its reason, tells abort (not error), and sends nothing more", async () => {
    const { host: h, events, marks, controller } = host();
    const reason = new Error("stop");
    const { requests, create } = scripted([answer([{ id: "1", name: "f", arguments: "" }]), answer("never")]);
    const running = runToolLoop(h, body([fn("f", () => (controller.abort(reason), "r"))]), {}, create);
    await expect(running).rejects.toBe(reason);
    expect(requests).toHaveLength(1);
    expect(marks).toEqual(["aborted", "ended"]);
    expect(events.slice(-2)).toEqual([["abort", [reason]], ["end", []]]);
    expect(events.map(([name]) => name)).not.toContain("error");
  });
});

describe("runToolLoop's end", () => {
  it("emits the finals that exist: the last of several completions, no function call, no usage when none reported", async () => {
    const { host: h, events } = host();
    const texts = [answer([{ id: "1", name: "f", arguments: "" }]), answer([{ id: "2", name: "f", arguments: "" }]), answer("third")];
    delete (texts[2] as { usage?: unknown }).usage;
    const outcome = await runToolLoop(h, body([fn("f", () => "r")]), {}, scripted(texts).create);
    const finals = events.filter(([name]) => name.startsWith("final") || name === "totalUsage");
    expect(finals.map(([name]) => name)).toEqual(["finalChatCompletion", "finalMessage", "finalContent", "finalFunctionToolCall", "finalFunctionToolCallResult", "totalUsage"]);
    expect(finals[0]![1][0]).toBe(outcome.completions[2]);
    expect(outcome.usage).toEqual({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });

    const { host: plain, events: plainEvents } = host();
    const only = answer("just text");
    delete (only as { usage?: unknown }).usage;
    await runToolLoop(plain, body([fn("f", () => "r")]), {}, scripted([only]).create);
    expect(plainEvents.filter(([name]) => name.startsWith("final") || name === "totalUsage").map(([name]) => name)).toEqual(["finalChatCompletion", "finalMessage", "finalContent"]);
  });

  it("ends after maxChatCompletions with no final content when the last answer only called functions", async () => {
    const { host: h, events } = host();
    await runToolLoop(h, body([fn("f", () => "r")]), { maxChatCompletions: 1 }, scripted([answer([{ id: "1", name: "f", arguments: "" }])]).create);
    expect(events.map(([name]) => name)).not.toContain("finalContent");
    expect(events.map(([name]) => name)).toContain("finalFunctionToolCallResult");
  });

  it("ends on an answer whose only calls are custom tool calls (nothing here runs them)", async () => {
    const { host: h } = host();
    const custom = { ...answer("x"), choices: [{ index: 0, finish_reason: "tool_calls" as const, logprobs: null, message: { role: "assistant" as const, content: null, refusal: null, tool_calls: [{ id: "c", type: "custom", custom: { name: "c", input: "i" } }] as never } }] };
    const { requests, create } = scripted([custom]);
    const outcome = await runToolLoop(h, body([fn("f", () => "r")]), {}, create);
    expect(requests).toHaveLength(1);
    expect(outcome.functionCall).toBeUndefined();
  });

  it("an abort nobody watches is told as abort, and is no unhandled rejection", async () => {
    const controller = new AbortController();
    const events: string[] = [];
    const quiet: ToolRunnerHost = { emit: (event) => events.push(event), signal: controller.signal, messages: [], seen: () => false, mark: () => {}, runner: undefined };
    const running = runToolLoop(quiet, body([fn("f", () => (controller.abort(), "r"))]), {}, scripted([answer([{ id: "1", name: "f", arguments: "" }])]).create);
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    expect(events.slice(-2)).toEqual(["abort", "end"]);
  });
});

describe("the final readers", () => {
  const messages: ChatCompletionMessageParam[] = [
    { role: "user", content: "q" },
    { role: "assistant", content: null, tool_calls: [{ id: "1", type: "function", function: { name: "a", arguments: "1" } }, { id: "2", type: "function", function: { name: "b", arguments: "2" } }] },
    { role: "tool", tool_call_id: "1", content: "r1" },
    { role: "tool", tool_call_id: "2", content: "r2" },
    { role: "assistant" },
    { role: "user", content: "later" },
  ];

  it("read the latest assistant message, function call and tool result", () => {
    expect(finalMessage(messages)).toEqual({ role: "assistant", content: null, refusal: null });
    expect(finalFunctionToolCall(messages)).toEqual({ name: "b", arguments: "2" });
    expect(finalFunctionToolCallResult(messages)).toBe("r2");
    expect([finalMessage([]), finalFunctionToolCall([]), finalFunctionToolCallResult([])]).toEqual([undefined, undefined, undefined]);
    const assistant = { role: "assistant" as const, content: "only", tool_calls: [{ id: "1", type: "function" as const, function: { name: "a", arguments: "" } }, { id: "2", type: "custom", custom: { name: "c", input: "" } }] as never };
    expect(finalMessage([assistant])).toMatchObject({ content: "only", refusal: null });
    expect(finalFunctionToolCall([assistant])).toEqual({ name: "a", arguments: "" });
    expect(finalFunctionToolCallResult([{ role: "tool", tool_call_id: "1", content: "first" }])).toBe("first");
  });

  it("sum usage over the completions that have it", () => {
    const withUsage = answer("x", { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    const without = { ...answer("y") };
    delete without.usage;
    expect(totalUsage([withUsage, without, answer("z", { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 })])).toEqual({ prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 });
  });
});
