import { afterEach, describe, expect, it } from "vitest";
import { create, type MeshClient } from "modelmesh";
import { startLocalServer, type LocalServer } from "../../sdk/test/fakes/http.js";
import { startProxyServer, type ProxyServer } from "../src/node-adapter.js";
import { createNodeFetch } from "modelmesh/node-fetch";
import { TOKEN } from "./support.js";

// The proxy writes a streamed chunk the mesh passed on unchanged as the service's own text. The SDK keeps that text
// only for a caller that asks (it costs every chunk a property), so the proxy's stream route must ask: without it,
// every chunk is serialised again. The upstream here spaces its JSON, so the two are told apart by their bytes.
const CHAT = "generation.text-generation.chat-completion";
const base = { id: "chatcmpl-spaced", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-4o-mini" };
const spaced = (value: object) => JSON.stringify(value, null, 1).replace(/\n/g, "");
const events = [
  spaced({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] }),
  spaced({ ...base, choices: [{ index: 0, delta: { content: "Hi there" }, logprobs: null, finish_reason: null }] }),
  spaced({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] }),
];

let upstream: LocalServer | undefined;
let mesh: MeshClient | undefined;
let proxy: ProxyServer | undefined;
afterEach(async () => {
  await proxy?.close(100);
  await mesh?.close();
  await upstream?.close();
});

/** The upstream answering `data` events, a mesh over it and the proxy in front; returns the proxy's answer to `extra`. */
async function streamThroughProxy(data: string[], extra: Record<string, unknown> = {}): Promise<Response> {
  upstream = await startLocalServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.end(`${data.map((item) => `data: ${item}\n\n`).join("")}data: [DONE]\n\n`);
  });
  mesh = create({ config: { providers: { spaced: { connector: "openai-compatible", config: { base_url: upstream.url, api_key: "sk-spaced", models: [{ id: "gpt-4o-mini", capabilities: [CHAT] }] } } } }, fetch: createNodeFetch() });
  await mesh.ready();
  proxy = await startProxyServer({ mesh, port: 0, tokens: [TOKEN] });
  return fetch(`${proxy.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], stream: true, ...extra }),
  });
}

describe("the proxy's streamed chat answer", () => {
  it("carries each chunk the mesh left unchanged as the service's own text", async () => {
    const response = await streamThroughProxy(events);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toBe(`${events.map((data) => `data: ${data}\n\n`).join("")}data: [DONE]\n\n`);
    expect(upstream!.exchanges).toHaveLength(1);
  });

  it("with include_usage, still carries chunks that leave out `usage` as the service's text (no copy per chunk), and its usage chunk", async () => {
    const usage = spaced({ ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
    const response = await streamThroughProxy([...events, usage], { stream_options: { include_usage: true } });
    const frames = (await response.text()).split("\n\n").filter(Boolean);
    expect(frames.slice(0, 3)).toEqual(events.map((data) => `data: ${data}`));
    expect(JSON.parse(frames[3]!.slice(6))).toMatchObject({ choices: [], usage: { total_tokens: 5 } });
    expect(frames.at(-1)).toBe("data: [DONE]");
  });
});
