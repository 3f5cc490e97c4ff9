import { describe, expect, it } from "vitest";
import { BaseProvider, TimeoutError } from "../../src/index.js";
import type { ChatCompletionChunk, ChatCompletionCreateParams } from "../../src/wire/types.js";

// A stream called without per-call limits (BaseProvider._send and chatStream): the configured timeout_ms bounds the
// wait for the headers and each pause in the stream. Observed as the error the caller gets from a service that
// never answers, or stops mid-way, while the test's own guard would otherwise fire first.

class Bare extends BaseProvider {}

const request: ChatCompletionCreateParams = { model: "m", messages: [{ role: "user", content: "Hi" }] };
const chunkEvent = (content: string) => `data: ${JSON.stringify({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** Settles with what the promise gave, or "still waiting" after 3 s. */
async function within3s(promise: Promise<unknown>): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise((resolve) => {
    timer = setTimeout(() => resolve("still waiting"), 3_000);
  });
  try {
    return await Promise.race([promise.then((value) => value, (error: unknown) => error), guard]);
  } finally {
    clearTimeout(timer);
  }
}

const drain = async (iterable: AsyncIterable<ChatCompletionChunk>) => {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
};

describe("a stream without per-call limits", () => {
  it("waits for the headers no longer than the configured timeout_ms", async () => {
    const silent: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
      });
    const provider = new Bare({ baseUrl: "https://corp.test/v1", fetch: silent, timeoutMs: 100, models: [{ id: "m" }] });
    const outcome = await within3s(provider.chatStream(request));
    expect(outcome).toBeInstanceOf(TimeoutError);
  });

  it("waits no longer than the configured timeout_ms for the next chunk after one arrived", async () => {
    const stalling: typeof fetch = async (_url, init) => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!sent) {
            sent = true;
            controller.enqueue(new TextEncoder().encode(chunkEvent("Hel")));
            return;
          }
          // Then nothing, until the request is aborted.
          return new Promise<void>((resolve) => {
            init?.signal?.addEventListener("abort", () => {
              controller.error(init.signal!.reason);
              resolve();
            });
          });
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
    };
    const provider = new Bare({ baseUrl: "https://corp.test/v1", fetch: stalling, timeoutMs: 100, models: [{ id: "m" }] });
    const outcome = await within3s(provider.chatStream(request).then((result) => drain(result.body)));
    expect(outcome).toBeInstanceOf(TimeoutError);
  });
});
