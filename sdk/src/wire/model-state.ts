import type { ModelInfo, RateLimitSnapshot } from "./models.js";

/** `active`: serving. `cooldown`: resting until `cooldownUntil`, then half-open (one probe). `disabled`: its key was rejected. */
export type ModelStatus = "active" | "cooldown" | "disabled";

/**
 * What ModelMesh knows about one model of one provider. One object per `provider/model`, shared by
 * every pool the model is in, so a failure seen by one pool is seen by all. Persisted across restarts.
 */
export interface ModelState {
  readonly key: string;
  readonly modelId: string;
  readonly providerId: string;
  /** Identifies the credential: every model with the same keyId is disabled together on an auth failure. */
  readonly keyId: string;
  readonly info: ModelInfo;
  status: ModelStatus;
  /** Epoch ms at which a cooling model may be probed again; 0 when not cooling. */
  cooldownUntil: number;
  /** Length of the current cooldown; grows when a half-open probe fails. */
  cooldownMs: number;
  /** A half-open probe is in flight: no other request may pick the model until it ends. */
  probing: boolean;
  consecutiveFailures: number;
  totalRequests: number;
  totalFailures: number;
  totalSuccesses: number;
  lastUsedAt: number;
  lastError?: { code: string; message: string; at: number };
  /** Exponentially weighted moving average of request latency (ms); undefined until measured. */
  latencyMs?: number;
  latencySamples: number;
  totalCost: number;
  totalTokens: number;
  /** Remaining quota as the provider last reported it in its rate-limit headers. */
  rateLimit?: RateLimitSnapshot;
}

export function createModelState(providerId: string, keyId: string, info: ModelInfo): ModelState {
  return {
    key: `${providerId}/${info.id}`,
    modelId: info.id,
    providerId,
    keyId,
    info,
    status: "active",
    cooldownUntil: 0,
    cooldownMs: 0,
    probing: false,
    consecutiveFailures: 0,
    totalRequests: 0,
    totalFailures: 0,
    totalSuccesses: 0,
    lastUsedAt: 0,
    latencySamples: 0,
    totalCost: 0,
    totalTokens: 0,
  };
}
