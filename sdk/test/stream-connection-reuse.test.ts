import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { create, type MeshClient } from "modelmesh";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { SSE_DRAIN_LIMITS } from "../src/wire/sse.js";

// Once a stream's answer is complete, the rest of its body is read rather than cancelled, so an HTTP/1.1 connection
// can carry the next request (cors-proxy/test/stream-connection-reuse.test.ts counts the connections over the proxy's
// node:http fetch, where a cancelled body closed it). Leaving early still closes it, so the service stops generating
// what nobody reads; and a server that never ends its body after `[DONE]` does not hold the answer up.
const CHAT = "generation.text-generation.chat-completion";
const hello = [{ role: "user" as const, content: "Count to three" }];
let fake: FakeOpenAI;
let mesh: MeshClient;

afterEach(async () => {
  await mesh?.close();
  await fake?.close();
});

// Both transports a Node app may be on: the default (modelmesh/node-fetch, on undici's dispatcher) and Node's own
// fetch (given explicitly, as when a test or an interceptor has replaced the global one).
const TRANSPORTS = [
  ["the default Node transport", undefined],
  ["Node's own fetch", (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init)],
] as const;
let transport: (typeof TRANSPORTS)[number][1];

async function start(): Promise<void> {
  fake = await startFakeOpenAI({ name: "reuse", models: ["gpt-4o-mini"] });
  mesh = create({ ...(transport ? { fetch: transport } : {}), config: { providers: { openai: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-test", models: [{ id: "gpt-4o-mini", capabilities: [CHAT] }] } } } } });
  await mesh.ready();
}

async function readAll(): Promise<string> {
  const stream = await mesh.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  return text;
}

const settled = (check: () => boolean, ms: number) =>
  new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const poll = () => (check() ? resolve() : Date.now() - started > ms ? reject(new Error(`not within ${ms} ms`)) : setTimeout(poll, 10));
    poll();
  });

describe.each(TRANSPORTS)("leaving a stream over %s", (_name, given) => {
  beforeEach(() => {
    transport = given;
  });

  it("left before the finish, the connection is closed so the service stops generating", async () => {
    await start();
    fake.enqueue({ kind: "slow-stream", chunkDelayMs: 50 });
    const stream = await mesh.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) break;
    await settled(() => fake.exchanges[0]?.ending === "client-closed", 2_000);
    expect(await readAll()).toBe("Hello from gpt-4o-mini: Count to three");
    // Two requests, each sent once, and the second on a new connection. undici 7 (the default transport) also opens
    // a spare connection right after an abort and then does not use it (its own request() does the same), so it
    // counts one more.
    expect(fake.exchanges.map((exchange) => exchange.ending)).toEqual(["client-closed", "completed"]);
    expect(fake.connections).toBe(transport ? 2 : 3);
  });

  it("a server that never ends the body after [DONE]: the answer ends at once, the connection is closed later", async () => {
    await start();
    fake.enqueue({ kind: "open-after-done" });
    const started = Date.now();
    expect(await readAll()).toBe("Hello from gpt-4o-mini: Count to three");
    expect(Date.now() - started).toBeLessThan(SSE_DRAIN_LIMITS.ms / 2);
    // The rest of the body is being read (not cancelled) while the limit lasts.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.exchanges[0]!.ending).toBe("open");
    await settled(() => fake.exchanges[0]!.ending === "client-closed", SSE_DRAIN_LIMITS.ms + 1_000);
  });
});
