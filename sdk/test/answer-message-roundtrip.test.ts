import { afterEach, describe, expect, it } from "vitest";
import { create, OpenAICompatibleProvider, OpenRouterProvider } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { requestMessages } from "../src/provider/normalize.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { startFakeService, type FakeService } from "./fakes/openai-compatible-services.js";
import { chatProvider } from "./support/mesh.js";

// The official client's idiom for a conversation: push the answer's message back into `messages`. An answer's message
// carries `annotations`, which OpenAI's request schema does not allow (the fake refuses it, as the schema does): the
// provider leaves it out of what it sends, and nothing else of the message.

const open: Array<MeshClient | FakeOpenAI | FakeService> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

describe("an answer's message pushed back into the conversation", () => {
  it("is sent without its answer-only annotations, and the next turn is served", async () => {
    const fake = await startFakeOpenAI({ name: "p", models: ["m"] });
    open.push(fake);
    const client = create({ config: { providers: { p: chatProvider(fake, "sk-p-0000000000", ["m"]) } } });
    open.push(client);
    const messages: Array<Record<string, unknown>> = [{ role: "user", content: "Hello" }];
    const first = await client.chat.completions.create({ model: "m", messages: messages as never });
    expect(first.choices[0]!.message).toHaveProperty("annotations");
    messages.push(first.choices[0]!.message as never, { role: "user", content: "And again" });
    for (const stream of [false, true]) {
      const next = await client.chat.completions.create({ model: "m", messages: messages as never, stream } as never);
      if (stream) for await (const chunk of next as AsyncIterable<unknown>) void chunk;
      else expect((next as unknown as { choices: Array<{ message: { role: string } }> }).choices[0]!.message.role).toBe("assistant");
    }
    const sent = fake.requests.filter((request) => request.path === "/v1/chat/completions").slice(1);
    expect(sent).toHaveLength(2);
    for (const request of sent) {
      const assistant = (request.body?.messages as Array<Record<string, unknown>>)[1]!;
      expect(assistant).toEqual({ role: "assistant", content: first.choices[0]!.message.content, refusal: null });
    }
  });
});

describe("an OpenRouter answer's reasoning fields pushed back", () => {
  // OpenRouter's answers carry `reasoning` (null, or the model's reasoning) and `reasoning_details` (recorded:
  // openrouter/chat-text.json); OpenRouter takes them back, OpenAI's request schema does not.
  const answered = { role: "assistant", content: "It is sunny.", refusal: null, reasoning: "The user asks about weather.", reasoning_details: [{ type: "reasoning.text", text: "The user asks about weather." }] };
  const conversation = [{ role: "user", content: "Weather?" }, answered, { role: "user", content: "Thanks, and tomorrow?" }];

  it("go back to OpenRouter as they came, and are left out for any other service (a failover from OpenRouter is served)", async () => {
    const router = await startFakeService("openrouter", { models: ["m"] });
    const openai = await startFakeOpenAI({ name: "o", models: ["m"] });
    open.push(router, openai);
    router.enqueue({ kind: "error", status: 503 });
    const client = create("chat-completion", {
      providers: [{ instance: new OpenRouterProvider({ baseUrl: router.url, apiKey: "sk-or-v1-roundtripKEY0123456789abcdefghijkl", models: [{ id: "m" }] }) }, { instance: new OpenAICompatibleProvider({ baseUrl: openai.url, apiKey: "sk-o-0000000000", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] }) }],
      // Only the two "m"s, OpenRouter's first: its catalogue models are not on the fake.
      config: { pools: { chat: { capability: "chat-completion", models: ["m"], retry: { max_retries: 0 } } } },
    });
    open.push(client);
    const reply = await client.chat.completions.create({ model: "chat", messages: conversation as never });
    expect(reply.choices[0]!.message.role).toBe("assistant");
    const toRouter = router.requests.filter((request) => request.method === "POST");
    const toOpenAI = openai.requests.filter((request) => request.path === "/v1/chat/completions");
    expect(toRouter).toHaveLength(1);
    expect(toOpenAI).toHaveLength(1);
    expect(toRouter[0]!.body.messages[1]).toEqual(answered);
    expect(toOpenAI[0]!.body.messages[1]).toEqual({ role: "assistant", content: "It is sunny.", refusal: null });
  });
});

describe("requestMessages", () => {
  it("returns the same array when no message has annotations, and copies only the messages that do", () => {
    const plain = [{ role: "user", content: "a" }, { role: "assistant", content: "b" }];
    expect(requestMessages(plain)).toBe(plain);
    const user = { role: "user", content: "a" };
    const answered = [user, { role: "assistant", content: "b", annotations: [{ type: "url_citation" }], refusal: null }];
    const cleaned = requestMessages(answered);
    expect(cleaned).toEqual([user, { role: "assistant", content: "b", refusal: null }]);
    expect(cleaned[0]).toBe(user);
    expect(answered[1]).toHaveProperty("annotations");
  });
});
