/**
 * Mesh-mode routes, edges the end-to-end suites leave out (found by mutation testing): the transcription upload's
 * checks and field handling, text answers for text formats, bodies read in chunks and bounded without a length,
 * model listing for a model served by two providers, and the model lookup's refusals. Driven through `handle()`
 * with a mesh over local fakes; every assertion is on what the caller got or what a fake received.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { create, type MeshClient } from "modelmesh";
import { startFakeOpenAI, type FakeOpenAI } from "../../sdk/test/fakes/openai.js";
import { createProxy, type Proxy } from "../src/handler.js";

const CHAT = "generation.text-generation.chat-completion";
const TRANSCRIPTION = "understanding.audio-understanding.speech-to-text";

let a: FakeOpenAI;
let b: FakeOpenAI;
let client: MeshClient;
let proxy: Proxy;

beforeAll(async () => {
  a = await startFakeOpenAI({ name: "fake-a", models: ["shared", "whisper-1"] });
  b = await startFakeOpenAI({ name: "fake-b", models: ["shared", "only-b", "chunk-b"] });
  client = create({
    config: {
      providers: {
        a: { connector: "openai-compatible", config: { base_url: a.url, api_key: "sk-test-routes-a-000000", models: [{ id: "shared", capabilities: [CHAT] }, { id: "whisper-1", capabilities: [TRANSCRIPTION] }] } },
        b: { connector: "openai-compatible", config: { base_url: b.url, api_key: "sk-test-routes-b-000000", models: [{ id: "shared", capabilities: [CHAT] }, { id: "only-b", capabilities: [CHAT] }, { id: "chunk-b", capabilities: [CHAT] }] } },
      },
    },
  });
  await client.ready();
  proxy = createProxy({ mesh: client, listening: { host: "127.0.0.1" }, maxBodyBytes: 1024 });
});
afterAll(async () => {
  await client.close();
  await Promise.all([a.close(), b.close()]);
});
beforeEach(() => {
  a.reset();
  b.reset();
});

const url = (path: string) => `http://127.0.0.1/${path.replace(/^\//, "")}`;

function transcription(form: FormData) {
  return proxy.handle(new Request(url("/v1/audio/transcriptions"), { method: "POST", body: form }));
}

function audioForm(fields: Record<string, string | string[]>): FormData {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(64)], { type: "audio/wav" }), "clip.wav");
  for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) form.append(name, item);
  return form;
}

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { message: string; param: string | null; code: string | null } }).error;
}

describe("POST /v1/audio/transcriptions", () => {
  it("refuses a body that is not multipart with 400 naming the file, and no service hears of it", async () => {
    const response = await proxy.handle(new Request(url("/v1/audio/transcriptions"), { method: "POST", headers: { "content-type": "application/json" }, body: '{"model":"whisper-1"}' }));
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.message).toBe("send the audio as multipart/form-data with a file field");
    expect(error.param).toBe("file");
    expect(a.requests).toEqual([]);
  });

  it("takes the multipart content type in any case", async () => {
    const form = audioForm({ model: "whisper-1" });
    const encoded = new Request(url("/x"), { method: "POST", body: form });
    const type = encoded.headers.get("content-type")!.replace("multipart/form-data", "Multipart/Form-Data");
    const response = await proxy.handle(new Request(url("/v1/audio/transcriptions"), { method: "POST", headers: { "content-type": type }, body: await encoded.arrayBuffer() }));
    expect(response.status).toBe(200);
    expect(a.requests.filter((request) => request.path === "/v1/audio/transcriptions")).toHaveLength(1);
  });

  it("refuses a multipart body that cannot be parsed, and one without a file", async () => {
    const broken = await proxy.handle(new Request(url("/v1/audio/transcriptions"), { method: "POST", headers: { "content-type": "multipart/form-data; boundary=xyz" }, body: "not a multipart body" }));
    expect(broken.status).toBe(400);
    expect((await errorOf(broken)).message).toBe("the multipart body could not be parsed");
    const form = new FormData();
    form.append("model", "whisper-1");
    form.append("file", "just a string, not a file");
    const missing = await transcription(form);
    expect(missing.status).toBe(400);
    const error = await errorOf(missing);
    expect(error.message).toBe("file is required (an audio file in the multipart body)");
    expect(error.param).toBe("file");
    expect(a.requests).toEqual([]);
  });

  it("passes repeated `name[]` fields on as one list, and the file and other fields as given", async () => {
    // A capturing upstream: the fake's summary keeps only the last of repeated fields, this keeps the raw form.
    const forms: FormData[] = [];
    const upstream = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", async () => {
        forms.push(await new Request("http://upstream/", { method: "POST", headers: { "content-type": request.headers["content-type"]! }, body: Buffer.concat(chunks) }).formData());
        response.writeHead(200, { "content-type": "application/json" }).end('{"text":"captured"}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const capturing = create({ config: { providers: { c: { connector: "openai-compatible", config: { base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, api_key: "sk-test-routes-c-000000", models: [{ id: "whisper-1", capabilities: [TRANSCRIPTION] }] } } } } });
    try {
      await capturing.ready();
      const capturingProxy = createProxy({ mesh: capturing, listening: { host: "127.0.0.1" } });
      const form = audioForm({ model: "whisper-1", language: "en", "timestamp_granularities[]": ["word", "segment"], response_format: "verbose_json" });
      const response = await capturingProxy.handle(new Request(url("/v1/audio/transcriptions"), { method: "POST", body: form }));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(((await response.json()) as { text: string }).text).toBe("captured");
      const received = forms[0]!;
      expect(received.getAll("timestamp_granularities[]")).toEqual(["word", "segment"]);
      expect(received.get("language")).toBe("en");
      expect(received.get("model")).toBe("whisper-1");
      const file = received.get("file") as File;
      expect(file.name).toBe("clip.wav");
      expect(file.size).toBe(64);
    } finally {
      await capturing.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it("answers the text formats as plain text and json as JSON", async () => {
    for (const format of ["text", "srt", "vtt"]) {
      const response = await transcription(audioForm({ model: "whisper-1", response_format: format }));
      expect(response.status, format).toBe(200);
      expect(response.headers.get("content-type"), format).toBe("text/plain; charset=utf-8");
      const text = await response.text();
      expect(text, format).toContain("Transcript of clip.wav");
      expect(text.startsWith("{"), format).toBe(false);
    }
    const json = await transcription(audioForm({ model: "whisper-1", response_format: "json" }));
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await json.json()) as { text: string }).text).toContain("Transcript of clip.wav");
  });
});

describe("request bodies", () => {
  function chunked(parts: string[]): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    return new ReadableStream({
      start(controller) {
        for (const part of parts) controller.enqueue(encoder.encode(part));
        controller.close();
      },
    });
  }

  it("joins a body sent in several chunks without a length, in order", async () => {
    const body = JSON.stringify({ model: "chunk-b", messages: [{ role: "user", content: "chunked hello" }] });
    const thirds = [body.slice(0, 10), body.slice(10, 30), body.slice(30)];
    const response = await proxy.handle(new Request(url("/v1/chat/completions"), { method: "POST", headers: { "content-type": "application/json" }, body: chunked(thirds), duplex: "half" } as RequestInit));
    expect(response.status).toBe(200);
    expect(b.requests.find((request) => request.path === "/v1/chat/completions")!.body.messages).toEqual([{ role: "user", content: "chunked hello" }]);
  });

  it("refuses a body without a length once it passes the limit, with 413, and no service hears of it", async () => {
    const parts = Array.from({ length: 8 }, () => "x".repeat(200));
    const response = await proxy.handle(new Request(url("/v1/chat/completions"), { method: "POST", headers: { "content-type": "application/json" }, body: chunked(parts), duplex: "half" } as RequestInit));
    expect(response.status).toBe(413);
    expect([...a.requests, ...b.requests]).toEqual([]);
  });

  it("reads a body exactly at the limit", async () => {
    const base = JSON.stringify({ model: "chunk-b", messages: [{ role: "user", content: "" }] });
    const body = JSON.stringify({ model: "chunk-b", messages: [{ role: "user", content: "y".repeat(1024 - base.length) }] });
    expect(body.length).toBe(1024);
    const response = await proxy.handle(new Request(url("/v1/chat/completions"), { method: "POST", headers: { "content-type": "application/json" }, body: chunked([body.slice(0, 500), body.slice(500)]), duplex: "half" } as RequestInit));
    expect(response.status).toBe(200);
  });
});

describe("GET /v1/models", () => {
  const get = (path: string) => proxy.handle(new Request(url(path)));

  it("lists a model two providers serve once as itself (owned by modelmesh) and once per provider", async () => {
    const list = (await (await get("/v1/models")).json()) as { object: string; data: Array<{ id: string; owned_by: string }> };
    expect(list.object).toBe("list");
    // (A model requested by name becomes a pool of its own: the other tests request only chunk-b and whisper-1.)
    const owners = Object.fromEntries(list.data.map((model) => [model.id, model.owned_by]));
    expect(owners["shared"]).toBe("modelmesh");
    expect(owners["a/shared"]).toBe("a");
    expect(owners["b/shared"]).toBe("b");
    expect(owners["only-b"]).toBe("b");
    expect(owners["b/only-b"]).toBeUndefined();
    // Each id once.
    expect(new Set(list.data.map((model) => model.id)).size).toBe(list.data.length);
    expect((await (await get("/v1/models/a%2Fshared")).json()) as object).toMatchObject({ id: "a/shared", owned_by: "a", object: "model" });
  });

  it("refuses a model id that is not valid percent-encoding (400) and names an unknown one (404)", async () => {
    const bad = await get("/v1/models/%E0%A4%A");
    expect(bad.status).toBe(400);
    const badError = await errorOf(bad);
    expect(badError.param).toBe("model");
    expect(badError.message).toBe("the model id in the URL is not valid percent-encoding");
    const unknown = await get("/v1/models/no-such-model");
    expect(unknown.status).toBe(404);
    const error = await errorOf(unknown);
    expect(error.code).toBe("model_not_found");
    expect(error.message).toBe("The model 'no-such-model' does not exist");
  });

  it("serves only GET on the models and only POST on the operations: anything else is 404", async () => {
    for (const [method, path] of [["POST", "/v1/models"], ["DELETE", "/v1/models/shared"], ["GET", "/v1/chat/completions"], ["PUT", "/v1/embeddings"], ["GET", "/v1/modelsx"]] as const) {
      const response = await proxy.handle(new Request(url(path), { method }));
      expect(response.status, `${method} ${path}`).toBe(404);
      expect((await errorOf(response)).message, `${method} ${path}`).toBe(`Invalid URL (${method} ${path})`);
    }
  });
});
