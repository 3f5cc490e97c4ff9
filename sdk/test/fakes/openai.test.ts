import {
  APIConnectionTimeoutError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  OpenAI,
  PermissionDeniedError,
  RateLimitError,
  toFile,
} from "openai";
import type { APIError } from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { wireValidator } from "../wire-schema.js";
import type { WireKind } from "../wire-schema.js";
import { estimateTokens, startFakeOpenAI } from "./openai.js";
import type { FakeOpenAI } from "./openai.js";

// The fake is proven with the official client: if openai-node parses it, so does api.openai.com's real traffic.

const KEY = "sk-test-0123456789abcdefWXYZ";
const validator = wireValidator();

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ name: "fake-a" });
  client = new OpenAI({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
});

afterEach(() => fake.reset());
afterAll(() => fake.close());

/** Asserts the value is valid wire data; a no-op when ../shared is absent (plain clone). */
function expectWire(kind: WireKind, value: unknown): void {
  if (validator) expect(validator.validate(kind, value)).toEqual([]);
}

async function rawPost(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function caught<T>(promise: Promise<T>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    return error as APIError;
  }
  throw new Error("expected the call to fail");
}

const hello = [{ role: "user" as const, content: "hi there" }];

describe("chat completions", () => {
  it("answers with a full chat.completion, real headers and the recorded request", async () => {
    const { data, response } = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello }).withResponse();

    expect(data.object).toBe("chat.completion");
    expect(data.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(data.model).toBe("gpt-4o-mini-2024-07-18");
    expect(data.choices[0]?.message).toEqual({ role: "assistant", content: "Hello from gpt-4o-mini: hi there", refusal: null, annotations: [] });
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({ prompt_tokens: estimateTokens("hi there"), completion_tokens: estimateTokens("Hello from gpt-4o-mini: hi there") });
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get("openai-version")).toBe("2020-10-01");
    expect(response.headers.get("openai-organization")).toBe("fake-a");
    expect(Number(response.headers.get("openai-processing-ms"))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("500");
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("499");
    expect(response.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+h)?(\d+m)?(\d+(\.\d+)?(ms|s))$/);
    expectWire("response.chat", data);

    const recorded = fake.requests[0];
    expect(recorded).toMatchObject({ method: "POST", path: "/v1/chat/completions", body: { model: "gpt-4o-mini", messages: hello } });
    expect(recorded?.headers["authorization"]).toBe(`Bearer ${KEY}`);
    expectWire("request.chat", recorded?.body);
  });

  it("honours n, max_tokens, stop and logprobs", async () => {
    const many = await client.chat.completions.create({ model: "gpt-4o", messages: hello, n: 2, max_tokens: 2, logprobs: true, top_logprobs: 2 });
    expect(many.choices).toHaveLength(2);
    expect(many.choices[1]).toMatchObject({ index: 1, finish_reason: "length", message: { content: "Hello fr" } });
    expect(many.choices[0]?.logprobs?.content?.[0]).toMatchObject({ token: "Hello", bytes: [72, 101, 108, 108, 111] });
    expect(many.choices[0]?.logprobs?.content?.[0]?.top_logprobs).toHaveLength(2);
    expectWire("response.chat", many);

    const stopped = await client.chat.completions.create({ model: "gpt-4o", messages: hello, stop: [":"] });
    expect(stopped.choices[0]?.message.content).toBe("Hello from gpt-4o");
  });

  it("returns JSON strings for json_object and json_schema response formats", async () => {
    const jsonMessages = [{ role: "user" as const, content: "answer in json please" }];
    const object = await client.chat.completions.create({ model: "gpt-4o-mini", messages: jsonMessages, response_format: { type: "json_object" } });
    expect(JSON.parse(object.choices[0]?.message.content ?? "")).toEqual({ reply: "Hello from gpt-4o-mini: answer in json please" });

    const schema = { type: "object", properties: { city: { type: "string" }, count: { type: "integer" } }, required: ["city", "count"] };
    const shaped = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: jsonMessages,
      response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } },
    });
    expect(JSON.parse(shaped.choices[0]?.message.content ?? "")).toEqual({ city: "answer in json please", count: 1 });

    const refused = await caught(client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, response_format: { type: "json_object" } }));
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused.message).toContain("must contain the word 'json'");
  });

  it("streams role, word chunks, finish, usage and [DONE] as OpenAI frames them", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "", refusal: null });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Hello from gpt-4o-mini: hi there");
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(estimateTokens("hi there") + estimateTokens(text));
    for (const chunk of chunks) expectWire("response.chunk", chunk);

    const raw = await rawPost("/chat/completions", { model: "gpt-4o-mini", messages: hello, stream: true, stream_options: { include_usage: true } });
    expect(raw.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const body = await raw.text();
    expect(body.startsWith("data: {")).toBe(true);
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    if (validator) expect(validator.validateChatStream(body, { includeUsage: true })).toEqual([]);
  });

  it("omits usage from chunks unless include_usage is set", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
    for await (const chunk of stream) expect("usage" in chunk).toBe(false);
  });

  it("calls the first (or named) tool, then answers the tool result", async () => {
    const tools = [
      { type: "function" as const, function: { name: "lookup", parameters: { type: "object", properties: { query: { type: "string" } } } } },
      { type: "function" as const, function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
    ];
    const first = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, tools });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(first.choices[0]?.message.content).toBeNull();
    expect(call?.type === "function" && call.function.name).toBe("lookup");
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ query: "hi there" });
    expect(call?.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expectWire("response.chat", first);

    const named = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, tools, tool_choice: { type: "function", function: { name: "weather" } } });
    const namedCall = named.choices[0]?.message.tool_calls?.[0];
    expect(namedCall?.type === "function" && namedCall.function.name).toBe("weather");

    const followUp = await client.chat.completions.create({
      model: "gpt-4o-mini",
      tools,
      // The response message carries response-only fields (annotations); a request message must not.
      messages: [...hello, { role: "assistant", content: null, tool_calls: first.choices[0]!.message.tool_calls }, { role: "tool", tool_call_id: call!.id, content: "42" }],
    });
    expect(followUp.choices[0]?.finish_reason).toBe("stop");
    expectWire("request.chat", fake.requests.at(-1)?.body);

    const orphan = await caught(client.chat.completions.create({ model: "gpt-4o-mini", messages: [...hello, { role: "tool", tool_call_id: "call_x", content: "1" }] }));
    expect(orphan).toBeInstanceOf(BadRequestError);
    expect(orphan.message).toContain("must be a response to a preceeding message with 'tool_calls'");
  });

  it("streams tool calls as tool_calls deltas", async () => {
    const tools = [{ type: "function" as const, function: { name: "lookup", parameters: { type: "object", properties: { query: { type: "string" } } } } }];
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, tools, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const first = chunks[0]?.choices[0]?.delta;
    expect(first).toMatchObject({ role: "assistant", content: null, tool_calls: [{ index: 0, type: "function", function: { name: "lookup", arguments: "" } }] });
    const argumentsText = chunks.map((chunk) => chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? "").join("");
    expect(JSON.parse(argumentsText)).toEqual({ query: "hi there" });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
    for (const chunk of chunks) expectWire("response.chunk", chunk);
  });

  it("rejects what OpenAI rejects, with OpenAI's messages", async () => {
    const unknown = await rawPost("/chat/completions", { model: "gpt-4o-mini", messages: hello, maxTokens: 5 });
    expect(unknown.status).toBe(400);
    const unknownBody = await unknown.json();
    expect(unknownBody).toEqual({ error: { message: "Unrecognized request argument supplied: maxTokens", type: "invalid_request_error", param: null, code: null } });
    expectWire("response.error", unknownBody);

    const options = await caught(client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream_options: { include_usage: true } }));
    expect(options).toBeInstanceOf(BadRequestError);
    expect(options.error).toMatchObject({ message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: "stream_options" });

    const camel = await rawPost("/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: "x", toolCallId: "1" }] });
    expect((await camel.json()).error.message).toBe("Additional properties are not allowed ('toolCallId' was unexpected) - 'messages.0'");

    const notJson = await rawPost("/chat/completions", "{nope");
    expect((await notJson.json()).error.message).toMatch(/^We could not parse the JSON body of your request/);

    const empty = await caught(client.chat.completions.create({ model: "gpt-4o-mini", messages: [] }));
    expect(empty.error).toMatchObject({ param: "messages", code: "empty_array" });
  });
});

describe("embeddings, audio, images, models", () => {
  it("decodes the official client's default base64 embeddings to the same floats as encoding_format float", async () => {
    const viaBase64 = await client.embeddings.create({ model: "text-embedding-3-small", input: ["alpha", "beta"] });
    const viaFloat = await client.embeddings.create({ model: "text-embedding-3-small", input: ["alpha", "beta"], encoding_format: "float" });
    expect(fake.requests[0]?.body.encoding_format).toBe("base64");
    expect(viaBase64.data[0]?.embedding).toHaveLength(1536);
    expect(viaBase64.data.map((entry) => entry.embedding)).toEqual(viaFloat.data.map((entry) => entry.embedding));
    expect(viaFloat.data[0]?.embedding).not.toEqual(viaFloat.data[1]?.embedding);
    const tokens = estimateTokens("alpha") + estimateTokens("beta");
    expect(viaFloat.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    expectWire("response.embeddings", viaFloat);
    expectWire("request.embeddings", fake.requests[0]?.body);

    const short = await client.embeddings.create({ model: "text-embedding-3-small", input: "alpha", dimensions: 8, encoding_format: "float" });
    const vector = short.data[0]?.embedding ?? [];
    expect(vector).toHaveLength(8);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);

    const raw = await (await rawPost("/embeddings", { model: "text-embedding-3-small", input: "alpha", encoding_format: "base64" })).json();
    expect(typeof raw.data[0].embedding).toBe("string");
    expectWire("response.embeddings", raw);
  });

  it("streams speech bytes with the format's content type", async () => {
    const speech = await client.audio.speech.create({ model: "tts-1", voice: "alloy", input: "Hello world" });
    expect(speech.headers.get("content-type")).toBe("audio/mpeg");
    const bytes = Buffer.from(await speech.arrayBuffer());
    expect(bytes.subarray(0, 3).toString("latin1")).toBe("ID3");
    expect(bytes.length).toBeGreaterThan(1024);
    const again = Buffer.from(await (await client.audio.speech.create({ model: "tts-1", voice: "alloy", input: "Hello world" })).arrayBuffer());
    expect(again.equals(bytes)).toBe(true);

    const wav = await client.audio.speech.create({ model: "tts-1", voice: "alloy", input: "x", response_format: "wav" });
    expect(wav.headers.get("content-type")).toBe("audio/wav");
  });

  it("transcribes an uploaded file from multipart form data", async () => {
    const file = await toFile(Buffer.alloc(2048, 1), "hello.mp3", { type: "audio/mpeg" });
    const transcript = await client.audio.transcriptions.create({ model: "whisper-1", file });
    expect(transcript.text).toBe("Transcript of hello.mp3 (2048 bytes) by whisper-1.");
    expect(fake.requests[0]?.body).toMatchObject({ model: "whisper-1", file: { filename: "hello.mp3", size: 2048 } });

    const plain = await client.audio.transcriptions.create({ model: "whisper-1", file, response_format: "text" });
    expect(plain).toBe("Transcript of hello.mp3 (2048 bytes) by whisper-1.\n");
  });

  it("generates tiny valid PNGs as b64_json or a fetchable url", async () => {
    const image = await client.images.generate({ model: "dall-e-3", prompt: "a red cube", response_format: "b64_json" });
    const png = Buffer.from(image.data?.[0]?.b64_json ?? "", "base64");
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(image.data?.[0]?.revised_prompt).toContain("a red cube");

    const linked = await client.images.generate({ model: "dall-e-3", prompt: "a red cube" });
    const fetched = await fetch(linked.data?.[0]?.url ?? "");
    expect(fetched.headers.get("content-type")).toBe("image/png");
  });

  it("lists and retrieves models; unknown models are real 404s", async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toContain("whisper-1");
    expect(page.data[0]).toEqual({ id: "gpt-4o-mini", object: "model", created: 1721172741, owned_by: "system" });
    expectWire("response.models", await (await fetch(`${fake.url}/models`, { headers: { authorization: `Bearer ${KEY}` } })).json());
    expect((await client.models.retrieve("tts-1")).owned_by).toBe("openai-internal");

    const missing = await caught(client.chat.completions.create({ model: "gpt-9", messages: hello }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.error).toEqual({ message: "The model `gpt-9` does not exist or you do not have access to it.", type: "invalid_request_error", param: null, code: "model_not_found" });
    expectWire("response.error", { error: missing.error });
  });

  it("answers unknown routes with OpenAI's invalid URL 404", async () => {
    const response = await rawPost("/chat/complete", {});
    expect(response.status).toBe(404);
    expect((await response.json()).error.message).toBe("Invalid URL (POST /v1/chat/complete)");
  });
});

describe("error modes as the official client sees them", () => {
  it("maps each status to the official error class with OpenAI's body", async () => {
    const cases = [
      { status: 400, type: BadRequestError, code: "string_above_max_length" },
      { status: 401, type: AuthenticationError, code: "invalid_api_key" },
      { status: 403, type: PermissionDeniedError, code: "unsupported_country_region_territory" },
      { status: 404, type: NotFoundError, code: "model_not_found" },
      { status: 409, type: ConflictError, code: null },
      { status: 500, type: InternalServerError, code: null },
      { status: 503, type: InternalServerError, code: null },
    ];
    for (const { status, type, code } of cases) {
      fake.enqueue({ kind: "error", status });
      const error = await caught(client.chat.completions.create({ model: "gpt-4o-mini", messages: hello }));
      expect(error).toBeInstanceOf(type);
      expect(error.status).toBe(status);
      expect(error.code).toBe(code);
      expect(error.requestID).toMatch(/^req_/);
      expectWire("response.error", { error: error.error });
    }
  });

  it("sends 429 rate limits with retry-after, and insufficient_quota without", async () => {
    fake.enqueue({ kind: "error", status: 429 });
    const limited = await caught(client.chat.completions.create({ model: "gpt-4o-mini", messages: hello }));
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited.error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    expect(limited.message).toContain("Rate limit reached for gpt-4o-mini in organization fake-a on requests per min (RPM)");
    expect(limited.headers?.get("retry-after")).toBe("1");
    expect(limited.headers?.get("x-ratelimit-remaining-requests")).toBe("0");

    fake.enqueue({ kind: "error", status: 429, code: "insufficient_quota" });
    const quota = await caught(client.chat.completions.create({ model: "gpt-4o-mini", messages: hello }));
    expect(quota.error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
    expect(quota.headers?.get("retry-after")).toBeNull();
    expectWire("response.error", { error: quota.error });
  });

  it("lets a test shorten retry-after so the official client's retry stays fast", async () => {
    const retrying = new OpenAI({ apiKey: KEY, baseURL: fake.url, maxRetries: 1 });
    fake.enqueue({ kind: "error", status: 429, headers: { "retry-after-ms": "10" } });
    const started = Date.now();
    const completion = await retrying.chat.completions.create({ model: "gpt-4o-mini", messages: hello });
    expect(completion.choices[0]?.message.content).toContain("Hello");
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]?.headers["x-stainless-retry-count"]).toBe("1");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("checks keys: missing and wrong keys get OpenAI's 401 bodies", async () => {
    const strict = await startFakeOpenAI({ apiKeys: ["sk-right-key-1234"] });
    try {
      const wrong = await caught(new OpenAI({ apiKey: "sk-wrong-key-abcd9876", baseURL: strict.url, maxRetries: 0 }).models.list());
      expect(wrong).toBeInstanceOf(AuthenticationError);
      expect(wrong.error).toMatchObject({ code: "invalid_api_key", message: expect.stringMatching(/^Incorrect API key provided: sk-\*+9876\./) });
      expect(wrong.message).not.toContain("wrong-key");

      const missing = await fetch(`${strict.url}/models`);
      expect(missing.status).toBe(401);
      const body = await missing.json();
      expect(body.error.message).toMatch(/^You didn't provide an API key/);
      expectWire("response.error", body);
      expect((await new OpenAI({ apiKey: "sk-right-key-1234", baseURL: strict.url }).models.list()).data.length).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
  });

  it("uses a mode's own body and headers verbatim", async () => {
    fake.enqueue({ kind: "error", status: 418, body: { error: { message: "teapot", type: "custom", param: null, code: "x" } }, headers: { "x-extra": "1" } });
    const response = await rawPost("/chat/completions", { model: "gpt-4o-mini", messages: hello });
    expect(response.status).toBe(418);
    expect(response.headers.get("x-extra")).toBe("1");
    expect((await response.json()).error.message).toBe("teapot");
  });
});

describe("transport modes", () => {
  it("break-stream sends K content chunks then drops the connection without [DONE]", async () => {
    fake.enqueue({ kind: "break-stream", afterChunks: 2 });
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
    const received: string[] = [];
    const failure = await caught(
      (async () => {
        for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
      })(),
    );
    expect(failure).toBeInstanceOf(Error);
    expect(received).toEqual(["", "Hello", " from"]);

    fake.enqueue({ kind: "break-stream", afterChunks: 1 });
    const raw = await rawPost("/chat/completions", { model: "gpt-4o-mini", messages: hello, stream: true });
    await expect(raw.text()).rejects.toThrow();

    // Without streaming the body stops half-way, short of its content-length.
    fake.enqueue({ kind: "break-stream", afterChunks: 0 });
    await expect(client.embeddings.create({ model: "text-embedding-3-small", input: "x" })).rejects.toThrow();
  });

  it("stream-error sends chunks, an optional finish with usage, then an in-band error event the official client raises", async () => {
    fake.enqueue({ kind: "stream-error", afterChunks: 2, finishReason: "length", usage: true, error: { message: "Token limit reached", type: null, code: 400 } });
    const raw = await (await rawPost("/chat/completions", { model: "gpt-4o-mini", messages: hello, stream: true })).text();
    const events = raw.split("\n\n").filter((event) => event.startsWith("data: ")).map((event) => event.slice(6));
    // As OpenRouter ends it: the error event, then [DONE].
    expect(events.at(-1)).toBe("[DONE]");
    expect(events.at(-2)).toBe('{"error":{"message":"Token limit reached","type":null,"param":null,"code":400}}');
    const finishing = JSON.parse(events.at(-3)!);
    expect(finishing.choices[0].finish_reason).toBe("length");
    expect(finishing.usage.total_tokens).toBeGreaterThan(0);
    expectWire("response.chunk", finishing);

    fake.enqueue({ kind: "stream-error", afterChunks: 1 });
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
    const received: string[] = [];
    const failure = await caught(
      (async () => {
        for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
      })(),
    );
    expect(received).toEqual(["", "Hello"]);
    expect(failure.message).toContain("The server had an error processing your request.");
    expectWire("response.error", { error: failure.error });
  });

  it("keep-alive sends SSE comments after the role chunk, which the official client reads past", async () => {
    fake.enqueue({ kind: "keep-alive", comments: 2, intervalMs: 5 });
    const raw = await (await rawPost("/chat/completions", { model: "gpt-4o-mini", messages: hello, stream: true })).text();
    expect(raw.match(/^: keep-alive$/gm)).toHaveLength(2);
    fake.enqueue({ kind: "keep-alive", comments: 2, intervalMs: 5 });
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello from gpt-4o-mini: hi there");
  });

  it("usageOnFinish puts usage on the finishing chunk and sends no usage chunk", async () => {
    const mistralLike = await startFakeOpenAI({ name: "fake-m", usageOnFinish: true });
    try {
      const stream = await new OpenAI({ apiKey: KEY, baseURL: mistralLike.url, maxRetries: 0 }).chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      const last = chunks.at(-1)!;
      expect(last.choices[0]?.finish_reason).toBe("stop");
      expect(last.usage?.total_tokens).toBeGreaterThan(0);
      expect(chunks.filter((chunk) => chunk.choices.length === 0)).toEqual([]);
      for (const chunk of chunks) expectWire("response.chunk", chunk);
    } finally {
      await mistralLike.close();
    }
  });

  it("502 and 504 bodies are valid OpenAI error bodies", async () => {
    for (const status of [502, 504]) {
      fake.enqueue({ kind: "error", status });
      const response = await rawPost("/chat/completions", { model: "gpt-4o-mini", messages: hello });
      expect(response.status).toBe(status);
      const body = await response.json();
      expect(body.error.code).toBeNull();
      expectWire("response.error", body);
    }
  });

  it("assistantPrefix accepts prefix: true on a trailing assistant message only", async () => {
    const prefixing = await startFakeOpenAI({ name: "fake-d", assistantPrefix: true, reply: (body) => (body.messages.at(-1).prefix ? " continued" : "fresh") });
    try {
      const post = (messages: unknown[]) =>
        fetch(`${prefixing.url}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4o-mini", messages }) });
      const continued = await (await post([...hello, { role: "assistant", content: "Once", prefix: true }])).json();
      expect(continued.choices[0].message.content).toBe(" continued");
      const misplaced = await post([{ role: "assistant", content: "x", prefix: true }, ...hello]);
      expect(misplaced.status).toBe(400);
      // The plain fake refuses the key, as OpenAI does.
      const plain = await rawPost("/chat/completions", { model: "gpt-4o-mini", messages: [...hello, { role: "assistant", content: "Once", prefix: true }] });
      expect(plain.status).toBe(400);
    } finally {
      await prefixing.close();
    }
  });

  it("malformed sends 200 with a body that is not JSON, streaming or not", async () => {
    fake.enqueue({ kind: "malformed" });
    await expect(client.chat.completions.create({ model: "gpt-4o-mini", messages: hello })).rejects.toThrow();

    fake.enqueue({ kind: "malformed" });
    const quiet = new OpenAI({ apiKey: KEY, baseURL: fake.url, maxRetries: 0, logLevel: "off" });
    const stream = await quiet.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
    const failure = await caught(
      (async () => {
        for await (const _chunk of stream) void _chunk;
      })(),
    );
    expect(failure.message).toMatch(/malformed|JSON/i);
  });

  it("slow delays the headers, slow-stream spaces the chunks, hang never answers", async () => {
    fake.enqueue({ kind: "slow", delayMs: 60 });
    const slowStart = Date.now();
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello });
    expect(Date.now() - slowStart).toBeGreaterThanOrEqual(55);

    fake.enqueue({ kind: "slow-stream", chunkDelayMs: 15 });
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
    const arrivals: number[] = [];
    for await (const _chunk of stream) arrivals.push(Date.now());
    expect(arrivals.length).toBeGreaterThanOrEqual(5);
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(50);

    fake.enqueue({ kind: "hang" });
    const impatient = new OpenAI({ apiKey: KEY, baseURL: fake.url, maxRetries: 0, timeout: 100 });
    const hung = await caught(impatient.chat.completions.create({ model: "gpt-4o-mini", messages: hello }));
    expect(hung).toBeInstanceOf(APIConnectionTimeoutError);
  });

  it("matches queued modes by model and path, FIFO; setMode persists until reset", async () => {
    fake.enqueue({ kind: "error", status: 500 }, { model: "gpt-4o" });
    fake.enqueue({ kind: "error", status: 503 }, { path: "/embeddings" });
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello });
    await expect(client.embeddings.create({ model: "text-embedding-3-small", input: "x" })).rejects.toMatchObject({ status: 503 });
    await expect(client.chat.completions.create({ model: "gpt-4o", messages: hello })).rejects.toMatchObject({ status: 500 });
    await client.chat.completions.create({ model: "gpt-4o", messages: hello });

    fake.setMode({ kind: "error", status: 500 });
    fake.setMode({ kind: "ok" }, { model: "gpt-4o" });
    await expect(client.chat.completions.create({ model: "gpt-4o-mini", messages: hello })).rejects.toMatchObject({ status: 500 });
    await expect(client.chat.completions.create({ model: "gpt-4o-mini", messages: hello })).rejects.toMatchObject({ status: 500 });
    await client.chat.completions.create({ model: "gpt-4o", messages: hello });
    fake.reset();
    expect(fake.requests).toHaveLength(0);
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello });
  });

  it("close() ends hanging requests instead of waiting for them", async () => {
    const lonely = await startFakeOpenAI();
    lonely.setMode({ kind: "hang" });
    const pending = fetch(`${lonely.url}/models`, { headers: { authorization: `Bearer ${KEY}` } });
    while (lonely.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    const started = Date.now();
    await lonely.close();
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("counts remaining requests and tokens down per request", async () => {
    const first = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello }).withResponse();
    const second = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello }).withResponse();
    const remaining = (response: Response, name: string) => Number(response.headers.get(`x-ratelimit-remaining-${name}`));
    expect(remaining(second.response, "requests")).toBe(remaining(first.response, "requests") - 1);
    expect(remaining(second.response, "tokens")).toBe(remaining(first.response, "tokens") - (second.data.usage?.total_tokens ?? 0));
  });
});

describe.skipIf(validator === null)("wire validator (needs ../shared/wire)", () => {
  it("flags what OpenAI would reject or never send", () => {
    const problems = validator?.validate("request.chat", { model: "m", messages: [{ role: "user", content: "x", toolCallId: "1" }], maxTokens: 1, stream_options: {} }) ?? [];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("stream_options is only allowed when stream is true"),
        expect.stringContaining('"maxTokens"'),
        expect.stringContaining('/messages/0 must NOT have additional properties ("toolCallId")'),
      ]),
    );
    expect(validator?.validate("response.embeddings", { object: "list", model: "m", data: [{ object: "embedding", index: 0, embedding: "abc" }], usage: { prompt_tokens: 1, total_tokens: 1 } })).toHaveLength(1);
    expect(validator?.validateChatStream('data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}\n\n')).toEqual([
      "stream: does not end with data: [DONE]",
    ]);
  });
});
