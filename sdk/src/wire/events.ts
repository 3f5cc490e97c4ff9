import type { SerializedError } from "./errors.js";

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
      cost?: number;
      error?: SerializedError;
    })
  | (EventBase & { type: "model-deactivated"; provider: string; model: string; reason: string; cooldownUntil: number })
  | (EventBase & { type: "model-recovered"; provider: string; model: string })
  | (EventBase & { type: "key-disabled"; provider: string; models: string[]; reason: string })
  | (EventBase & { type: "stream-failover"; pool: string; fromModel: string; toModel?: string; deliveredChars: number })
  | (EventBase & { type: "budget-exceeded"; scope: string; limitType: string; limitValue: number; spent: number })
  | (EventBase & { type: "budget-alert"; scope: string; limitType: string; limitValue: number; spent: number; threshold: number })
  | (EventBase & { type: "state-saved" | "state-restored"; models: number; error?: string })
  | (EventBase & { type: "config-reloaded"; pools: string[] });

export type MeshEventType = MeshEvent["type"];

/** Where the router sends events. Observability connectors implement it. */
export interface EventSink {
  emit(event: MeshEvent): void;
  flush?(): Promise<void>;
  close?(): Promise<void>;
}
