import { expect } from "vitest";
import type { MeshClient } from "../../src/client/mesh-client.js";
import type { CreateOptions } from "../../src/core/mesh.js";
import { hello, pairConfig, startPair, testClock } from "./mesh.js";

type Create = (options: CreateOptions) => MeshClient;

/**
 * Serves requests through a mesh over `storage`, closes it, starts a new mesh over the same storage and checks that
 * model state (a cooldown), usage (not counted twice) and strategy state (stick-until-failure's current model) came back.
 * @example
 * await restartScenario(create, { connector: "sqlite", config: { path } });
 */
export async function restartScenario(create: Create, storage: Record<string, unknown>): Promise<void> {
  const pair = await startPair();
  try {
    const clock = testClock();
    const options: CreateOptions = {
      config: { ...(pairConfig(pair, { deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 60_000 } }) as object), storage },
      clock,
      persistDelayMs: 1,
    };
    const first = create(options);
    pair.a.enqueue({ kind: "error", status: 500 });
    expect((await first.chat.completions.create({ model: "chat", messages: hello })).model).toMatch(/^beta/);
    expect((await first.chat.completions.create({ model: "chat", messages: hello })).model).toMatch(/^beta/);
    const before = first.describe();
    const usageBefore = first.usage;
    expect(before.pools.chat!.models.find((model) => model.model === "alpha")).toMatchObject({ status: "cooldown", failures: 1 });
    expect(usageBefore.requests).toBe(2);
    await first.close();

    const second = create(options);
    await second.ready();
    // Model state: alpha still cools down, with the same counters; usage: exactly what the first mesh counted.
    expect(second.describe()).toEqual(before);
    expect(second.usage).toEqual(usageBefore);
    expect(second.poolStatus().chat).toEqual({ active: 1, standby: 1, total: 2 });
    // Strategy state: once alpha's cooldown is over, stick-until-failure stays on beta because it remembers it.
    clock.advance(61_000);
    expect((await second.chat.completions.create({ model: "chat", messages: hello })).model).toMatch(/^beta/);
    expect(pair.a.requests).toHaveLength(1);
    expect(second.usage.requests).toBe(3);
    expect(second.usage.byModel["b/beta"]!.requests).toBe(3);
    await second.close();

    const third = create(options);
    await third.ready();
    expect(third.usage.requests).toBe(3);
    expect(third.usage.totalCost).toBeCloseTo(second.usage.totalCost, 12);
    await third.close();
  } finally {
    await pair.close();
  }
}
