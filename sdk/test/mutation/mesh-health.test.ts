/**
 * The mesh's side of health monitoring (core/mesh.ts, startHealthMonitor): which providers it hands a discovery
 * connector's monitor, how a report moves their models in and out of service (the rest it gives, which models it
 * brings back), and that a reconfigure or close stops the old monitor. The monitor here is driven by hand, so each
 * round is a function call and the clock is the test's.
 *
 * Survivors judged equivalent:
 * - `this.#stopMonitor = undefined` after stopping it: the next line sets it again (or the mesh has no monitor).
 * - `discovery?.monitor` -> `discovery.monitor`: the runtime always has a discovery connector (AutoDiscovery by default).
 * Killed by hand where Stryker reported a survivor: `state.status === "cooldown"` -> true in the first branch ("takes
 * out again a model put back in service meanwhile whose probe fails").
 */
import { afterEach, describe, expect, it } from "vitest";
import { create, type MeshClient } from "../../src/index.js";
import { CallbackObservability } from "../../src/observability/callback.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { STATE_KEY, type PersistedState } from "../../src/core/model-state-snapshot.js";
import type { HealthReport, HealthTarget } from "../../src/discovery/health-monitor.js";
import type { MeshEvent } from "../../src/wire/events.js";
import { ProviderError } from "../../src/wire/errors.js";
import { hello, ScriptedProvider, testClock } from "./scripted.js";

/** A scripted provider that can list its models (what a health probe reads), recording each probe's signal. */
class ProbedProvider extends ScriptedProvider {
  readonly probes: AbortSignal[] = [];
  async fetchModelList(options: { signal: AbortSignal }): Promise<string[]> {
    this.probes.push(options.signal);
    return [this.id];
  }
}

/** A discovery connector with a monitor the test drives: `report` is the mesh's callback of the latest monitor. */
function drivenMonitor(timing: { intervalMs?: number; timeoutMs?: number } = {}) {
  const driven = {
    ...timing,
    started: [] as HealthTarget[][],
    stopped: 0,
    report: undefined as HealthReport | undefined,
    discover: async () => [],
    monitor(targets: HealthTarget[], report: HealthReport) {
      driven.started.push([...targets]);
      driven.report = report;
      return () => void (driven.stopped += 1);
    },
  };
  return driven;
}

const clients: MeshClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function meshWith(monitor: ReturnType<typeof drivenMonitor>, extra: Record<string, unknown> = {}) {
  const clock = testClock();
  const a = new ProbedProvider("a", ["alpha", "alpha-2"], [], clock);
  const b = new ProbedProvider("b", ["beta"], [], clock);
  // c cannot list its models: nothing to probe it with.
  const c = new ScriptedProvider("c", ["gamma"], [], clock);
  const events: MeshEvent[] = [];
  const client = create({
    config: { providers: { a: { instance: a }, b: { instance: b }, c: { instance: c } }, pools: { chat: { capability: "chat-completion", strategy: "priority", retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 } } }, discovery: { instance: monitor } },
    clock,
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), minSeverity: "debug" }) },
    ...extra,
  } as Parameters<typeof create>[0]);
  clients.push(client);
  const model = (name: string) => client.describe().pools["chat"]!.models.find((entry) => entry.model === name)!;
  const ofType = (type: string) => events.filter((event) => event.type === type) as unknown as Array<Record<string, unknown>>;
  return { client, clock, a, b, c, events, model, ofType };
}

describe("what the monitor is given", () => {
  it("a target per provider that can list its models, whose probe lists them with the monitor's signal", async () => {
    const monitor = drivenMonitor();
    const { client, a, b } = meshWith(monitor);
    await client.ready();
    expect(monitor.started).toHaveLength(1);
    const targets = monitor.started[0]!;
    expect(targets.map((target) => target.id)).toEqual(["a", "b"]);
    const signal = new AbortController().signal;
    expect(await targets[1]!.probe(signal)).toEqual(["b"]);
    expect([a.probes, b.probes]).toEqual([[], [signal]]);
  });
});

describe("a failed probe", () => {
  it("takes the provider's active models out until two intervals and a probe timeout later, and says why", async () => {
    const monitor = drivenMonitor({ intervalMs: 1_000, timeoutMs: 300 });
    const { client, clock, model, ofType } = meshWith(monitor);
    await client.ready();
    monitor.report!("a", false, new Error("connection refused"));
    const until = clock.now() + 2 * 1_000 + 300;
    expect([model("alpha").status, model("alpha").cooldownUntil]).toEqual(["cooldown", new Date(until).toISOString()]);
    expect(model("alpha-2").status).toBe("cooldown");
    expect([model("beta").status, model("gamma").status]).toEqual(["active", "active"]);
    expect(ofType("model-deactivated")).toEqual([
      expect.objectContaining({ severity: "warning", component: "pool", provider: "a", model: "alpha", reason: "health probe failed: connection refused", cooldownUntil: until }),
      expect.objectContaining({ provider: "a", model: "alpha-2", cooldownUntil: until }),
    ]);
    // A caller's request goes to the provider still in service.
    const answer = await client.chat.completions.create({ model: "chat", messages: hello });
    expect(answer.model).toBe("beta");
  });

  it("rests a minute's monitor for two minutes and five seconds, and names a reason that is not an Error", async () => {
    const monitor = drivenMonitor();
    const { client, clock, model, ofType } = meshWith(monitor);
    await client.ready();
    monitor.report!("b", false, "timed out");
    expect(model("beta").cooldownUntil).toBe(new Date(clock.now() + 125_000).toISOString());
    expect(ofType("model-deactivated").map((event) => event.reason)).toEqual(["health probe failed: timed out"]);
  });

  it("keeps a model it took out resting past each later failed round, without saying so again", async () => {
    const monitor = drivenMonitor({ intervalMs: 1_000, timeoutMs: 300 });
    const { client, clock, model, ofType } = meshWith(monitor);
    await client.ready();
    monitor.report!("a", false, new Error("down"));
    clock.advance(1_500);
    monitor.report!("a", false, new Error("still down"));
    expect([model("alpha").status, model("alpha").cooldownUntil]).toEqual(["cooldown", new Date(clock.now() + 2_300).toISOString()]);
    expect(ofType("model-deactivated")).toHaveLength(2);
  });

  it("leaves a model the router cooled down for its own failure as the router left it", async () => {
    const monitor = drivenMonitor({ intervalMs: 1_000, timeoutMs: 300 });
    const { client, clock, a, model, ofType } = meshWith(monitor);
    a.script({ error: new ProviderError("upstream exploded", { providerId: "a", status: 500 }, { code: "server_error", retryable: true }) });
    await client.chat.completions.create({ model: "alpha", messages: hello }).catch(() => undefined);
    const cooled = model("alpha");
    expect(cooled.status).toBe("cooldown");
    clock.advance(10);
    monitor.report!("a", false, new Error("down"));
    expect(model("alpha").cooldownUntil).toBe(cooled.cooldownUntil);
    // A later good probe does not bring it back either: the monitor did not take it out.
    monitor.report!("a", true);
    expect(model("alpha").status).toBe("cooldown");
    expect(ofType("model-recovered").map((event) => event.model)).toEqual(["alpha-2"]);
  });
});

describe("a good probe", () => {
  it("brings back the models the monitor took out", async () => {
    const monitor = drivenMonitor();
    const { client, model, ofType } = meshWith(monitor);
    await client.ready();
    monitor.report!("a", false, new Error("down"));
    monitor.report!("a", true);
    expect([model("alpha").status, model("alpha").cooldownUntil, model("alpha-2").status]).toEqual(["active", undefined, "active"]);
    expect(ofType("model-recovered")).toEqual([
      expect.objectContaining({ severity: "info", component: "pool", provider: "a", model: "alpha" }),
      expect.objectContaining({ provider: "a", model: "alpha-2" }),
    ]);
    expect((await client.chat.completions.create({ model: "chat", messages: hello })).model).toBe("alpha");
  });

  it("takes out again a model put back in service meanwhile whose probe fails", async () => {
    const monitor = drivenMonitor();
    const { client, model, ofType } = meshWith(monitor);
    await client.ready();
    monitor.report!("b", false, new Error("down"));
    client.mesh.resetState(["b/beta"]);
    monitor.report!("b", false, new Error("down again"));
    expect(model("beta").status).toBe("cooldown");
    expect(ofType("model-deactivated").map((event) => event.reason)).toEqual(["health probe failed: down", "health probe failed: down again"]);
  });

  it("says nothing of a model put back in service meanwhile", async () => {
    const monitor = drivenMonitor();
    const { client, ofType } = meshWith(monitor);
    await client.ready();
    monitor.report!("b", false, new Error("down"));
    client.mesh.resetState(["b/beta"]);
    monitor.report!("b", true);
    expect(ofType("model-recovered")).toEqual([]);
  });
});

describe("the monitor's life", () => {
  it("saves the state a report changed", async () => {
    const storage = new MemoryStorage();
    const monitor = drivenMonitor();
    const { client } = meshWith(monitor, { storage: { instance: storage }, persistDelayMs: 5 });
    await client.ready();
    monitor.report!("b", false, new Error("down"));
    await expect
      .poll(async () => ((await storage.load(STATE_KEY)) as { data: PersistedState } | null)?.data.models["b/beta"]?.status, { timeout: 2_000 })
      .toBe("cooldown");
  });

  it("is replaced on reconfigure and stopped on close; a report after close changes nothing", async () => {
    const monitor = drivenMonitor();
    const { client, model, ofType } = meshWith(monitor);
    await client.ready();
    const errors = await client.mesh.reconfigure({ providers: { b: { instance: new ProbedProvider("b", ["beta"], [], testClock()) } }, pools: { chat: { capability: "chat-completion" } }, discovery: { instance: monitor } } as never);
    expect(errors).toEqual([]);
    expect([monitor.started.map((targets) => targets.map((target) => target.id)), monitor.stopped]).toEqual([[["a", "b"], ["b"]], 1]);
    await client.close();
    expect(monitor.stopped).toBe(2);
    monitor.report!("b", false, new Error("down"));
    expect(ofType("model-deactivated")).toEqual([]);
    expect(model("beta").status).toBe("active");
  });
});
