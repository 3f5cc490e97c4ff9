/**
 * core/middleware-view.ts observed directly: the camelCase view a hook gets of a chat answer (readable, writable,
 * invisible to JSON and spreads, a copy), and what the wrapped hooks pass on for answers that are not chat answers.
 */
import { describe, expect, it } from "vitest";
import { completionView, withCompletionView } from "../../src/core/middleware-view.js";
import type { MiddlewareContext } from "../../src/core/middleware.js";
import type { ChatCompletion } from "../../src/wire/types.js";

const completion = (): ChatCompletion => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o",
  system_fingerprint: "fp_1",
  choices: [
    { index: 0, message: { role: "assistant", content: "hi", refusal: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] }, finish_reason: "tool_calls", logprobs: null },
    { index: 1, message: { role: "assistant", content: "yo", refusal: null }, finish_reason: "length", logprobs: null },
  ],
  usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
});

const context = (operation = "chat"): MiddlewareContext => ({
  requestId: "r1",
  poolName: "chat",
  capability: "chat-completion",
  modelId: "context-model",
  providerId: "openai",
  attempt: 1,
  operation,
  stream: false,
  metadata: new Map(),
});

describe("completionView", () => {
  it("answers to every camelCase name at the root, on each choice, its message and the usage", () => {
    const view = completionView(completion()) as any;
    expect(view.systemFingerprint).toBe("fp_1");
    expect(view.choices.map((choice: any) => choice.finishReason)).toEqual(["tool_calls", "length"]);
    expect(view.choices[0].message.toolCalls).toEqual([{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }]);
    expect(view.choices[1].message.toolCalls).toBeUndefined();
    expect([view.usage.promptTokens, view.usage.completionTokens, view.usage.totalTokens]).toEqual([3, 5, 8]);
  });

  it("writes through a camelCase name to the wire name, and JSON, keys and spreads see only the wire shape", () => {
    const original = completion();
    const view = completionView(original) as any;
    view.usage.totalTokens = 99;
    view.choices[1].finishReason = "stop";
    expect(view.usage.total_tokens).toBe(99);
    expect(view.choices[1].finish_reason).toBe("stop");
    expect(JSON.stringify(view)).not.toMatch(/"[a-z]+[A-Z]\w*":/);
    expect(Object.keys(view.usage)).toEqual(["prompt_tokens", "completion_tokens", "total_tokens"]);
    expect({ ...view.choices[0] }).not.toHaveProperty("finishReason");
    // A copy: the router's own answer is untouched.
    expect(original.usage!.total_tokens).toBe(8);
    expect(original.choices[1]!.finish_reason).toBe("length");
    expect(original).not.toHaveProperty("systemFingerprint");
    // The alias can be redefined (configurable), as a hook adding its own property would.
    Object.defineProperty(view.usage, "totalTokens", { value: 1, enumerable: true });
    expect(view.usage.totalTokens).toBe(1);
  });

  it("keeps a camelCase property the answer already has, and skips parts that are not objects", () => {
    const draft = { ...completion(), systemFingerprint: "own", usage: undefined, choices: [{ index: 0, message: null, finish_reason: "stop", logprobs: null }, null] } as unknown as ChatCompletion;
    const view = completionView(draft) as any;
    expect(view.systemFingerprint).toBe("own");
    expect(view.usage).toBeUndefined();
    expect(view.choices[0].finishReason).toBe("stop");
    expect(view.choices[0].message).toBeNull();
    expect(view.choices[1]).toBeNull();
  });
});

describe("withCompletionView", () => {
  it("passes requests and chunks through, and leaves hooks the middleware does not have unset", async () => {
    const wrapped = withCompletionView({ beforeRequest: (request) => ({ ...request, tagged: true }), onChunk: (chunk) => ({ ...chunk, seen: 1 }) });
    expect(await wrapped.beforeRequest!({ model: "m" }, context())).toEqual({ model: "m", tagged: true });
    expect(wrapped.onChunk!({ id: "c" }, context())).toEqual({ id: "c", seen: 1 });
    expect(wrapped.afterResponse).toBeUndefined();
    expect(wrapped.onError).toBeUndefined();
    expect(Object.keys(withCompletionView({}))).toEqual([]);
  });

  it("shows a chat answer through the view and hands back the wire shape, with the answer's model when the hook drops it", async () => {
    let seen: any;
    const wrapped = withCompletionView({
      afterResponse: (response) => {
        seen = response;
        return { choices: [{ message: { content: "changed" }, finishReason: "length" }], usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } };
      },
    });
    const returned = (await wrapped.afterResponse!(completion(), context())) as ChatCompletion;
    expect(seen.usage.totalTokens).toBe(8);
    expect(returned.model).toBe("gpt-4o");
    expect(returned.choices[0]).toMatchObject({ finish_reason: "length", message: { role: "assistant", content: "changed", refusal: null } });
    expect(returned.usage).toEqual({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
    expect(await withCompletionView({ afterResponse: () => undefined }).afterResponse!(completion(), context())).toBeUndefined();
  });

  it("gives other operations' answers, and stream chunks, to the hook exactly as they are", async () => {
    const received: unknown[] = [];
    const wrapped = withCompletionView({ afterResponse: (response) => (received.push(response), { choices: [], kept: true }) });
    const embedding = { object: "list", data: [] };
    const chunk = { object: "chat.completion.chunk", choices: [{ delta: {}, finishReason: "stop" }] };
    expect(await wrapped.afterResponse!(embedding, context("embeddings"))).toEqual({ choices: [], kept: true });
    expect(await wrapped.afterResponse!(chunk, context())).toEqual({ choices: [], kept: true });
    const chatOnEmbeddings = completion();
    await wrapped.afterResponse!(chatOnEmbeddings, context("embeddings"));
    expect(received[0]).toBe(embedding);
    expect(received[1]).toBe(chunk);
    expect(received[2]).toBe(chatOnEmbeddings);
    // Not a chat answer: an object without a choices array, or an array, is passed on untouched.
    const plain = withCompletionView({ afterResponse: () => ({ choices: "none" }) });
    expect(await plain.afterResponse!(completion(), context())).toEqual({ choices: "none" });
    const list = withCompletionView({ afterResponse: () => [1] });
    expect(await list.afterResponse!(completion(), context())).toEqual([1]);
  });

  it("turns an onError fallback into the wire shape for chat only, named after the attempt's model", async () => {
    const fallback = { choices: [{ message: { content: "cached" } }] };
    const chat = withCompletionView({ onError: () => fallback });
    const answer = (await chat.onError!(new Error("x"), context())) as ChatCompletion;
    expect(answer).toMatchObject({ object: "chat.completion", model: "context-model", choices: [{ index: 0, finish_reason: "stop", message: { content: "cached" } }] });
    expect(await chat.onError!(new Error("x"), context("embeddings"))).toBe(fallback);
    expect(await withCompletionView({ onError: () => undefined }).onError!(new Error("x"), context())).toBeUndefined();
  });
});
