import { servedBy, servedHeaders } from "../wire/served.js";

/** What `withResponse()` gives: the answer, the HTTP response that stands for it, and the service's request id. */
export interface WithResponse<T> {
  data: T;
  response: Response;
  /** The service's id for the exchange that served the answer (its `x-request-id`), or null. */
  request_id: string | null;
}

/**
 * The promise a ModelMesh call returns: the answer when awaited, as the official OpenAI client's `APIPromise`, with
 * `asResponse()` and `withResponse()` for the HTTP side of it. A mesh answer may come from any of several services,
 * so the response is the one ModelMesh's proxy sends for the same answer: status 200, the answer as its body (JSON, or
 * SSE for a stream), `x-request-id` and the `x-modelmesh-provider` / `-model` / `-attempts` / `-cost` headers.
 */
export interface MeshPromise<T> extends Promise<T> {
  /** The answer as a `Response`, its body unread (a stream's SSE text is read from the stream as the body is). */
  asResponse(): Promise<Response>;
  /** The answer, and a `Response` with its headers (for a stream, no body: the answer is the stream). */
  withResponse(): Promise<WithResponse<T>>;
}

/**
 * `promise` with `asResponse()` and `withResponse()`: the same promise object, so awaiting it costs nothing more.
 * @example
 * const { data, response, request_id } = await client.chat.completions.create(body).withResponse();
 * console.log(response.headers.get("x-modelmesh-provider"), request_id);
 */
export function withRawResponse<T>(promise: Promise<T>): MeshPromise<T> {
  return Object.assign(promise, {
    asResponse: () => promise.then((data) => responseFor(data, true)),
    withResponse: () => promise.then((data): WithResponse<T> => ({ data, response: responseFor(data, false), request_id: requestIdOf(data) })),
  });
}

function requestIdOf(data: unknown): string | null {
  if (data instanceof Response) return data.headers.get("x-request-id");
  const id = typeof data === "object" && data !== null ? (data as { _request_id?: unknown })._request_id : undefined;
  return typeof id === "string" ? id : null;
}

/**
 * True for a stream of chunks (`MeshStream`, which owns the `controller` of its request), told apart without
 * importing it; a page of models is async-iterable too, but answers as JSON.
 */
function isStream(data: unknown): data is AsyncIterable<unknown> {
  return typeof data === "object" && data !== null && Symbol.asyncIterator in data && "controller" in data;
}

function responseFor(data: unknown, withBody: boolean): Response {
  // Speech already is a Response (OpenAI's `audio.speech.create` answers one).
  if (data instanceof Response) return data;
  const headers: Record<string, string> = {};
  const served = servedBy(data);
  if (served) Object.assign(headers, servedHeaders(served));
  const id = requestIdOf(data);
  if (id !== null) headers["x-request-id"] = id;
  if (isStream(data)) {
    headers["content-type"] = "text/event-stream; charset=utf-8";
    return new Response(withBody ? sseBody(data) : null, { status: 200, headers });
  }
  headers["content-type"] = "application/json";
  return new Response(withBody ? JSON.stringify(data) : null, { status: 200, headers });
}

/** The stream as the SSE text the proxy writes for it, read from the stream as the body is read. */
function sseBody(stream: AsyncIterable<unknown>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = stream[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) {
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        controller.close();
      } else controller.enqueue(encoder.encode(`data: ${JSON.stringify(value)}\n\n`));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
