/**
 * An injected `fetch` that records every request a provider sends (URL, method, headers, JSON body) and answers from
 * a script (a JSON body, an SSE text, or a status with a body), so connector tests assert the exact request a
 * service would receive and the exact OpenAI-shaped result a caller gets, without a socket.
 */
import type { ChatCompletionChunk } from "../../src/wire/types.js";

/** One request as the service would receive it. */
export interface CapturedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** The JSON body, parsed; undefined for a bodyless request, the raw text when it is not JSON. */
  body: unknown;
}

/** One scripted answer. */
export interface Reply {
  status?: number;
  /** Sent as JSON (`application/json`). */
  json?: unknown;
  /** Sent as is with `text/event-stream` (or `contentType`). */
  text?: string;
  headers?: Record<string, string>;
  contentType?: string;
}

/** A recording fetch: `requests` fills as the provider calls it, `replies` are used in order (the last repeats). */
export interface WireCapture {
  fetch: typeof globalThis.fetch;
  requests: CapturedRequest[];
  /** The last request sent. */
  last(): CapturedRequest;
}

/**
 * Builds a recording fetch.
 * @example
 * const wire = wireCapture({ json: { id: "msg_1", type: "message", content: [] } });
 * await new AnthropicProvider({ apiKey: "k", fetch: wire.fetch }).chat(request);
 * wire.last().body; // what Anthropic would have received
 */
export function wireCapture(...replies: Reply[]): WireCapture {
  const requests: CapturedRequest[] = [];
  let next = 0;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    let body: unknown;
    if (typeof init?.body === "string") {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = init.body;
      }
    }
    requests.push({ url, method: init?.method ?? "GET", headers, body });
    const reply = replies[Math.min(next, replies.length - 1)] ?? { json: {} };
    next += 1;
    const contentType = reply.contentType ?? (reply.json === undefined ? "text/event-stream" : "application/json");
    const payload = reply.json === undefined ? (reply.text ?? "") : JSON.stringify(reply.json);
    const status = reply.status ?? 200;
    // A 204 or 304 carries no body (the Response constructor refuses one).
    return new Response(status === 204 || status === 304 ? null : payload, { status, headers: { "content-type": contentType, ...reply.headers } });
  };
  return {
    fetch,
    requests,
    last() {
      const request = requests.at(-1);
      if (!request) throw new Error("no request was sent");
      return request;
    },
  };
}

/**
 * An SSE text from events (`event:` line when given, `data:` JSON).
 * @example
 * sse(["message_start", { type: "message_start", message: {} }]);
 */
export function sse(...events: Array<[string | undefined, unknown]>): string {
  return events.map(([name, data]) => `${name ? `event: ${name}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`).join("");
}

/** Reads a whole stream. */
export async function drain(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Each chunk without its generated id/created (for exact comparison). */
export function shapes(chunks: ChatCompletionChunk[]): Array<Pick<ChatCompletionChunk, "id" | "object" | "model" | "choices" | "usage">> {
  return chunks.map(({ created: _created, ...rest }) => rest as Pick<ChatCompletionChunk, "id" | "object" | "model" | "choices" | "usage">);
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function caught(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("no error");
}
