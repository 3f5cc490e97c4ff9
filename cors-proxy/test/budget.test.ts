import { afterEach, expect, it } from "vitest";
import { create } from "modelmesh";
import { startProxyServer, type ProxyServer } from "../src/node-adapter.js";
import { createNodeFetch } from "modelmesh/node-fetch";
import { TOKEN, startMeshFakes } from "./support.js";

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

it("a budget breach through /v1/chat/completions is a 402 in OpenAI's error shape, and no provider is called", async () => {
  const fakes = await startMeshFakes();
  cleanup.push(() => fakes.close());
  const providers = fakes.config.providers;
  const config = { ...fakes.config, providers: { ...providers, a: { ...providers.a, budget: { daily_limit: 0 } } } };
  const client = create({ config, fetch: createNodeFetch() });
  cleanup.push(() => client.close());
  await client.ready();
  const server: ProxyServer = await startProxyServer({ mesh: client, port: 0, tokens: [TOKEN] });
  cleanup.push(() => server.close(100));
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "Hello" }], max_tokens: 8 }),
  });
  expect(response.status).toBe(402);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(body).toEqual({ error: { message: expect.stringContaining("provider:a: daily budget of $0 reached"), type: "insufficient_quota", param: null, code: "budget_exceeded" } });
  const chatRequests = [...fakes.a.requests, ...fakes.b.requests].filter((request) => request.path.endsWith("/chat/completions"));
  expect(chatRequests).toHaveLength(0);
});
