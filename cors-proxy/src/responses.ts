const encoder = new TextEncoder();

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
  const bytes = encoder.encode(text);
  const response = new Response(bytes, { status, headers: { "content-type": "application/json", "content-length": String(bytes.byteLength), ...headers } });
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
