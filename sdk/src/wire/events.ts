import type { SerializedError } from "./error-base.js";

export type Severity = "debug" | "info" | "warning" | "error";
export type Component = "mesh" | "router" | "pool" | "provider" | "budget" | "storage";

interface EventBase {
  timestamp: number;
  severity: Severity;
  component: Component;
  requestId?: string;
}

export interface UsageCounts {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Billed units of services not priced by the token: characters spoken, seconds of audio, images made. */
  characters?: number;
  seconds?: number;
  images?: number;
  /** USD the service itself reported for the request (OpenRouter's `usage.cost`): booked instead of a price-table estimate. */
  cost?: number;
}

/** Events are named `<noun>-<action>`; every sink sees them after redaction. */
export type MeshEvent =
  | (EventBase & { type: "request-start"; pool: string; capability: string; stream: boolean })
  | (EventBase & { type: "attempt-start"; pool: string; provider: string; model: string; attempt: number })
  | (EventBase & {
      type: "attempt-end";
      pool: string;
      provider: string;
      model: string;
      attempt: number;
      ok: boolean;
      latencyMs: number;
      error?: SerializedError;
    })
  | (EventBase & {
      type: "request-end";
      pool: string;
      provider?: string;
      model?: string;
      ok: boolean;
      latencyMs: number;
      attempts: number;
      usage?: UsageCounts;
      /** USD, from the model's price table; left out when the model has no price (`priced: false`: unknown, not 0). */
      cost?: number;
      priced?: false;
      error?: SerializedError;
      /** Only when a sink keeps payloads (`log_level: full`): the caller's request as it was given. */
      request?: unknown;
      /** Only then: the answer (a stream's: `{ deliveredText }`, the text it delivered). */
      response?: unknown;
    })
  | (EventBase & { type: "model-deactivated"; provider: string; model: string; reason: string; cooldownUntil: number })
  | (EventBase & { type: "model-recovered"; provider: string; model: string })
  | (EventBase & { type: "key-disabled"; provider: string; models: string[]; reason: string })
  | (EventBase & { type: "stream-failover"; pool: string; fromModel: string; toModel?: string; deliveredChars: number })
  /** A budget refused a request: which budget, and (when a request was refused) its `requestId`, pool, provider and model. */
  | (EventBase & { type: "budget-exceeded"; scope: string; limitType: string; limitValue: number; spent: number; pool?: string; provider?: string; model?: string })
  | (EventBase & { type: "budget-alert"; scope: string; limitType: string; limitValue: number; spent: number; threshold: number })
  | (EventBase & { type: "state-saved" | "state-restored"; models: number; error?: string })
  | (EventBase & { type: "config-reloaded"; pools: string[] })
  /** Discovery could not read a provider's model list at start (or reconfigure); its built-in list is used. */
  | (EventBase & { type: "model-list-failed"; provider: string; reason: string })
  | (EventBase & {
      type: "budget-reserved";
      pool: string;
      provider: string;
      model: string;
      /** Worst-case cost held (USD) until the attempt settles. */
      amount: number;
      /** The budgets it is held against (`global`, `provider:openai`, `scope:site:example.com`, ...). */
      budgets: string[];
    })
  | (EventBase & { type: "stats" } & MeshStats);

/** Models in and out of rotation in one pool. */
export interface PoolCounts {
  active: number;
  standby: number;
  total: number;
}

/** One budget's state for one period in a `stats` event. */
export interface BudgetStats {
  /** The budget's name (`global`, `provider:openai`, `pool:chat`, `scope:…`). */
  budget: string;
  period: "daily" | "monthly";
  limit: number;
  spent: number;
  reserved: number;
  remaining: number;
}

/**
 * A snapshot of the mesh, sent periodically as a `stats` event and read by the Prometheus sink at scrape time.
 * @example
 * const stats: MeshStats = { pools: { chat: { active: 2, standby: 1, total: 3 } }, budgets: [], requests: 10, totalTokens: 420, totalCost: 0.01 };
 */
export interface MeshStats {
  pools: Record<string, PoolCounts>;
  /** Budgets with a limit only (an unlimited period has nothing to remain). */
  budgets: BudgetStats[];
  requests: number;
  totalTokens: number;
  totalCost: number;
}

export type MeshEventType = MeshEvent["type"];

/** Where the router sends events. Observability connectors implement it. */
export interface EventSink {
  emit(event: MeshEvent): void;
  /**
   * False when the sink would drop every event of this type and severity, so the router need not build one (it
   * asks before the events of every request: starts, ends, reservations). Absent: the sink takes every event.
   */
  accepts?(type: MeshEventType, severity: Severity): boolean;
  /**
   * True when the sink keeps payloads (`log_level: full`): the router then puts the request and the answer on
   * `request-end` events. Absent: false, so no event carries a conversation unless a sink asked for it.
   */
  keepsBodies?(): boolean;
  /** Starts what the sink needs before events flow (a listening port); the mesh awaits it at start. */
  open?(): Promise<void>;
  flush?(): Promise<void>;
  close?(): Promise<void>;
}
