import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BaseSelectionStrategy, ConfigError, create, type MeshClient, type ModelState } from "../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider, hello, testClock } from "./support/mesh.js";

// FAQ Q10 builds a strategy with its own settings: `CostAwarePolicy(BaseRotationConfig(failure_threshold=5,
// cooldown_seconds=120))`. The threshold used to be honoured only in camelCase and the cooldown never (the pool's
// default 5 s applied): a model that always fails must be taken out after the strategy's threshold and stay out for
// the strategy's cooldown, in either spelling.

/** The FAQ's TypeScript CostAwareStrategy, as printed. */
class CostAwareStrategy extends BaseSelectionStrategy {
  select(candidates: ModelState[]): ModelState | null {
    if (candidates.length === 0) return null;
    return candidates.reduce((cheapest, c) => (c.totalCost < cheapest.totalCost ? c : cheapest));
  }
}

let fake: FakeOpenAI;
const clients: MeshClient[] = [];
beforeEach(async () => {
  fake = await startFakeOpenAI({ name: "down", models: ["m1"] });
  fake.setMode({ kind: "error", status: 500 });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await fake.close();
});

const chats = () => fake.requests.filter((request) => request.path === "/v1/chat/completions").length;

/** A client whose only model always answers 500, routed by `pool` (no retries: one request, one attempt). */
function meshWith(pool: Record<string, unknown>) {
  const clock = testClock();
  const client = create({
    config: { providers: { down: chatProvider(fake, "sk-down-0000000000", ["m1"]) }, pools: { chat: { capability: "chat-completion", retry: { max_retries: 0 }, ...pool } } },
    clock,
  });
  clients.push(client);
  const ask = () => client.chat.completions.create({ model: "chat", messages: hello }).then(
    () => "served",
    (error: { code?: string }) => error.code ?? "error",
  );
  return { clock, ask };
}

/** Asks until a request sends nothing; returns how many the fake received by then. */
async function failuresUntilOut(ask: () => Promise<string>): Promise<number> {
  for (let sent = 0; sent < 20; sent++) {
    const before = chats();
    await ask();
    if (chats() === before) return before;
  }
  throw new Error("the model was never taken out");
}

describe("a strategy instance's own failure threshold and cooldown", () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ["camelCase", { failureThreshold: 5, cooldownSeconds: 120 }],
    ["snake_case", { failure_threshold: 5, cooldown_seconds: 120 }],
    ["milliseconds", { failureThreshold: 5, cooldownMs: 120_000 }],
  ];
  for (const [spelling, settings] of cases) {
    it(`take the model out after 5 failures and keep it out 120 s (${spelling})`, async () => {
      const { clock, ask } = meshWith({ strategy_instance: new CostAwareStrategy(settings) });
      expect(await failuresUntilOut(ask)).toBe(5);
      // Out for the strategy's 120 s, not the pool's default 5 s: nothing reaches the service before then.
      clock.advance(119_000);
      expect(await ask()).toBe("no_capable_model");
      expect(chats()).toBe(5);
      clock.advance(1_000);
      expect(await ask()).toBe("all_providers_exhausted");
      expect(chats()).toBe(6);
      // The probe failed: out again for at least the strategy's cooldown (the pool's 30 s longest rest is raised to it).
      clock.advance(119_000);
      expect(await ask()).toBe("no_capable_model");
      expect(chats()).toBe(6);
    });
  }

  it("rule the pool over its own deactivation and recovery settings, as a strategy named with strategy_config does", async () => {
    const pool = { deactivation: { failure_threshold: 2 }, recovery: { cooldown_ms: 1_000 } };
    const byInstance = meshWith({ ...pool, strategy_instance: new CostAwareStrategy({ failure_threshold: 4, cooldown_seconds: 60 }) });
    expect(await failuresUntilOut(byInstance.ask)).toBe(4);
    byInstance.clock.advance(59_000);
    expect(await byInstance.ask()).toBe("no_capable_model");
    fake.reset();
    fake.setMode({ kind: "error", status: 500 });
    const byName = meshWith({ ...pool, strategy: "cost-first", strategy_config: { failure_threshold: 4, cooldown_seconds: 60 } });
    expect(await failuresUntilOut(byName.ask)).toBe(4);
    byName.clock.advance(59_000);
    expect(await byName.ask()).toBe("no_capable_model");
    byName.clock.advance(1_000);
    expect(await byName.ask()).toBe("all_providers_exhausted");
    expect(chats()).toBe(5);
  });

  it("leave the pool's settings in force when the strategy has none", async () => {
    const { clock, ask } = meshWith({ recovery: { cooldown_ms: 2_000 }, strategy_instance: new CostAwareStrategy() });
    expect(await failuresUntilOut(ask)).toBe(3);
    clock.advance(2_000);
    expect(await ask()).toBe("all_providers_exhausted");
    expect(chats()).toBe(4);
  });

  it("are checked where the strategy is built: a bad value, or one given twice, is a ConfigError naming the key", () => {
    const refused = (settings: Record<string, unknown>) => {
      try {
        new CostAwareStrategy(settings);
      } catch (error) {
        return error instanceof ConfigError ? [error.path, error.message] : error;
      }
      return "accepted";
    };
    expect(refused({ failure_threshold: 0 })).toEqual(["failure_threshold", expect.stringContaining("a whole number of at least 1")]);
    expect(refused({ cooldownSeconds: "120" })).toEqual(["cooldownSeconds", expect.stringContaining("a number of at least 0")]);
    expect(refused({ failureThreshold: 5, failure_threshold: 4 })).toEqual(["failure_threshold", expect.stringContaining("given twice")]);
    expect(refused({ cooldown_seconds: 1, cooldownMs: 1_000 })).toEqual(["cooldownMs", expect.stringContaining("give the cooldown once")]);
  });
});
