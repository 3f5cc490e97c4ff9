import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startLocalServer, type LocalServer, type RequestHandler } from "../../sdk/test/fakes/http.js";
import { startProxyServer, type ProxyServer } from "../src/node-adapter.js";

// The adapter writes relayed bodies by piping the upstream's Node stream (no web stream): a cut on either side must
// still reach the other side, and small request bodies go up in one piece.
let upstream: LocalServer | undefined;
let proxy: ProxyServer | undefined;

afterEach(async () => {
  await proxy?.close(100);
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
});

async function relayTo(handler: RequestHandler): Promise<string> {
  upstream = await startLocalServer(handler);
  proxy = await startProxyServer({ port: 0, relay: { allowPrivate: [`127.0.0.1:${upstream.port}`] } });
  return `${proxy.url}/proxy/${upstream.url}`;
}

describe("node adapter, relayed bodies", () => {
  it("sends a small POST body up whole, with its length, and answers the upstream's bytes", async () => {
    const seen: Array<{ body: string; length: string | undefined; encoding: string | undefined }> = [];
    const base = await relayTo(async (request, response) => {
      const parts: Buffer[] = [];
      for await (const part of request) parts.push(part as Buffer);
      seen.push({ body: Buffer.concat(parts).toString(), length: request.headers["content-length"], encoding: request.headers["transfer-encoding"] });
      response.writeHead(200, { "content-type": "application/json" }).end('{"echo":true}');
    });
    const response = await fetch(`${base}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"model":"m"}' });
    expect(await response.json()).toEqual({ echo: true });
    expect(seen).toEqual([{ body: '{"model":"m"}', length: "13", encoding: undefined }]);
  });

  it("cuts the client's response when the upstream dies mid-body", async () => {
    const base = await relayTo((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n", () => setTimeout(() => response.socket?.destroy(), 30));
    });
    const response = await fetch(`${base}/stream`);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: one\n\n");
    await expect(reader.read()).rejects.toThrow();
  });

  it("closes the upstream connection when the client leaves a relayed stream", async () => {
    let upstreamClosed = false;
    const base = await relayTo((request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n");
      request.socket.once("close", () => (upstreamClosed = true));
    });
    await new Promise<void>((resolve, reject) => {
      const outgoing = httpRequest(`${base}/stream`, (incoming) => {
        incoming.once("data", () => {
          outgoing.destroy();
          resolve();
        });
      });
      outgoing.on("error", () => {});
      outgoing.once("error", reject);
      outgoing.end();
    });
    await vi.waitFor(() => expect(upstreamClosed).toBe(true), { timeout: 5_000 });
  });
});

describe("node adapter, requests it reads itself", () => {
  // node:http keeps only the first of repeated Authorization headers; a Web Request joins them, so the token no
  // longer matches. The adapter's own request shape must read them as a Request would.
  it("refuses a request with a valid token followed by a second Authorization header", async () => {
    proxy = await startProxyServer({ port: 0, tokens: ["good-token-1234567890"] });
    const status = (headers: string[]) =>
      new Promise<number>((resolve, reject) => {
        const outgoing = httpRequest(`${proxy!.url}/v1/models`, { method: "GET", headers: ["host", `127.0.0.1:${proxy!.port}`, ...headers] }, (incoming) => {
          incoming.resume();
          resolve(incoming.statusCode!);
        });
        outgoing.once("error", reject);
        outgoing.end();
      });
    expect(await status(["authorization", "Bearer good-token-1234567890"])).toBe(404);
    expect(await status(["authorization", "Bearer good-token-1234567890", "authorization", "Bearer other"])).toBe(401);
  });

  it("answers a POST with a JSON body through the same checks and routes (no mesh: 404 after the token check)", async () => {
    proxy = await startProxyServer({ port: 0, tokens: ["good-token-1234567890"] });
    const post = (token: string) =>
      fetch(`${proxy!.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-request-id": "abc-1" }, body: "{}" });
    const refused = await post("wrong");
    expect([refused.status, refused.headers.get("x-request-id"), refused.headers.get("content-type")]).toEqual([401, "abc-1", "application/json"]);
    const body = (await refused.json()) as { error: { code: string } };
    expect(body.error.code).toBe("invalid_api_key");
    const answered = await post("good-token-1234567890");
    expect(answered.status).toBe(404);
    expect(Number(answered.headers.get("content-length"))).toBe(Buffer.byteLength(await answered.text()));
  });
});
