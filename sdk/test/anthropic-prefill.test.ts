import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AnthropicProvider, ANTHROPIC_MODELS, create, type ChatCompletionChunk } from "../src/index.js";
import { ProviderError } from "../src/wire/errors.js";
import type { ChatCompletionMessageParam } from "../src/wire/types.js";
import { startFakeAnthropic, type FakeAnthropic } from "./fakes/anthropic.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";

// Anthropic prefill as mid-stream continuation: a stream cut on another model is finished by Claude from the text
// already delivered, sent as a final assistant turn (no marker, no instruction in words), without the trailing
// whitespace Anthropic rejects, and the caller receives exactly the rest of the answer.

const KEY = "test-key-anthropic-prefill"; // plainly fake: nothing shaped like a real key in the tree
const CHAT = "generation.text-generation.chat-completion";
const question: ChatCompletionMessageParam[] = [{ role: "user", content: "tell me more" }];

let anthropic: FakeAnthropic;
let primary: FakeOpenAI;
beforeAll(async () => {
  anthropic = await startFakeAnthropic({ models: ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-6"] });
  primary = await startFakeOpenAI({ name: "primary", reply: (body: { messages: Array<{ content: string }> }) => String(body.messages.at(-1)?.content === "tell me more" ? PRIMARY_REPLY.value : "fresh") });
});
afterAll(async () => {
  await anthropic.close();
  await primary.close();
});
beforeEach(() => {
  anthropic.reset();
  primary.reset();
});

/** What the primary streams before it breaks (set per test). */
const PRIMARY_REPLY = { value: "" };

async function collect(iterable: AsyncIterable<ChatCompletionChunk>): Promise<string> {
  let text = "";
  for await (const chunk of iterable) text += chunk.choices[0]?.delta.content ?? "";
  return text;
}

function meshOn(model: string) {
  return create("chat-completion", {
    config: {
      providers: {
        primary: { connector: "openai", config: { base_url: primary.url, api_key: "sk-test-primary-000000000000" } },
        anthropic: { connector: "anthropic", config: { base_url: anthropic.url, api_key: KEY, models: [{ id: "claude-opus-4-6", capabilities: [CHAT] }] } },
      },
      pools: { chat: { capability: "chat-completion", strategy: "priority", models: ["gpt-4o-mini", model], retry: { max_retries: 0 }, stream_failover: "continue" } },
    },
  } as never);
}

describe("which Claude models take a prefill", () => {
  it("the built-in Claude models (up to 4.5) continue a prefix; 4.6 and later, discovered or configured, never get one", async () => {
    expect(ANTHROPIC_MODELS.map((model) => [model.id, model.features?.assistantPrefix])).toEqual(ANTHROPIC_MODELS.map((model) => [model.id, true]));
    const listed = await new AnthropicProvider({ baseUrl: anthropic.url, apiKey: KEY }).fetchModelList();
    expect(listed.find((model) => model.id === "claude-opus-4-6")?.features?.assistantPrefix).toBeUndefined();
    expect(listed.find((model) => model.id === "claude-haiku-4-5")?.features?.assistantPrefix).toBe(true);
  });
});

describe("a stream broken elsewhere is continued by Claude with a prefill", () => {
  it("the delivered text ends in a space: Claude gets it without the space, and the caller gets the rest once", async () => {
    PRIMARY_REPLY.value = "Hello from claude-haiku-4-5: ";
    primary.enqueue({ kind: "break-stream", afterChunks: 4 });
    const client = meshOn("claude-haiku-4-5");
    try {
      const text = await collect(await client.chat.completions.create({ model: "chat", messages: question, stream: true }));
      expect(text).toBe("Hello from claude-haiku-4-5: tell me more");
      expect(anthropic.requests).toHaveLength(1);
      const sent = anthropic.requests[0]!.body as Record<string, unknown>;
      expect(sent.messages).toEqual([
        { role: "user", content: [{ type: "text", text: "tell me more" }] },
        { role: "assistant", content: [{ type: "text", text: "Hello from claude-haiku-4-5:" }] },
      ]);
      // No instruction in words and no marker: the conversation and the prefill, nothing else.
      expect(sent.system).toBeUndefined();
      expect(Object.keys(sent).sort()).toEqual(["max_tokens", "messages", "model", "stream"]);
    } finally {
      await client.close();
    }
  });

  it("the delivered text ends in a word: the prefill is the delivered text as it is", async () => {
    PRIMARY_REPLY.value = "Hello from claude-haiku-4-5: tell";
    primary.enqueue({ kind: "break-stream", afterChunks: 4 });
    const client = meshOn("claude-haiku-4-5");
    try {
      const text = await collect(await client.chat.completions.create({ model: "chat", messages: question, stream: true }));
      expect(text).toBe("Hello from claude-haiku-4-5: tell me more");
      expect((anthropic.requests[0]!.body as { messages: unknown[] }).messages.at(-1)).toEqual({ role: "assistant", content: [{ type: "text", text: "Hello from claude-haiku-4-5: tell" }] });
    } finally {
      await client.close();
    }
  });

  it("a model that rejects prefill (Claude 4.6) restarts the request instead: it never receives a final assistant turn", async () => {
    PRIMARY_REPLY.value = "Hello from claude-opus-4-6: ";
    primary.enqueue({ kind: "break-stream", afterChunks: 4 });
    const client = meshOn("claude-opus-4-6");
    try {
      const text = await collect(await client.chat.completions.create({ model: "chat", messages: question, stream: true }));
      expect(text).toBe("Hello from claude-opus-4-6: tell me more");
      expect(anthropic.requests).toHaveLength(1);
      expect((anthropic.requests[0]!.body as { messages: unknown[] }).messages).toEqual([{ role: "user", content: [{ type: "text", text: "tell me more" }] }]);
    } finally {
      await client.close();
    }
  });
});

describe("a caller's own final assistant turn on the connector", () => {
  const provider = () => new AnthropicProvider({ baseUrl: anthropic.url, apiKey: KEY });
  const prefilled = (prefill: string, model = "claude-haiku-4-5") => ({ model, messages: [...question, { role: "assistant" as const, content: prefill }] });

  it("the fake rejects trailing whitespace with Anthropic's own 400, so the connector must strip it", async () => {
    const response = await fetch(`${anthropic.url}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-haiku-4-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Sure: " }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: "messages: final assistant content cannot end with trailing whitespace" } });
  });

  it("answer and stream: sent without the trailing whitespace, returned without repeating it", async () => {
    const { body } = await provider().chat(prefilled("Hello from claude-haiku-4-5: "));
    expect((anthropic.requests[0]!.body as { messages: unknown[] }).messages.at(-1)).toEqual({ role: "assistant", content: [{ type: "text", text: "Hello from claude-haiku-4-5:" }] });
    expect(body.choices[0]?.message.content).toBe("tell me more");

    const { body: stream } = await provider().chatStream(prefilled("Hello from claude-haiku-4-5: "));
    expect(await collect(stream)).toBe("tell me more");
    expect((anthropic.requests[1]!.body as { messages: unknown[] }).messages.at(-1)).toEqual({ role: "assistant", content: [{ type: "text", text: "Hello from claude-haiku-4-5:" }] });
  });

  it("a prefill that is only whitespace is dropped, and the answer's matching whitespace with it", async () => {
    const { body } = await provider().chat(prefilled(" \n"));
    expect((anthropic.requests[0]!.body as { messages: unknown[] }).messages).toEqual([{ role: "user", content: [{ type: "text", text: "tell me more" }] }]);
    expect(body.choices[0]?.message.content).toBe("Hello from claude-haiku-4-5: tell me more");
  });

  it("Claude 4.6 and a request with thinking on are refused before anything is sent", async () => {
    const refused = async (request: Record<string, unknown>) => (await provider().chat(request as never).catch((error: unknown) => error)) as ProviderError;
    const onOpus = await refused(prefilled("Hello", "claude-opus-4-6"));
    expect(onOpus).toBeInstanceOf(ProviderError);
    expect(onOpus.code).toBe("unsupported_parameter");
    const withThinking = await refused({ ...prefilled("Hello"), thinking: { type: "enabled", budget_tokens: 1024 } });
    expect(withThinking.code).toBe("unsupported_parameter");
    expect(anthropic.requests).toHaveLength(0);
    // Thinking without a prefill is Anthropic's own parameter, passed through.
    await provider().chat({ model: "claude-haiku-4-5", messages: question, thinking: { type: "enabled", budget_tokens: 1024 } } as never);
    expect((anthropic.requests[0]!.body as Record<string, unknown>).thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
  });
});
