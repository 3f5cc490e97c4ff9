import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, MISTRAL_MODELS, type ChatCompletionChunk } from "../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { startFakeService, type FakeService } from "./fakes/openai-compatible-services.js";

// Mistral continues a trailing assistant message marked `prefix: true`: a stream cut mid-answer on another model is
// finished by Mistral from the text already delivered, with no instruction in words added to the conversation.
describe("Mistral prefix continuation", () => {
  let primary: FakeOpenAI;
  let mistral: FakeService;
  beforeAll(async () => {
    primary = await startFakeOpenAI({ name: "primary", reply: "Hello from mistral-small-latest: tell me more" });
    mistral = await startFakeService("mistral");
  });
  afterAll(async () => {
    await primary.close();
    await mistral.close();
  });

  it("Mistral's chat models say they continue a prefix", () => {
    expect(MISTRAL_MODELS.filter((model) => model.capabilities.some((capability) => capability.endsWith("chat-completion"))).every((model) => model.features?.assistantPrefix === true)).toBe(true);
  });

  it("a stream that breaks on another model is continued by Mistral from the delivered text, marked prefix: true", async () => {
    const messages = [{ role: "user" as const, content: "tell me more" }];
    const client = create("chat-completion", {
      config: {
        providers: {
          primary: { connector: "openai", config: { base_url: primary.url, api_key: "test-key-primary" } },
          mistral: { connector: "mistral", config: { base_url: mistral.url, api_key: "test-key-mistral" } },
        },
        pools: { chat: { capability: "chat-completion", strategy: "priority", models: ["gpt-4o-mini", "mistral-small-latest"], retry: { max_retries: 0 }, stream_failover: "continue" } },
      },
    } as never);
    try {
      primary.enqueue({ kind: "break-stream", afterChunks: 3 });
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of await client.chat.completions.create({ model: "chat", messages, stream: true })) chunks.push(chunk);
      const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
      expect(text).toBe("Hello from mistral-small-latest: tell me more");
      const continuation = mistral.requests.at(-1)!.body as { messages: Array<Record<string, unknown>> };
      const delivered = continuation.messages.at(-1)!;
      expect(continuation.messages.slice(0, -1)).toEqual(messages);
      expect(delivered).toMatchObject({ role: "assistant", prefix: true });
      expect(text.startsWith(String(delivered.content))).toBe(true);
      expect(String(delivered.content).length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});

describe("DeepSeek prefix continuation (beta endpoint)", () => {
  it("a stream that breaks elsewhere is continued by deepseek-chat on /beta, marked prefix: true; other requests stay on /v1", async () => {
    const primary = await startFakeOpenAI({ name: "primary", reply: "Hello from deepseek-chat: go on" });
    const deepseek = await startFakeService("deepseek");
    const messages = [{ role: "user" as const, content: "go on" }];
    const client = create("chat-completion", {
      config: {
        providers: {
          primary: { connector: "openai", config: { base_url: primary.url, api_key: "test-key-primary" } },
          deepseek: { connector: "deepseek", config: { base_url: deepseek.url, api_key: "test-key-deepseek" } },
        },
        pools: { chat: { capability: "chat-completion", strategy: "priority", models: ["gpt-4o-mini", "deepseek-chat"], retry: { max_retries: 0 }, stream_failover: "continue" } },
      },
    } as never);
    try {
      primary.enqueue({ kind: "break-stream", afterChunks: 3 });
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of await client.chat.completions.create({ model: "chat", messages, stream: true })) chunks.push(chunk);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello from deepseek-chat: go on");
      const continuation = deepseek.requests.at(-1)!;
      expect(continuation.path).toBe("/beta/chat/completions");
      expect((continuation.body as { messages: Array<Record<string, unknown>> }).messages.at(-1)).toMatchObject({ role: "assistant", prefix: true });
      const direct = await client.chat.completions.create({ model: "deepseek-chat", messages });
      expect(direct.choices[0]?.message.content).toBe("Hello from deepseek-chat: go on");
      expect(deepseek.requests.at(-1)!.path).toBe("/v1/chat/completions");
    } finally {
      await client.close();
      await primary.close();
      await deepseek.close();
    }
  });
});
