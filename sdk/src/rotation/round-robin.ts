import type { ModelState } from "../wire/model-state.js";
import { nextAfter } from "../internal/pool-order.js";
import { BaseRotationPolicy } from "./rotation.js";
import type { RotationConfig, SelectionContext } from "./rotation.js";

/**
 * Options of `RoundRobinPolicy`; it has none beyond the base ones.
 * @example
 * const config: RoundRobinConfig = { failureThreshold: 2 };
 */
export interface RoundRobinConfig extends RotationConfig {}

/**
 * What `RoundRobinPolicy.snapshot()` returns: the model used last and the pool order it was in.
 * @example
 * const snapshot: RoundRobinSnapshot = { lastKey: "openai/gpt-4o", order: ["openai/gpt-4o", "groq/llama-3.3-70b"] };
 */
export interface RoundRobinSnapshot {
  lastKey: string | null;
  order: string[];
}

/**
 * Cycle through the pool in order, one request each. Models that are unavailable are skipped and
 * the cycle continues with the next available one after the model used last. The cursor is that
 * model's key, not a position, so models joining or leaving the pool do not make anyone lose or
 * repeat a turn.
 * @example
 * const strategy = new RoundRobinPolicy();
 * const mesh = create("text-embeddings", { strategy });
 */
export class RoundRobinPolicy extends BaseRotationPolicy<RoundRobinConfig> {
  static readonly connectorId = "modelmesh.round-robin.v1";
  /** The keys its config may hold besides `failureThreshold` and the cooldown: any other is a ConfigError (a typo). */
  static readonly configKeys: readonly string[] = [];
  static readonly shortName = "round-robin";
  override readonly id = RoundRobinPolicy.connectorId;

  private lastKey: string | undefined;
  /** The whole pool as last offered, to find the successor of a model that has since left it. */
  private previousOrder: string[] = [];

  constructor(config: RoundRobinConfig = {}) {
    super(config);
  }

  select(candidates: ModelState[], _request: unknown, context: SelectionContext): ModelState | null {
    const order = [...(context.offeredOrder ?? candidates.map((state) => state.key))];
    const chosen = nextAfter(candidates, order, this.lastKey, this.previousOrder) ?? null;
    this.previousOrder = order;
    if (chosen !== null) this.lastKey = chosen.key;
    return chosen;
  }

  override snapshot(): RoundRobinSnapshot {
    return { lastKey: this.lastKey ?? null, order: [...this.previousOrder] };
  }

  override restore(snapshot: unknown): void {
    if (typeof snapshot !== "object" || snapshot === null) return;
    const { lastKey, order } = snapshot as Partial<Record<keyof RoundRobinSnapshot, unknown>>;
    this.lastKey = typeof lastKey === "string" ? lastKey : undefined;
    this.previousOrder = Array.isArray(order) ? order.filter((key): key is string => typeof key === "string") : [];
  }
}
