import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, servedBy, type ChatCompletionChunk } from "../../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";

// What a caller learns about cost and the serving model: usage.cost (priced models only), servedBy(), and the cost
// on a stream's usage chunk, every billed attempt included.
describe("usage.cost and servedBy()", () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ["priced", "unpriced", "embed"] });
  });
  afterAll(() => fake.close());

  const mesh = () =>
    create({
      config: {
        providers: {
          f: {
            connector: "openai-compatible",
            config: {
              base_url: fake.url,
              api_key: "test-key-cost",
              models: [
                { id: "priced", capabilities: ["chat-completion"], pricing: { input: 1000, output: 2000 } },
                { id: "unpriced", capabilities: ["chat-completion"] },
                { id: "embed", capabilities: ["text-embeddings"], pricing: { input: 500 } },
              ],
            },
          },
        },
        pools: { cheap: { capability: "chat-completion", models: ["priced"], retry: { max_retries: 1, base_delay_ms: 1 } }, free: { capability: "chat-completion", models: ["unpriced"] } },
      },
    } as never);
  const hello = [{ role: "user" as const, content: "Hi" }];
  const cost = (usage: { prompt_tokens: number; completion_tokens?: number }) => (usage.prompt_tokens * 1000 + (usage.completion_tokens ?? 0) * 2000) / 1_000_000;

  it("a priced answer carries usage.cost, and servedBy names the provider, model and attempts", async () => {
    const client = mesh();
    try {
      const answer = await client.chat.completions.create({ model: "cheap", messages: hello });
      expect(answer.usage!.cost).toBeCloseTo(cost(answer.usage!), 12);
      expect(servedBy(answer)).toEqual({ provider: "f", model: "priced", attempts: 1, cost: expect.closeTo(cost(answer.usage!), 12), priced: true });
      const embedded = await client.embeddings.create({ model: "text-embeddings", input: "Hi" });
      expect((embedded.usage as { cost?: number }).cost).toBeCloseTo((embedded.usage.prompt_tokens * 500) / 1_000_000, 12);
    } finally {
      await client.close();
    }
  });

  it("an unpriced answer has no usage.cost; servedBy says it is not priced", async () => {
    const client = mesh();
    try {
      const answer = await client.chat.completions.create({ model: "free", messages: hello });
      expect(answer.usage).not.toHaveProperty("cost");
      expect(servedBy(answer)).toMatchObject({ model: "unpriced", attempts: 1, cost: 0, priced: false });
    } finally {
      await client.close();
    }
  });

  it("a retried request counts both attempts; a stream's usage chunk carries the cost", async () => {
    const client = mesh();
    try {
      fake.enqueue({ kind: "error", status: 500 });
      const answer = await client.chat.completions.create({ model: "cheap", messages: hello });
      expect(servedBy(answer)?.attempts).toBe(2);
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of await client.chat.completions.create({ model: "cheap", messages: hello, stream: true, stream_options: { include_usage: true } })) chunks.push(chunk);
      const usage = chunks.filter((chunk) => chunk.usage).at(-1)!.usage!;
      expect((usage as { cost?: number }).cost).toBeCloseTo(cost(usage), 12);
      const free: ChatCompletionChunk[] = [];
      for await (const chunk of await client.chat.completions.create({ model: "free", messages: hello, stream: true, stream_options: { include_usage: true } })) free.push(chunk);
      expect(free.filter((chunk) => chunk.usage).at(-1)!.usage).not.toHaveProperty("cost");
    } finally {
      await client.close();
    }
  });
});
