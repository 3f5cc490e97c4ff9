import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthenticationError, CohereProvider, create, ProviderError, RateLimitError } from "../src/index.js";
import type { ChatCompletionChunk, ChatCompletionTool } from "../src/index.js";
import { providerContract } from "./contracts/provider.contract.js";
import { startFakeCohere } from "./fakes/cohere.js";
import type { FakeControls } from "./fakes/fake-kit.js";
import { wireValidator } from "./wire-schema.js";

const wire = wireValidator();
const KEY = `co-${"contractKEY0123456789".repeat(2)}`;
const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "shared", "wire", "fixtures");
const weather: ChatCompletionTool = { type: "function", function: { name: "weather", description: "Weather in a city", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } } };

/** Cohere's own request schemas (../shared; absent in a plain clone, where this check is skipped like the recordings). */
function cohereRequestValidator(): ((root: "V2ChatRequest" | "V2EmbedRequest", body: unknown) => string[]) | undefined {
  const path = resolve(fixtures, "schemas", "cohere-v2-requests.json");
  if (!existsSync(path)) return undefined;
  const { source: _source, notes: _notes, roots: _roots, ...schema } = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(withDiscriminators(schema) as Record<string, unknown>, "cohere");
  return (root, body) => {
    const validate = ajv.getSchema(`cohere#/$defs/${root}`)!;
    return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""}`);
  };
}
const cohereSchema = cohereRequestValidator();

/**
 * OpenAPI's `discriminator.mapping` as JSON Schema: each `oneOf` branch also requires its mapped `type` value.
 * Without it a `{type: "json_object"}` format matches both of the spec's branches and fails `oneOf`.
 */
function withDiscriminators(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withDiscriminators);
  if (typeof node !== "object" || node === null) return node;
  const { discriminator, ...rest } = node as Record<string, unknown> & { discriminator?: { propertyName: string; mapping?: Record<string, string> } };
  const copy = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, withDiscriminators(value)]));
  if (!discriminator?.mapping || !Array.isArray(copy.oneOf)) return copy;
  const property = discriminator.propertyName;
  copy.oneOf = Object.entries(discriminator.mapping).map(([value, ref]) => ({ allOf: [{ $ref: ref }, { properties: { [property]: { const: value } }, required: [property] }] }));
  return copy;
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
  return chunks;
}

providerContract("CohereProvider", async () => {
  const fake = await startFakeCohere();
  return { provider: new CohereProvider({ baseUrl: fake.url, apiKey: KEY }), chatModel: "command-a-03-2025", apiKey: KEY, enqueue: (mode) => fake.enqueue(mode), close: () => fake.close(), requests: fake.requests, exchanges: fake.exchanges, toolFormat: "cohere" };
});

describe("Cohere v2", () => {
  let fake: FakeControls;
  let cohere: CohereProvider;
  beforeAll(async () => {
    fake = await startFakeCohere();
    cohere = new CohereProvider({ baseUrl: fake.origin, apiKey: KEY });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it("translates the request to /v2/chat: system role, p, stop_sequences, max_tokens; nothing Cohere would reject", async () => {
    const { body } = await cohere.chat({
      model: "command-a-03-2025",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
      top_p: 0.8,
      stop: "END",
      max_completion_tokens: 50,
      temperature: 0.3,
      user: "someone",
      stream_options: { include_usage: true },
    } as never);
    const sent = fake.requests[0]!;
    expect(sent.path).toBe("/v2/chat");
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body).toEqual({ model: "command-a-03-2025", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], p: 0.8, stop_sequences: ["END"], max_tokens: 50, temperature: 0.3 });
    if (cohereSchema) expect(cohereSchema("V2ChatRequest", sent.body)).toEqual([]);
    expect(body.choices[0]?.message.content).toBe("Hello from command-a-03-2025: Hi");
    // Billed units, not Cohere's preamble-inflated `tokens`.
    expect(body.usage?.prompt_tokens).toBe(Math.ceil(JSON.stringify((sent.body as { messages: unknown }).messages).length / 4));
    if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
  });

  it("tool calling end to end: tools in, OpenAI tool_calls out (streamed with a stable index), the result sent back as a tool message", async () => {
    const request = { model: "command-a-03-2025", messages: [{ role: "user" as const, content: "Weather in Paris?" }], tools: [weather], tool_choice: "required" as const };
    const { body } = await cohere.chat(request);
    expect(fake.requests[0]?.body).toMatchObject({ tools: [{ type: "function", function: { name: "weather", parameters: weather.function.parameters } }], tool_choice: "REQUIRED" });
    if (cohereSchema) expect(cohereSchema("V2ChatRequest", fake.requests[0]?.body)).toEqual([]);
    const call = body.choices[0]?.message.tool_calls?.[0];
    expect(body.choices[0]?.finish_reason).toBe("tool_calls");
    // Cohere's tool_plan is the model's words before its calls: OpenAI's content beside tool_calls.
    expect(body.choices[0]?.message.content).toBe("I will use the weather tool.");
    expect(call).toMatchObject({ type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } });

    const { body: stream } = await cohere.chatStream({ ...request, stream: true });
    const chunks = await collect(stream);
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(new Set(deltas.map((delta) => delta.index))).toEqual(new Set([0]));
    expect(deltas.map((delta) => delta.function?.arguments ?? "").join("")).toBe('{"location":"Paris"}');
    expect(deltas[0]).toMatchObject({ id: expect.stringMatching(/^weather_/), type: "function", function: { name: "weather" } });
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter(Boolean)).toEqual(["tool_calls"]);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("I will use the weather tool.");

    const followUp = await cohere.chat({
      model: "command-a-03-2025",
      messages: [...request.messages, body.choices[0]!.message, { role: "tool", tool_call_id: call!.id, content: "18°C, sunny" }],
      tools: [weather],
    });
    const sent = fake.requests.at(-1)!.body as { messages: unknown[] };
    // The answer pushed back as it came: its text goes back to Cohere as the plan, where Cohere's own answer had it.
    expect(sent.messages.slice(1)).toEqual([
      { role: "assistant", tool_plan: "I will use the weather tool.", tool_calls: [{ id: call!.id, type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } }] },
      { role: "tool", tool_call_id: call!.id, content: "18°C, sunny" },
    ]);
    if (cohereSchema) expect(cohereSchema("V2ChatRequest", fake.requests.at(-1)?.body)).toEqual([]);
    expect(followUp.body.choices[0]?.message.content).toBe("The tool said: 18°C, sunny");
  });

  it("a named tool_choice offers only that tool and requires it; json_schema becomes Cohere's json_object with the schema", async () => {
    const other: ChatCompletionTool = { type: "function", function: { name: "time", parameters: { type: "object", properties: {} } } };
    await cohere.chat({ model: "command-a-03-2025", messages: [{ role: "user", content: "?" }], tools: [other, weather], tool_choice: { type: "function", function: { name: "weather" } } });
    expect(fake.requests[0]?.body).toMatchObject({ tools: [{ function: { name: "weather" } }], tool_choice: "REQUIRED" });
    expect((fake.requests[0]?.body as { tools: unknown[] }).tools).toHaveLength(1);
    const schema = { type: "object", properties: { answer: { type: "string" } } };
    await cohere.chat({ model: "command-a-03-2025", messages: [{ role: "user", content: "?" }], response_format: { type: "json_schema", json_schema: { name: "answer", schema } } });
    expect(fake.requests[1]?.body).toMatchObject({ response_format: { type: "json_object", json_schema: schema } });
    if (cohereSchema) for (const sent of fake.requests) expect(cohereSchema("V2ChatRequest", sent.body)).toEqual([]);
  });

  it("streams text incrementally with usage at the end, and a stream ended with finish_reason ERROR is a retryable error", async () => {
    fake.enqueue({ kind: "slow-stream", chunkDelayMs: 60 });
    const { body } = await cohere.chatStream({ model: "command-a-03-2025", messages: [{ role: "user", content: "one two three" }], stream: true });
    const iterator = body[Symbol.asyncIterator]();
    await iterator.next();
    const second = await iterator.next();
    expect(fake.requests[0]!.eventsSent).toBeLessThan(fake.requests[0]!.eventsPlanned);
    const rest: ChatCompletionChunk[] = [second.value as ChatCompletionChunk];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value);
    expect(rest.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello from command-a-03-2025: one two three");
    expect(rest.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: expect.any(Number) } });

    fake.enqueue({ kind: "in-band-error", afterEvents: 3 });
    const { body: broken } = await cohere.chatStream({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }], stream: true });
    const error = await collect(broken).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
    expect((error as Error).message).toContain("finish_reason ERROR");
  });

  it("embeddings through /v2/embed with input_type, floats or OpenAI's base64 float32", async () => {
    const { body } = await cohere.embeddings({ model: "embed-v4.0", input: ["sunny day", "rainy day"] });
    expect(fake.requests[0]).toMatchObject({ path: "/v2/embed", body: { model: "embed-v4.0", texts: ["sunny day", "rainy day"], input_type: "search_document", embedding_types: ["float"] } });
    if (cohereSchema) expect(cohereSchema("V2EmbedRequest", fake.requests[0]?.body)).toEqual([]);
    if (wire) expect(wire.validate("response.embeddings", body)).toEqual([]);
    const floats = body.data[0]!.embedding as number[];
    const { body: encoded } = await cohere.embeddings({ model: "embed-v4.0", input: ["sunny day", "rainy day"], encoding_format: "base64" });
    const bytes = Buffer.from(encoded.data[0]!.embedding as unknown as string, "base64");
    const decoded = Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
    decoded.forEach((value, index) => expect(value).toBeCloseTo(floats[index]!, 5));
  });

  it("errors: {id, message} bodies mapped by status; the message is kept", async () => {
    fake.enqueue({ kind: "error", status: 429 });
    const limited = await cohere.chat({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as Error).message).toContain("Trial key");
    const strict = await startFakeCohere({ apiKeys: ["right"] });
    try {
      const denied = await new CohereProvider({ baseUrl: strict.url, apiKey: "wrong" }).chat({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught);
      expect(denied).toBeInstanceOf(AuthenticationError);
      expect((denied as Error).message).toContain("invalid api token");
    } finally {
      await strict.close();
    }
  });

  it("serves a chat pool through the mesh, priced: cost-first picks the cheapest Command model", async () => {
    const client = create("chat-completion", { providers: [{ connector: "cohere", config: { baseUrl: fake.url, apiKey: KEY } }], strategy: "cost-first" });
    try {
      const answer = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
      expect(fake.requests.at(-1)?.body).toMatchObject({ model: "command-r7b-12-2024" });
      expect(answer.model).toBe("command-r7b-12-2024");
      const { prompt_tokens: input = 0, completion_tokens: output = 0 } = answer.usage ?? {};
      expect(client.usage.totalCost).toBeCloseTo((input * 0.0375 + output * 0.15) / 1_000_000, 12);
    } finally {
      await client.close();
    }
  });
});

describe.skipIf(!existsSync(fixtures))("Cohere recorded traffic", () => {
  const replay = (name: string) => async () => new Response(new Uint8Array(readFileSync(resolve(fixtures, "cohere", name))), { status: 200, headers: { "content-type": name.endsWith(".sse") ? "text/event-stream" : "application/json" } });
  it("text, tool calls and max tokens answers, and both recorded streams, come out in OpenAI's shape", async () => {
    const make = (name: string) => new CohereProvider({ apiKey: "replay", fetch: replay(name) });
    const text = await make("chat-text.json").chat({ model: "recorded", messages: [{ role: "user", content: "Hi" }] });
    expect(text.body.choices[0]).toMatchObject({ message: { content: "The capital of France is Paris." }, finish_reason: "stop" });
    expect(text.body.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 });
    const tools = await make("chat-tool-call.json").chat({ model: "recorded", messages: [{ role: "user", content: "Hi" }] });
    expect(tools.body.choices[0]?.message.tool_calls?.map((call) => call.function.name)).toEqual(["weather", "cityAttractions"]);
    const cut = await make("chat-max-tokens.json").chat({ model: "recorded", messages: [{ role: "user", content: "Hi" }] });
    expect(cut.body.choices[0]?.finish_reason).toBe("length");
    for (const body of [text.body, tools.body, cut.body]) if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
    const streamed = await collect((await make("stream-text.sse").chatStream({ model: "recorded", messages: [{ role: "user", content: "Hi" }], stream: true })).body);
    expect(streamed.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("The capital of France is Paris.");
    const toolStream = await collect((await make("stream-tool-call.sse").chatStream({ model: "recorded", messages: [{ role: "user", content: "Hi" }], stream: true })).body);
    const deltas = toolStream.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect([0, 1].map((index) => deltas.filter((delta) => delta.index === index).map((delta) => delta.function?.arguments ?? "").join(""))).toEqual(['{"location": "San Francisco"}', '{"city": "San Francisco"}']);
    expect(toolStream.at(-1)?.usage).toMatchObject({ prompt_tokens: 119, completion_tokens: 44 });
  });
});
