import { afterEach, describe, expect, it } from "vitest";
import { create, type MeshClient } from "modelmesh";
import { startFakeOpenAI, type FakeOpenAI } from "../../sdk/test/fakes/openai.js";
import { createNodeFetch } from "modelmesh/node-fetch";

// The proxy's Node fetch (undici dispatcher) closes a connection whose body is cancelled. A stream read to its finish used to cancel
// the rest of its body (the `[DONE]` line, the end of the chunked body): every streamed answer then cost a new TCP
// connection to the provider, and with a real provider a TLS handshake. Now the rest is read and the connection kept.
// (undici hands a connection on one event-loop turn after an answer ends, so back-to-back requests use two.)
const CHAT = "generation.text-generation.chat-completion";
const hello = [{ role: "user" as const, content: "Count to three" }];
let fake: FakeOpenAI;
let mesh: MeshClient;

afterEach(async () => {
  await mesh?.close();
  await fake?.close();
});

describe("streamed answers over the proxy's Node fetch (undici dispatcher)", () => {
  it("read to the end, five streams and a JSON answer share the connections to the provider", async () => {
    fake = await startFakeOpenAI({ name: "reuse", models: ["gpt-4o-mini"] });
    mesh = create({ config: { providers: { openai: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-test", models: [{ id: "gpt-4o-mini", capabilities: [CHAT] }] } } } }, fetch: createNodeFetch() });
    await mesh.ready();
    for (let index = 0; index < 5; index++) {
      const stream = await mesh.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      expect(text).toBe("Hello from gpt-4o-mini: Count to three");
    }
    await mesh.chat.completions.create({ model: "gpt-4o-mini", messages: hello });
    expect(fake.requests).toHaveLength(6);
    expect(fake.connections).toBeLessThanOrEqual(2);
    expect(fake.exchanges.map((exchange) => exchange.ending)).toEqual(Array(6).fill("completed"));
  });
});
