import { afterEach, describe, expect, it } from "vitest";
import { create, InvalidRequestError } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider, hello } from "./support/mesh.js";

// The official client takes `maxRetries` per request (`create(body, { maxRetries: 0 })`). Here it overrides the pool's
// `retry.max_retries` for that request: how often the same model is tried again before the request moves on.

const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function setUp() {
  const first = await startFakeOpenAI({ name: "first", models: ["a"] });
  const second = await startFakeOpenAI({ name: "second", models: ["b"] });
  open.push(first, second);
  const client = create({
    config: {
      providers: { first: chatProvider(first, "sk-first-0000000000", ["a"]), second: chatProvider(second, "sk-second-1111111111", ["b"]) },
      // Three retries of a model by default, with no wait between them (so the test counts attempts, not time), and a
      // threshold high enough that the failures here never take "a" out of service.
      pools: {
        chat: {
          capability: "chat-completion",
          strategy: "priority",
          strategy_config: { priorities: ["a", "b"] },
          retry: { max_retries: 3, base_delay_ms: 0, max_delay_ms: 0 },
          deactivation: { failure_threshold: 20 },
        },
      },
    },
  });
  open.push(client);
  return { first, second, client };
}

describe("maxRetries per request", () => {
  it("0 moves to the next model at the first failure; the pool's setting retries the same model", async () => {
    const { first, second, client } = await setUp();
    first.setMode({ kind: "error", status: 500 });
    const quick = await client.chat.completions.create({ model: "chat", messages: hello }, { maxRetries: 0 });
    expect(quick.model).toBe("b");
    expect(first.requests).toHaveLength(1);
    expect(second.requests).toHaveLength(1);
    // Without the option the pool's three retries apply: four requests to "a" before "b".
    const patient = await client.chat.completions.create({ model: "chat", messages: hello });
    expect(patient.model).toBe("b");
    expect(first.requests).toHaveLength(1 + 4);
    expect(second.requests).toHaveLength(2);
  });

  it("a higher value retries the same model more often than the pool would, streams included", async () => {
    const { first, second, client } = await setUp();
    // Five failures, then "a" answers: the pool's three retries would give up on it; six attempts reach the answer.
    for (let index = 0; index < 5; index++) first.enqueue({ kind: "error", status: 503 });
    const stream = await client.chat.completions.create({ model: "chat", messages: hello, stream: true }, { maxRetries: 5 });
    let model = "";
    for await (const chunk of stream) model = chunk.model;
    expect(model).toBe("a");
    expect(first.requests).toHaveLength(6);
    expect(second.requests).toHaveLength(0);
  });

  it("also sets how many attempts the request makes in all: (maxRetries + 1) for each model", async () => {
    const { first, second, client } = await setUp();
    first.setMode({ kind: "error", status: 500 });
    second.setMode({ kind: "error", status: 500 });
    await expect(client.chat.completions.create({ model: "chat", messages: hello }, { maxRetries: 5 })).rejects.toThrow();
    expect(first.requests).toHaveLength(6);
    expect(second.requests).toHaveLength(6);
  });

  it("is refused with InvalidRequestError when it is not a whole number of at least 0, and nothing is sent", async () => {
    const { first, second, client } = await setUp();
    for (const bad of [-1, 1.5, Number.NaN, "2"]) {
      const error = await client.chat.completions.create({ model: "chat", messages: hello }, { maxRetries: bad as number }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).param).toBe("maxRetries");
      expect((error as Error).message).toBe(`the maxRetries option must be a whole number of at least 0, got ${String(bad)}`);
    }
    expect(first.requests).toHaveLength(0);
    expect(second.requests).toHaveLength(0);
  });
});
