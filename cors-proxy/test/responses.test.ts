import { describe, expect, it } from "vitest";
import { BufferedRequest, JsonReply, jsonResponse, knownRequestBody, ReplyHeaders, streamOf, takeBodySource, toResponse, type BodySource } from "../src/responses.js";

// The proxy's light request and reply objects, seen as their users see them: the Web Response a caller gets, the
// Request the relay builds, the bytes a route reads, and the source a server adapter takes instead of a web stream.

const bytes = (text: string) => new TextEncoder().encode(text);

/** A body source over fixed pieces that records whether it was cancelled. */
function piecesSource(pieces: Array<string | Uint8Array>): BodySource & { cancelled: boolean } {
  const queue = [...pieces];
  const source = {
    cancelled: false,
    next: async () => queue.shift(),
    cancel: async () => {
      source.cancelled = true;
    },
  };
  return source;
}

describe("ReplyHeaders", () => {
  it("stores names lower-cased and finds them whatever their case", () => {
    const headers = new ReplyHeaders({ "Retry-After": "3", "X-Custom": "a" });
    expect(headers.get("retry-after")).toBe("3");
    expect(headers.get("RETRY-AFTER")).toBe("3");
    expect(headers.has("x-CUSTOM")).toBe(true);
    expect(headers.has("missing")).toBe(false);
    expect(headers.get("missing")).toBeNull();
    headers.set("X-Other", "b");
    headers.delete("X-CUSTOM");
    expect([...headers]).toEqual([
      ["retry-after", "3"],
      ["x-other", "b"],
    ]);
    expect([...new ReplyHeaders()]).toEqual([]);
  });
});

describe("JsonReply", () => {
  it("carries JSON with its byte length, status 200 by default, and extra headers over the defaults", () => {
    const reply = jsonResponse({ text: "héllo ✓" });
    expect(reply).toBeInstanceOf(JsonReply);
    expect(reply.status).toBe(200);
    expect(reply.statusText).toBe("");
    expect(reply.text).toBe('{"text":"héllo ✓"}');
    expect(reply.body).toBe(reply.text);
    expect([...reply.headers]).toEqual([
      ["content-type", "application/json"],
      ["content-length", String(new TextEncoder().encode(reply.text).length)],
    ]);
    expect(reply.headers.get("content-length")).toBe("21");
    const custom = jsonResponse({}, 429, { "Retry-After": "1", "content-type": "application/problem+json" });
    expect(custom.status).toBe(429);
    expect(custom.headers.get("retry-after")).toBe("1");
    expect(custom.headers.get("content-type")).toBe("application/problem+json");
  });

  it("becomes a Web Response with the same status, headers and body; a Response stays itself", async () => {
    const response = toResponse(jsonResponse({ ok: true }, 201, { "x-reply": "yes" }));
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.headers.get("x-reply")).toBe("yes");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ ok: true });
    const original = new Response("as is");
    expect(toResponse(original)).toBe(original);
  });
});

describe("BufferedRequest", () => {
  const headerMap: Record<string, string> = { "content-type": "application/json", authorization: "Bearer t" };
  const headers = { get: (name: string) => headerMap[name] ?? null, has: (name: string) => name in headerMap };

  it("exposes its bytes as the body and as the known body", () => {
    const body = bytes('{"a":1}');
    const request = new BufferedRequest("POST", "http://127.0.0.1/v1/embeddings", headers, body, () => Object.entries(headerMap));
    expect(request.body).toBe(body);
    expect(request.bodyUsed).toBe(false);
    expect(knownRequestBody(request)).toBe(body);
    expect(knownRequestBody(new BufferedRequest("GET", "http://127.0.0.1/health", headers, null, () => []))).toBeUndefined();
  });

  it("offers no bytes for a Web Request: its body is read as a stream", () => {
    const request = new Request("http://127.0.0.1/v1/chat/completions", { method: "POST", body: "{}" });
    expect(knownRequestBody(request)).toBeUndefined();
  });
});

describe("streamOf and takeBodySource", () => {
  it("streams the source's pieces, text or bytes, to any reader and ends with it", async () => {
    const source = piecesSource(["data: a\n\n", bytes("data: b\n\n")]);
    expect(await new Response(streamOf(source)).text()).toBe("data: a\n\ndata: b\n\n");
  });

  it("pulls nothing ahead of the reader", async () => {
    let pulled = 0;
    const stream = streamOf({ next: async () => (++pulled > 3 ? undefined : "x"), cancel: async () => {} });
    await new Promise((resolve) => setImmediate(resolve));
    expect(pulled).toBe(0);
    const reader = stream.getReader();
    await reader.read();
    expect(pulled).toBe(1);
  });

  it("cancels the source when the reader goes away", async () => {
    const source = piecesSource(["a", "b"]);
    const reader = streamOf(source).getReader();
    await reader.read();
    await reader.cancel();
    expect(source.cancelled).toBe(true);
  });

  it("hands the untouched source to the adapter once, and never once the stream is read or locked", async () => {
    const source = piecesSource(["a"]);
    const response = new Response(streamOf(source));
    expect(takeBodySource(response)).toBe(source);
    expect(takeBodySource(response)).toBeUndefined();
    const locked = new Response(streamOf(piecesSource(["a"])));
    locked.body!.getReader();
    expect(takeBodySource(locked)).toBeUndefined();
    const used = new Response(streamOf(piecesSource(["a"])));
    await used.text();
    expect(takeBodySource(used)).toBeUndefined();
    expect(takeBodySource(new Response(null))).toBeUndefined();
    expect(takeBodySource(new Response("plain"))).toBeUndefined();
  });
});
