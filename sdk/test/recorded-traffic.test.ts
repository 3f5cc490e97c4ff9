import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AnthropicProvider, DeepSeekProvider, GeminiProvider, GroqProvider, MistralProvider, OpenRouterProvider, ProviderError, RateLimitError } from "../src/index.js";
import type { BaseProvider, ChatCompletion, ChatCompletionChunk } from "../src/index.js";
import { wireValidator } from "./wire-schema.js";

// Real traffic, recorded from each service (../shared/wire/fixtures, see its SOURCES.md), replayed byte for byte
// through each provider's translation via an injected fetch: every answer must come out as OpenAI's schemas say,
// with the text, tool calls, finish reason and usage the recording holds. The recordings live outside the
// repository, so a plain clone skips this file's checks.

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "shared", "wire", "fixtures");
const present = existsSync(fixtures);
const wire = wireValidator();
const read = (name: string) => readFileSync(resolve(fixtures, name));

function replaying(name: string, status = 200): typeof globalThis.fetch {
  const contentType = name.endsWith(".sse") ? "text/event-stream" : "application/json";
  return async () => new Response(new Uint8Array(read(name)), { status, headers: { "content-type": contentType } });
}

type Maker = (transport: typeof globalThis.fetch) => BaseProvider;
const anthropic: Maker = (transport) => new AnthropicProvider({ apiKey: "sk-ant-replay", fetch: transport });
const gemini: Maker = (transport) => new GeminiProvider({ apiKey: "AIza-replay", fetch: transport });
const groq: Maker = (transport) => new GroqProvider({ apiKey: "gsk_replay", fetch: transport });
const mistral: Maker = (transport) => new MistralProvider({ apiKey: "replay", fetch: transport });
const deepseek: Maker = (transport) => new DeepSeekProvider({ apiKey: "sk-replay", fetch: transport });
const openrouter: Maker = (transport) => new OpenRouterProvider({ apiKey: "sk-or-replay", fetch: transport });

async function chat(make: Maker, name: string): Promise<ChatCompletion> {
  const { body } = await make(replaying(name)).chat({ model: "recorded", messages: [{ role: "user", content: "Hi" }] });
  if (wire) expect(wire.validate("response.chat", body), name).toEqual([]);
  return body;
}

async function stream(make: Maker, name: string): Promise<ChatCompletionChunk[]> {
  const { body } = await make(replaying(name)).chatStream({ model: "recorded", messages: [{ role: "user", content: "Hi" }], stream: true });
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of body) chunks.push(chunk);
  if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk), name).toEqual([]);
  return chunks;
}

const text = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
const finish = (chunks: ChatCompletionChunk[]) => chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter(Boolean);
const usage = (chunks: ChatCompletionChunk[]) => chunks.filter((chunk) => chunk.usage).at(-1)?.usage;
const argumentsOf = (chunks: ChatCompletionChunk[], index = 0) =>
  chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []).filter((call) => call.index === index).map((call) => call.function?.arguments ?? "").join("");

describe.skipIf(!present)("recorded traffic through each translation", () => {
  it("Anthropic messages: text, tool use, text + tool use, refusal", async () => {
    const textBody = await chat(anthropic, "anthropic/text.json");
    expect(textBody.choices[0]?.message.content).toBe(JSON.parse(read("anthropic/text.json").toString()).content[0].text);
    expect(textBody.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 29, total_tokens: 41 });
    const tool = await chat(anthropic, "anthropic/tool-use.json");
    expect(tool.choices[0]?.finish_reason).toBe("tool_calls");
    expect(JSON.parse(tool.choices[0]!.message.tool_calls![0]!.function.arguments)).toEqual(JSON.parse(read("anthropic/tool-use.json").toString()).content[0].input);
    const both = await chat(anthropic, "anthropic/text-and-tool-use.json");
    expect(both.choices[0]?.message.content).toContain("Okay, I will update the current issue list:");
    expect(both.choices[0]?.message.tool_calls?.[0]).toEqual({ id: "toolu_01LRmxn9vGM1d2DZSDBowdZ1", type: "function", function: { name: "updateIssueList", arguments: "{}" } });
    const refusal = await chat(anthropic, "anthropic/refusal.json");
    expect(refusal.choices[0]?.finish_reason).toBe("content_filter");
    expect(refusal.choices[0]?.message.refusal).toContain("Usage Policy");
  });

  it("Anthropic streams: text, tool use after text, JSON tool, usage in message_delta", async () => {
    const basic = await stream(anthropic, "anthropic/stream-text.sse");
    expect(text(basic)).toBe("Hello there!");
    expect(usage(basic)).toMatchObject({ prompt_tokens: 11, completion_tokens: 6 });
    const tool = await stream(anthropic, "anthropic/stream-tool-use.sse");
    expect(text(tool)).toBe("I'll check the current weather in Paris for you.");
    expect(argumentsOf(tool)).toBe('{"location": "Paris"}');
    expect(finish(tool)).toEqual(["tool_calls"]);
    expect(usage(tool)).toMatchObject({ prompt_tokens: 377, completion_tokens: 65 });
    const json = await stream(anthropic, "anthropic/stream-json-tool.sse");
    expect(JSON.parse(argumentsOf(json))).toEqual({ elements: [{ location: "San Francisco", temperature: 58, condition: "sunny" }] });
    const long = await stream(anthropic, "anthropic/stream-text-long.sse");
    expect(text(long)).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?");
    const late = await stream(anthropic, "anthropic/stream-usage-in-message-delta.sse");
    expect(text(late)).toBe("pong");
    // message_delta's input count (61) supersedes message_start's (43).
    expect(usage(late)).toMatchObject({ prompt_tokens: 61, completion_tokens: 2 });
  });

  it("Gemini: text, function call (STOP → tool_calls), thinking tokens billed as output, streams, errors", async () => {
    const textBody = await chat(gemini, "gemini/text.json");
    expect(textBody.choices[0]?.message.content).toBe("low");
    expect(textBody.model).toBe("gemini-2.5-flash");
    expect(textBody.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 21, total_tokens: 30, completion_tokens_details: { reasoning_tokens: 20 } });
    const tool = await chat(gemini, "gemini/tool-call.json");
    expect(tool.choices[0]?.finish_reason).toBe("tool_calls");
    expect(JSON.parse(tool.choices[0]!.message.tool_calls![0]!.function.arguments)).toEqual({ denominator: 2, numerator: 100 });
    await chat(gemini, "gemini/text-thinking.json");
    const streamed = await stream(gemini, "gemini/stream-text.sse");
    const recorded = read("gemini/stream-text.sse").toString().split("\r\n\r\n").filter(Boolean).map((frame) => JSON.parse(frame.slice(6)).candidates[0].content.parts[0].text as string);
    expect(text(streamed)).toBe(recorded.join(""));
    expect(finish(streamed)).toEqual(["stop"]);
    const streamedTool = await stream(gemini, "gemini/stream-tool-call.sse");
    expect(argumentsOf(streamedTool)).toBe('{"location":"San Francisco"}');
    expect(finish(streamedTool)).toEqual(["tool_calls"]);
    expect(usage(streamedTool)).toMatchObject({ prompt_tokens: 29, completion_tokens: 60 });
    const limited = await gemini(replaying("gemini/error-429-resource-exhausted.json", 429)).chat({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfter).toBe(34.4);
    const missing = await gemini(replaying("gemini/error-404-not-found.json", 404)).chat({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((error: unknown) => error);
    expect((missing as ProviderError).code).toBe("model_not_found");
  });

  it("Groq, Mistral, DeepSeek: answers and streams with their quirks", async () => {
    const groqText = await chat(groq, "groq/chat-text.json");
    expect(groqText.choices[0]?.message.content).toContain("Luminaria");
    expect(groqText.service_tier).toBe("default");
    expect((await chat(groq, "groq/chat-tool-call.json")).choices[0]?.message.tool_calls?.[0]?.function.name).toBe("weather");
    const groqStream = await stream(groq, "groq/stream-tool-call.sse");
    expect(argumentsOf(groqStream)).toBe("{}");
    expect(usage(groqStream)).toMatchObject({ prompt_tokens: 210, completion_tokens: 15 });
    await chat(mistral, "mistral/chat-text.json");
    expect((await chat(mistral, "mistral/chat-tool-call.json")).choices[0]?.finish_reason).toBe("tool_calls");
    expect(text(await stream(mistral, "mistral/stream-text.sse"))).toMatch(/\S/);
    const mistralTool = await stream(mistral, "mistral/stream-tool-call.sse");
    expect(mistralTool.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])[0]).toMatchObject({ index: 0, type: "function", id: "gSIMJiOkT" });
    const reasoning = await chat(deepseek, "deepseek/chat-reasoning.json");
    expect(reasoning.choices[0]?.message.reasoning_content).toMatch(/strawberry/);
    await chat(deepseek, "deepseek/chat-text.json");
    await chat(deepseek, "deepseek/chat-tool-call.json");
    const deepseekStream = await stream(deepseek, "deepseek/stream-reasoning.sse");
    expect(deepseekStream.map((chunk) => (chunk.choices[0]?.delta as { reasoning_content?: string | null } | undefined)?.reasoning_content ?? "").join("")).toMatch(/\S/);
    const deepseekTool = await stream(deepseek, "deepseek/stream-tool-call.sse");
    expect(finish(deepseekTool)).toEqual(["tool_calls"]);
    expect(usage(deepseekTool)).toMatchObject({ prompt_tokens: 339, completion_tokens: 83 });
  });

  it("OpenRouter: answers, processing comments, the usage chunk, an error after the 200, the recorded 429", async () => {
    await chat(openrouter, "openrouter/chat-text.json");
    expect((await chat(openrouter, "openrouter/chat-tool-call.json")).choices[0]?.message.tool_calls?.length).toBeGreaterThan(0);
    const streamed = await stream(openrouter, "openrouter/stream-text.sse");
    expect(text(streamed)).toMatch(/\S/);
    expect(streamed.at(-1)?.choices).toEqual([]);
    expect(streamed.at(-1)?.usage).toMatchObject({ prompt_tokens: 687, completion_tokens: 187 });
    const broken = await stream(openrouter, "openrouter/stream-error.sse").catch((error: unknown) => error);
    expect(broken).toBeInstanceOf(ProviderError);
    expect((broken as ProviderError).message).toContain("Token limit reached");
    const limited = await openrouter(replaying("openrouter/error-429.json", 429)).chat({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).message).toContain("temporarily rate-limited upstream");
  });
});
