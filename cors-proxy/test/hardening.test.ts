// The proxy is never an open relay, and one caller's bad input never costs another caller anything.
// Relay tests use injected transports and resolvers: no name is ever looked up for real.
import { connect, type Socket } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, create } from "modelmesh";
import { startLocalServer, type LocalServer } from "../../sdk/test/fakes/http.js";
import { createProxy } from "../src/handler.js";
import { startProxyServer } from "../src/node-adapter.js";
import { mergeSettings, readProxySection } from "../src/config.js";
import { serve } from "../src/cli.js";
import { CHAT, startMeshProxy, TOKEN, type MeshProxy } from "./support.js";
import type { RelayRequest, RelayTransport } from "../src/relay.js";
import { exceedsJsonDepth } from "../src/json-body.js";

const local = { host: "127.0.0.1" };
const OTHER_TOKEN = "other-proxy-token-9876543210";

/** A transport that records every target and answers 200, or what `answer` builds. It claims to check addresses. */
function recordingTransport(answer: (target: URL, request: RelayRequest) => Promise<Response> | Response = () => new Response('{"ok":true}', { headers: { "content-type": "application/json" } })) {
  const targets: string[] = [];
  const transport: RelayTransport = async (target, request) => {
    targets.push(target.href);
    return answer(target, request);
  };
  transport.checksAddresses = true;
  return { transport, targets };
}

/** A body that never ends and counts how often anyone asked it for bytes. */
function endlessBody() {
  const state = { pulls: 0 };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulls++;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    },
    { highWaterMark: 0 },
  );
  return { body, state };
}

/** Opens a socket, writes `head`, then keeps writing `chunk` every few ms until the server closes the connection. */
function floodingClient(port: number, head: string, chunk: string) {
  return new Promise<{ reply: string; chunksSent: number; closedByServer: boolean }>((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let reply = "";
    let chunksSent = 0;
    const timer = setInterval(() => {
      if (socket.writable) {
        socket.write(chunk);
        chunksSent++;
      }
    }, 5);
    const giveUp = setTimeout(() => finish(false), 8_000);
    function finish(closedByServer: boolean) {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ reply, chunksSent, closedByServer });
    }
    socket.on("connect", () => socket.write(head));
    socket.on("data", (data: Buffer) => (reply += data.toString("latin1")));
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" || error.code === "EPIPE" ? finish(true) : reject(error)));
  });
}

let running: MeshProxy | undefined;
const servers: Array<{ close(grace?: number): Promise<void> }> = [];
afterEach(async () => {
  await running?.close();
  running = undefined;
  for (const server of servers.splice(0)) await server.close(100);
  vi.unstubAllGlobals();
});

describe("1. authentication comes before the body", () => {
  it("refuses an unauthenticated request with a never-ending body with 401 without reading a byte of it", async () => {
    const proxy = createProxy({ listening: local, tokens: [TOKEN] });
    for (const [path, headers] of [
      ["/v1/chat/completions", { "content-type": "application/json" }],
      ["/v1/chat/completions", { authorization: "Bearer wrong-token" }],
      ["/v1/audio/transcriptions", { "content-type": "multipart/form-data; boundary=x" }],
      ["/proxy/https://api.openai.com/v1/chat/completions", { authorization: `Bearer ${TOKEN}` }],
    ] as const) {
      const { body, state } = endlessBody();
      const request = new Request(`http://localhost${path}`, { method: "POST", headers, body, duplex: "half" } as RequestInit);
      const response = await proxy.handle(request);
      expect(response.status, path).toBe(401);
      expect(state.pulls, path).toBe(0);
      expect(request.bodyUsed, path).toBe(false);
      // The connection is closed after the answer, so the server does not go on draining what the client sends.
      expect(response.headers.get("connection"), path).toBe("close");
    }
  });

  it("over HTTP: 401 at once for a small declared body that never arrives, and for an endless chunked one", async () => {
    const server = await startProxyServer({ port: 0, tokens: [TOKEN] });
    servers.push(server);
    // Declares 500 bytes (small enough for the adapter's pre-read) and sends 10: reading first would wait forever.
    const partial = await floodingClient(server.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model":`, "");
    expect(partial.reply).toMatch(/^HTTP\/1\.1 401/);
    expect(partial.closedByServer).toBe(true);
    const wrong = await floodingClient(server.port, `POST /v1/embeddings HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer not-the-token\r\nContent-Length: 500\r\n\r\n{`, "");
    expect(wrong.reply).toMatch(/^HTTP\/1\.1 401/);
    // Chunked and endless: answered, then the connection is closed while the client is still sending.
    const chunk = `4000\r\n${"a".repeat(0x4000)}\r\n`;
    const endless = await floodingClient(server.port, "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n", chunk);
    expect(endless.reply).toMatch(/^HTTP\/1\.1 401/);
    expect(endless.reply.toLowerCase()).toContain("connection: close");
    expect(endless.closedByServer).toBe(true);
  });

  it("still reads the body of an authenticated request (the pre-read is kept for callers with the token)", async () => {
    running = await startMeshProxy();
    const response = await fetch(`${running.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }] }) });
    expect(response.status).toBe(200);
    expect(response.headers.get("connection")).not.toBe("close");
  });
});

describe("2. relay upstream timeouts", () => {
  it("answers 504 in OpenAI's shape when the upstream sends no headers in time, and aborts the upstream request", async () => {
    let upstreamSignal: AbortSignal | undefined;
    const { transport } = recordingTransport((_, request) => {
      upstreamSignal = request.signal;
      return new Promise<Response>((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason)));
    });
    const proxy = createProxy({ listening: local, relay: { transport, timeoutMs: 50 } });
    const started = Date.now();
    const response = await proxy.handle(new Request("http://localhost/proxy/https://api.openai.com/v1/models"));
    expect(response.status).toBe(504);
    expect((await response.json()).error).toMatchObject({ type: "server_error", code: "timeout", param: null, message: expect.stringContaining("api.openai.com sent no response headers within 0.05 s") });
    expect(upstreamSignal?.aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("cuts a body that goes silent longer than the idle timeout, aborting the upstream; a steady one passes", async () => {
    let upstreamSignal: AbortSignal | undefined;
    let slowPace = 0;
    const { transport } = recordingTransport((target, request) => {
      upstreamSignal = request.signal;
      const encoder = new TextEncoder();
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (target.pathname === "/silent" && sent === 1) return new Promise<void>(() => {}); // never another byte
          if (sent === 5) return controller.close();
          await new Promise((resolve) => setTimeout(resolve, slowPace));
          controller.enqueue(encoder.encode(`data: ${sent++}\n\n`));
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    });
    const proxy = createProxy({ listening: local, relay: { transport, allowHosts: ["llm.example.com"], idleTimeoutMs: 200 } });
    const silent = await proxy.handle(new Request("http://localhost/proxy/https://llm.example.com/silent"));
    expect(silent.status).toBe(200);
    const reader = silent.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: 0\n\n");
    await expect(reader.read()).rejects.toThrow(/llm\.example\.com sent nothing for 0\.2 s/);
    expect(upstreamSignal?.aborted).toBe(true);
    // Chunks 20 ms apart never trip a 200 ms idle timeout, however long the whole stream takes.
    slowPace = 20;
    const steady = await proxy.handle(new Request("http://localhost/proxy/https://llm.example.com/steady"));
    expect(await steady.text()).toBe("data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n");
  });

  it("over HTTP with the Node transport: a hanging upstream gets a 504, and its connection is closed", async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const upstream: LocalServer = await startLocalServer((request: IncomingMessage, _response: ServerResponse) => {
      request.socket.once("close", () => upstreamClosed());
    });
    servers.push(upstream);
    const server = await startProxyServer({ port: 0, tokens: [TOKEN], relay: { allowPrivate: [`127.0.0.1:${upstream.port}`], timeoutMs: 300 } });
    servers.push(server);
    const response = await fetch(`${server.url}/proxy/http://127.0.0.1:${upstream.port}/v1/models`, { headers: { "x-modelmesh-proxy-token": TOKEN } });
    expect(response.status).toBe(504);
    expect((await response.json()).error.code).toBe("timeout");
    await closed;
  });

  it("over HTTP: a body that goes silent after the headers ends as an aborted response, not a hang", async () => {
    const upstream: LocalServer = await startLocalServer((_request: IncomingMessage, response: ServerResponse) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: first\n\n"); // and then nothing, ever
    });
    servers.push(upstream);
    const server = await startProxyServer({ port: 0, tokens: [TOKEN], relay: { allowPrivate: [`127.0.0.1:${upstream.port}`], idleTimeoutMs: 300 } });
    servers.push(server);
    const response = await fetch(`${server.url}/proxy/http://127.0.0.1:${upstream.port}/v1/stream`, { headers: { "x-modelmesh-proxy-token": TOKEN } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: first\n\n");
    // The status line is out, so the only honest signal left is a connection that ends without a complete body.
    await expect(reader.read()).rejects.toThrow();
  });

  it("reads the timeouts from the YAML and refuses ones that are not positive", () => {
    expect(readProxySection({ relay: { timeout_ms: 30_000, idle_timeout_ms: 5_000 } }).relay).toEqual({ timeoutMs: 30_000, idleTimeoutMs: 5_000 });
    expect(() => readProxySection({ relay: { timeout_ms: 0 } })).toThrow(/proxy\.relay\.timeout_ms/);
    expect(() => createProxy({ listening: local, relay: { idleTimeoutMs: -1 } })).toThrow(ConfigError);
  });
});

describe("3. CORS for any origin needs a token", () => {
  it("refuses to start with allowed_origins * or null and no token, naming the setting", () => {
    for (const origins of [["*"], ["https://app.example", "null"]]) {
      expect(() => createProxy({ listening: local, cors: { enabled: true, allowedOrigins: origins } })).toThrow(ConfigError);
    }
    expect(() => createProxy({ listening: local, cors: { enabled: true, allowedOrigins: ["*"] } })).toThrow(/proxy\.cors\.allowed_origins.*set proxy\.token.*allow_any_origin_without_token/);
    // Exact origins, or CORS off, need no token.
    expect(() => createProxy({ listening: local, cors: { enabled: true, allowedOrigins: ["https://app.example"] } })).not.toThrow();
    expect(() => createProxy({ listening: local, cors: { enabled: false, allowedOrigins: ["*"] } })).not.toThrow();
  });

  it("accepts it with allow_any_origin_without_token: true, with a loud warning", async () => {
    const warnings: string[] = [];
    const proxy = createProxy({ listening: local, cors: { enabled: true, allowedOrigins: ["*"], allowAnyOriginWithoutToken: true }, warn: (line) => warnings.push(line) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^WARNING: .*ANY web page/);
    const response = await proxy.handle(new Request("http://localhost/health", { headers: { origin: "https://anyone.example" } }));
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const layer = readProxySection({ cors: { allowed_origins: ["*"], allow_any_origin_without_token: true } });
    expect(layer.cors).toEqual({ enabled: true, allowedOrigins: ["*"], allowAnyOriginWithoutToken: true });
  });

  it("keeps the FAQ's docker example working: * with a token starts and serves without a warning", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      // The example's settings, on loopback and a free port so the test binds nothing public.
      const settings = mergeSettings(readProxySection({ port: 8080, host: "0.0.0.0", token: "my-proxy-token", cors: { enabled: true, allowed_origins: ["*"] } }), { host: "127.0.0.1", port: 0 });
      const started = await serve(settings, undefined);
      servers.push({ close: () => started.stop() });
      const response = await fetch(`${started.server.url}/health`, { headers: { origin: "https://app.example" } });
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(warn).not.toHaveBeenCalled();
      const tokenless = mergeSettings(readProxySection({ cors: { enabled: true, allowed_origins: ["*"] } }), { port: 0 });
      await expect(serve(tokenless, undefined)).rejects.toThrow(ConfigError);
    } finally {
      warn.mockRestore();
    }
  });
});

describe("4. the relay allow-list follows the mesh's configuration", () => {
  it("relays to a provider's host once it is configured and refuses it once it is removed", async () => {
    const provider = (host: string) => ({ connector: "openai-compatible", config: { base_url: `https://${host}/v1`, api_key: "sk-test-0123456789", models: [{ id: "m", capabilities: [CHAT] }] } });
    const client = create({ config: { providers: { one: provider("llm-one.example.com") } } });
    await client.ready();
    const { transport, targets } = recordingTransport();
    const proxy = createProxy({ listening: local, mesh: client, relay: { transport } });
    const relay = async (host: string) => (await proxy.handle(new Request(`http://localhost/proxy/https://${host}/v1/models`))).status;
    try {
      expect(await relay("llm-one.example.com")).toBe(200);
      expect(await relay("llm-two.example.com")).toBe(403);
      expect(await client.mesh.reconfigure({ providers: { two: provider("llm-two.example.com") } })).toEqual([]);
      expect(await relay("llm-two.example.com")).toBe(200);
      expect(await relay("llm-one.example.com")).toBe(403);
      expect(targets).toEqual(["https://llm-one.example.com/v1/models", "https://llm-two.example.com/v1/models"]);
    } finally {
      await client.close();
    }
  });
});

describe("7. only Bearer carries the proxy token in mesh mode", () => {
  const proxy = createProxy({ listening: local, tokens: [TOKEN] });
  const status = async (authorization: string) => (await proxy.handle(new Request("http://localhost/metrics", { headers: { authorization } }))).status;

  it.each([
    ["Basic with the token as password", `Basic ${btoa(`user:${TOKEN}`)}`],
    ["Basic with the token as user", `Basic ${btoa(`${TOKEN}:`)}`],
    ["Basic with the token itself", `Basic ${TOKEN}`],
    ["Token scheme", `Token ${TOKEN}`],
    ["Bearer-like scheme", `Bearerx ${TOKEN}`],
    ["bare token", TOKEN],
    ["scheme without a separator", `Bearer${TOKEN}`],
    ["token with extra text", `Bearer ${TOKEN} extra`],
    ["empty Bearer", "Bearer "],
  ])("refuses %s", async (_, authorization) => expect(await status(authorization)).toBe(401));

  it.each(["Bearer", "bearer", "BEARER", "BeArEr"])("accepts the scheme spelt %s (RFC 7235: case-insensitive)", async (scheme) => {
    expect(await status(`${scheme} ${TOKEN}`)).toBe(200);
    expect(await status(`${scheme}   ${TOKEN}  `)).toBe(200);
  });
});

describe("8. without the Node transport, the relay fails closed", () => {
  function stubFetch() {
    const fetched: string[] = [];
    vi.stubGlobal("fetch", async (input: URL | string) => {
      fetched.push(String(input));
      return new Response("{}", { headers: { "content-type": "application/json" } });
    });
    return fetched;
  }

  it("refuses names it cannot check (503) instead of fetching them; IP literals are checked without DNS", async () => {
    const fetched = stubFetch();
    const proxy = createProxy({ listening: local, relay: { allowHosts: ["8.8.8.8"] } });
    const refused = await proxy.handle(new Request("http://localhost/proxy/https://api.openai.com/v1/models"));
    expect(refused.status).toBe(503);
    expect((await refused.json()).error).toMatchObject({ code: "relay_address_check_unavailable", message: expect.stringContaining("startProxyServer") });
    expect(fetched).toEqual([]);
    expect((await proxy.handle(new Request("http://localhost/proxy/https://8.8.8.8/v1/models"))).status).toBe(200);
    expect(fetched).toEqual(["https://8.8.8.8/v1/models"]);
  });

  it("with a resolver: fetches only when every answer is public; unresolvable or odd answers are refused", async () => {
    const fetched = stubFetch();
    const answers: Record<string, string[] | Error> = {
      "public.example.com": ["8.8.8.8", "2606:4700::6812:6c0"],
      "mixed.example.com": ["8.8.8.8", "10.0.0.1"],
      "mapped.example.com": ["::ffff:169.254.169.254"],
      "odd.example.com": ["not-an-address"],
      "gone.example.com": new Error("ENOTFOUND"),
      "empty.example.com": [],
    };
    const resolve = async (hostname: string) => {
      const answer = answers[hostname]!;
      if (answer instanceof Error) throw answer;
      return answer;
    };
    const proxy = createProxy({ listening: local, relay: { allowHosts: Object.keys(answers), resolve } });
    const status = async (host: string) => (await proxy.handle(new Request(`http://localhost/proxy/https://${host}/x`))).status;
    expect(await status("public.example.com")).toBe(200);
    expect(await status("mixed.example.com")).toBe(403);
    expect(await status("mapped.example.com")).toBe(403);
    expect(await status("odd.example.com")).toBe(403);
    expect(await status("gone.example.com")).toBe(502);
    expect(await status("empty.example.com")).toBe(502);
    expect(fetched).toEqual(["https://public.example.com/x"]);
  });

  it("fetches unchecked names only when told to (allowUncheckedAddresses, for runtimes without private networks)", async () => {
    const fetched = stubFetch();
    const proxy = createProxy({ listening: local, relay: { allowUncheckedAddresses: true } });
    expect((await proxy.handle(new Request("http://localhost/proxy/https://api.openai.com/v1/models"))).status).toBe(200);
    expect(fetched).toEqual(["https://api.openai.com/v1/models"]);
    // Static rules still apply: a private literal or name is refused whatever the runtime.
    expect((await proxy.handle(new Request("http://localhost/proxy/https://metadata.google.internal/x"))).status).toBe(403);
    expect(fetched).toHaveLength(1);
  });
});

describe("9. relayed responses cannot be sniffed or set cookies", () => {
  it("adds nosniff and a sandboxing CSP, and drops set-cookie and the upstream's HSTS", async () => {
    const { transport } = recordingTransport(
      () =>
        new Response("<script>alert(1)</script>", {
          headers: [
            ["content-type", "text/plain"],
            ["set-cookie", "session=upstream-secret"],
            ["set-cookie", "other=1"],
            ["strict-transport-security", "max-age=63072000; includeSubDomains"],
            ["x-content-type-options", "sniff-away"],
            ["x-ratelimit-remaining-requests", "41"],
          ],
        }),
    );
    const proxy = createProxy({ listening: local, relay: { transport } });
    const response = await proxy.handle(new Request("http://localhost/proxy/https://api.openai.com/v1/models"));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("strict-transport-security")).toBeNull();
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("41");
  });
});

describe("11. bad input is refused before routing and costs other callers nothing", () => {
  const post = (path: string, body: string | Uint8Array, token = TOKEN) =>
    fetch(`${running!.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body as BodyInit });

  it("answers 400 for deeply nested, malformed or non-object JSON, 413 for oversized, and no provider hears of it", async () => {
    running = await startMeshProxy({ maxBodyBytes: 64 * 1024, tokens: [TOKEN, OTHER_TOKEN] });
    const deep = `{"model":"chat","messages":[{"role":"user","content":"hi"}],"metadata":${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    const nested = await post("/v1/chat/completions", deep);
    expect(nested.status).toBe(400);
    expect((await nested.json()).error).toMatchObject({ type: "invalid_request_error", message: "the JSON body nests deeper than 128 levels" });
    // 128 levels are fine: a real request with a deep tool schema still goes through.
    let schema: Record<string, unknown> = { type: "string" };
    // 25 schema levels (about 55 JSON levels): deeper than any real schema, within the SDK's own limit of 64.
    for (let level = 0; level < 25; level++) schema = { type: "object", properties: { inner: schema } };
    const tools = [{ type: "function", function: { name: "deep", parameters: schema } }];
    expect((await post("/v1/chat/completions", JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }], tools }))).status).toBe(200);
    expect(running.a.requests.length + running.b.requests.length).toBe(1);
    for (const body of ['{"model":"chat",', "[1,2,3]", '"just a string"', "null", "\u0000\u00ff"]) {
      const response = await post("/v1/chat/completions", body);
      expect(response.status, body).toBe(400);
      expect((await response.json()).error.type, body).toBe("invalid_request_error");
    }
    expect((await post("/v1/embeddings", new Uint8Array(65 * 1024).fill(0x20))).status).toBe(413);
    expect(running.a.requests.length + running.b.requests.length).toBe(1);
    // The other caller is served as before.
    expect((await post("/v1/chat/completions", JSON.stringify({ model: "chat", messages: [{ role: "user", content: "still fine" }] }), OTHER_TOKEN)).status).toBe(200);
  });

  it("counts nesting exactly: brackets inside strings, escaped quotes and escaped backslashes do not fool it", () => {
    expect(exceedsJsonDepth("[[[]]]", 3)).toBe(false);
    expect(exceedsJsonDepth("[[[]]]", 2)).toBe(true);
    expect(exceedsJsonDepth('{"a":"[[[[[[{{{{"}', 2)).toBe(false);
    expect(exceedsJsonDepth('{"a":"\\"[[[[[["}', 2)).toBe(false);
    expect(exceedsJsonDepth('{"a":"\\\\","b":[[[[]]]]}', 3)).toBe(true);
    expect(exceedsJsonDepth('[{"x":[{"y":[1]}]},{"z":[]}]', 5)).toBe(false);
    expect(exceedsJsonDepth('[{"x":[{"y":[1]}]},{"z":[]}]', 4)).toBe(true);
  });

  it("does not echo an unknown model name whole, in the answer or in /metrics", async () => {
    running = await startMeshProxy();
    // Longer than any model id: refused before any lookup, without being echoed.
    const huge = `junk-${"x".repeat(20_000)}`;
    const refused = await post("/v1/chat/completions", JSON.stringify({ model: huge, messages: [{ role: "user", content: "hi" }] }));
    expect(refused.status).toBe(400);
    const refusal = (await refused.json()).error;
    expect(refusal).toMatchObject({ type: "invalid_request_error", param: "model" });
    expect(refusal.message).toContain("20005");
    expect(refusal.message.length).toBeLessThan(300);
    // A name of a plausible length that matches nothing: 404, quoted short.
    const name = `junk-${"x".repeat(200)}`;
    const response = await post("/v1/chat/completions", JSON.stringify({ model: name, messages: [{ role: "user", content: "hi" }] }));
    expect(response.status).toBe(404);
    const { error } = await response.json();
    expect(error).toMatchObject({ code: "model_not_found", param: null });
    expect(error.message).toContain("junk-xxxx");
    expect(error.message).toContain("(205 characters)");
    expect(error.message.length).toBeLessThan(300);
    const metrics = await (await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).not.toContain("junk-");
  });
});

describe("caller-chosen names are quoted short", () => {
  it("in 404s for paths and model ids, and in 403s for hosts and origins", async () => {
    running = await startMeshProxy({ cors: { enabled: true, allowedOrigins: ["https://app.example"] } });
    const long = "q".repeat(5_000);
    const answers = [
      await fetch(`${running.url}/${long}`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      await fetch(`${running.url}/v1/${long}`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      await fetch(`${running.url}/v1/models/${long}`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      await fetch(`${running.url}/health`, { headers: { origin: `https://${long}.example` } }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 403]);
    for (const answer of answers) {
      const message: string = (await answer.json()).error.message;
      expect(message).toContain("qqqq");
      expect(message.length).toBeLessThan(400);
    }
    const tokenless = createProxy({ listening: local });
    const foreign = await tokenless.handle(new Request("http://localhost/health", { headers: { host: `${long}.example` } }));
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()).error.message as string).length).toBeLessThan(400);
  });
});

describe("the handler never crashes", () => {
  it("answers a failure inside a check with a typed 500, never a rejected promise", async () => {
    const proxy = createProxy({
      listening: local,
      relay: {
        transport: Object.assign(
          async () => {
            throw new Error("transport exploded");
          },
          { checksAddresses: true },
        ),
      },
    });
    // A request whose headers cannot even be read throws inside the handler's own checks.
    const hostile = new Request("http://localhost/proxy/https://api.openai.com/v1/models");
    Object.defineProperty(hostile, "headers", { get: () => ({ get: () => { throw new Error("unreadable headers"); } }) });
    const response = await proxy.handle(hostile);
    expect(response.status).toBe(500);
    expect((await response.json()).error).toMatchObject({ type: "server_error", code: "internal_error" });
    expect((await proxy.handle(new Request("http://localhost/proxy/https://api.openai.com/v1/models"))).status).toBe(502);
  });
});
