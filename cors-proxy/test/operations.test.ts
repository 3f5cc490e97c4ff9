import { afterEach, describe, expect, it, vi } from "vitest";
import { create } from "modelmesh";
import { startLocalServer } from "../../sdk/test/fakes/http.js";
import { createProxy } from "../src/handler.js";
import { startProxyServer } from "../src/node-adapter.js";
import { startMeshProxy, TOKEN, type MeshProxy } from "./support.js";

let running: MeshProxy | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("health, readiness and metrics", () => {
  it("/health is always 200; /ready is 200 once a pool has an active model", async () => {
    running = await startMeshProxy();
    const health = await fetch(`${running.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", mesh: "started" });
    const ready = await fetch(`${running.url}/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).pools.chat).toMatchObject({ active: 2, total: 2 });
  });

  it("/ready is 503 while the mesh is not started (or failed to start), and /health still answers", async () => {
    const broken = create({ config: "/nonexistent/modelmesh.yaml" });
    const proxy = createProxy({ mesh: broken, listening: { host: "127.0.0.1" } });
    await broken.ready().catch(() => {});
    expect((await proxy.handle(new Request("http://localhost/ready"))).status).toBe(503);
    const health = await proxy.handle(new Request("http://localhost/health"));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ mesh: "failed" });
  });

  it("/ready says \"starting\" (503) until the mesh has started, then 200", async () => {
    const fake = await startLocalServer((request, response) => {
      response.writeHead(404).end();
      void request;
    });
    try {
      const client = create("chat-completion", { config: { providers: { local: { connector: "openai-compatible", config: { base_url: `${fake.url}/v1`, models: [{ id: "m", capabilities: ["chat-completion"] }] } } } } });
      const proxy = createProxy({ mesh: client, listening: { host: "127.0.0.1" } });
      const starting = await proxy.handle(new Request("http://localhost/ready"));
      expect(starting.status).toBe(503);
      expect(await starting.json()).toEqual({ status: "starting" });
      await client.ready();
      expect((await proxy.handle(new Request("http://localhost/ready"))).status).toBe(200);
      await client.close();
    } finally {
      await fake.close();
    }
  });

  it("/metrics serves proxy and mesh metrics in Prometheus text format", async () => {
    running = await startMeshProxy();
    const openai = running.openai();
    await openai.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hi" }] });
    await fetch(`${running.url}/nowhere`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const response = await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await response.text();
    expect(text).toContain('modelmesh_proxy_requests_total{route="/v1/chat/completions",status="200"} 1');
    expect(text).toContain('modelmesh_proxy_requests_total{route="not_found",status="404"} 1');
    expect(text).toContain('modelmesh_proxy_request_duration_seconds_count{route="/v1/chat/completions"} 1');
    expect(text).toContain("# TYPE modelmesh_proxy_request_duration_seconds histogram");
    expect(text).toMatch(/modelmesh_requests_total\{pool="chat",provider="a",model="alpha",outcome="ok",code=""\} 1/);
    expect(text).toContain("# TYPE modelmesh_request_duration_seconds histogram");
  });

  it("refuses the relay from a mesh provider's private host unless allowed, and stops cleanly", async () => {
    running = await startMeshProxy();
    const port = new URL(running.a.url).port;
    const response = await fetch(`${running.url}/proxy/http://127.0.0.1:${port}/v1/models`, { headers: { "x-modelmesh-proxy-token": TOKEN } });
    expect(response.status).toBe(403);
  });

  it("answers 503 after close() and the server stops listening", async () => {
    running = await startMeshProxy();
    const { server } = running;
    await server.proxy.close();
    expect((await fetch(`${running.url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(503);
    await server.close(100);
    await expect(fetch(`${running.url}/health`)).rejects.toThrow();
  });
});

describe("a client that goes away", () => {
  it("cancels the upstream request, streaming or not", async () => {
    const closed: Array<{ path: string; finished: boolean }> = [];
    let received = 0;
    const upstreamRequests = () => received;
    const upstream = await startLocalServer(async (request, response) => {
      received++;
      for await (const _part of request) {
        // drain the body
      }
      response.on("close", () => closed.push({ path: request.url ?? "", finished: response.writableFinished }));
      const chunk = (content: string) => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "slow", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
      response.writeHead(200, { "content-type": "text/event-stream" });
      // Streams forever, a chunk every 20 ms; a non-streaming request simply never gets an answer.
      for (let index = 0; !response.destroyed; index++) {
        response.write(chunk(`part ${index} `));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    const client = create({
      config: {
        providers: { slow: { connector: "openai-compatible", config: { base_url: `${upstream.url}/v1`, api_key: "sk-test", models: [{ id: "slow", capabilities: ["generation.text-generation.chat-completion"] }] } } },
      },
    });
    await client.ready();
    const server = await startProxyServer({ mesh: client, port: 0 });
    try {
      const controller = new AbortController();
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "slow", messages: [{ role: "user", content: "hi" }], stream: true }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain("part 0");
      controller.abort();
      await vi.waitFor(() => expect(closed).toEqual([{ path: "/v1/chat/completions", finished: false }]), { timeout: 2000, interval: 20 });
      const waiting = new AbortController();
      const pending = fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "slow", messages: [{ role: "user", content: "hi" }] }),
        signal: waiting.signal,
      }).catch(() => undefined);
      await vi.waitFor(() => expect(upstreamRequests()).toBe(2), { timeout: 2000, interval: 10 });
      waiting.abort();
      await pending;
      await vi.waitFor(() => expect(closed).toHaveLength(2), { timeout: 2000, interval: 20 });
      expect(closed[1]).toEqual({ path: "/v1/chat/completions", finished: false });
    } finally {
      await server.close(100);
      await client.close();
      await upstream.close();
    }
  });
});
