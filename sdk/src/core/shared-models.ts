import type { MeshEvent } from "../wire/events.js";
import type { ModelState } from "../wire/model-state.js";

/** A model's availability as one process tells the others. */
export interface SharedModelUpdate {
  /** `provider/model`. */
  key: string;
  /** The credential's id: a key taken out by a 401 is taken out elsewhere only where the same key is used. */
  keyId: string;
  status: "active" | "cooldown" | "disabled";
  cooldownUntil: number;
  cooldownMs: number;
  /** The process that published it (it ignores its own). */
  origin: string;
  at: number;
}

/**
 * A storage through which processes share model availability (`modelmesh.redis.v1`: a hash plus pub/sub), so a
 * model cooled down by one is skipped by the others.
 * @example
 * if (isSharedModelStore(storage)) await storage.publishModelState(update);
 */
export interface SharedModelStore {
  publishModelState(update: SharedModelUpdate): Promise<void>;
  /** The latest update of every model (what a process starting, or catching up, applies). */
  readModelStates(): Promise<SharedModelUpdate[]>;
  /** Calls `listener` with every update published from now on, until `close()`. */
  subscribeModelStates(listener: (update: SharedModelUpdate) => void): Promise<void>;
}

/**
 * True when `storage` shares model availability (see `SharedModelStore`).
 * @example
 * isSharedModelStore(new MemoryStorage()); // false
 */
export function isSharedModelStore(storage: unknown): storage is SharedModelStore {
  const candidate = storage as Partial<SharedModelStore> | null;
  return typeof candidate?.publishModelState === "function" && typeof candidate.readModelStates === "function" && typeof candidate.subscribeModelStates === "function";
}

/** How often every model's shared state is read again, in case a pub/sub message was lost (a reconnect). */
export const MODEL_STATE_RESYNC_MS = 5_000;

/**
 * Publishes this process's cooldowns, key rejections and recoveries, and applies the other processes' ones to the
 * local model states the router picks from. Staleness: an update reaches the others as fast as Redis pub/sub
 * delivers it (sub-millisecond on one host); a message lost to a dropped connection is caught by the re-read every
 * `MODEL_STATE_RESYNC_MS`. A request that already picked a model before the update arrived still goes to it.
 * @example
 * const sharing = new ModelStateSharing(store, () => runtime.states, Date.now);
 * await sharing.start();
 */
export class ModelStateSharing {
  readonly origin = originId();
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(
    private readonly store: SharedModelStore,
    private readonly states: () => ReadonlyMap<string, ModelState>,
    private readonly now: () => number,
  ) {}

  async start(): Promise<void> {
    await this.store.subscribeModelStates((update) => this.apply(update));
    await this.resync();
    this.#timer = setInterval(() => void this.resync().catch(() => undefined), MODEL_STATE_RESYNC_MS);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Sees every mesh event; the ones that change a model's availability are published (not awaited). */
  observe(event: MeshEvent): void {
    if (this.#stopped) return;
    const keys = event.type === "model-deactivated" || event.type === "model-recovered" ? [`${event.provider}/${event.model}`] : event.type === "key-disabled" ? event.models.map((model) => `${event.provider}/${model}`) : [];
    for (const key of keys) {
      const state = this.states().get(key);
      if (!state) continue;
      const status = state.status === "cooldown" || state.status === "disabled" ? state.status : "active";
      const update: SharedModelUpdate = { key, keyId: state.keyId, status, cooldownUntil: state.cooldownUntil, cooldownMs: state.cooldownMs, origin: this.origin, at: this.now() };
      // A lost update only leaves another process to find the failure itself: never worth failing a request over.
      void this.store.publishModelState(update).catch(() => undefined);
    }
  }

  private async resync(): Promise<void> {
    for (const update of await this.store.readModelStates()) this.apply(update);
  }

  private apply(update: SharedModelUpdate): void {
    if (this.#stopped || update.origin === this.origin) return;
    const state = this.states().get(update.key);
    if (!state) return;
    const now = this.now();
    if (update.status === "cooldown") {
      if (update.cooldownUntil <= now) return;
      if (state.status === "disabled" || (state.status === "cooldown" && state.cooldownUntil >= update.cooldownUntil)) return;
      Object.assign(state, { status: "cooldown", cooldownUntil: update.cooldownUntil, cooldownMs: update.cooldownMs, probing: false });
    } else if (update.status === "disabled") {
      if (update.keyId !== state.keyId || update.cooldownUntil <= now || state.status === "disabled") return;
      Object.assign(state, { status: "disabled", cooldownUntil: update.cooldownUntil, probing: false });
    } else if (state.status === "cooldown" && update.at >= (state.lastError?.at ?? 0)) {
      // Recovered elsewhere after this process last saw it fail: it answers again.
      Object.assign(state, { status: "active", cooldownUntil: 0, cooldownMs: 0, consecutiveFailures: 0, probing: false });
    }
  }
}

function originId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID?.() ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}
