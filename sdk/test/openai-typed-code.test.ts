import { afterEach, describe, expect, it } from "vitest";
// Types only: code written with the official client's types must compile against ModelMesh (npm test type-checks
// this file) and run unchanged.
import type {
  ChatCompletion as OpenAIChatCompletion,
  ChatCompletionChunk as OpenAIChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming as OpenAINonStreamingParams,
  ChatCompletionCreateParamsStreaming as OpenAIStreamingParams,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import type { CreateEmbeddingResponse as OpenAIEmbeddingResponse, EmbeddingCreateParams as OpenAIEmbeddingParams } from "openai/resources/embeddings";
import { create } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { startFakeAnthropic, type FakeAnthropic } from "./fakes/anthropic.js";
import { CHAT, chatProvider, providerBlock } from "./support/mesh.js";

const open: Array<MeshClient | FakeOpenAI | FakeAnthropic> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

describe("code typed with the official client's types", () => {
  it("hands openai-typed messages and tools to the mesh, pushes the answer back and finishes the tool round trip", async () => {
    const fake = await startFakeOpenAI({ name: "p", models: ["m"] });
    open.push(fake);
    const client = create({ config: { providers: { p: chatProvider(fake, "sk-p-0000000000", ["m"]) } } });
    open.push(client);
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content: [{ type: "text", text: "Weather in Paris?" }] }];
    const tools: ChatCompletionTool[] = [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
    const first = await client.chat.completions.create({ model: "m", messages, tools });
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    messages.push(message);
    for (const call of message.tool_calls ?? []) messages.push({ role: "tool", tool_call_id: call.id, content: "sunny" });
    const second = await client.chat.completions.create({ model: "m", messages, tools });
    expect(second.choices[0]!.finish_reason).toBe("stop");
    const sent = fake.requests.filter((request) => request.path === "/v1/chat/completions");
    expect(sent).toHaveLength(2);
    expect(sent[1]!.body.messages.map((entry: { role: string }) => entry.role)).toEqual(["user", "assistant", "tool"]);
    expect(sent[1]!.body.messages[1].tool_calls[0].function.name).toBe("weather");
  });

  it("a custom tool sent to a service that takes only function tools is refused as unsupported_parameter (it fails over), not a crash", async () => {
    const anthropic = await startFakeAnthropic();
    open.push(anthropic);
    const client = create({ config: { providers: { claude: { connector: "anthropic.llm.v1", config: { base_url: anthropic.url, api_key: "sk-ant-api03-test", models: [{ id: "claude-haiku-4-5", capabilities: [CHAT] }] } } } } });
    open.push(client);
    const tools: ChatCompletionTool[] = [{ type: "custom", custom: { name: "grep", description: "free-text search" } }];
    const error = await client.chat.completions.create({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "find it" }], tools }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ lastError: { code: "unsupported_parameter", retryable: false } });
    expect((error as Error).message).toContain("custom tools (only function tools)");
    expect(anthropic.requests.filter((request) => request.path.endsWith("/messages"))).toHaveLength(0);
  });

  it("takes whole params objects typed with the official client's types and answers in them (chat, stream, embeddings)", async () => {
    const fake = await startFakeOpenAI({ name: "p", models: ["m", "e"] });
    open.push(fake);
    const client = create({ config: { providers: { p: providerBlock(fake, "m", "e", "sk-p-0000000000") } } });
    open.push(client);
    // Declared with openai's own types, as code moving from the official client has them; no cast anywhere.
    const params: OpenAINonStreamingParams = { model: "m", messages: [{ role: "user", content: "Hi" }], temperature: 0.2, tool_choice: "none", tools: [{ type: "function", function: { name: "noop" } }] };
    const completion: OpenAIChatCompletion = await client.chat.completions.create(params);
    expect(completion.choices[0]!.message.content).toEqual(expect.any(String));
    const streaming: OpenAIStreamingParams = { model: "m", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true } };
    const chunks: OpenAIChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create(streaming)) chunks.push(chunk);
    expect(chunks.at(-1)!.usage!.total_tokens).toBeGreaterThan(0);
    const embeddingParams: OpenAIEmbeddingParams = { model: "e", input: ["a", "b"] };
    const embeddings: OpenAIEmbeddingResponse = await client.embeddings.create(embeddingParams);
    expect(embeddings.data.map((item) => item.embedding.length)).toEqual([expect.any(Number), expect.any(Number)]);
    // Asked for base64, the answer is typed as the service sends it: a string per embedding, not floats.
    const encoded = await client.embeddings.create({ model: "e", input: "a", encoding_format: "base64" });
    const text: string = encoded.data[0]!.embedding;
    // @ts-expect-error: a base64 embedding is not an array of numbers
    const floats: number[] = encoded.data[0]!.embedding;
    expect(typeof text).toBe("string");
    expect(floats).toBe(text);
    // A field ModelMesh does not type still passes in an object literal (a vendor's own, or one of OpenAI's), and reaches the service.
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "Hi" }], reasoning_effort: "low" });
    const sent = fake.requests.filter((request) => request.path === "/v1/chat/completions");
    expect(sent.map((request) => [request.body.temperature, request.body.tool_choice, request.body.stream, request.body.reasoning_effort])).toEqual([
      [0.2, "none", undefined, undefined],
      [undefined, undefined, true, undefined],
      [undefined, undefined, undefined, "low"],
    ]);
    expect(fake.requests.filter((request) => request.path === "/v1/embeddings").map((request) => request.body.encoding_format)).toEqual([undefined, "base64"]);
  });
});
