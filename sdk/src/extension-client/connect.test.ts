// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectExtension } from "./connect.js";
import { EXTENSION_SOURCE, PAGE_SOURCE } from "./protocol.js";
import { BudgetExceededError, isModelMeshError, isModelMeshErrorOf } from "../wire/errors.js";
import type { ChatCompletion as OpenAIChatCompletion, ChatCompletionChunk as OpenAIChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";

/** Stands in for the content script: answers hello, records requests and aborts, replies as told. */
function fakeBridge(respond: (request: any, reply: (message: Record<string, unknown>) => void) => void) {
  const seen: any[] = [];
  const reply = (message: Record<string, unknown>) => window.postMessage({ source: EXTENSION_SOURCE, version: 1, ...message }, location.origin);
  const listener = (event: MessageEvent) => {
    const data = event.data;
    if (data?.source !== PAGE_SOURCE) return;
    seen.push(data);
    if (data.kind === "hello") reply({ kind: "announce", extensionVersion: "1.2.3" });
    if (data.kind === "request") respond(data, (message) => reply({ ...message, id: data.id }));
  };
  window.addEventListener("message", listener);
  return { seen, stop: () => window.removeEventListener("message", listener) };
}

// happy-dom's postMessage leaves event.source null; the page and the bridge share one window, so it is that window.
const originalPostMessage = window.postMessage.bind(window);
beforeEach(() => {
  window.postMessage = ((data: unknown) => setTimeout(() => window.dispatchEvent(new MessageEvent("message", { data, source: window, origin: location.origin })), 0)) as typeof window.postMessage;
});
let bridge: ReturnType<typeof fakeBridge> | undefined;
afterEach(() => {
  bridge?.stop();
  bridge = undefined;
  window.postMessage = originalPostMessage;
});

describe("connectExtension", () => {
  it("rejects with extension_not_found when no extension announces itself in time", async () => {
    const started = Date.now();
    const error = await connectExtension({ timeout: 50 }).catch((caught: unknown) => caught);
    expect(isModelMeshError(error)).toBe(true);
    expect(error).toMatchObject({ name: "ModelMeshError", code: "extension_not_found" });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("finds the extension by its announcement and sends each call as a documented request with the site's budget", async () => {
    bridge = fakeBridge((request, reply) => reply({ kind: "result", result: { echoed: request.method, params: request.params } }));
    const client = await connectExtension({ budget: { dailyLimit: 0.5 } });
    expect(client.extensionVersion).toBe("1.2.3");
    expect(await client.embeddings.create({ model: "text-embeddings", input: "x" })).toEqual({ echoed: "embeddings.create", params: { model: "text-embeddings", input: "x" } });
    expect(await client.images.generate({ model: "image-generation", prompt: "p" })).toMatchObject({ echoed: "images.generate" });
    expect(await client.models.list()).toMatchObject({ echoed: "models.list" });
    expect(await client.chat.completions.create({ model: "chat", messages: [] })).toMatchObject({ echoed: "chat.completions.create" });
    const requests = bridge.seen.filter((message) => message.kind === "request");
    expect(requests.map((message) => message.method)).toEqual(["embeddings.create", "images.generate", "models.list", "chat.completions.create"]);
    expect(requests.every((message) => message.version === 1 && /^[A-Za-z0-9_-]{1,64}$/.test(message.id) && message.budget?.dailyLimit === 0.5)).toBe(true);
    expect(new Set(requests.map((message) => message.id)).size).toBe(4);
  });

  it("takes params typed with the official client's types and answers in them (type-checked by npm test)", async () => {
    const completion = { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "Hi", refusal: null }, finish_reason: "stop", logprobs: null }] };
    const chunk = { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] };
    bridge = fakeBridge((request, reply) => {
      if (request.params.stream !== true) return reply({ kind: "result", result: { ...completion, model: request.params.model } });
      reply({ kind: "chunk", chunk });
      reply({ kind: "end" });
    });
    const client = await connectExtension();
    const params: ChatCompletionCreateParamsNonStreaming = { model: "chat", messages: [{ role: "user", content: "Hi" }], temperature: 0 };
    const answer: OpenAIChatCompletion = await client.chat.completions.create(params);
    expect(answer).toEqual({ ...completion, model: "chat" });
    expect(bridge.seen.filter((message) => message.kind === "request").map((message) => message.params)).toEqual([params]);
    // The streaming params pick the stream's overload: its chunks are the official client's chunk type.
    const streaming: ChatCompletionCreateParamsStreaming = { model: "chat", messages: [], stream: true };
    const chunks: OpenAIChatCompletionChunk[] = [];
    for await (const each of await client.chat.completions.create(streaming)) chunks.push(each);
    expect(chunks).toEqual([chunk]);
  });

  it("streams: resolves at the first chunk, yields every chunk, ends at end", async () => {
    bridge = fakeBridge((_request, reply) => {
      for (const content of ["Hel", "lo"]) reply({ kind: "chunk", chunk: { choices: [{ delta: { content } }] } });
      reply({ kind: "end" });
    });
    const client = await connectExtension();
    const stream = await client.chat.completions.create({ model: "chat", messages: [], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello");
  });

  it("revives errors by name: isModelMeshErrorOf recognises the class, fields come along", async () => {
    bridge = fakeBridge((_request, reply) => reply({ kind: "error", error: { name: "BudgetExceededError", code: "budget_exceeded", retryable: false, message: "over", scope: "scope:site:x", limitType: "daily" } }));
    const client = await connectExtension();
    const error = await client.chat.completions.create({ model: "chat", messages: [], stream: true }).catch((caught: unknown) => caught);
    expect(isModelMeshErrorOf(error, BudgetExceededError)).toBe(true);
    expect(error).toMatchObject({ message: "over", scope: "scope:site:x", limitType: "daily", retryable: false });
  });

  it("aborting through the signal rejects at once and tells the extension to cancel", async () => {
    bridge = fakeBridge((_request, reply) => reply({ kind: "chunk", chunk: { choices: [{ delta: { content: "a" } }] } }));
    const client = await connectExtension();
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: "chat", messages: [], stream: true }, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ choices: [{ delta: { content: "a" } }] });
    const pending = iterator.next();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const request = bridge.seen.find((message) => message.kind === "request");
    expect(bridge.seen.filter((message) => message.kind === "abort")).toEqual([{ source: PAGE_SOURCE, version: 1, kind: "abort", id: request.id }]);
  });

  it("leaving a stream early cancels the request upstream", async () => {
    bridge = fakeBridge((_request, reply) => {
      reply({ kind: "chunk", chunk: { n: 1 } });
      reply({ kind: "chunk", chunk: { n: 2 } });
    });
    const client = await connectExtension();
    const stream = await client.chat.completions.create({ model: "chat", messages: [], stream: true });
    for await (const _chunk of stream) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(bridge.seen.filter((message) => message.kind === "abort")).toHaveLength(1);
  });

  it("sends a transcription's file as base64 and gives speech back as a Response", async () => {
    bridge = fakeBridge((request, reply) => {
      if (request.method === "audio.transcriptions.create") reply({ kind: "result", result: { text: atob(request.params.file.$blob), type: request.params.file.type, name: request.params.file.name } });
      else reply({ kind: "result", result: { $blob: btoa("RIFF-audio"), type: "audio/mpeg" } });
    });
    const client = await connectExtension();
    const file = new File([new TextEncoder().encode("spoken words")], "talk.mp3", { type: "audio/mpeg" });
    expect(await client.audio.transcriptions.create({ model: "speech-to-text", file })).toEqual({ text: "spoken words", type: "audio/mpeg", name: "talk.mp3" });
    const speech = await client.audio.speech.create({ model: "text-to-speech", voice: "alloy", input: "hi" });
    expect(speech).toBeInstanceOf(Response);
    expect(await speech.text()).toBe("RIFF-audio");
    expect(speech.headers.get("content-type")).toBe("audio/mpeg");
  });
});
