import { afterEach, expect, it } from "vitest";
import { ConfigError, PrioritySelectionPolicy, create } from "../src/index.js";
import { create as lazyCreate } from "../src/lazy.js";
import { MockProvider } from "../src/testing/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";

// create() takes several capabilities before its options: none of the options may be dropped on the way, and each
// capability's pool is there from the start.
const clients: MeshClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function provider() {
  return new MockProvider({ responses: ["hi", { embedding: [1, 2] }], models: ["cheap", "dear"] });
}

for (const [name, make] of [["modelmesh", create], ["modelmesh/lazy", lazyCreate]] as const) {
  it(`${name}: keeps the options after two capabilities`, async () => {
    const mock = provider();
    const client = make("chat-completion", "text-embeddings", { providers: [{ instance: mock }], strategy: new PrioritySelectionPolicy({ priorities: ["dear", "cheap"] }) });
    clients.push(client);
    expect(Object.keys(client.poolStatus())).toEqual(["chat-completion", "text-embeddings"]);
    const chat = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
    expect(chat.choices[0]?.message.content).toBe("hi");
    const embedding = await client.embeddings.create({ model: "text-embeddings", input: "x" });
    expect(embedding.data[0]?.embedding).toEqual([1, 2]);
    // The strategy given after both capabilities chose: "dear" first, for both kinds.
    expect(mock.calls.map((call) => `${call.operation}:${call.model}`)).toEqual(["chat:dear", "embeddings:dear"]);
  });

  it(`${name}: refuses an argument that is neither a capability nor, last, the options`, () => {
    expect(() => make("chat-completion", 3 as never)).toThrow(ConfigError);
    expect(() => make({} as never, "chat-completion" as never)).toThrow(/argument 1 must be a capability name/);
  });
}

it("still takes create(undefined, options) and create(options)", async () => {
  const first = create(undefined, { providers: [{ instance: provider() }] });
  const second = create({ providers: [{ instance: provider() }] });
  clients.push(first, second);
  for (const client of [first, second]) {
    const chat = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
    expect(chat.choices[0]?.message.content).toBe("hi");
  }
});

it("refuses an options key create() does not take, naming the key meant when only its spelling differs", () => {
  const typo = (() => {
    try {
      create("chat-completion", { stratgy: "cost-first" } as never);
    } catch (error) {
      return error;
    }
  })() as ConfigError;
  expect(typo).toBeInstanceOf(ConfigError);
  expect(typo.message).toBe('stratgy: create(): unknown option "stratgy" (expected one of: config, providers, strategy, middleware, storage, secrets, observability, fetch, clock, persistDelayMs, limits, mesh; pool settings such as strategy_config go in `config`)');
  expect(() => lazyCreate({ persist_delay_ms: 5 } as never)).toThrow(/did you mean "persistDelayMs"/);
  expect(() => create({ strategyConfig: { priorities: ["a"] } } as never)).toThrow(/strategy_config go in `config`/);
});
