import { afterEach, describe, expect, it } from "vitest";
import { create } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { requestMessages } from "../src/provider/normalize.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider } from "./support/mesh.js";

// The official client's idiom for a conversation: push the answer's message back into `messages`. An answer's message
// carries `annotations`, which OpenAI's request schema does not allow (the fake refuses it, as the schema does): the
// provider leaves it out of what it sends, and nothing else of the message.

const open: Array<MeshClient | FakeOpenAI> = [];
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
