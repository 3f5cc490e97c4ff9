import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { create, Middleware, type ChatCompletion, type MiddlewareContext } from "../src/index.js";
import { hello, pairConfig, startPair, testClock } from "./support/mesh.js";

let pair: Awaited<ReturnType<typeof startPair>>;
beforeEach(async () => {
  pair = await startPair({ a: { reply: "from alpha" }, b: { reply: "from beta" } });
});
afterEach(async () => {
  await pair.close();
});

/** What a caching middleware would hand back when every provider fails. */
const fallback: ChatCompletion = {
  id: "fallback",
  object: "chat.completion",
  created: 1,
  model: "cache",
  choices: [{ index: 0, message: { role: "assistant", content: "cached answer", refusal: null }, finish_reason: "stop", logprobs: null }],
};

class Recorder extends Middleware {
  constructor(
    private readonly name: string,
    private readonly log: string[],
  ) {
    super();
  }
  override async beforeRequest(request: { messages: unknown[] }, context: MiddlewareContext) {
    this.log.push(`${this.name}:before:${context.modelId}:${context.attempt}`);
    return { ...request, messages: [...request.messages, { role: "user", content: `tag-${this.name}` }] };
  }
  override async afterResponse(response: ChatCompletion, context: MiddlewareContext) {
    this.log.push(`${this.name}:after:${context.modelId}`);
    return response;
  }
  override async onError(error: Error, context: MiddlewareContext) {
    this.log.push(`${this.name}:error:${context.modelId}`);
    throw error;
  }
}

describe("middleware", () => {
  it("runs in onion order around every attempt, and its request changes reach the provider", async () => {
    const log: string[] = [];
    const mesh = create({ config: pairConfig(pair, { retry: { max_retries: 0 } }), clock: testClock(), middleware: [new Recorder("outer", log), new Recorder("inner", log)] });
    pair.a.enqueue({ kind: "error", status: 500 });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.choices[0]?.message.content).toBe("from beta");
    expect(log).toEqual([
      "outer:before:alpha:1",
      "inner:before:alpha:1",
      "inner:error:alpha",
      "outer:error:alpha",
      "outer:before:beta:2",
      "inner:before:beta:2",
      "inner:after:beta",
      "outer:after:beta",
    ]);
    const sent = pair.b.requests[0]!.body.messages.map((message: { content: string }) => message.content);
    expect(sent).toEqual(["Hello there", "tag-outer", "tag-inner"]);
    await mesh.close();
  });

  it("lets onError return a fallback response instead of failing over", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock(), middleware: [{ onError: async () => fallback }] });
    pair.a.enqueue({ kind: "error", status: 500 });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.choices[0]?.message.content).toBe("cached answer");
    expect(pair.b.requests).toHaveLength(0);
    await mesh.close();
  });

  it("streams a fallback completion from onError when a streaming request fails", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock(), middleware: [{ onError: async () => fallback }] });
    pair.a.enqueue({ kind: "error", status: 500 });
    let text = "";
    let finish: string | null = null;
    for await (const chunk of await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe("cached answer");
    expect(finish).toBe("stop");
    expect(pair.b.requests).toHaveLength(0);
    await mesh.close();
  });

  it("an onError that returns nothing rethrows (the router then fails over)", async () => {
    const seen: string[] = [];
    const mesh = create({ config: pairConfig(pair, { retry: { max_retries: 0 } }), clock: testClock(), middleware: [{ onError: async (error: Error) => void seen.push(error.name) }] });
    pair.a.enqueue({ kind: "error", status: 500 });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.choices[0]?.message.content).toBe("from beta");
    expect(seen).toEqual(["ProviderError"]);
    await mesh.close();
  });

  it("applies to streams: beforeRequest per attempt, onChunk per chunk, afterResponse with the assembled answer", async () => {
    const log: string[] = [];
    let assembled: ChatCompletion | undefined;
    const mesh = create({
      config: pairConfig(pair, { retry: { max_retries: 0 } }),
      clock: testClock(),
      middleware: [
        {
          beforeRequest: (request: { stream?: boolean }, context: MiddlewareContext) => (log.push(`before:${context.modelId}:${context.stream}`), request),
          onChunk: (chunk: { choices: Array<{ delta: { content?: string } }> }) => {
            const delta = chunk.choices[0]?.delta;
            if (delta?.content) delta.content = delta.content.toUpperCase();
            return chunk;
          },
          afterResponse: (response: ChatCompletion) => {
            assembled = response;
            return response;
          },
        },
      ],
    });
    pair.a.enqueue({ kind: "error", status: 503 });
    let text = "";
    for await (const chunk of await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("FROM BETA");
    expect(log).toEqual(["before:alpha:true", "before:beta:true"]);
    expect(assembled?.choices[0]?.message.content).toBe("FROM BETA");
    expect(assembled?.object).toBe("chat.completion");
    await mesh.close();
  });
});
