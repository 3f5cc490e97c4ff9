import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { create } from "../src/index.js";
import { mockClient } from "../src/testing/index.js";
import { startFakeOpenAI } from "./fakes/openai.js";
import { hello, pairConfig, startPair, testClock } from "./support/mesh.js";

// `asResponse()` and `withResponse()` on what a call returns, as on the official client's APIPromise: the answer, and
// the HTTP response that stands for it (the one ModelMesh's proxy sends for the same answer), with the service's
// request id as the fake sent it.

let pair: Awaited<ReturnType<typeof startPair>>;

beforeEach(async () => {
  pair = await startPair({ a: { reply: "Hello from a" } });
});
afterEach(async () => {
  await pair.close();
});

/** The `x-request-id` the fake sent with its last chat answer. */
const lastRequestId = async () => {
  const requests = pair.a.requests.filter((request) => request.path === "/v1/chat/completions");
  return requests.at(-1)?.requestId;
};

describe("a call's asResponse() and withResponse()", () => {
  it("withResponse() gives the completion, the service's request id and a response naming who served it", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    const { data, response, request_id } = await mesh.chat.completions.create({ model: "chat", messages: hello }).withResponse();
    expect(data.choices[0]?.message.content).toBe("Hello from a");
    expect(request_id).toBe(await lastRequestId());
    expect(typeof request_id).toBe("string");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe(request_id);
    expect(response.headers.get("x-modelmesh-provider")).toBe("a");
    expect(response.headers.get("x-modelmesh-model")).toBe("alpha");
    expect(response.headers.get("x-modelmesh-attempts")).toBe("1");
    expect(response.headers.get("content-type")).toBe("application/json");
    // The answer is `data`: the response carries no second copy of it.
    expect(response.body).toBeNull();
    await mesh.close();
  });

  it("asResponse() gives the answer as a JSON body, equal to what awaiting the call gives", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello }).asResponse();
    expect(response.ok).toBe(true);
    const body = (await response.json()) as { object: string; choices: Array<{ message: { content: string } }> };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content).toBe("Hello from a");
    expect(response.headers.get("x-request-id")).toBe(await lastRequestId());
    await mesh.close();
  });

  it("a stream's asResponse() body is the SSE text of its chunks, ending with [DONE]", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }).asResponse();
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const text = await response.text();
    const events = text.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice("data: ".length)) as { object: string; choices: Array<{ delta: { content?: string } }> });
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello from a");
    await mesh.close();
  });

  it("cancelling a stream's asResponse() body leaves the stream: the service sees the request go", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 100 });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }).asResponse();
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    await vi.waitFor(() => expect(pair.a.requests.filter((request) => request.path === "/v1/chat/completions").at(-1)?.clientAborted).toBe(true), { timeout: 1_000 });
    await mesh.close();
  });

  it("a stream's withResponse() gives the stream itself as data, still to be read", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    const { data, response, request_id } = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }).withResponse();
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("x-modelmesh-provider")).toBeNull();
    // A stream's answer carries no request id of its own: none is made up.
    expect(request_id).toBeNull();
    expect(response.headers.get("x-request-id")).toBeNull();
    let content = "";
    for await (const chunk of data) content += chunk.choices[0]?.delta.content ?? "";
    expect(content).toBe("Hello from a");
    await mesh.close();
  });

  it("works on the other resources (embeddings), and rejects with the call's own error", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    const { data, response } = await mesh.embeddings.create({ model: "text-embeddings", input: "hi" }).withResponse();
    expect(data.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(response.headers.get("x-modelmesh-provider")).toBe("a");
    await expect(mesh.chat.completions.create({ model: "chat", messages: [] }).withResponse()).rejects.toMatchObject({ name: "InvalidRequestError" });
    await expect(mesh.embeddings.create({ model: "text-embeddings", input: "" }).asResponse()).rejects.toMatchObject({ name: "InvalidRequestError" });
    await mesh.close();
  });

  it("speech: both give the audio Response the call answers, with the service's request id", async () => {
    const voice = await startFakeOpenAI({ name: "voice", models: ["tts-1"] });
    const config = { providers: { voice: { connector: "openai-compatible", config: { base_url: voice.url, api_key: "sk-test-key-v-2222222222", models: [{ id: "tts-1", capabilities: ["generation.audio-generation.text-to-speech"] }] } } } };
    const mesh = create({ config, clock: testClock() });
    const { data, response, request_id } = await mesh.audio.speech.create({ model: "text-to-speech", voice: "alloy", input: "Hello" }).withResponse();
    expect(response).toBe(data);
    const sent = voice.requests.filter((request) => request.path === "/v1/audio/speech").at(-1);
    expect(request_id).toBe(sent?.requestId);
    expect(response.headers.get("content-type")).toMatch(/^audio\//);
    const raw = await mesh.audio.speech.create({ model: "text-to-speech", voice: "alloy", input: "Hello" }).asResponse();
    expect(raw.headers.get("content-type")).toMatch(/^audio\//);
    expect((await raw.arrayBuffer()).byteLength).toBeGreaterThan(0);
    await mesh.close();
    await voice.close();
  });

  it("awaiting the call itself still gives the answer, and a mock client's calls have both methods", async () => {
    const mesh = create({ config: pairConfig(pair), clock: testClock() });
    const answer = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(answer.choices[0]?.message.content).toBe("Hello from a");
    await mesh.close();
    const mock = mockClient({ responses: [{ content: "scripted", model: "gpt-4o", tokens: 3 }] });
    const { data, response } = await mock.chat.completions.create({ model: "chat-completion", messages: hello }).withResponse();
    expect(data.choices[0]?.message.content).toBe("scripted");
    expect(response.status).toBe(200);
  });
});
