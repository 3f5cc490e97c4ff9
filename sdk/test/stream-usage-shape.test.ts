import { afterEach, describe, expect, it } from "vitest";
import { AnthropicProvider, CohereProvider, DeepSeekProvider, GeminiProvider, GroqProvider, MistralProvider, create, type BaseProvider } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { startFakeService } from "./fakes/openai-compatible-services.js";
import { startFakeAnthropic } from "./fakes/anthropic.js";
import { startFakeGemini } from "./fakes/gemini.js";
import { startFakeCohere } from "./fakes/cohere.js";
import { wireValidator } from "./wire-schema.js";

// A stream asked for with `include_usage` comes out in OpenAI's shape whatever the service sends: `usage: null` on every
// chunk, then one chunk with `choices: []` and the usage. Groq, Mistral and DeepSeek put their usage on the finish
// chunk (as their recorded traffic shows); Anthropic, Gemini and Cohere streams are translated and carry no `usage` key.

const wire = wireValidator();
if (!wire) throw new Error("stream-usage-shape.test.ts needs ../shared/wire/openai-schemas.json");
const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

type Setup = () => Promise<{ provider: BaseProvider; close(): Promise<unknown>; chatsSent(): number }>;
const compatible = (profile: "groq" | "mistral" | "deepseek", make: (url: string) => BaseProvider): Setup => async () => {
  const fake = await startFakeService(profile);
  return { provider: make(fake.url), close: () => fake.close(), chatsSent: () => fake.requests.filter((request: { method: string }) => request.method === "POST").length };
};
const services: Array<[string, Setup]> = [
  ["groq", compatible("groq", (baseUrl) => new GroqProvider({ baseUrl, apiKey: "gsk_usageShapeKEY0123456789abcdefghijklmn" }))],
  ["mistral", compatible("mistral", (baseUrl) => new MistralProvider({ baseUrl, apiKey: "mistralUsageShapeKEY0123456789abc" }))],
  ["deepseek", compatible("deepseek", (baseUrl) => new DeepSeekProvider({ baseUrl, apiKey: "sk-deepseek-usage-shape-0123" }))],
  ["anthropic", async () => {
    const fake = await startFakeAnthropic();
    return { provider: new AnthropicProvider({ baseUrl: fake.url, apiKey: "sk-ant-usage-shape-0123", models: [{ id: "claude-haiku-4-5" }] }), close: () => fake.close(), chatsSent: () => fake.requests.filter((request: { method: string }) => request.method === "POST").length };
  }],
  ["gemini", async () => {
    const fake = await startFakeGemini();
    return { provider: new GeminiProvider({ baseUrl: fake.url, apiKey: "AIzaSyUsageShapeKEY0123456789abcdefghijk" }), close: () => fake.close(), chatsSent: () => fake.requests.filter((request: { method: string }) => request.method === "POST").length };
  }],
  ["cohere", async () => {
    const fake = await startFakeCohere();
    return { provider: new CohereProvider({ baseUrl: fake.url, apiKey: "cohereUsageShapeKEY0123456789" }), close: () => fake.close(), chatsSent: () => fake.requests.filter((request: { method: string }) => request.method === "POST").length };
  }],
];

describe("a stream with include_usage, from every kind of service", () => {
  it.each(services)("%s: usage null on each chunk, then the usage alone on the last, valid against OpenAI's schema", async (_name, setUp) => {
    const service = await setUp();
    open.push(service);
    const client: MeshClient = create("chat-completion", { providers: [{ instance: service.provider }] });
    open.push(client);
    const response = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi there" }], stream: true, stream_options: { include_usage: true } }).asResponse();
    const text = await response.text();
    expect(wire.validateChatStream(text, { includeUsage: true })).toEqual([]);
    const chunks = text.split("\n\n").filter((frame) => frame.startsWith("data: {")).map((frame) => JSON.parse(frame.slice(6)) as { choices: unknown[]; usage: { total_tokens: number } | null });
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.total_tokens).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    // What the caller is shown is what was booked.
    expect(client.usage.totalTokens).toBe(last.usage!.total_tokens);
    // The fake answered (a catalogue model it does not serve is refused first, and the pool moves on).
    expect(service.chatsSent()).toBeGreaterThanOrEqual(1);
  });
});
