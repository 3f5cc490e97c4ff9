/**
 * Edges of one request through the router (core/router.ts newRequestId, abortReason, run, stream middleware),
 * observed from outside: the events' request ids, the error a caller gets, the answer it gets, and what a
 * middleware sees in its hooks.
 */
import { describe, expect, it } from "vitest";
import { create } from "../../src/index.js";
import type { ChatCompletion, ChatCompletionChunk } from "../../src/wire/types.js";
import { CHAT, hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

describe("request ids", () => {
  it("are mm-<time>-<counter>, the counter one more for each request", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const { mesh, ofType } = scriptedMesh([a], clock);
    for (let index = 0; index < 3; index += 1) await mesh.chat.completions.create({ model: "chat", messages: hello });
    const ids = ofType("request-start").map((event) => event.requestId ?? "");
    expect(new Set(ids).size).toBe(3);
    const counters = ids.map((id) => {
      const match = /^mm-[0-9a-z]+-([0-9a-z]+)$/.exec(id);
      expect(match, id).not.toBeNull();
      return Number.parseInt(match![1]!, 36);
    });
    expect([counters[1]! - counters[0]!, counters[2]! - counters[1]!]).toEqual([1, 1]);
    await mesh.close();
  });
});

describe("a caller's signal", () => {
  it("that is aborted without a reason (an AbortSignal polyfill without `reason`) rejects with an AbortError, nothing sent", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const { mesh } = scriptedMesh([a], clock);
    const signal = { aborted: true, reason: undefined, addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
    const error = await mesh.chat.completions.create({ model: "chat", messages: hello }, { signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: "AbortError", message: "The request was aborted" });
    expect(a.received).toHaveLength(0);
    await mesh.close();
  });
});

describe("a priced model's answer", () => {
  it("whose usage is not an object is returned as the service sent it (no cost written into it)", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", [{ id: "alpha", capabilities: [CHAT], pricing: { input: 1, output: 2 } }], [], clock);
    a.chat = async (request) => {
      a.received.push({ operation: "chat", request: request as never, options: undefined, at: clock.now() });
      const body = { id: "chatcmpl-1", object: "chat.completion", created: 1, model: "alpha", choices: [{ index: 0, message: { role: "assistant", content: "hi", refusal: null }, finish_reason: "stop", logprobs: null }], usage: "not reported" };
      return { body: body as unknown as ChatCompletion };
    };
    const { mesh, model } = scriptedMesh([a], clock, { retry: { max_retries: 0 } });
    const answer = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(answer.choices[0]!.message.content).toBe("hi");
    expect((answer as unknown as { usage: unknown }).usage).toBe("not reported");
    expect(model("alpha")).toMatchObject({ requests: 1, failures: 0 });
    await mesh.close();
  });
});

describe("a stream's middleware", () => {
  it("sees in onChunk and afterResponse the metadata its beforeRequest set for the attempt", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["a", "b"] }], clock);
    const seen: Array<[string, unknown]> = [];
    const mesh = create({
      config: { providers: { a: { instance: a } }, pools: { chat: { capability: "chat-completion" } } },
      clock,
      middleware: [
        {
          beforeRequest: (request: unknown, context: { metadata: Map<string, unknown> }) => {
            context.metadata.set("ticket", "T-1");
            return request;
          },
          onChunk: (chunk: ChatCompletionChunk, context: { metadata: Map<string, unknown> }) => {
            seen.push(["chunk", context.metadata.get("ticket")]);
            return chunk;
          },
          afterResponse: (completion: unknown, context: { metadata: Map<string, unknown> }) => {
            seen.push(["after", context.metadata.get("ticket")]);
            return completion;
          },
        },
      ],
    } as never);
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as unknown as AsyncIterable<ChatCompletionChunk>;
    for await (const _chunk of stream) void _chunk;
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toEqual(["after", "T-1"]);
    expect(seen.filter(([hook]) => hook === "chunk").every(([, ticket]) => ticket === "T-1")).toBe(true);
    await mesh.close();
  });
});
