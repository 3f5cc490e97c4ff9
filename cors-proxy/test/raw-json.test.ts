import { afterEach, describe, expect, it } from "vitest";
import { create, Middleware, OpenAICompatibleProvider, type MeshClient } from "modelmesh";
import { startProxyServer, type ProxyServer } from "../src/node-adapter.js";
import { createNodeFetch } from "modelmesh/node-fetch";
import { startMeshFakes, TOKEN } from "./support.js";

// A completion the mesh passes on unchanged goes out as the service's own JSON text (not parsed and serialised
// again, which also kept OpenAI's key order: `usage` before `service_tier` and `system_fingerprint`); one the mesh
// changed (a cost written in, a middleware's edit) goes out as changed.
const OPENAI_ORDER = ["id", "object", "created", "model", "choices", "usage", "service_tier", "system_fingerprint"];
const hello = [{ role: "user" as const, content: "Hello there" }];

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function proxyOver(pool: string[], middleware: Middleware[] = []): Promise<{ server: ProxyServer; client: MeshClient; fakes: Awaited<ReturnType<typeof startMeshFakes>> }> {
  const fakes = await startMeshFakes();
  const config = { ...fakes.config, pools: { chat: { ...fakes.config.pools.chat, models: pool } } };
  const client = create({ config, fetch: createNodeFetch(), middleware });
  return { server: await serve(client, fakes), client, fakes };
}

/** The proxy in front of `client`; `afterEach` closes both and the fakes. */
async function serve(client: MeshClient, fakes: { close(): Promise<void> }): Promise<ProxyServer> {
  await client.ready();
  const server = await startProxyServer({ mesh: client, port: 0, tokens: [TOKEN] });
  stop = async () => {
    await server.close(100);
    await client.close();
    await fakes.close();
  };
  return server;
}

const chat = (server: ProxyServer) =>
  fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ model: "chat", messages: hello }) });

describe("the proxy's JSON chat answer", () => {
  it("is the service's own text when the mesh changed nothing (an unpriced model, no middleware)", async () => {
    const { server, fakes } = await proxyOver(["beta"]);
    const response = await chat(server);
    expect(response.status).toBe(200);
    const text = await response.text();
    // The fake writes as OpenAI does: two-space indentation and a final line break; serialising again would not.
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    expect(Object.keys(JSON.parse(text))).toEqual(OPENAI_ORDER);
    expect(JSON.parse(text).choices[0].message.content).toBe("Hello from beta: Hello there");
    expect(fakes.b.requests).toHaveLength(1);
  });

  it("carries the cost the mesh wrote in for a priced model", async () => {
    const { server } = await proxyOver(["alpha"]);
    const text = await (await chat(server)).text();
    expect(text.startsWith("{\n")).toBe(false);
    const body = JSON.parse(text) as { usage: { prompt_tokens: number; completion_tokens: number; cost?: number } };
    expect(body.usage.cost).toBeCloseTo((body.usage.prompt_tokens * 1 + body.usage.completion_tokens * 2) / 1_000_000, 12);
  });

  it("carries what a middleware changed in place", async () => {
    class Shout extends Middleware {
      override afterResponse(response: unknown) {
        const completion = response as { choices: Array<{ message: { content: string } }> };
        completion.choices[0]!.message.content = completion.choices[0]!.message.content.toUpperCase();
        return response as never;
      }
    }
    const { server } = await proxyOver(["beta"], [new Shout()]);
    const body = (await (await chat(server)).json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toBe("HELLO FROM BETA: HELLO THERE");
  });

  it("carries what a provider's _parseResponse hook changed in place", async () => {
    // A connector that rewrites the service's answer before the mesh sees it: the text the service sent is stale.
    class Renaming extends OpenAICompatibleProvider {
      protected override _parseResponse(data: Record<string, unknown>) {
        data.model = "renamed-by-hook";
        return super._parseResponse(data);
      }
    }
    const fakes = await startMeshFakes();
    const provider = new Renaming({ id: "renaming", baseUrl: fakes.b.url, apiKey: "sk-test", models: [{ id: "beta", capabilities: ["generation.text-generation.chat-completion"] }], fetch: createNodeFetch() });
    const server = await serve(create({ providers: [{ connector: "openai-compatible", instance: provider }] }), fakes);
    const body = (await (await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ model: "beta", messages: hello }) })).json()) as { model: string };
    expect(body.model).toBe("renamed-by-hook");
    expect(fakes.b.requests).toHaveLength(1);
  });
});
