import { afterEach, describe, expect, it } from "vitest";
import { create } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { ProviderError } from "../src/wire/errors.js";
import type { ChatCompletionCreateParams } from "../src/wire/types.js";
import type { ProviderCallOptions } from "../src/provider/provider.js";
import type { BaseRotationPolicy } from "../src/rotation/rotation.js";
import { CostFirstPolicy } from "../src/rotation/cost-first.js";
import { LatencyFirstPolicy } from "../src/rotation/latency-first.js";
import { LoadBalancedPolicy } from "../src/rotation/load-balanced.js";
import { PrioritySelectionPolicy } from "../src/rotation/priority-selection.js";
import { RateLimitAwarePolicy } from "../src/rotation/rate-limit-aware.js";
import { RoundRobinPolicy } from "../src/rotation/round-robin.js";
import { SessionStickinessPolicy } from "../src/rotation/session-stickiness.js";
import { StickUntilFailurePolicy } from "../src/rotation/stick-until-failure.js";
import { MockProvider } from "../src/testing/index.js";
import { makeState, recordFailure, recordSuccess } from "./contracts/model-states.js";
import { CHAT, hello, pairConfig, startPair, testClock } from "./support/mesh.js";

// Every strategy driven through the real router (create() → pool → strategy → provider), watching which model
// each request reached: the router does the bookkeeping (failures, cooldowns, latency, usage), not the test.

type Clock = ReturnType<typeof testClock>;

/** What one script step does when the router calls the model. */
type Outcome = "ok" | "fail";

interface ModelOptions {
  script?: Outcome[];
  latencyMs?: number | number[];
  pricing?: { input?: number; output?: number };
  features?: { tools?: boolean };
}

/**
 * One model behind its own mock provider. It logs every call it receives into a shared, ordered log and
 * answers by its script (then "ok" for ever); answering moves the shared clock on by its latency, which is
 * what the router measures.
 */
class ScriptedModel extends MockProvider {
  #script: Outcome[];
  #latencies: number[];
  #calls = 0;

  constructor(
    readonly modelId: string,
    private readonly log: string[],
    private readonly clock: Clock,
    options: ModelOptions = {},
  ) {
    super({
      id: `provider-${modelId}`,
      responses: Array.from({ length: 200 }, () => ({ content: `answer from ${modelId}` })),
      models: [{ id: modelId, capabilities: [CHAT], ...(options.pricing ? { pricing: options.pricing } : {}), ...(options.features ? { features: options.features } : {}) }],
    });
    this.#script = options.script ?? [];
    this.#latencies = Array.isArray(options.latencyMs) ? options.latencyMs : [options.latencyMs ?? 10];
  }

  override async chat(request: ChatCompletionCreateParams, options?: ProviderCallOptions) {
    const index = this.#calls++;
    this.log.push(String(request.model));
    this.clock.advance(this.#latencies[Math.min(index, this.#latencies.length - 1)] ?? 10);
    if (this.#script[index] === "fail") {
      throw new ProviderError(`${this.modelId} is overloaded`, { providerId: this.id, modelId: this.modelId, status: 503 }, { code: "server_error", retryable: true });
    }
    return super.chat(request, options);
  }
}

interface Harness {
  client: MeshClient;
  clock: Clock;
  log: string[];
  /** Sends one chat request; returns the models the router called for it, in order (the last one served, unless it failed). */
  ask(body?: Partial<ChatCompletionCreateParams>): Promise<string[]>;
  /** Sends `count` requests and returns the model each was finally served by. */
  servedBy(count: number, body?: Partial<ChatCompletionCreateParams>): Promise<string[]>;
}

const open: MeshClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});

function harness(strategy: BaseRotationPolicy, models: Array<{ id: string } & ModelOptions>, retry: Record<string, unknown> = { max_retries: 0 }): Harness {
  const clock = testClock();
  const log: string[] = [];
  const providers = models.map(({ id, ...options }) => new ScriptedModel(id, log, clock, options));
  const client = create({
    providers: providers.map((instance) => ({ instance })),
    clock,
    config: { pools: { chat: { capability: "chat-completion", strategyInstance: strategy, retry } } },
  });
  open.push(client);
  const ask = async (body: Partial<ChatCompletionCreateParams> = {}) => {
    const before = log.length;
    await client.chat.completions.create({ model: "chat", messages: hello, ...body }).catch(() => undefined);
    return log.slice(before);
  };
  const servedBy = async (count: number, body: Partial<ChatCompletionCreateParams> = {}) => {
    const served: string[] = [];
    for (let index = 0; index < count; index++) served.push((await ask(body)).at(-1) ?? "none");
    return served;
  };
  return { client, clock, log, ask, servedBy };
}

describe("every strategy through the real router", () => {
  it("stick-until-failure stays on a model until it fails, fails over in the same request and sticks to the next one", async () => {
    const mesh = harness(new StickUntilFailurePolicy(), [{ id: "a", script: ["ok", "ok", "fail"] }, { id: "b", script: ["ok", "ok", "fail"] }, { id: "c" }]);
    const attempts: string[][] = [];
    for (let index = 0; index < 7; index++) attempts.push(await mesh.ask());
    expect(attempts).toEqual([["a"], ["a"], ["a", "b"], ["b"], ["b", "c"], ["c"], ["c"]]);
  });

  it("stick-until-failure stays on a model whose retry succeeded: one blip does not move the next requests", async () => {
    const mesh = harness(new StickUntilFailurePolicy(), [{ id: "a", script: ["ok", "fail", "ok"] }, { id: "b" }], { max_retries: 1, base_delay_ms: 0, jitter: "none" });
    expect(await mesh.ask()).toEqual(["a"]);
    // a fails once and answers its retry: the request is served by a, and so are the next ones.
    expect(await mesh.ask()).toEqual(["a", "a"]);
    expect(await mesh.servedBy(3)).toEqual(["a", "a", "a"]);
  });

  it("stick-until-failure moves on when the retry fails too, and sticks to the model that served", async () => {
    const mesh = harness(new StickUntilFailurePolicy(), [{ id: "a", script: ["fail", "fail"] }, { id: "b" }], { max_retries: 1, base_delay_ms: 0, jitter: "none" });
    expect(await mesh.ask()).toEqual(["a", "a", "b"]);
    expect(await mesh.servedBy(2)).toEqual(["b", "b"]);
  });

  it("stick-until-failure sends a request its model cannot serve elsewhere, and stays put for the next one", async () => {
    const mesh = harness(new StickUntilFailurePolicy(), [{ id: "a", features: { tools: false } }, { id: "b" }]);
    const tools = [{ type: "function" as const, function: { name: "lookup", parameters: { type: "object" } } }];
    expect(await mesh.ask()).toEqual(["a"]);
    expect(await mesh.ask({ tools })).toEqual(["b"]);
    expect(await mesh.servedBy(2)).toEqual(["a", "a"]);
  });

  it("round-robin takes the models in turn, and a failover counts as the failed model's turn", async () => {
    const mesh = harness(new RoundRobinPolicy(), [{ id: "a" }, { id: "b", script: ["ok", "fail"] }, { id: "c" }]);
    expect(await mesh.servedBy(3)).toEqual(["a", "b", "c"]);
    expect(await mesh.ask()).toEqual(["a"]);
    // b fails: c serves this request, and the rotation goes on after c.
    expect(await mesh.ask()).toEqual(["b", "c"]);
    expect(await mesh.servedBy(3)).toEqual(["a", "b", "c"]);
  });

  it("priority serves the preferred model, falls back in preference order while it rests, and returns to it", async () => {
    const mesh = harness(new PrioritySelectionPolicy({ priorities: ["c", "a"] }), [{ id: "a" }, { id: "b" }, { id: "c", script: ["ok", "fail", "fail", "fail"] }]);
    expect(await mesh.ask()).toEqual(["c"]);
    expect(await mesh.ask()).toEqual(["c", "a"]);
    expect(await mesh.ask()).toEqual(["c", "a"]);
    // The third failure in a row puts c in a 30 s cooldown: a serves without c being tried.
    expect(await mesh.ask()).toEqual(["c", "a"]);
    expect(await mesh.ask()).toEqual(["a"]);
    mesh.clock.advance(30_000);
    expect(await mesh.ask()).toEqual(["c"]);
    expect(await mesh.ask()).toEqual(["c"]);
  });

  it("cost-first serves the cheapest model, the next cheapest while it rests, and the cheapest again once it recovers", async () => {
    const mesh = harness(new CostFirstPolicy(), [
      { id: "pricey", pricing: { input: 10, output: 30 } },
      { id: "cheap", pricing: { input: 0.1, output: 0.4 }, script: ["ok", "fail", "fail", "fail"] },
      { id: "middling", pricing: { input: 1, output: 2 } },
      { id: "unpriced" },
    ]);
    expect(await mesh.ask()).toEqual(["cheap"]);
    expect(await mesh.ask()).toEqual(["cheap", "middling"]);
    expect(await mesh.ask()).toEqual(["cheap", "middling"]);
    expect(await mesh.ask()).toEqual(["cheap", "middling"]);
    expect(await mesh.servedBy(2)).toEqual(["middling", "middling"]);
    mesh.clock.advance(30_000);
    expect(await mesh.servedBy(2)).toEqual(["cheap", "cheap"]);
  });

  it("cost-first weighs the request: a long prompt goes to cheap input, a long answer to cheap output", async () => {
    const mesh = harness(new CostFirstPolicy(), [
      { id: "cheap-output", pricing: { input: 5, output: 0.5 } },
      { id: "cheap-input", pricing: { input: 0.1, output: 20 } },
    ]);
    const longPrompt = [{ role: "user" as const, content: "x".repeat(40_000) }];
    expect(await mesh.ask({ messages: longPrompt, max_tokens: 10 })).toEqual(["cheap-input"]);
    expect(await mesh.ask({ messages: hello, max_tokens: 4_000 })).toEqual(["cheap-output"]);
  });

  it("latency-first measures every model once, then follows the fastest average as it changes", async () => {
    const mesh = harness(new LatencyFirstPolicy(), [
      { id: "a", latencyMs: 300 },
      { id: "b", latencyMs: [100, 100, 900] },
      { id: "c", latencyMs: 200 },
    ]);
    expect(await mesh.servedBy(5)).toEqual(["a", "b", "c", "b", "b"]);
    // b's third answer took 900 ms: its average (0.7 × 100 + 0.3 × 900 = 340) is now above c's 200.
    expect(await mesh.servedBy(2)).toEqual(["c", "c"]);
  });

  it("load-balanced spreads requests by weight, interleaved", async () => {
    const mesh = harness(new LoadBalancedPolicy({ weights: { heavy: 3, light: 1 } }), [{ id: "heavy" }, { id: "light" }]);
    expect(await mesh.servedBy(8)).toEqual(["heavy", "heavy", "light", "heavy", "heavy", "heavy", "light", "heavy"]);
    const counts: Record<string, number> = {};
    for (const model of await mesh.servedBy(40)) counts[model] = (counts[model] ?? 0) + 1;
    expect(counts).toEqual({ heavy: 30, light: 10 });
  });

  it("session-stickiness keeps each user on one model, and a user whose model failed stays where it moved", async () => {
    const mesh = harness(new SessionStickinessPolicy(), [{ id: "a" }, { id: "b" }, { id: "c" }]);
    const users = Array.from({ length: 12 }, (_, index) => `user-${index}`);
    const home = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (const user of users) {
        const [served] = await mesh.servedBy(1, { user });
        if (round === 0) home.set(user, served!);
        else expect(served, `${user} in round ${round}`).toBe(home.get(user));
      }
    }
    // Placement spreads the users rather than putting everyone on the first model.
    expect(new Set(home.values()).size).toBeGreaterThan(1);
    // No session: the first model in pool order.
    expect(await mesh.servedBy(2)).toEqual(["a", "a"]);

    // Placement is deterministic: a fresh mesh puts customer-42 where this one did; make that model fail once.
    const [placed] = await mesh.servedBy(1, { user: "customer-42" });
    const moved = harness(new SessionStickinessPolicy(), ["a", "b", "c"].map((id) => ({ id, script: id === placed ? (["fail"] as Outcome[]) : [] })));
    const first = await moved.ask({ user: "customer-42" });
    expect(first).toHaveLength(2);
    const [failed, replacement] = first;
    expect(failed).toBe(placed);
    expect(replacement).not.toBe(failed);
    // The failed model is healthy again (one failure is below the threshold), yet the session stays put.
    expect(await moved.servedBy(3, { user: "customer-42" })).toEqual([replacement, replacement, replacement]);
  });

  it("rate-limit-aware stops using a model at its configured requests per minute and returns when the minute is over", async () => {
    const mesh = harness(new RateLimitAwarePolicy({ prefer: "order", limits: { a: { requestsPerMinute: 2 } } }), [{ id: "a" }, { id: "b" }]);
    expect(await mesh.servedBy(4)).toEqual(["a", "a", "b", "b"]);
    mesh.clock.advance(60_000);
    expect(await mesh.servedBy(3)).toEqual(["a", "a", "b"]);
  });

  it("rate-limit-aware reads the quota each response reports and moves on before the provider runs dry", async () => {
    const pair = await startPair({ a: { rateLimit: { limitRequests: 4 } }, b: { rateLimit: { limitRequests: 1_000 } } });
    try {
      const config = pairConfig(pair, { strategy: "rate-limit-aware", strategy_config: { prefer: "order", threshold: 0.5 }, retry: { max_retries: 0 } });
      const client = create({ config });
      open.push(client);
      const served: string[] = [];
      for (let index = 0; index < 5; index++) {
        const response = await client.chat.completions.create({ model: "chat", messages: hello });
        served.push(response.model.replace(/-.*$/, ""));
      }
      // a reports 3, 2, then 1 of 4 requests left: below half, so the fourth request goes to b.
      expect(served).toEqual(["alpha", "alpha", "alpha", "beta", "beta"]);
      expect(pair.a.requests.filter((request) => request.path === "/v1/chat/completions")).toHaveLength(3);
      expect(pair.b.requests.filter((request) => request.path === "/v1/chat/completions")).toHaveLength(2);
    } finally {
      await pair.close();
    }
  });

  it("keeps the books the way the rotation contract's simulated router does", async () => {
    // The contract (contracts/rotation.contract.ts) replays thousands of steps without a router, recording outcomes
    // with recordSuccess/recordFailure; this pins those helpers to what the real router records.
    const mesh = harness(new StickUntilFailurePolicy(), [{ id: "a", script: ["ok", "fail"], latencyMs: [120, 50] }, { id: "b" }]);
    for (let index = 0; index < 4; index++) await mesh.ask();
    const routed = mesh.client.describe().pools["chat"]?.models.find((model) => model.model === "a");
    const simulated = makeState({ modelId: "a" });
    recordSuccess(simulated, { latencyMs: 120 });
    recordFailure(simulated);
    expect(mesh.log).toEqual(["a", "a", "b", "b", "b"]);
    expect(routed).toMatchObject({
      requests: simulated.totalRequests,
      failures: simulated.totalFailures,
      consecutiveFailures: simulated.consecutiveFailures,
      latencyMs: Math.round(simulated.latencyMs!),
    });

    const steady = harness(new StickUntilFailurePolicy(), [{ id: "a", latencyMs: [120, 300, 80] }]);
    for (let index = 0; index < 3; index++) await steady.ask();
    const replay = makeState({ modelId: "a" });
    for (const latencyMs of [120, 300, 80]) recordSuccess(replay, { latencyMs });
    expect(steady.client.describe().pools["chat"]?.models[0]).toMatchObject({ requests: 3, failures: 0, consecutiveFailures: 0, latencyMs: Math.round(replay.latencyMs!) });
  });
});
