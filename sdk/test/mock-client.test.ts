import { describe, expect, it } from "vitest";
import { mockClient } from "../src/testing/index.js";
import { AuthenticationError, ProviderError, RateLimitError, Middleware } from "../src/index.js";

describe("mockClient (modelmesh/testing)", () => {
  it("answers the FAQ's example in order and records every call", async () => {
    const client = mockClient({
      responses: [
        { content: "Hello!", model: "gpt-4o", tokens: 10 },
        { content: "World!", model: "claude-3", tokens: 15 },
      ],
    });
    const first = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
    expect(first.choices[0]?.message.content).toBe("Hello!");
    expect(first.model).toBe("gpt-4o");
    // `tokens` is what the answer reports in all (the FAQ's MockResponse(tokens=10)).
    expect(first.usage).toEqual({ prompt_tokens: 0, completion_tokens: 10, total_tokens: 10 });
    const second = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hey" }] });
    expect(second.choices[0]?.message.content).toBe("World!");
    expect(client.calls.length).toBe(2);
    expect(client.calls[0]!.messages![0]!.content).toBe("Hi");
    // What the caller asked for; the provider saw the model the router picked.
    expect(client.calls.map((call) => call.model)).toEqual(["chat-completion", "chat-completion"]);
    expect(client.provider.calls.map((call) => call.model)).toEqual(["mock-model", "mock-model"]);
    expect(client.usage.requests).toBe(2);
    expect(client.usage.totalTokens).toBe(25);
    expect(client.poolStatus()["mock-pool"]).toEqual({ active: 1, standby: 0, total: 1 });
    expect(client.explain({ model: "chat-completion" }).selectedModel).toBe("mock-model");
  });

  it("serves any pool or model name the code under test uses, and records the name as given", async () => {
    const client = mockClient({ responses: [{ content: "one" }, { content: "two", chunks: ["tw", "o"] }, { embedding: [4, 5] }] });
    const first = await client.chat.completions.create({ model: "my-pool", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Sum up." }] });
    expect(first.choices[0]?.message.content).toBe("one");
    let text = "";
    for await (const chunk of await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], stream: true })) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("two");
    const embedding = await client.embeddings.create({ model: "text-embedding-3-small", input: "x" });
    expect(embedding.data[0]!.embedding).toEqual([4, 5]);
    expect(client.calls.map((call) => call.model)).toEqual(["my-pool", "gpt-4o", "text-embedding-3-small"]);
    expect(client.calls[0]!.messages).toHaveLength(2);
    // The scripted provider answered all three: the names went to the mock's pools.
    expect(client.provider.calls.map((call) => call.model)).toEqual(["mock-model", "mock-model", "mock-model"]);
    expect(client.usage.byPool["mock-pool"]?.requests).toBe(2);
  });

  it("explains the pool it serves, for any name and before it is ready", async () => {
    const client = mockClient({ responses: [{ content: "one" }] });
    // Right after creation: starting, but already naming the pool "chat-completion" goes to.
    const starting = client.explain();
    expect(starting).toMatchObject({ state: "starting", pool: "mock-pool", selectedModel: null });
    expect(client.poolStatus()["mock-pool"]).toBeDefined();
    await client.ready();
    expect(client.explain({ model: "my-pool" })).toMatchObject({ state: "ready", pool: "mock-pool", selectedModel: "mock-model" });
    expect(client.explain()).toMatchObject({ pool: "mock-pool", selectedModel: "mock-model" });
  });

  it("keeps the caller's own token estimate when no tokens are scripted", async () => {
    const client = mockClient({ responses: [{ content: "three little words" }] });
    const response = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
    expect(response.usage?.completion_tokens).toBe(3);
    expect(response.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.usage?.total_tokens).toBe(response.usage!.prompt_tokens + 3);
  });

  it("streams scripted chunks and embeds", async () => {
    const client = mockClient({ responses: [{ content: "unused", chunks: ["Hel", "lo"] }, { embedding: [1, 2, 3] }] });
    let text = "";
    for await (const chunk of await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }], stream: true })) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("Hello");
    const embedding = await client.embeddings.create({ model: "text-embeddings", input: "x" });
    expect(embedding.data[0]!.embedding).toEqual([1, 2, 3]);
    expect(client.calls.map((call) => call.operation)).toEqual(["chat", "embeddings"]);
  });

  it("raises scripted errors the way the real client does, and honours delay", async () => {
    const scripted = new RateLimitError("slow down", { providerId: "mock", retryAfter: 3 });
    const client = mockClient({ responses: [{ error: scripted }, { content: "late", delay: 30 }] });
    const error = (await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught)) as RateLimitError;
    // A scripted error keeps its class, as the FAQ's `e instanceof RateLimitError` expects.
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBe(3);
    expect(error.errors[0]).toBe(scripted);
    const started = Date.now();
    const late = await client.chat.completions.create({ model: "mock-model", messages: [{ role: "user", content: "Hi" }] });
    expect(late.choices[0]?.message.content).toBe("late");
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("rethrows any scripted error with its own class", async () => {
    const scripted = [new AuthenticationError("bad key", { providerId: "mock", status: 401 }), new ProviderError("boom", { providerId: "mock", status: 500 })];
    const client = mockClient({ responses: scripted.map((error) => ({ error })) });
    for (const error of scripted) {
      await expect(client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] })).rejects.toBe(error);
    }
  });

  it("says clearly when the script has run out", async () => {
    const client = mockClient({ responses: ["only one"] });
    await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "1" }] });
    await expect(client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "2" }] })).rejects.toThrow(/no scripted response left for call 2/);
  });

  it("runs middleware like a real client", async () => {
    const seen: string[] = [];
    class Tag extends Middleware {
      override beforeRequest(request: { model: string }) {
        seen.push(request.model);
        return request;
      }
    }
    const client = mockClient({ responses: ["ok"], middleware: [new Tag()] });
    await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
    expect(seen).toEqual(["mock-model"]);
  });
});
