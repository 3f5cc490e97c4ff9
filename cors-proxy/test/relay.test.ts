import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BrowserBaseProvider, create } from "modelmesh";
import { startLocalServer, type LocalServer } from "../../sdk/test/fakes/http.js";
import { startFakeOpenAI } from "../../sdk/test/fakes/openai.js";
import { createProxy } from "../src/handler.js";
import { startProxyServer, type ProxyServer } from "../src/node-adapter.js";
import { createNodeTransport } from "../src/node-transport.js";
import { rawRequest, TOKEN } from "./support.js";

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  bytes: number;
}

/** An upstream that records what reached it, streams on command, and misbehaves on purpose. */
function upstreamHandler(received: Received[], gates: { release: () => void; released: Promise<void>; firstUploadChunk: Promise<void>; sawFirstUploadChunk: () => void }) {
  return async (request: IncomingMessage, response: ServerResponse) => {
    const entry: Received = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, rawHeaders: request.rawHeaders, bytes: 0 };
    received.push(entry);
    if (request.url === "/v1/upload") {
      let first = true;
      for await (const chunk of request) {
        entry.bytes += (chunk as Buffer).length;
        if (first) gates.sawFirstUploadChunk();
        first = false;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ bytes: entry.bytes }));
      return;
    }
    for await (const chunk of request) entry.bytes += (chunk as Buffer).length;
    if (request.url === "/v1/stream") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: first\n\n");
      await gates.released;
      response.end("data: second\n\n");
      return;
    }
    if (request.url === "/v1/redirect") {
      response.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      return;
    }
    response.writeHead(200, [
      ["content-type", "application/json"],
      ["set-cookie", "session=upstream-secret; HttpOnly"],
      ["connection", "x-hop-response"],
      ["x-hop-response", "must-not-pass"],
      ["keep-alive", "timeout=99, max=7"],
      ["proxy-authenticate", "Basic realm=upstream"],
      ["access-control-allow-origin", "https://upstream-chose-this.example"],
      ["x-request-id", "upstream-request-id"],
      ["x-ratelimit-remaining-requests", "42"],
    ].flat());
    response.end(JSON.stringify({ ok: true, method: request.method }));
  };
}

let upstream: LocalServer;
let proxy: ProxyServer;
const received: Received[] = [];
let gates: Parameters<typeof upstreamHandler>[1];

function newGates() {
  let release!: () => void;
  let sawFirstUploadChunk!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const firstUploadChunk = new Promise<void>((resolve) => (sawFirstUploadChunk = resolve));
  return { release, released, firstUploadChunk, sawFirstUploadChunk };
}

const target = (path: string) => `${proxy.url}/proxy/http://127.0.0.1:${upstream.port}${path}`;
const withToken = { "x-modelmesh-proxy-token": TOKEN };

beforeAll(async () => {
  gates = newGates();
  upstream = await startLocalServer((request, response) => upstreamHandler(received, gates)(request, response));
  proxy = await startProxyServer({ port: 0, tokens: [TOKEN], maxBodyBytes: 1024, relay: { allowPrivate: [`127.0.0.1:${upstream.port}`] } });
});
afterAll(async () => {
  await proxy.close(100);
  await upstream.close();
});
beforeEach(() => {
  received.length = 0;
  gates = newGates();
});

describe("relay: forwarding", () => {
  it("forwards GET and POST with the provider's own Authorization header, answering with the upstream status", async () => {
    const get = await fetch(target("/v1/models?limit=2"), { headers: { ...withToken, authorization: "Bearer sk-provider-key-from-the-browser" } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ ok: true, method: "GET" });
    const post = await fetch(target("/v1/chat/completions"), { method: "POST", headers: { ...withToken, "content-type": "application/json" }, body: '{"x":1}' });
    expect(await post.json()).toEqual({ ok: true, method: "POST" });
    expect(received.map((entry) => `${entry.method} ${entry.url}`)).toEqual(["GET /v1/models?limit=2", "POST /v1/chat/completions"]);
    expect(received[0]!.headers.authorization).toBe("Bearer sk-provider-key-from-the-browser");
    expect(received[1]!.bytes).toBe(7);
  });

  it("strips hop-by-hop headers, cookies, identity and the proxy token on the way up", async () => {
    const body = "5\r\nhello\r\n0\r\n\r\n";
    // Every header the relay must not pass on, plus two it must (Authorization, X-Kept).
    const hostile = (origin: string[]) =>
      [
        `POST /proxy/http://127.0.0.1:${upstream.port}/v1/echo HTTP/1.1`,
        `Host: 127.0.0.1:${proxy.port}`,
        `X-ModelMesh-Proxy-Token: ${TOKEN}`,
        "Authorization: Bearer sk-browser-key",
        "Connection: close, X-Secret-Hop",
        "X-Secret-Hop: listed-in-connection",
        "Keep-Alive: timeout=5",
        "TE: trailers",
        "Trailer: X-Checksum",
        "Upgrade: websocket",
        "Proxy-Authorization: Basic cHJveHk6c2VjcmV0",
        "Proxy-Connection: keep-alive",
        "Cookie: session=browser-secret",
        ...origin,
        "Referer: https://page.example/secret-path",
        "X-Forwarded-For: 10.0.0.1",
        "X-Kept: yes",
        "Content-Type: text/plain",
        "Transfer-Encoding: chunked",
        "",
        body,
      ].join("\r\n");
    const reply = await rawRequest(proxy.port, hostile(["Origin: null"]));
    // Origin "null" is not allowed (no CORS configured): refused before anything is forwarded.
    expect(reply).toMatch(/^HTTP\/1\.1 403/);
    expect(received).toHaveLength(0);
    const allowed = await rawRequest(proxy.port, hostile([]));
    expect(allowed).toMatch(/^HTTP\/1\.1 200/);
    const headers = received[0]!.headers;
    for (const name of ["x-secret-hop", "keep-alive", "te", "trailer", "upgrade", "proxy-authorization", "proxy-connection", "cookie", "referer", "x-forwarded-for", "x-modelmesh-proxy-token"]) {
      expect(headers[name], name).toBeUndefined();
    }
    expect(received[0]!.rawHeaders.join("\n")).not.toContain(TOKEN);
    expect(headers.authorization).toBe("Bearer sk-browser-key");
    expect(headers["x-kept"]).toBe("yes");
    expect(headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(received[0]!.bytes).toBe(5);
  });

  it("strips set-cookie, hop-by-hop and the upstream's CORS headers on the way down", async () => {
    const response = await fetch(target("/v1/echo"), { headers: withToken });
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("x-hop-response")).toBeNull();
    expect(response.headers.get("proxy-authenticate")).toBeNull();
    expect(response.headers.get("keep-alive") ?? "").not.toContain("timeout=99");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("42");
    expect(response.headers.get("x-upstream-request-id")).toBe("upstream-request-id");
    expect(response.headers.get("x-request-id")).not.toBe("upstream-request-id");
  });

  it("streams the response: the first chunk arrives before the upstream has finished", async () => {
    const response = await fetch(target("/v1/stream"), { headers: withToken });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe("data: first\n\n");
    gates.release();
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe("data: second\n\n");
  });

  it("streams the request: the upstream sees the first chunk before the client sends the second", async () => {
    let sendSecond!: () => void;
    const secondAllowed = new Promise<void>((resolve) => (sendSecond = resolve));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode("first-part-"));
        await secondAllowed;
        controller.enqueue(new TextEncoder().encode("second-part"));
        controller.close();
      },
    });
    const pending = fetch(target("/v1/upload"), { method: "POST", headers: withToken, body, duplex: "half" } as RequestInit);
    await gates.firstUploadChunk;
    sendSecond();
    const response = await pending;
    expect(await response.json()).toEqual({ bytes: 22 });
  });

  it("does not follow redirects (a redirect to a metadata address stays the client's business)", async () => {
    const response = await fetch(target("/v1/redirect"), { headers: withToken, redirect: "manual" });
    expect(response.status).toBe(302);
    expect(received).toHaveLength(1);
  });
});

describe("relay: the SDK's proxyUrl", () => {
  it("routes a browser-style provider through the relay to the provider, streaming included", async () => {
    const fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    const relay = await startProxyServer({ port: 0, tokens: [TOKEN], relay: { allowPrivate: [new URL(fake.url).host] } });
    const provider = new BrowserBaseProvider({ id: "openai", baseUrl: fake.url, apiKey: "sk-browser-key-0123456789", proxyUrl: `${relay.url}/proxy/`, headers: { "x-modelmesh-proxy-token": TOKEN }, models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"] }] });
    const client = create({ providers: [{ instance: provider }] });
    try {
      const completion = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "via the relay" }] });
      expect(completion.choices[0]?.message.content).toContain("via the relay");
      let text = "";
      for await (const chunk of await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "streamed" }], stream: true })) text += chunk.choices[0]?.delta.content ?? "";
      expect(text).toContain("streamed");
      expect(fake.requests.map((request) => request.headers.authorization)).toEqual(["Bearer sk-browser-key-0123456789", "Bearer sk-browser-key-0123456789"]);
      expect(fake.requests.every((request) => request.headers["x-modelmesh-proxy-token"] === undefined)).toBe(true);
    } finally {
      await client.close();
      await relay.close(100);
      await fake.close();
    }
  });
});

describe("relay: security rules", () => {
  async function refused(url: string, status = 403) {
    const response = await fetch(`${proxy.url}/proxy/${url}`, { headers: withToken });
    expect(response.status, url).toBe(status);
    const body = await response.json();
    expect(body.error.message).toBeTruthy();
    return body;
  }

  it("refuses a host that is not on the allow-list", async () => {
    const body = await refused("https://example.com/v1/chat/completions");
    expect(body.error.code).toBe("target_not_allowed");
    await refused("https://api.openai.com.evil.example/v1/models");
    await refused("https://evilapi.openai.com/v1/models");
  });

  it("refuses plain http and odd ports, even to an allowed host", async () => {
    await refused("http://api.openai.com/v1/models");
    await refused("https://api.openai.com:8443/v1/models");
    await refused("https://user:password@api.openai.com/v1/models", 400);
  });

  it("refuses loopback, private, link-local and unspecified addresses in every spelling, even when allow-listed", async () => {
    // Every one of these hosts is on the allow-list: only the private-address rule stands between them and the relay.
    const listed = ["127.0.0.1", "localhost", "api.localhost", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "[::1]", "[::ffff:7f00:1]", "[fd00::1]", "[fe80::1]", "[::]", "metadata.internal", "100.64.0.1"];
    const guarded = await startProxyServer({ port: 0, tokens: [TOKEN], relay: { allowHosts: listed } });
    try {
      for (const url of [
        "https://127.0.0.1/v1/echo",
        "https://localhost/v1/models",
        "https://api.localhost/v1/models",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://0.0.0.0/",
        "https://2130706433/",
        "https://0x7f.1/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://[::]/",
        "https://metadata.internal/",
        "https://100.64.0.1/",
      ]) {
        const response = await fetch(`${guarded.url}/proxy/${url}`, { headers: withToken });
        expect(response.status, url).toBe(403);
        expect((await response.json()).error.message, url).toMatch(/loopback, private or link-local/);
      }
    } finally {
      await guarded.close(100);
    }
    await refused(`http://127.0.0.1:${upstream.port + 1}/v1/echo`);
    expect(received).toHaveLength(0);
  });

  it("allows a private address only when it is configured", async () => {
    const strict = await startProxyServer({ port: 0, tokens: [TOKEN] });
    try {
      const response = await fetch(`${strict.url}/proxy/http://127.0.0.1:${upstream.port}/v1/echo`, { headers: withToken });
      expect(response.status).toBe(403);
      expect(received).toHaveLength(0);
    } finally {
      await strict.close(100);
    }
    expect((await fetch(target("/v1/echo"), { headers: withToken })).status).toBe(200);
    expect(received).toHaveLength(1);
  });

  it("refuses a name that resolves to a private address (DNS rebinding), checked at connect time", async () => {
    const resolved: string[] = [];
    const transport = createNodeTransport({
      resolve: async (hostname) => {
        resolved.push(hostname);
        return [{ address: "127.0.0.1", family: 4 }];
      },
    });
    const rebinding = await startProxyServer({ port: 0, tokens: [TOKEN], relay: { allowHosts: ["rebind.example"], allowPrivate: [`trusted.example:${upstream.port}`], transport } });
    try {
      const blocked = await fetch(`${rebinding.url}/proxy/https://rebind.example/v1/models`, { headers: withToken });
      expect(blocked.status).toBe(403);
      expect((await blocked.json()).error.message).toContain("127.0.0.1");
      expect(resolved).toEqual(["rebind.example"]);
      // The same resolver for a host the operator named as private: allowed, and it reaches the upstream.
      const trusted = await fetch(`${rebinding.url}/proxy/http://trusted.example:${upstream.port}/v1/echo`, { headers: withToken });
      expect(trusted.status).toBe(200);
      expect(received).toHaveLength(1);
    } finally {
      await rebinding.close(100);
    }
  });

  it("refuses names resolving to private addresses with the Web-standard handler's resolver too", async () => {
    const proxy = createProxy({ listening: { host: "127.0.0.1" }, relay: { allowHosts: ["internal.example"], resolve: async () => ["10.0.0.5"] } });
    const response = await proxy.handle(new Request("http://localhost/proxy/https://internal.example/v1/models"));
    expect(response.status).toBe(403);
  });

  it("limits the body size: 413 with an OpenAI-shaped error, declared or streamed", async () => {
    const declared = await fetch(target("/v1/upload"), { method: "POST", headers: withToken, body: new Uint8Array(2048) });
    expect(declared.status).toBe(413);
    expect((await declared.json()).error.code).toBe("request_too_large");
    expect(received).toHaveLength(0);
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(800));
        controller.enqueue(new Uint8Array(800));
        controller.close();
      },
    });
    const chunked = await fetch(target("/v1/upload"), { method: "POST", headers: withToken, body: streamed, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(received.every((entry) => entry.bytes <= 1024)).toBe(true);
  });

  it("requires the proxy token in its own header; Authorization alone does not count", async () => {
    expect((await fetch(target("/v1/echo"))).status).toBe(401);
    expect((await fetch(target("/v1/echo"), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
    expect((await fetch(target("/v1/echo"), { headers: { "x-modelmesh-proxy-token": "wrong" } })).status).toBe(401);
    expect(received).toHaveLength(0);
  });

  it("relays DELETE, PUT, PATCH and HEAD as GET and POST, refuses other methods, and needs a full URL", async () => {
    received.length = 0;
    // A DELETE without a body reaches the upstream without one (no empty chunked body: no transfer-encoding).
    const deleted = await fetch(target("/v1/files/file-1"), { method: "DELETE", headers: withToken });
    expect(await deleted.json()).toEqual({ ok: true, method: "DELETE" });
    expect((await fetch(target("/v1/echo"), { method: "PUT", headers: withToken, body: "put" })).status).toBe(200);
    expect((await fetch(target("/v1/echo"), { method: "PATCH", headers: withToken, body: "patched" })).status).toBe(200);
    const head = await fetch(target("/v1/echo"), { method: "HEAD", headers: withToken });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/json");
    expect(received.map((entry) => [entry.method, entry.bytes, entry.headers["transfer-encoding"]])).toEqual([
      ["DELETE", 0, undefined],
      ["PUT", 3, undefined],
      ["PATCH", 7, undefined],
      ["HEAD", 0, undefined],
    ]);
    const traced = await rawRequest(proxy.port, `TRACE /proxy/http://127.0.0.1:${upstream.port}/v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nx-modelmesh-proxy-token: ${TOKEN}\r\nConnection: close\r\n\r\n`);
    expect(traced).toMatch(/^HTTP\/1\.1 405 /);
    expect(traced).toContain("method_not_allowed");
    expect(received).toHaveLength(4);
    expect((await fetch(`${proxy.url}/proxy/not-a-url`, { headers: withToken })).status).toBe(400);
  });
});
