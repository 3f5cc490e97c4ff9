import type { ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { startLocalServer, type LocalServer } from "../../sdk/test/fakes/http.js";
import { createNodeFetch, type NodeFetch } from "modelmesh/node-fetch";

// The node fetch reads response headers from the IncomingMessage instead of appending them to undici's Headers:
// every read must still answer exactly what undici's Headers answers for the same header lines.
const LINES: Array<[string, string]> = [
  ["Content-Type", "application/json"],
  ["X-RateLimit-Remaining-Requests", "41"],
  ["Set-Cookie", "a=1; Path=/"],
  ["Vary", "Origin"],
  ["set-cookie", "b=2"],
  ["vary", "Accept"],
  ["X-Empty", ""],
  ["Retry-After", "7"],
  ["Content-Length", "11"],
  // Names that begin and end the upper-case range, for the lookups that compare raw bytes.
  ["Accept-Ranges", "bytes"],
  ["X-ZONE", "eu"],
  // A longer name that begins with another's.
  ["X-Empty-Not", "no"],
];

let server: LocalServer | undefined;
let nodeFetch: NodeFetch | undefined;

afterEach(async () => {
  nodeFetch?.close();
  await server?.close();
  server = undefined;
});

async function fetchWith(write: (response: ServerResponse) => void, path = "/"): Promise<Response> {
  server = await startLocalServer((_request, response) => write(response));
  nodeFetch = createNodeFetch();
  return nodeFetch(`${server.url}${path}`);
}

function expected(lines: Array<[string, string]>): Headers {
  const headers = new Headers();
  for (const [name, value] of lines) headers.append(name, value);
  return headers;
}

describe("createNodeFetch: response headers", () => {
  it("reads like undici's Headers over the same lines: get, has, iteration order, set-cookie kept apart, forEach", async () => {
    const response = await fetchWith((out) => {
      out.writeHead(200, LINES.flat());
      out.end('{"ok":true}');
    });
    const reference = expected([...LINES, ["Connection", "keep-alive"], ["Keep-Alive", "timeout=5"]]);
    const received = response.headers;
    expect(received).toBeInstanceOf(Headers);
    // Date is set by the server at send time: compare everything else.
    const withoutDate = (pairs: Iterable<[string, string]>) => [...pairs].filter(([name]) => name !== "date");
    expect(withoutDate(received)).toEqual(withoutDate(reference));
    expect(withoutDate(received.entries())).toEqual(withoutDate(reference.entries()));
    expect([...received.keys()].filter((name) => name !== "date")).toEqual([...reference.keys()]);
    expect([...received.values()]).toContain("Origin, Accept");
    for (const name of ["content-type", "X-RATELIMIT-REMAINING-REQUESTS", "vary", "set-cookie", "x-empty", "retry-after", "missing"]) {
      expect([name, received.get(name)]).toEqual([name, reference.get(name)]);
      expect([name, received.has(name)]).toEqual([name, reference.has(name)]);
    }
    expect(received.getSetCookie()).toEqual(["a=1; Path=/", "b=2"]);
    const seen: string[] = [];
    received.forEach((value, name, parent) => {
      expect(parent).toBe(received);
      seen.push(`${name}=${value}`);
    });
    expect(seen).toContain("vary=Origin, Accept");
    expect(seen.filter((line) => line.startsWith("set-cookie="))).toEqual(["set-cookie=a=1; Path=/", "set-cookie=b=2"]);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("answers get() like undici's Headers before and after it has built its map (the first lookups scan the raw lines)", async () => {
    const response = await fetchWith((out) => {
      out.writeHead(200, LINES.flat());
      out.end('{"ok":true}');
    });
    const reference = expected(LINES);
    const received = response.headers;
    // Same length as "x-empty" and "retry-after" but another name; a name in another case; repeated lines joined.
    const names = ["X-RATELIMIT-REMAINING-REQUESTS", "accept-ranges", "x-zone", "vary", "set-cookie", "x-empty", "x-emptz", "retry-after", "retry-aftes", "content-type", "missing"];
    const answers = () => names.map((name) => [name, received.get(name)]);
    const wanted = names.map((name) => [name, reference.get(name)]);
    expect(answers()).toEqual(wanted);
    // Past the lookups answered by scanning: the same answers from the map.
    for (let round = 0; round < 3; round++) expect(answers()).toEqual(wanted);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("cannot be changed, as a fetch response's headers", async () => {
    const response = await fetchWith((out) => void out.writeHead(200, { "content-type": "text/plain" }).end("hi"));
    expect(() => response.headers.append("x-a", "1")).toThrow(TypeError);
    expect(() => response.headers.set("content-type", "text/html")).toThrow(TypeError);
    expect(() => response.headers.delete("content-type")).toThrow(TypeError);
    expect(response.headers.get("content-type")).toBe("text/plain");
  });

  it("drops content-encoding and content-length of a body it decoded, keeps them on one it did not", async () => {
    const packed = gzipSync(Buffer.from('{"packed":true}'));
    const decoded = await fetchWith((out) => void out.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(packed.length) }).end(packed));
    expect([decoded.headers.get("content-encoding"), decoded.headers.get("content-length"), decoded.headers.get("content-type"), decoded.headers.has("content-length")]).toEqual([null, null, "application/json", false]);
    expect([...decoded.headers.keys()]).not.toContain("content-encoding");
    expect(await decoded.json()).toEqual({ packed: true });
    nodeFetch?.close();
    await server?.close();
    const plain = await fetchWith((out) => void out.writeHead(200, { "content-type": "application/json", "content-length": "2" }).end("{}"));
    expect(plain.headers.get("content-length")).toBe("2");
  });

  it("carries the headers into a Response built from it (clone, a streamed body, an empty status)", async () => {
    const response = await fetchWith((out) => void out.writeHead(200, { "content-type": "application/json", "x-request-id": "req-1" }).end("{}"));
    const copy = response.clone();
    expect(copy.headers.get("x-request-id")).toBe("req-1");
    expect(await copy.json()).toEqual({});
    nodeFetch?.close();
    await server?.close();
    const streamed = await fetchWith((out) => {
      out.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req-2" });
      out.end("data: [DONE]\n\n");
    });
    expect(streamed.headers.get("x-request-id")).toBe("req-2");
    expect(await streamed.text()).toBe("data: [DONE]\n\n");
    nodeFetch?.close();
    await server?.close();
    const empty = await fetchWith((out) => void out.writeHead(204, { "x-request-id": "req-3" }).end());
    expect([empty.status, empty.headers.get("x-request-id"), empty.body]).toEqual([204, "req-3", null]);
  });
});
