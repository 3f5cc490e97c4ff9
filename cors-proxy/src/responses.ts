// Bytes of responses the proxy built itself. A server adapter may write these directly instead of reading the
// Response's stream: same bytes, without a stream reader and its promises on every request.
const knownBodies = new WeakMap<Response, string>();

/**
 * A JSON response with its length known, so the server sends it in one piece instead of chunked.
 * @example
 * return jsonResponse({ status: "ok" });
 */
export function jsonResponse(value: unknown, status = 200, headers?: Record<string, string>): Response {
  const text = JSON.stringify(value);
  // The string itself is the body: encoding it here would be done again by whoever reads the Response.
  const response = new Response(text, { status, headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers } });
  knownBodies.set(response, text);
  return response;
}

/** The bytes of a response built by `jsonResponse`, while its body stream is untouched; otherwise undefined. */
export function knownBody(response: Response): string | undefined {
  if (response.bodyUsed) return undefined;
  return knownBodies.get(response);
}

// Bodies a server adapter already holds as bytes (it read them before building the Request): routes that parse the
// whole body take them from here instead of reading the Request's stream again.
const knownRequestBodies = new WeakMap<Request, Uint8Array>();

/** Records that `request`'s body is exactly `bytes` (adapters only). */
export function rememberRequestBody(request: Request, bytes: Uint8Array): void {
  knownRequestBodies.set(request, bytes);
}

/** The bytes an adapter recorded for `request`, while its body stream is untouched; otherwise undefined. */
export function knownRequestBody(request: Request): Uint8Array | undefined {
  if (request.bodyUsed) return undefined;
  return knownRequestBodies.get(request);
}

/** Pieces of a body the proxy produces itself, one at a time (SSE events), and how to stop producing them. */
export interface BodySource {
  /** The next piece, or undefined at the end. A failure must already be turned into a last piece by the source. */
  next(): Promise<string | Uint8Array | undefined>;
  /** The reader went away: stop and release what the source holds (the upstream request). */
  cancel(): Promise<void>;
}

// Bodies a server adapter may pull piece by piece and write straight to its socket, instead of reading the
// Response's web stream (a stream, a reader and several promises per piece).
const bodySources = new WeakMap<ReadableStream<Uint8Array>, BodySource>();

/**
 * A web stream over `source` (for any reader of the Response), registered so a server adapter can read `source`
 * directly while nobody has touched the stream.
 * @example
 * return new Response(streamOf(source), { headers: { "content-type": "text/event-stream" } });
 */
export function streamOf(source: BodySource): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const piece = await source.next();
        if (piece === undefined) controller.close();
        else controller.enqueue(typeof piece === "string" ? encoder.encode(piece) : piece);
      },
      cancel: () => source.cancel(),
    },
    { highWaterMark: 0 },
  );
  bodySources.set(stream, source);
  return stream;
}

/**
 * The source behind a Response's body while its stream is untouched (not locked, not read); otherwise undefined.
 * Reading it takes the body: the caller must not read the Response afterwards.
 * @example
 * const source = takeBodySource(response);
 * if (source) for (let piece = await source.next(); piece !== undefined; piece = await source.next()) socket.write(piece);
 */
export function takeBodySource(response: Response): BodySource | undefined {
  const body = response.body;
  if (!body || body.locked || response.bodyUsed) return undefined;
  const source = bodySources.get(body);
  if (source) bodySources.delete(body);
  return source;
}
