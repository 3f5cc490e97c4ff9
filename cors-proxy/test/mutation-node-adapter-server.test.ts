/**
 * startProxyServer (cors-proxy/src/node-adapter.ts): the address it reports, a port it cannot take, and close(),
 * which lets requests in flight finish for graceMs and then cuts what is left. Upstreams are recording servers on
 * 127.0.0.1 reached through the relay.
 *
 * Survivors judged equivalent or left untested:
 * - displayHost's "0.0.0.0" and "::" branches: listening beyond 127.0.0.1 is outside these tests' rules (loopback only);
 *   with host 127.0.0.1, `host === "0.0.0.0"` -> true also gives "127.0.0.1".
 * - `noDelay: true` and `keepAliveTimeout: 65_000`: no difference a test can see in under a second.
 * - connectionsCheckingInterval's `Math.max(50, ...)` and `Math.min(headersMs, requestMs)`: they move when a slow
 *   client is cut by a fraction of the bound only (slow-clients.test.ts checks the bounds themselves).
 * - `server.off("error", reject)` and `timer.unref()` / `clearTimeout(timer)` in close(): a settled promise and a
 *   timer that finds no socket left change nothing a caller sees.
 * - `options.port ?? 8787` -> `&&`: port 0 (every test) gives 0 either way; the default port is not the tests' to take.
 * - the initial `origin` (`http://host` before listening) emptied: it is replaced before any request can arrive.
 * - `typeof address === "object" && address` and its variants: a TCP server's address() is always an object.
 * - `sockets.delete(socket)` on "close" dropped: destroying an already closed socket at the end of the grace does
 *   nothing.
 */
import { createServer, get } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startProxyServer, type ProxyServer } from "../src/node-adapter.js";
import { startRecordingServer, type Received } from "./support/recording-server.js";
import { rawExchange } from "./support/stub-proxy.js";
import type { LocalServer } from "../../sdk/test/fakes/http.js";

const received: Received[] = [];
let upstream: LocalServer | undefined;
let proxy: ProxyServer | undefined;

afterEach(async () => {
  await proxy?.close(50).catch(() => {});
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
  received.length = 0;
});

/** A proxy relaying to an upstream that answers `text` after `delayMs` (never, when delayMs is Infinity). */
async function relayWithDelay(delayMs: number, text = "late answer"): Promise<string> {
  upstream = await startRecordingServer(async (_request, response) => {
    if (delayMs === Infinity) return;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    response.writeHead(200, { "content-type": "text/plain" }).end(text);
  }, received);
  proxy = await startProxyServer({ port: 0, relay: { allowPrivate: [`127.0.0.1:${upstream.port}`] } });
  return `${proxy.url}/proxy/${upstream.url}/slow`;
}

describe("startProxyServer", () => {
  it("reports the loopback address and the port it got, and answers there", async () => {
    proxy = await startProxyServer({ port: 0 });
    expect(proxy.port).toBeGreaterThan(0);
    expect([proxy.host, proxy.url]).toEqual(["127.0.0.1", `http://127.0.0.1:${proxy.port}`]);
    expect((await fetch(`${proxy.url}/health`)).status).toBe(200);
  });

  it("rejects when the port is taken", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(startProxyServer({ port })).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe("close()", () => {
  it("lets a request in flight finish within the default grace", async () => {
    const url = await relayWithDelay(300);
    // A connection that closes after its answer (no keep-alive), so the server has nothing left once it is sent.
    const answer = new Promise<[number, string]>((resolve, reject) => {
      get(url, { agent: false }, (incoming) => {
        let text = "";
        incoming.on("data", (part) => (text += String(part)));
        incoming.once("end", () => resolve([incoming.statusCode!, text]));
      }).once("error", reject);
    });
    await expect.poll(() => received.length).toBe(1);
    const closing = proxy!.close();
    expect(await answer).toEqual([200, "late answer"]);
    const answeredAt = performance.now();
    await closing;
    proxy = undefined;
    // Closed once the last request was done, not when the 5 s grace ran out.
    expect(performance.now() - answeredAt).toBeLessThan(1_000);
  });

  it("cuts a request still running when graceMs is over, and resolves then", async () => {
    const url = await relayWithDelay(Infinity);
    const answer = fetch(url).then(
      (response) => response.status,
      () => "cut",
    );
    await expect.poll(() => received.length).toBe(1);
    const started = performance.now();
    await proxy!.close(100);
    proxy = undefined;
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(await answer).toBe("cut");
  });

  it("refuses new connections once closed", async () => {
    proxy = await startProxyServer({ port: 0 });
    const url = proxy.url;
    await proxy.close(50);
    proxy = undefined;
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

describe("maxBodyBytes", () => {
  it("is answered 413 as soon as the head declares a longer body, without waiting for the body", async () => {
    upstream = await startRecordingServer((_request, response) => void response.end("upstream"), received);
    proxy = await startProxyServer({ port: 0, maxBodyBytes: 100, relay: { allowPrivate: [`127.0.0.1:${upstream.port}`] } });
    // The head only: a proxy that read the body first would still be waiting for it.
    const reply = await rawExchange(proxy.port, [`POST /proxy/${upstream.url}/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n`], { waitMs: 1_000 });
    expect(reply.status).toBe(413);
    expect(received).toEqual([]);
  });
});
