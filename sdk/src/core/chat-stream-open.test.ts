import { describe, expect, it } from "vitest";
import { openChatStream } from "./chat-stream-open.js";
import { AllProvidersExhaustedError, RateLimitError } from "../wire/errors.js";
import type { Router } from "./router.js";
import type { ChatCompletionChunk } from "../wire/types.js";

const chunk = (content: string): ChatCompletionChunk => ({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] });

/**
 * A router whose stream is a scripted iterator that records what the opener asked of it: every `next()` and
 * `return()`, and the controller it was handed (what the router would follow).
 */
function scriptedRouter(steps: Array<ChatCompletionChunk | Error>) {
  const seen = { next: 0, return: 0, controller: undefined as AbortController | undefined };
  let index = 0;
  const generator = {
    next: async () => {
      seen.next += 1;
      const step = steps[index++];
      if (step === undefined) return { done: true, value: undefined };
      if (step instanceof Error) throw step;
      return { done: false, value: step };
    },
    return: async (value?: unknown) => {
      seen.return += 1;
      index = steps.length;
      return { done: true, value: value as ChatCompletionChunk };
    },
    throw: async (error: unknown) => {
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncGenerator<ChatCompletionChunk>;
  const router = {
    streamController: () => new AbortController(),
    stream: (_target: string, _body: unknown, _features: unknown, _options: unknown, controller: AbortController) => {
      seen.controller = controller;
      return generator;
    },
  } as unknown as Router;
  return { router, seen };
}

const body = { model: "chat", messages: [{ role: "user" as const, content: "hi" }], stream: true as const };
const features = { operation: "chat" as const, tools: false, vision: false, jsonMode: false, stream: true, estimatedInputTokens: 1, estimatedOutputTokens: 1, reservedOutputTokens: 0 };

describe("openChatStream", () => {
  it("pulls the first chunk before resolving, then hands the chunks on and lets the router's stream end by itself", async () => {
    const { router, seen } = scriptedRouter([chunk("a"), chunk("b")]);
    const stream = await openChatStream(router, "chat", body, features, {});
    expect(seen.next).toBe(1);
    const texts: string[] = [];
    for await (const item of stream) texts.push(item.choices[0]!.delta.content!);
    expect(texts).toEqual(["a", "b"]);
    // Three pulls (two chunks and the end); a stream that ended is not asked to return.
    expect(seen.next).toBe(3);
    expect(seen.return).toBe(0);
  });

  it("after the end, asks the router nothing more: next() is done at once and return() lets go of nothing", async () => {
    const { router, seen } = scriptedRouter([chunk("a")]);
    const iterator = (await openChatStream(router, "chat", body, features, {}))[Symbol.asyncIterator]();
    await iterator.next();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    await iterator.return?.();
    expect(seen.next).toBe(2);
    expect(seen.return).toBe(0);
  });

  it("a reader leaving early lets go of the router's stream once, aborts the controller, and is told done with its value", async () => {
    const { router, seen } = scriptedRouter([chunk("a"), chunk("b"), chunk("c")]);
    const stream = await openChatStream(router, "chat", body, features, {});
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect(await iterator.return?.("left")).toEqual({ done: true, value: "left" });
    expect(await iterator.return?.("again")).toEqual({ done: true, value: "again" });
    expect(seen.return).toBe(1);
    expect(seen.controller?.signal.aborted).toBe(true);
    // Released: the router is not pulled again.
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(seen.next).toBe(1);
  });

  it("a failure mid-stream lets go of the router's stream and reaches the reader as the caller's error", async () => {
    const exhausted = new AllProvidersExhaustedError("chat", [{ provider: "p", model: "m", error: new RateLimitError("slow down", { providerId: "p", modelId: "m", retryAfter: 3 }) }] as never);
    const { router, seen } = scriptedRouter([chunk("a"), exhausted]);
    const iterator = (await openChatStream(router, "chat", body, features, {}))[Symbol.asyncIterator]();
    await iterator.next();
    const failure = await iterator.next().catch((error: unknown) => error);
    // Every attempt rate limited: one RateLimitError, as `callerError` makes it.
    expect(failure).toBeInstanceOf(RateLimitError);
    expect(seen.return).toBe(1);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(seen.next).toBe(2);
  });

  it("a failure before the first chunk rejects the open, as the caller's error", async () => {
    const exhausted = new AllProvidersExhaustedError("chat", [{ provider: "p", model: "m", error: new RateLimitError("slow down", { providerId: "p", modelId: "m", retryAfter: 3 }) }] as never);
    const { router } = scriptedRouter([exhausted]);
    await expect(openChatStream(router, "chat", body, features, {})).rejects.toBeInstanceOf(RateLimitError);
  });

  it("a caller's signal that is already aborted aborts the stream's controller with its reason before the router starts", async () => {
    const { router, seen } = scriptedRouter([chunk("a")]);
    const caller = new AbortController();
    const reason = new Error("caller gave up");
    caller.abort(reason);
    await openChatStream(router, "chat", body, features, { signal: caller.signal });
    expect(seen.controller?.signal.aborted).toBe(true);
    expect(seen.controller?.signal.reason).toBe(reason);
  });

  it("a reader's own plain abort ends the loop quietly; a reason the caller gave is thrown", async () => {
    const abortError = new DOMException("The operation was aborted", "AbortError");
    const quiet = scriptedRouter([chunk("a"), abortError]);
    const stream = await openChatStream(quiet.router, "chat", body, features, {});
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    stream.controller.abort();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });

    const reason = new Error("stop now");
    const loud = scriptedRouter([chunk("a"), reason]);
    const other = await openChatStream(loud.router, "chat", body, features, {});
    const second = other[Symbol.asyncIterator]();
    await second.next();
    other.controller.abort(reason);
    await expect(second.next()).rejects.toBe(reason);
  });
});
