import type { ModelState } from "../wire/model-state.js";
import { nextAfter } from "../internal/pool-order.js";
import { BaseRotationPolicy } from "./rotation.js";
import type { RotationConfig, SelectionContext } from "./rotation.js";

/**
 * Options of `StickUntilFailurePolicy`; it has none beyond the base ones.
 * @example
 * const config: StickUntilFailureConfig = { failureThreshold: 1 };
 */
export interface StickUntilFailureConfig extends RotationConfig {}

/**
 * What `StickUntilFailurePolicy.snapshot()` returns: the current model, the one that just failed
 * (the next pick walks on from it) and the pool order last seen.
 * @example
 * const snapshot: StickUntilFailureSnapshot = { currentKey: "openai/gpt-4o", failedKey: null, order: ["openai/gpt-4o"] };
 */
export interface StickUntilFailureSnapshot {
  currentKey: string | null;
  failedKey: string | null;
  order: string[];
}

/**
 * The default strategy: keep using one model while it keeps answering. When it fails, or is offered
 * but unavailable (cooling down, disabled, over budget), move to the next model
 * in pool order after it, wrapping round, and stick to that one instead. A request the current model
 * cannot serve (tools, images, length) goes to the next one without moving. A recovered model does not
 * win its place back: stickiness is what keeps a conversation on one model.
 * @example
 * const strategy = new StickUntilFailurePolicy();
 * const mesh = create("chat-completion", { strategy });
 */
export class StickUntilFailurePolicy extends BaseRotationPolicy<StickUntilFailureConfig> {
  static readonly connectorId = "modelmesh.stick-until-failure.v1";
  /** The keys its config may hold besides `failureThreshold` and the cooldown: any other is a ConfigError (a typo). */
  static readonly configKeys: readonly string[] = [];
  static readonly shortName = "stick-until-failure";
  override readonly id = StickUntilFailurePolicy.connectorId;

  private currentKey: string | undefined;
  /** The model that failed while current: the next pick walks on from it. */
  private failedKey: string | undefined;
  /** The whole pool as last offered, to find the successor of a model that has since left it. */
  private previousOrder: string[] = [];

  constructor(config: StickUntilFailureConfig = {}) {
    super(config);
  }

  select(candidates: ModelState[], _request: unknown, context: SelectionContext): ModelState | null {
    const order = [...(context.offeredOrder ?? candidates.map((state) => state.key))];
    const current = candidates.find((state) => state.key === this.currentKey);
    const chosen = current ?? nextAfter(candidates, order, this.currentKey ?? this.failedKey, this.previousOrder) ?? null;
    // A current model left out of this request only (it cannot serve its tools, images or length)
    // has not failed: serve this request elsewhere and keep sticking to it.
    const excludedForThisRequest = this.currentKey !== undefined && !order.includes(this.currentKey) && this.previousOrder.includes(this.currentKey);
    if (!excludedForThisRequest) this.previousOrder = order;
    if (chosen !== null && !excludedForThisRequest) {
      this.currentKey = chosen.key;
      this.failedKey = undefined;
    }
    return chosen;
  }

  override onFailure(state: ModelState, _context: SelectionContext): void {
    // A late failure of a model already left behind (a concurrent request) must not move us again.
    if (state.key !== this.currentKey) return;
    this.failedKey = state.key;
    this.currentKey = undefined;
  }

  /**
   * The model that just failed answered its retry: it did not fail after all, so it stays the current one (one blip
   * must not move a conversation's next turns to another model). A late success of a model already left behind
   * changes nothing.
   */
  override onSuccess(state: ModelState, _context: SelectionContext, _latencyMs: number): void {
    if (this.currentKey !== undefined || state.key !== this.failedKey) return;
    this.currentKey = state.key;
    this.failedKey = undefined;
  }

  override snapshot(): StickUntilFailureSnapshot {
    return { currentKey: this.currentKey ?? null, failedKey: this.failedKey ?? null, order: [...this.previousOrder] };
  }

  override restore(snapshot: unknown): void {
    if (typeof snapshot !== "object" || snapshot === null) return;
    const { currentKey, failedKey, order } = snapshot as Partial<Record<keyof StickUntilFailureSnapshot, unknown>>;
    this.currentKey = typeof currentKey === "string" ? currentKey : undefined;
    this.failedKey = typeof failedKey === "string" ? failedKey : undefined;
    this.previousOrder = Array.isArray(order) ? order.filter((key): key is string => typeof key === "string") : [];
  }
}
