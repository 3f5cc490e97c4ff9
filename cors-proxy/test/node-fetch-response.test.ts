import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { recordingFetchPerTest } from "./support/recording-server.js";

// The node fetch's responses are built without undici's Response constructor: what a caller reads of them (status,
// ok, URL after redirects, type, the headers, every way to read the body) must be what Node's own fetch answers for
// the same exchange, and no method may reach undici's internals (which these objects do not have).

const { serve } = recordingFetchPerTest();

/** The server every test here talks to, and the Node fetch under test (both closed after each test). */
const start = () =>
  serve((request, response) => {
    if (request.url === "/moved") return void response.writeHead(302, { location: "/json" }).end();
    if (request.url === "/missing") return void response.writeHead(404, "Gone Fishing", { "content-type": "application/json" }).end('{"error":"no"}');
    if (request.url === "/stream") return void response.writeHead(200, { "content-type": "text/event-stream" }).end("data: one\n\n");
    // The edges of `ok`: 299 is still a success, 300 (not a redirect without a location) is not.
    if (request.url === "/299") return void response.writeHead(299, { "content-type": "text/plain" }).end("edge");
    if (request.url === "/300") return void response.writeHead(300, { "content-type": "text/plain" }).end("choices");
    // A repeated header with bytes beyond ASCII: the two values are joined, and each byte read as fetch reads it.
    response.writeHead(200, ["content-type", "application/json", "x-request-id", "req-9", "x-place", "caf\u00e9", "x-place", "na\u00efve"]).end('{"ok":true}');
  });

/** What a caller reads of a response without its body. */
const surface = (response: Response) => ({
  status: response.status,
  statusText: response.statusText,
  ok: response.ok,
  url: response.url,
  redirected: response.redirected,
  type: response.type,
  contentType: response.headers.get("content-type"),
  absent: response.headers.get("x-not-sent"),
  place: response.headers.get("x-place"),
  isResponse: response instanceof Response,
  isHeaders: response.headers instanceof Headers,
  tag: Object.prototype.toString.call(response),
});

describe("createNodeFetch: responses read as Node's fetch's do", () => {
  for (const path of ["/json", "/moved", "/missing", "/stream", "/299", "/300"]) {
    it(`${path}: status, ok, url, redirected, type and headers match Node's fetch`, async () => {
      const { url, fetch } = await start();
      const mine = await fetch(`${url}${path}`);
      const theirs = await globalThis.fetch(`${url}${path}`);
      expect(surface(mine)).toEqual(surface(theirs));
      expect(await mine.text()).toBe(await theirs.text());
    });
  }

  it("reads a buffered body every way fetch offers, and refuses a second read", async () => {
    const { url, fetch } = await start();
    expect(await (await fetch(`${url}/json`)).json()).toEqual({ ok: true });
    expect(new TextDecoder().decode(await (await fetch(`${url}/json`)).arrayBuffer())).toBe('{"ok":true}');
    expect(await (await (await fetch(`${url}/json`)).blob()).text()).toBe('{"ok":true}');
    const viaStream = await fetch(`${url}/json`);
    expect(await new Response(viaStream.body).text()).toBe('{"ok":true}');
    expect(viaStream.bodyUsed).toBe(true);
    const once = await fetch(`${url}/json`);
    await once.text();
    await expect(once.text()).rejects.toThrow(TypeError);
  });

  it("gives a clone the same status, URL and headers, and both read the body", async () => {
    const { url, fetch } = await start();
    const response = await fetch(`${url}/moved`);
    const copy = response.clone();
    expect(surface(copy)).toEqual(surface(response));
    expect([await copy.text(), await response.text()]).toEqual(['{"ok":true}', '{"ok":true}']);
  });

  it("copies its headers into a new Headers and shows them when logged", async () => {
    const { url, fetch } = await start();
    const response = await fetch(`${url}/json`);
    expect(new Headers(response.headers).get("x-request-id")).toBe("req-9");
    expect(inspect(response.headers)).toContain("req-9");
    expect(inspect(response)).toContain("200");
  });
});
