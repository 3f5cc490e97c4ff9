import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthenticationError, GeminiProvider, ProviderError, RateLimitError, create } from "../src/index.js";
import type { ChatCompletionChunk, ChatCompletionCreateParams } from "../src/index.js";
import { startFakeGemini, type FakeGemini } from "./fakes/gemini.js";
import { providerContract } from "./contracts/provider.contract.js";
import { wireValidator } from "./wire-schema.js";

const apiKey = "AIzaSyContractKEY0123456789abcdefghijklmn";
const wire = wireValidator();
const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"], additionalProperties: false, $schema: "http://json-schema.org/draft-07/schema#" },
  },
};

providerContract("GeminiProvider", async () => {
  const fake = await startFakeGemini();
  return { provider: new GeminiProvider({ baseUrl: fake.url, apiKey }), chatModel: "gemini-2.5-flash", apiKey, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges, toolFormat: "gemini", ownRetryAfter: 34.4 };
});

let fake: FakeGemini;
let provider: GeminiProvider;
beforeAll(async () => {
  fake = await startFakeGemini();
  provider = new GeminiProvider({ baseUrl: fake.url, apiKey });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const last = () => fake.requests.at(-1)!;
const text = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
async function collect(request: ChatCompletionCreateParams): Promise<ChatCompletionChunk[]> {
  const { body } = await provider.chatStream(request);
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks;
}

describe("request mapping (what the service receives)", () => {
  it("contents with user/model roles, systemInstruction, generationConfig; the key in x-goog-api-key, never in the URL", async () => {
    await provider.chat({
      model: "gemini-2.5-flash",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } }] },
      ],
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 100,
      stop: ["END"],
      seed: 7,
      response_format: { type: "json_object" },
    });
    const sent = last();
    expect(sent.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(sent.url).not.toContain("key=");
    expect(sent.url).not.toContain(apiKey);
    expect(sent.headers["x-goog-api-key"]).toBe(apiKey);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      contents: [
        { role: "user", parts: [{ text: "Hi" }] },
        { role: "model", parts: [{ text: "Hello!" }] },
        { role: "user", parts: [{ text: "What is this?" }, { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQ" } }] },
      ],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      generationConfig: { temperature: 0.3, topP: 0.9, maxOutputTokens: 100, stopSequences: ["END"], seed: 7, responseMimeType: "application/json" },
    });
  });

  it("tools as functionDeclarations (schema keywords Gemini rejects removed), tool_choice as toolConfig", async () => {
    await provider.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool], tool_choice: { type: "function", function: { name: "get_weather" } } });
    expect(last().body.tools).toEqual([
      { functionDeclarations: [{ name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } }] },
    ]);
    expect(last().body.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } });
  });

  it("baseUrl works with or without /v1beta; models/ prefixes are accepted", async () => {
    const bare = new GeminiProvider({ base_url: fake.origin, api_key: apiKey });
    await bare.chat({ model: "models/gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
    expect(last().path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(new GeminiProvider().toJSON().baseUrl).toBe("https://generativelanguage.googleapis.com/v1beta");
  });

  it("image links Gemini cannot fetch and logprobs are typed errors, sent nowhere", async () => {
    const link = await provider.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.jpg" } }] }] }).catch((error: unknown) => error);
    expect((link as ProviderError).code).toBe("unsupported_parameter");
    const logprobs = await provider.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }], logprobs: true }).catch((error: unknown) => error);
    expect((logprobs as ProviderError).code).toBe("unsupported_parameter");
    expect(fake.requests).toHaveLength(0);
  });
});

describe("responses", () => {
  it("text and usageMetadata in OpenAI's shape", async () => {
    const { body } = await provider.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Say hello" }] });
    if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
    expect(body.model).toBe("gemini-2.5-flash");
    expect(body.choices[0]?.message.content).toBe("Hello from gemini-2.5-flash: Say hello");
    expect(body.choices[0]?.finish_reason).toBe("stop");
    expect(body.usage?.completion_tokens).toBe(Math.ceil("Hello from gemini-2.5-flash: Say hello".length / 4));
    expect(body.usage?.prompt_tokens).toBe(Math.ceil((JSON.stringify(last().body.contents) + '""').length / 4));
  });

  it("a prompt blocked before any candidate → one empty choice with content_filter", async () => {
    const blocked = JSON.stringify({ promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 }, modelVersion: "gemini-2.5-flash", responseId: "r1" });
    const replay: typeof fetch = async () => new Response(blocked, { status: 200, headers: { "content-type": "application/json" } });
    const { body } = await new GeminiProvider({ apiKey, fetch: replay }).chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }] });
    if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
    expect(body.choices).toHaveLength(1);
    expect(body.choices[0]?.finish_reason).toBe("content_filter");
    expect(body.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 0 });
  });

  it("MAX_TOKENS → length", async () => {
    const { body } = await provider.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "a question long enough to be cut off" }], max_tokens: 2 });
    expect(body.choices[0]?.finish_reason).toBe("length");
  });

  it("tool calling end to end: functionCall out as tool_calls, functionResponse back with the name and thought signature", async () => {
    const first = await provider.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weatherTool] });
    if (wire) expect(wire.validate("response.chat", first.body)).toEqual([]);
    const message = first.body.choices[0]!.message;
    // Gemini says STOP even when it called a function; OpenAI callers look for tool_calls.
    expect(first.body.choices[0]?.finish_reason).toBe("tool_calls");
    expect(message.content).toBeNull();
    expect(message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } }]);
    const second = await provider.chat({
      model: "gemini-2.5-flash",
      messages: [{ role: "user", content: "Weather in Paris?" }, message, { role: "tool", tool_call_id: message.tool_calls![0]!.id, content: '{"temperature":18}' }],
      tools: [weatherTool],
    });
    const contents = last().body.contents;
    expect(contents[1]).toEqual({ role: "model", parts: [{ functionCall: { name: "get_weather", args: { location: "Paris" } }, thoughtSignature: expect.stringMatching(/^sig-/) }] });
    expect(contents[2]).toEqual({ role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temperature: 18 } } }] });
    expect(second.body.choices[0]?.message.content).toBe('The tool said: {"temperature":18}');
  });

  it("a replayed call whose signature is unknown gets Google's documented placeholder", async () => {
    await provider.chat({
      model: "gemini-2.5-flash",
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_from_elsewhere", type: "function", function: { name: "get_weather", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_from_elsewhere", content: "sunny" },
      ],
      tools: [weatherTool],
    });
    expect(last().body.contents[1].parts[0].thoughtSignature).toBe("skip_thought_signature_validator");
    expect(last().body.contents[2].parts[0]).toEqual({ functionResponse: { name: "get_weather", response: { content: "sunny" } } });
  });

  it("embeddings through batchEmbedContents", async () => {
    const { body } = await provider.embeddings({ model: "gemini-embedding-001", input: ["one", "two"], dimensions: 4 });
    expect(last().path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(last().body).toEqual({
      requests: [
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "one" }] }, outputDimensionality: 4 },
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "two" }] }, outputDimensionality: 4 },
      ],
    });
    if (wire) expect(wire.validate("response.embeddings", body)).toEqual([]);
    expect(body.data.map((entry) => entry.embedding.length)).toEqual([4, 4]);
  });
});

describe("streaming", () => {
  it("streamGenerateContent?alt=sse events become schema-valid chunks ending with finish and usage", async () => {
    const chunks = await collect({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Say hello to everyone here" }], stream: true });
    expect(last().url).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    expect(last().headers["x-goog-api-key"]).toBe(apiKey);
    if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(text(chunks)).toBe("Hello from gemini-2.5-flash: Say hello to everyone here");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(Math.ceil("Hello from gemini-2.5-flash: Say hello to everyone here".length / 4));
  });

  it("a streamed function call arrives as one tool_call delta and finishes with tool_calls", async () => {
    const chunks = await collect({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool], stream: true });
    if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } }]);
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("the first chunk reaches the caller before the fake sent the last event", async () => {
    fake.setMode({ kind: "slow-stream", chunkDelayMs: 60 });
    const { body } = await provider.chatStream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "one two three four five six seven eight" }], stream: true });
    let sentAtFirstChunk = -1;
    for await (const chunk of body) {
      void chunk;
      if (sentAtFirstChunk < 0) sentAtFirstChunk = last().eventsSent;
    }
    expect(last().eventsPlanned).toBeGreaterThan(4);
    expect(sentAtFirstChunk).toBeGreaterThan(0);
    expect(sentAtFirstChunk).toBeLessThan(last().eventsPlanned);
  });

  it("an in-band {error} event is a typed retryable error; a cut stream is a ConnectionError", async () => {
    fake.enqueue({ kind: "in-band-error", afterEvents: 1 });
    const error = await collect({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Say hello to everyone here" }], stream: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe("server_error");
    expect((error as ProviderError).retryable).toBe(true);
    fake.enqueue({ kind: "break-stream", afterChunks: 1 });
    const cut = await collect({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Say hello to everyone here" }], stream: true }).catch((caught: unknown) => caught);
    expect((cut as { name: string }).name).toBe("ConnectionError");
  });
});

describe("errors", () => {
  it("a rejected key (400 API_KEY_INVALID) is an AuthenticationError without the key", async () => {
    const strict = await startFakeGemini({ apiKeys: [apiKey] });
    try {
      const wrongKey = "AIzaSyWRONGkey0123456789abcdefghijklmnopq";
      const error = await new GeminiProvider({ baseUrl: strict.url, apiKey: wrongKey }).chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(JSON.stringify((error as AuthenticationError).toJSON())).not.toContain(wrongKey);
    } finally {
      await strict.close();
    }
  });

  it("429 RESOURCE_EXHAUSTED → RateLimitError with retryAfter from RetryInfo", async () => {
    fake.enqueue({ kind: "error", status: 429 });
    const error = (await provider.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught)) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBe(34.4);
  });

  it("503 overloaded → retryable; unknown model → model_not_found", async () => {
    fake.enqueue({ kind: "error", status: 503 });
    const overloaded = (await provider.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught)) as ProviderError;
    expect(overloaded.retryable).toBe(true);
    const missing = (await provider.chat({ model: "gemini-9", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught)) as ProviderError;
    expect(missing.code).toBe("model_not_found");
  });
});

describe("model list", () => {
  it("fetchModelList reads GET /models: generateContent → chat, embedContent → embeddings, other methods skipped", async () => {
    const models = await provider.fetchModelList();
    expect(last()).toMatchObject({ method: "GET", url: "/v1beta/models?pageSize=1000" });
    expect(last().headers["x-goog-api-key"]).toBe(apiKey);
    expect(models.map((model) => model.id)).toEqual(["gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001"]);
    expect(models.find((model) => model.id === "gemini-embedding-001")?.capabilities).toEqual(["representation.embeddings.text-embeddings"]);
  });
});

describe("in a mesh", () => {
  it("create() routes chat-completion to a Gemini instance", async () => {
    const client = create("chat-completion", { providers: [{ instance: new GeminiProvider({ baseUrl: fake.url, apiKey }) }] });
    try {
      const completion = await client.chat.completions.create({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
      expect(completion.choices[0]?.message.content).toBe("Hello from gemini-2.5-flash: Hi");
    } finally {
      await client.close();
    }
  });
});
