/**
 * core/shared-models.ts over an in-memory pub/sub store: what one process publishes when a model cools down, is
 * disabled or recovers, and how another process's model states change when the update reaches it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { isSharedModelStore, MODEL_STATE_RESYNC_MS, ModelStateSharing, type SharedModelStore, type SharedModelUpdate } from "../../src/core/shared-models.js";
import type { MeshEvent } from "../../src/wire/events.js";
import { createModelState, type ModelState } from "../../src/wire/model-state.js";

const NOW = 1_700_000_000_000;

class MemoryModelStore implements SharedModelStore {
  readonly published: SharedModelUpdate[] = [];
  readonly latest = new Map<string, SharedModelUpdate>();
  readonly listeners: Array<(update: SharedModelUpdate) => void> = [];
  reads = 0;
  async publishModelState(update: SharedModelUpdate): Promise<void> {
    this.published.push(update);
    this.latest.set(update.key, update);
    for (const listener of this.listeners) listener(update);
  }
  async readModelStates(): Promise<SharedModelUpdate[]> {
    this.reads += 1;
    return [...this.latest.values()];
  }
  async subscribeModelStates(listener: (update: SharedModelUpdate) => void): Promise<void> {
    this.listeners.push(listener);
  }
}

function process(store: SharedModelStore, keyId = "key-1") {
  const states = new Map<string, ModelState>(["alpha", "beta"].map((id) => [`openai/${id}`, createModelState("openai", keyId, { id, capabilities: ["chat-completion"] })]));
  const clock = { now: NOW };
  const sharing = new ModelStateSharing(store, () => states, () => clock.now);
  return { states, sharing, clock, alpha: states.get("openai/alpha")!, beta: states.get("openai/beta")! };
}

const base = { timestamp: NOW, severity: "warning", component: "router" } as const;
const deactivated = (model: string): MeshEvent => ({ ...base, type: "model-deactivated", provider: "openai", model, reason: "500", cooldownUntil: NOW + 60_000 });
const recovered = (model: string): MeshEvent => ({ ...base, type: "model-recovered", provider: "openai", model });
const update = (overrides: Partial<SharedModelUpdate>): SharedModelUpdate => ({ key: "openai/alpha", keyId: "key-1", status: "cooldown", cooldownUntil: NOW + 60_000, cooldownMs: 60_000, origin: "other", at: NOW, ...overrides });

afterEach(() => vi.useRealTimers());

describe("ModelStateSharing", () => {
  it("publishes a cooldown with the model's state, and the other process takes the model out until then", async () => {
    const store = new MemoryModelStore();
    const one = process(store);
    const two = process(store);
    await one.sharing.start();
    await two.sharing.start();
    Object.assign(one.alpha, { status: "cooldown", cooldownUntil: NOW + 30_000, cooldownMs: 30_000 });
    one.clock.now = NOW + 5;
    one.sharing.observe(deactivated("alpha"));
    await Promise.resolve();
    expect(store.published).toEqual([{ key: "openai/alpha", keyId: "key-1", status: "cooldown", cooldownUntil: NOW + 30_000, cooldownMs: 30_000, origin: one.sharing.origin, at: NOW + 5 }]);
    expect(two.alpha).toMatchObject({ status: "cooldown", cooldownUntil: NOW + 30_000, cooldownMs: 30_000, probing: false });
    expect(two.beta.status).toBe("active");
    // Its own update is not applied back to itself.
    one.alpha.cooldownUntil = NOW + 1;
    await store.publishModelState({ ...store.published[0]!, cooldownUntil: NOW + 90_000 });
    expect(one.alpha.cooldownUntil).toBe(NOW + 1);
  });

  it("publishes every model of a disabled key, and a recovery as active; other events and unknown models publish nothing", async () => {
    const store = new MemoryModelStore();
    const one = process(store);
    Object.assign(one.alpha, { status: "disabled", cooldownUntil: NOW + 1_000 });
    one.sharing.observe({ ...base, type: "key-disabled", provider: "openai", models: ["alpha", "beta", "gone"], reason: "401" });
    one.sharing.observe(recovered("beta"));
    one.sharing.observe(deactivated("gone"));
    one.sharing.observe({ ...base, type: "request-start", pool: "chat", capability: "chat-completion", stream: false });
    await Promise.resolve();
    expect(store.published.map(({ key, status }) => `${key}:${status}`)).toEqual(["openai/alpha:disabled", "openai/beta:active", "openai/beta:active"]);
  });

  it("a failed publish is swallowed, and a stopped process neither publishes nor applies", async () => {
    const failing: SharedModelStore = { ...new MemoryModelStore(), publishModelState: () => Promise.reject(new Error("down")), readModelStates: async () => [], subscribeModelStates: async () => undefined };
    const quiet = process(failing);
    expect(() => quiet.sharing.observe(recovered("alpha"))).not.toThrow();
    const store = new MemoryModelStore();
    const one = process(store);
    const two = process(store);
    await two.sharing.start();
    two.sharing.stop();
    one.sharing.observe(recovered("alpha"));
    one.alpha.status = "cooldown";
    one.alpha.cooldownUntil = NOW + 10;
    one.sharing.observe(deactivated("alpha"));
    await Promise.resolve();
    expect(two.alpha.status).toBe("active");
    one.sharing.stop();
    one.sharing.observe(deactivated("alpha"));
    await Promise.resolve();
    expect(store.published).toHaveLength(2);
  });

  it("applies a cooldown only when it is still running and later than the one the model has, never over a disabled key", async () => {
    const store = new MemoryModelStore();
    const two = process(store);
    await two.sharing.start();
    const send = (overrides: Partial<SharedModelUpdate>) => store.publishModelState(update(overrides));
    await send({ cooldownUntil: NOW });
    expect(two.alpha.status).toBe("active");
    await send({ cooldownUntil: NOW + 1 });
    expect(two.alpha).toMatchObject({ status: "cooldown", cooldownUntil: NOW + 1 });
    two.alpha.probing = true;
    await send({ cooldownUntil: NOW + 1 });
    expect(two.alpha.probing).toBe(true);
    await send({ cooldownUntil: NOW + 2, cooldownMs: 5 });
    expect(two.alpha).toMatchObject({ cooldownUntil: NOW + 2, cooldownMs: 5, probing: false });
    await send({ key: "openai/unknown" });
    two.beta.status = "disabled";
    await send({ key: "openai/beta", cooldownUntil: NOW + 5 });
    expect(two.beta.status).toBe("disabled");
  });

  it("disables a model only for the same key, while the rejection lasts, and once", async () => {
    const store = new MemoryModelStore();
    const two = process(store);
    await two.sharing.start();
    await store.publishModelState(update({ status: "disabled", keyId: "key-2" }));
    expect(two.alpha.status).toBe("active");
    await store.publishModelState(update({ status: "disabled", cooldownUntil: NOW }));
    expect(two.alpha.status).toBe("active");
    two.alpha.probing = true;
    await store.publishModelState(update({ status: "disabled", cooldownUntil: NOW + 7, cooldownMs: 99 }));
    expect(two.alpha).toMatchObject({ status: "disabled", cooldownUntil: NOW + 7, cooldownMs: 0, probing: false });
    await store.publishModelState(update({ status: "disabled", cooldownUntil: NOW + 9 }));
    expect(two.alpha.cooldownUntil).toBe(NOW + 7);
  });

  it("a recovery elsewhere returns a cooling model to service unless it failed here after that", async () => {
    const store = new MemoryModelStore();
    const two = process(store);
    await two.sharing.start();
    const cool = (state: ModelState, failedAt?: number) => Object.assign(state, { status: "cooldown", cooldownUntil: NOW + 100, cooldownMs: 100, consecutiveFailures: 3, probing: true, lastError: failedAt === undefined ? undefined : { code: "x", message: "x", at: failedAt } });
    cool(two.alpha, NOW + 10);
    await store.publishModelState(update({ status: "active", at: NOW + 9 }));
    expect(two.alpha.status).toBe("cooldown");
    await store.publishModelState(update({ status: "active", at: NOW + 10 }));
    expect(two.alpha).toMatchObject({ status: "active", cooldownUntil: 0, cooldownMs: 0, consecutiveFailures: 0, probing: false });
    cool(two.beta);
    await store.publishModelState(update({ key: "openai/beta", status: "active", at: 0 }));
    expect(two.beta.status).toBe("active");
    two.alpha.status = "disabled";
    await store.publishModelState(update({ status: "active", at: NOW + 50 }));
    expect(two.alpha.status).toBe("disabled");
  });

  it("catches up on start, then re-reads every MODEL_STATE_RESYNC_MS until stopped, surviving a failed read", async () => {
    vi.useFakeTimers();
    const store = new MemoryModelStore();
    store.latest.set("openai/alpha", update({ cooldownUntil: NOW + 100 }));
    let failRead = false;
    const flaky: SharedModelStore = { publishModelState: (u) => store.publishModelState(u), subscribeModelStates: (l) => store.subscribeModelStates(l), readModelStates: () => (failRead ? Promise.reject(new Error("down")) : store.readModelStates()) };
    const two = process(flaky);
    await two.sharing.start();
    expect(two.alpha.status).toBe("cooldown");
    store.latest.set("openai/beta", update({ key: "openai/beta" }));
    await vi.advanceTimersByTimeAsync(MODEL_STATE_RESYNC_MS - 1);
    expect(two.beta.status).toBe("active");
    await vi.advanceTimersByTimeAsync(1);
    expect(two.beta.status).toBe("cooldown");
    failRead = true;
    await vi.advanceTimersByTimeAsync(MODEL_STATE_RESYNC_MS);
    failRead = false;
    const reads = store.reads;
    two.sharing.stop();
    await vi.advanceTimersByTimeAsync(MODEL_STATE_RESYNC_MS * 2);
    expect(store.reads).toBe(reads);
    expect(MODEL_STATE_RESYNC_MS).toBe(5_000);
  });

  it("gives each process its own origin", () => {
    const store = new MemoryModelStore();
    expect(process(store).sharing.origin).not.toBe(process(store).sharing.origin);
    expect(process(store).sharing.origin.length).toBeGreaterThan(8);
  });
});

describe("isSharedModelStore", () => {
  it("needs all three functions", () => {
    expect(isSharedModelStore(new MemoryModelStore())).toBe(true);
    const { publishModelState, readModelStates, subscribeModelStates } = new MemoryModelStore();
    expect(isSharedModelStore({ readModelStates, subscribeModelStates })).toBe(false);
    expect(isSharedModelStore({ publishModelState, subscribeModelStates })).toBe(false);
    expect(isSharedModelStore({ publishModelState, readModelStates })).toBe(false);
    expect(isSharedModelStore(null)).toBe(false);
  });
});
