import { expect, it } from "vitest";
import { BaseRotationPolicy, ConfigError, create } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";
import type { ModelState } from "../src/wire/model-state.js";

// A built-in strategy ignores a key it does not know: `priority` for `priorities` would route in the default order
// with no word of why. Such a key is a ConfigError naming it and the key meant.
function client(strategy: unknown, strategyConfig: Record<string, unknown>) {
  const provider = new MockProvider({ responses: ["from a", "from b"], models: ["model-a", "model-b"] });
  return {
    provider,
    client: create({
      providers: [{ instance: provider }],
      config: { pools: { chat: { capability: "chat-completion", strategy, strategy_config: strategyConfig } } } as never,
    }),
  };
}

async function startError(strategy: unknown, strategyConfig: Record<string, unknown>): Promise<unknown> {
  const { client: mesh, provider } = client(strategy, strategyConfig);
  const error = await mesh.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hi" }] }).then(() => undefined, (caught: unknown) => caught);
  // Refused before anything was sent.
  expect(provider.calls).toHaveLength(0);
  return error;
}

it("refuses a misspelt key of a built-in strategy, naming the key meant", async () => {
  const error = (await startError("priority-selection", { priority: ["model-b", "model-a"] })) as ConfigError;
  expect(error).toBeInstanceOf(ConfigError);
  expect(error.path).toBe("pools.chat.strategyConfig.priority");
  expect(error.message).toContain('did you mean "priorities"?');
  expect(error.message).toContain("expected one of: priorities, failureThreshold, cooldownSeconds, cooldownMs");
});

it("refuses a key no strategy of that kind takes", async () => {
  const error = (await startError("round-robin", { weights: { "model-a": 2 } })) as ConfigError;
  expect(error).toBeInstanceOf(ConfigError);
  expect(error.path).toBe("pools.chat.strategyConfig.weights");
});

it("takes each built-in strategy's own keys in either spelling", async () => {
  const { client: mesh, provider } = client("priority-selection", { priorities: ["model-b", "model-a"], failure_threshold: 2 });
  const response = await mesh.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hi" }] });
  expect(response.choices[0]?.message.content).toBe("from a");
  expect(provider.calls.map((call) => call.model)).toEqual(["model-b"]);
  const sessions = client("session-stickiness", { max_sessions: 5, cooldown_seconds: 30 });
  await expect(sessions.client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hi" }] })).resolves.toBeDefined();
});

it("leaves a custom strategy's config to the strategy", async () => {
  class First extends BaseRotationPolicy {
    static readonly connectorId = "test.first.v1";
    select(candidates: ModelState[]) {
      return candidates[0] ?? null;
    }
  }
  const { client: mesh } = client(new First({ anything: 1 }), {});
  await expect(mesh.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hi" }] })).resolves.toBeDefined();
});
