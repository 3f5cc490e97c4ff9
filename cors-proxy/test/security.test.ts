import * as crypto from "node:crypto";
import OpenAI from "openai";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "modelmesh";
import { createProxy } from "../src/handler.js";
import { startProxyServer } from "../src/node-adapter.js";
import { everything, PROVIDER_KEY_A, PROVIDER_KEY_B, rawRequest, startMeshProxy, TOKEN, type MeshProxy } from "./support.js";

vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:crypto")>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const local = { host: "127.0.0.1" };
const get = (path: string, headers: Record<string, string> = {}) => new Request(`http://localhost${path}`, { headers });

let running: MeshProxy | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  vi.unstubAllEnvs();
});

describe("CORS only for configured origins", () => {
  const proxy = createProxy({ listening: local, cors: { enabled: true, allowedOrigins: ["https://app.example"] } });

  it("answers an allowed preflight with 204 and the allowed methods and headers", async () => {
    const response = await proxy.handle(new Request("http://localhost/proxy/https://api.openai.com/v1/chat/completions", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, x-modelmesh-proxy-token" },
    }));
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    expect(response.headers.get("access-control-allow-headers")).toContain("x-modelmesh-proxy-token");
  });

  it("refuses a preflight from any other origin with 403 and no CORS headers", async () => {
    const response = await proxy.handle(new Request("http://localhost/v1/models", { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "GET" } }));
    expect(response.status).toBe(403);
    expect([...response.headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });

  it("adds CORS headers to allowed origins only, and refuses requests from other origins outright", async () => {
    const allowed = await proxy.handle(get("/health", { origin: "https://app.example" }));
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const foreign = await proxy.handle(get("/health", { origin: "https://evil.example" }));
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const none = await proxy.handle(get("/health"));
    expect(none.status).toBe(200);
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("has CORS off unless configured, and `*` allows every origin", async () => {
    const closed = createProxy({ listening: local });
    const preflight = new Request("http://localhost/health", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "GET" } });
    expect((await closed.handle(preflight)).status).toBe(403);
    const open = createProxy({ listening: local, tokens: [TOKEN], cors: { enabled: true, allowedOrigins: ["*"] } });
    const response = await open.handle(get("/health", { origin: "https://anyone.example" }));
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("tokens", () => {
  it("refuses to start beyond loopback without a token", async () => {
    expect(() => createProxy({ listening: { host: "0.0.0.0" } })).toThrow(ConfigError);
    expect(() => createProxy({ listening: { host: "192.168.1.20" } })).toThrow(/needs a token/);
    await expect(startProxyServer({ host: "0.0.0.0", port: 0 })).rejects.toThrow(ConfigError);
    expect(() => createProxy({ listening: { host: "0.0.0.0" }, tokens: [TOKEN] })).not.toThrow();
    expect(() => createProxy({ listening: local, tokens: [""] })).toThrow(ConfigError);
  });

  it("answers 401 for a missing or wrong token, on the API and on /metrics; /health stays open", async () => {
    const proxy = createProxy({ listening: local, tokens: [TOKEN, "second-token-abcdefghij"] });
    expect((await proxy.handle(get("/v1/models"))).status).toBe(401);
    const wrong = await proxy.handle(get("/v1/models", { authorization: "Bearer wrong" }));
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toMatchObject({ code: "invalid_api_key", type: "invalid_request_error" });
    expect((await proxy.handle(get("/metrics", { authorization: "Bearer wrong" }))).status).toBe(401);
    expect((await proxy.handle(get("/metrics", { authorization: `Bearer ${TOKEN}` }))).status).toBe(200);
    expect((await proxy.handle(get("/metrics", { authorization: "Bearer second-token-abcdefghij" }))).status).toBe(200);
    expect((await proxy.handle(get("/health"))).status).toBe(200);
  });

  it("compares tokens in constant time over equal-length digests, against every configured token", async () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    const proxy = createProxy({ listening: local, tokens: [TOKEN, "another-token-of-another-length"] });
    await proxy.handle(get("/metrics", { authorization: "Bearer x" }));
    expect(spy).toHaveBeenCalledTimes(2);
    for (const [left, right] of spy.mock.calls) {
      expect((left as Buffer).length).toBe(32);
      expect((right as Buffer).length).toBe(32);
    }
  });

  it("without a token serves only requests addressed to localhost (no DNS rebinding into it)", async () => {
    const server = await startProxyServer({ port: 0 });
    try {
      const foreign = await rawRequest(server.port, `GET /health HTTP/1.1\r\nHost: attacker.example:${server.port}\r\nConnection: close\r\n\r\n`);
      expect(foreign).toMatch(/^HTTP\/1\.1 403/);
      const localhost = await rawRequest(server.port, `GET /health HTTP/1.1\r\nHost: localhost:${server.port}\r\nConnection: close\r\n\r\n`);
      expect(localhost).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      await server.close(100);
    }
  });
});

describe("body size in mesh mode", () => {
  it("answers 413 with an OpenAI-shaped error before routing", async () => {
    running = await startMeshProxy({ maxBodyBytes: 2048 });
    const openai = running.openai();
    const error = await openai.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "x".repeat(4096) }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < 4; index++) controller.enqueue(new Uint8Array(1024).fill(32));
        controller.close();
      },
    });
    const chunked = await fetch(`${running.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: streamed, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(running.a.requests).toHaveLength(0);
  });
});

describe("request ids", () => {
  it("honours a well-formed x-request-id, replaces a malformed one, and sets one on every response", async () => {
    const proxy = createProxy({ listening: local, tokens: [TOKEN] });
    expect((await proxy.handle(get("/health", { "x-request-id": "trace-123.abc" }))).headers.get("x-request-id")).toBe("trace-123.abc");
    const replaced = (await proxy.handle(get("/health", { "x-request-id": "bad id with spaces" }))).headers.get("x-request-id");
    expect(replaced).toMatch(/^mmp-[0-9a-f]{8}-[0-9a-z]+$/);
    expect((await proxy.handle(get("/health"))).headers.get("x-request-id")).not.toBe(replaced);
    for (const response of [await proxy.handle(get("/v1/models")), await proxy.handle(get("/nowhere")), await proxy.handle(new Request("http://localhost/", { method: "OPTIONS" }))]) {
      expect(response.headers.get("x-request-id")).toBeTruthy();
    }
  });
});

describe("no provider key ever leaves the proxy", () => {
  const UNSHAPED = "corp-unshaped-secret-7f3a9c5e1d";

  it("scrubs keys that upstream errors quote, from bodies, headers, streams and metrics", async () => {
    vi.stubEnv("CORP_LLM_API_KEY", UNSHAPED);
    running = await startMeshProxy();
    const quoting = (status: number) => ({
      kind: "error" as const,
      status,
      body: { error: { message: `key ${PROVIDER_KEY_A} / ${PROVIDER_KEY_B} / ${UNSHAPED} rejected`, type: "invalid_request_error", param: null, code: null } },
    });
    const seen: string[] = [];
    const call = async (body: unknown) => {
      const response = await fetch(`${running!.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      seen.push(await everything(response));
      return response.status;
    };
    running.a.setMode(quoting(400));
    expect(await call({ model: "chat", messages: [{ role: "user", content: "hi" }] })).toBe(400);
    running.a.setMode(quoting(500));
    running.b.setMode(quoting(500));
    expect(await call({ model: "chat", messages: [{ role: "user", content: "hi" }] })).toBe(502);
    running.a.setMode(quoting(401));
    running.b.setMode(quoting(401));
    expect(await call({ model: "beta", messages: [{ role: "user", content: "hi" }], stream: true })).toBeGreaterThanOrEqual(500);
    const openai = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
    await openai.chat.completions.create({ model: "alpha", messages: [{ role: "user", content: "hi" }] }).catch((error: unknown) => seen.push(String(error), JSON.stringify(error)));
    seen.push(await everything(await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })));
    const all = seen.join("\n");
    expect(all).toContain("rejected");
    for (const secret of [PROVIDER_KEY_A, PROVIDER_KEY_B, UNSHAPED, TOKEN]) expect(all).not.toContain(secret);
  });
});
