import { OpenAICompatibleProvider } from "../../src/index.js";

/** OpenAI's stream events, as a service sends them. */
export const base = { id: "chatcmpl-batch", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-4o-mini" };
export const content = (text: string) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }] })}\n\n`;
export const finish = `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] })}\n\n`;
export const inBandError = `data: ${JSON.stringify({ error: { message: "The server had an error while processing your request.", type: "server_error", code: 500 } })}\n\n`;

/**
 * A service answering with `reads` as the network reads of its body, then ending it (or, `open`, keeping it open as a
 * service still generating); records cancels, reads and the request's signal.
 */
export function service(reads: string[], open = false) {
  const seen = { cancelled: false, pulls: 0, signal: undefined as AbortSignal | undefined };
  const encoder = new TextEncoder();
  const fetch = (async (_url: string, init?: RequestInit) => {
    seen.signal = init?.signal ?? undefined;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = reads[seen.pulls++];
        if (next !== undefined) controller.enqueue(encoder.encode(next));
        // Still generating: as a real fetch, aborting the request fails the body's pending read.
        else if (open)
          return new Promise<void>((resolve) =>
            seen.signal?.addEventListener("abort", () => {
              controller.error(seen.signal?.reason);
              resolve();
            }),
          );
        else controller.close();
        return undefined;
      },
      cancel() {
        seen.cancelled = true;
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  }) as typeof globalThis.fetch;
  return { seen, fetch, provider: new OpenAICompatibleProvider({ baseUrl: "https://batch.test/v1", apiKey: "sk-batch-0123456789", fetch, models: [{ id: "gpt-4o-mini" }] }) };
}
