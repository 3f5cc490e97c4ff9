import { describe, expect, it } from "vitest";
import { create } from "../src/index.js";

// What JavaScript code written for the official client finds on the mesh's client: the methods it has, and no
// internal method under a name the official client uses for something else.

describe("the chat completions resource", () => {
  it("has create, and stream() of the official client's shape: a ChatCompletionStream at once, not a promise", async () => {
    const client = create({ config: { providers: { p: { connector: "openai-compatible", config: { base_url: "http://127.0.0.1:9/v1", api_key: "sk-x", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] } } } } });
    const completions = client.chat.completions as unknown as Record<string, unknown>;
    expect(typeof completions.create).toBe("function");
    const stream = client.chat.completions.stream({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(stream).not.toBeInstanceOf(Promise);
    expect([typeof stream.on, typeof stream.finalChatCompletion, typeof stream.toReadableStream, typeof stream[Symbol.asyncIterator]]).toEqual(["function", "function", "function", "function"]);
    stream.abort();
    await expect(stream.finalChatCompletion()).rejects.toMatchObject({ name: "AbortError" });
    await client.close();
  });
});

describe("audio.transcriptions.create with what the official client also takes", () => {
  it("a Node stream for the file is refused naming what to pass, and nothing is sent", async () => {
    const { createReadStream } = await import("node:fs");
    const { startFakeOpenAI } = await import("./fakes/openai.js");
    const fake = await startFakeOpenAI({ name: "p", models: ["whisper-1"] });
    const client = create({ config: { providers: { p: { connector: "openai", config: { base_url: fake.url, api_key: "sk-p-0000000000" } } } } });
    try {
      const error = await client.audio.transcriptions.create({ model: "whisper-1", file: createReadStream(import.meta.filename) as never }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: "InvalidRequestError", param: "file" });
      expect((error as Error).message).toMatch(/^file must be a Blob or File \(in Node, read a file into one/);
      const missing = await client.audio.transcriptions.create({ model: "whisper-1" } as never).catch((caught: unknown) => caught);
      expect(missing).toMatchObject({ name: "InvalidRequestError", param: "file" });
      expect(fake.requests).toHaveLength(0);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});

describe("_request_id, as the official client sets it", () => {
  it("is the serving service's x-request-id (Anthropic's request-id), not enumerable, on chat and embeddings answers", async () => {
    const { startFakeOpenAI } = await import("./fakes/openai.js");
    const { startFakeAnthropic } = await import("./fakes/anthropic.js");
    const fake = await startFakeOpenAI({ name: "p", models: ["m", "e"] });
    const anthropic = await startFakeAnthropic();
    const chat = ["generation.text-generation.chat-completion"];
    const client = create({
      config: {
        providers: {
          p: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-p-0000000000", models: [{ id: "m", capabilities: chat }, { id: "e", capabilities: ["representation.embeddings.text-embeddings"] }] } },
          claude: { connector: "anthropic.llm.v1", config: { base_url: anthropic.url, api_key: "sk-ant-api03-test", models: [{ id: "claude-haiku-4-5", capabilities: chat }] } },
        },
      },
    });
    try {
      const answer = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
      // The OpenAI fake's x-request-id: req_ and 32 hex digits.
      expect(answer._request_id).toMatch(/^req_[0-9a-f]{32}$/);
      expect(Object.keys(answer)).not.toContain("_request_id");
      expect(JSON.stringify(answer)).not.toContain("_request_id");
      const embedded = await client.embeddings.create({ model: "e", input: "hi" });
      expect(embedded._request_id).toMatch(/^req_[0-9a-f]{32}$/);
      expect(embedded._request_id).not.toBe(answer._request_id);
      const claude = await client.chat.completions.create({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "hi" }] });
      expect(claude._request_id).toMatch(/^req_/);
    } finally {
      await client.close();
      await fake.close();
      await anthropic.close();
    }
  });
});

describe("a request whose routed field is a getter that throws", () => {
  it("is the caller's InvalidRequestError, not the getter's raw error", async () => {
    const { startFakeOpenAI } = await import("./fakes/openai.js");
    const fake = await startFakeOpenAI({ name: "p", models: ["e"] });
    const client = create({ config: { providers: { p: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-p-0000000000", models: [{ id: "e", capabilities: ["representation.embeddings.text-embeddings"] }] } } } } });
    try {
      const body = { model: "e" } as Record<string, unknown>;
      Object.defineProperty(body, "input", { enumerable: true, get: () => { throw new TypeError("boom"); } });
      const error = await client.embeddings.create(body as never).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: "InvalidRequestError" });
      expect((error as Error).message).toContain("cannot be read: boom");
      expect(fake.requests).toHaveLength(0);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});

describe("_request_id on what a provider returns", () => {
  it("is null when the service sent no id, and a body that is not an object is passed on untouched", async () => {
    const { BaseProvider, createBaseProviderConfig } = await import("../src/index.js");
    class Bare extends BaseProvider {
      result(body: unknown, headers: Headers) {
        return this._result(body, headers);
      }
    }
    const provider = new Bare(createBaseProviderConfig({ baseUrl: "http://127.0.0.1:9", models: [] }));
    const plain = provider.result({ ok: true }, new Headers()).body as { _request_id?: unknown };
    expect(plain._request_id).toBeNull();
    expect(Object.keys(plain)).toEqual(["ok"]);
    expect((provider.result({}, new Headers({ "request-id": "req_anthropic" })).body as { _request_id?: unknown })._request_id).toBe("req_anthropic");
    expect((provider.result({}, new Headers({ "x-request-id": "req_x", "request-id": "req_y" })).body as { _request_id?: unknown })._request_id).toBe("req_x");
    for (const body of ["transcript text", null, 7]) expect(provider.result(body, new Headers({ "x-request-id": "req_x" })).body).toBe(body);
  });
});

describe("a routed request's own field", () => {
  it("is checked with the body's size limit and named when missing or of the wrong kind", async () => {
    const { startFakeOpenAI } = await import("./fakes/openai.js");
    const fake = await startFakeOpenAI({ name: "p", models: ["e"] });
    const client = create({ config: { providers: { p: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-p-0000000000", models: [{ id: "e", capabilities: ["representation.embeddings.text-embeddings"] }] } } } }, limits: { maxBytes: 200 } });
    try {
      const big = await client.embeddings.create({ model: "e", input: "x".repeat(500) }).catch((caught: unknown) => caught);
      expect(big).toMatchObject({ name: "InvalidRequestError", code: "request_too_large" });
      for (const input of [undefined, "", 7]) {
        const wrong = await client.embeddings.create({ model: "e", input } as never).catch((caught: unknown) => caught);
        expect(wrong).toMatchObject({ name: "InvalidRequestError", param: "input", message: "input is missing or of the wrong type" });
      }
      const none = await client.embeddings.create(null as never).catch((caught: unknown) => caught);
      expect(none).toMatchObject({ name: "InvalidRequestError", message: "the embeddings request must be an object" });
      expect(fake.requests).toHaveLength(0);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
