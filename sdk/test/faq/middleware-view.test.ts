/**
 * Middleware sees chat answers in both spellings (the FAQ's `usage?.totalTokens`, the wire's `usage.total_tokens`), and
 * whatever it returns, in either spelling, reaches the caller as exactly OpenAI's wire shape: streaming or not, and
 * for `onError` fallbacks.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { create, Middleware, type CompletionResponse, type MiddlewareContext } from "../../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";

let fake: FakeOpenAI;
beforeEach(async () => {
  fake = await startFakeOpenAI({ name: "view", models: ["gpt-4o"] });
});
afterEach(() => fake.close());

const config = () => ({
  providers: { openai: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-view-00000000000", models: [{ id: "gpt-4o", capabilities: ["chat-completion"] }] } } },
  defaults: { retry: { max_retries: 0 } },
});
const hello = [{ role: "user" as const, content: "Hello" }];
const camelKeys = (value: unknown) => JSON.stringify(value).match(/"[a-z]+[A-Z]\w*":/g) ?? [];

class Reader extends Middleware {
  readonly seen: Array<{ camel: unknown; snake: unknown; finish: unknown }> = [];
  override async afterResponse(response: CompletionResponse & { usage?: { total_tokens?: number } }, _context: MiddlewareContext) {
    this.seen.push({ camel: response.usage?.totalTokens, snake: response.usage?.total_tokens, finish: response.choices[0]?.finishReason });
    return response;
  }
}

describe("the middleware view of a chat answer", () => {
  it("reads both spellings, streaming and not, and callers get the wire shape", async () => {
    const reader = new Reader();
    const client = create("chat-completion", { config: config(), middleware: [reader] });
    const response = await client.chat.completions.create({ model: "chat-completion", messages: hello });
    const stream = await client.chat.completions.create({ model: "chat-completion", messages: hello, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    await client.close();
    expect(reader.seen[0]).toEqual({ camel: response.usage!.total_tokens, snake: response.usage!.total_tokens, finish: "stop" });
    expect(reader.seen[1]!.camel).toBe(reader.seen[1]!.snake);
    expect(reader.seen[1]!.camel).toBeGreaterThan(0);
    expect(camelKeys(response)).toEqual([]);
    expect(camelKeys(chunks)).toEqual([]);
  });

  it("turns a camelCase answer a hook returns into the wire shape", async () => {
    class Rewrite extends Middleware {
      override async afterResponse(response: CompletionResponse): Promise<CompletionResponse> {
        return { id: response.id, model: "rewritten", choices: [{ index: 0, message: { role: "assistant", content: "new" }, finishReason: "length" }], usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } };
      }
    }
    class Fallback extends Middleware {
      override async onError(): Promise<CompletionResponse> {
        return { id: "cached", model: "cache", choices: [{ index: 0, message: { role: "assistant", content: "from cache" }, finishReason: "stop" }] };
      }
    }
    const client = create("chat-completion", { config: config(), middleware: [new Rewrite()] });
    const rewritten = await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(rewritten.choices[0]).toEqual({ index: 0, message: { role: "assistant", content: "new", refusal: null }, finish_reason: "length", logprobs: null });
    expect(rewritten.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    expect(rewritten).toMatchObject({ object: "chat.completion", model: "rewritten" });
    await client.close();

    fake.setMode({ kind: "error", status: 500 });
    const cached = create("chat-completion", { config: config(), middleware: [new Fallback()] });
    const answer = await cached.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(answer.choices[0]).toMatchObject({ message: { content: "from cache" }, finish_reason: "stop" });
    expect(camelKeys(answer)).toEqual([]);
    await cached.close();
  });
});
