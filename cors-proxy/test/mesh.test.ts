import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { wireValidator } from "../../sdk/test/wire-schema.js";
import { startMeshProxy, TOKEN, type MeshProxy } from "./support.js";

const validator = wireValidator();
const hello = [{ role: "user" as const, content: "Hello there" }];

let proxy: MeshProxy;
let openai: OpenAI;

beforeAll(async () => {
  proxy = await startMeshProxy();
  openai = proxy.openai();
});
afterAll(() => proxy.close());
beforeEach(() => {
  proxy.a.reset();
  proxy.b.reset();
});

/** A raw call, for the bytes the official client would hide. */
function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${proxy.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

function expectValid(kind: Parameters<NonNullable<typeof validator>["validate"]>[0], value: unknown) {
  if (validator) expect(validator.validate(kind, value)).toEqual([]);
}

describe("mesh mode through the official openai client", () => {
  it("answers a chat completion routed by the mesh", async () => {
    const completion = await openai.chat.completions.create({ model: "chat", messages: hello });
    expect(completion.choices[0]?.message.content).toContain("Hello there");
    expect(completion.model).toMatch(/alpha/);
    expectValid("response.chat", completion);
    expect(proxy.a.requests).toHaveLength(1);
    // The provider got the mesh's key, never the proxy token.
    expect(proxy.a.requests[0]?.headers.authorization).not.toContain(TOKEN);
  });

  it("streams chunks as SSE ending in [DONE], valid chunk by chunk", async () => {
    const stream = await openai.chat.completions.create({ model: "chat", messages: hello, stream: true, stream_options: { include_usage: true } });
    let text = "";
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      expectValid("response.chunk", chunk);
    }
    expect(text).toContain("Hello there");
    const raw = await post("/v1/chat/completions", { model: "chat", messages: hello, stream: true, stream_options: { include_usage: true } });
    expect(raw.headers.get("content-type")).toContain("text/event-stream");
    const body = await raw.text();
    expect(body.trimEnd().endsWith("data: [DONE]")).toBe(true);
    if (validator) expect(validator.validateChatStream(body, { includeUsage: true })).toEqual([]);
  });

  it("fails over behind the proxy when one provider fails, streaming included", async () => {
    proxy.a.setMode({ kind: "error", status: 503 });
    const completion = await openai.chat.completions.create({ model: "chat", messages: hello });
    expect(completion.model).toMatch(/beta/);
    let text = "";
    for await (const chunk of await openai.chat.completions.create({ model: "chat", messages: hello, stream: true })) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toContain("beta");
    expect(proxy.b.requests.length).toBeGreaterThanOrEqual(2);
  });

  it("serves embeddings, including the client's default base64 encoding", async () => {
    const base64 = await openai.embeddings.create({ model: "text-embeddings", input: ["one", "two"] });
    const floats = await openai.embeddings.create({ model: "text-embeddings", input: ["one", "two"], encoding_format: "float" });
    expect(proxy.a.requests[0]?.body.encoding_format).toBe("base64");
    expect(base64.data).toHaveLength(2);
    expect(base64.data[0]!.embedding.length).toBeGreaterThan(0);
    base64.data[0]!.embedding.forEach((value, index) => expect(value).toBeCloseTo(floats.data[0]!.embedding[index]!, 6));
    expectValid("response.embeddings", floats);
    const raw = await (await post("/v1/embeddings", { model: "text-embeddings", input: "x", encoding_format: "base64" })).json();
    expectValid("response.embeddings", raw);
  });

  it("streams speech audio through", async () => {
    const audio = await openai.audio.speech.create({ model: "text-to-speech", voice: "alloy", input: "Hello" });
    expect(audio.headers.get("content-type")).toBe("audio/mpeg");
    expect((await audio.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it("accepts a multipart transcription upload", async () => {
    const file = await toFile(Buffer.from("RIFF....WAVEfmt fake audio"), "hello.wav", { type: "audio/wav" });
    const transcription = await openai.audio.transcriptions.create({ model: "speech-to-text", file, language: "en" });
    expect(typeof transcription.text).toBe("string");
    const received = proxy.a.requests.find((request) => request.path === "/v1/audio/transcriptions");
    expect(received?.body.file).toMatchObject({ filename: "hello.wav" });
    expect(received?.body.language).toBe("en");
    const text = await openai.audio.transcriptions.create({ model: "speech-to-text", file, response_format: "text" });
    expect(typeof text).toBe("string");
  });

  it("generates images", async () => {
    const images = await openai.images.generate({ model: "text-to-image", prompt: "a lighthouse", response_format: "b64_json" });
    expect(images.data?.[0]?.b64_json).toBeTruthy();
  });

  it("generates images without a model, as OpenAI's API allows: the image capability's pool serves", async () => {
    const images = await openai.images.generate({ prompt: "a quiet harbour", response_format: "b64_json" });
    expect(images.data?.[0]?.b64_json).toBeTruthy();
    const sent = proxy.a.requests.filter((request) => request.path === "/v1/images/generations").at(-1)!;
    expect(sent.body).toMatchObject({ model: "dall-e-3", prompt: "a quiet harbour" });
  });

  it("lists pools and concrete models", async () => {
    const models = [];
    for await (const model of openai.models.list()) models.push(model);
    const byId = Object.fromEntries(models.map((model) => [model.id, model]));
    expect(byId.chat).toMatchObject({ object: "model", owned_by: "modelmesh" });
    expect(byId.alpha).toMatchObject({ owned_by: "a" });
    expect(byId.beta).toMatchObject({ owned_by: "b" });
    expect(typeof byId.alpha?.created).toBe("number");
    expect(await openai.models.retrieve("beta")).toMatchObject({ id: "beta", owned_by: "b" });
    // Names a request may use that the list gives otherwise: a capability's full path, provider/model.
    expect(await openai.models.retrieve("generation.text-generation.chat-completion")).toMatchObject({ id: "generation.text-generation.chat-completion", owned_by: "modelmesh", created: byId.alpha!.created });
    expect(await openai.models.retrieve("b/beta")).toMatchObject({ id: "b/beta", owned_by: "b" });
    await expect(openai.models.retrieve("a/beta")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const raw = await (await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expectValid("response.models", raw);
  });
});

describe("errors, as the official client sees them", () => {
  // Failures change model health (cooldowns), so each case gets a mesh of its own.
  beforeEach(async () => {
    await proxy.close();
    proxy = await startMeshProxy();
    openai = proxy.openai();
  });

  async function caught(call: () => Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
    try {
      await call();
    } catch (error) {
      expect(error).toBeInstanceOf(OpenAI.APIError);
      return error as InstanceType<typeof OpenAI.APIError>;
    }
    throw new Error("expected the call to fail");
  }

  it("400 with the bad param for an invalid request", async () => {
    const error = await caught(() => openai.chat.completions.create({ model: "chat", messages: [] }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.param).toBe("messages");
    const raw = await post("/v1/chat/completions", "not an object");
    expect(raw.status).toBe(400);
    expectValid("response.error", await raw.json());
    const broken = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: "{not json" });
    expect(broken.status).toBe(400);
  });

  it("404 model_not_found for a name the mesh does not know", async () => {
    const error = await caught(() => openai.chat.completions.create({ model: "no-such-model", messages: hello }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.code).toBe("model_not_found");
  });

  it("429 with retry-after when every provider is rate limited", async () => {
    proxy.a.setMode({ kind: "error", status: 429, headers: { "retry-after": "7" } });
    proxy.b.setMode({ kind: "error", status: 429, headers: { "retry-after": "3" } });
    const error = await caught(() => openai.chat.completions.create({ model: "chat", messages: hello }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers?.get("retry-after")).toBe("3");
  });

  it("502 when every provider answered with an error, 503 when none could be reached", async () => {
    proxy.a.setMode({ kind: "error", status: 500 });
    proxy.b.setMode({ kind: "error", status: 500 });
    const error = await caught(() => openai.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(502);
    const raw = await post("/v1/chat/completions", { model: "chat", messages: hello });
    expect(raw.status).toBe(502);
    const body = await raw.json();
    expectValid("response.error", body);
    expect(body.error.code).toBe("all_providers_exhausted");
  });

  it("503 when no provider can be reached at all", async () => {
    await proxy.a.close();
    await proxy.b.close();
    const error = await caught(() => openai.chat.completions.create({ model: "chat", messages: hello }));
    expect(error.status).toBe(503);
    expect(error.code).toBe("all_providers_exhausted");
  });

  it("a slow stream's events reach the client as they come, not held until the next one or the end", async () => {
    proxy.a.setMode({ kind: "slow-stream", chunkDelayMs: 300 });
    proxy.b.setMode({ kind: "slow-stream", chunkDelayMs: 300 });
    const started = Date.now();
    const stream = await openai.chat.completions.create({ model: "chat", messages: hello, stream: true });
    const arrivals: number[] = [];
    for await (const _chunk of stream) arrivals.push(Date.now() - started);
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    // The fake waits 300 ms before each later part: the first chunk must be out long before the last is even sent.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(250);
  });

  it("a stream that breaks after the first chunk ends with an error event the client raises", async () => {
    proxy.a.setMode({ kind: "break-stream", afterChunks: 2 });
    proxy.b.setMode({ kind: "error", status: 500 });
    const stream = await openai.chat.completions.create({ model: "chat", messages: hello, stream: true });
    const read = async () => {
      for await (const _chunk of stream) {
        // reading until the error event
      }
    };
    await expect(read()).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it("401 for a wrong proxy token", async () => {
    const error = await caught(() => proxy.openai("wrong-token").chat.completions.create({ model: "chat", messages: hello }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.status).toBe(401);
  });
});
