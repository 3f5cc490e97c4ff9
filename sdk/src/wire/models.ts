/**
 * What a model is, as every layer sees it: the catalogue entries providers list, the pool filters and the rotation
 * strategies rank. Types only, in the ground layer, so that model state, discovery and strategies need not import
 * the provider interface to name a model.
 */
/** Request features a model must support to be a candidate. Unknown (undefined) counts as supported. */
export interface ModelFeatures {
  tools?: boolean;
  vision?: boolean;
  jsonMode?: boolean;
  streaming?: boolean;
  /**
   * Extends a trailing assistant message instead of answering it (DeepSeek and Mistral: `prefix: true` on that
   * message). A broken stream is continued on such a model; on others it is restarted (YAML `assistant_prefix`).
   */
  assistantPrefix?: boolean;
}

/** USD prices. Tokens are per million; audio and images use the per-unit fields. */
export interface ModelPricing {
  input?: number;
  output?: number;
  perCharacter?: number;
  perRequest?: number;
  perSecond?: number;
  perImage?: number;
  /** ISO date the prices were read from the provider's price page. */
  readAt?: string;
}

/** A model a provider offers, tagged with full capability paths. */
export interface ModelInfo {
  id: string;
  name?: string;
  capabilities: string[];
  contextWindow?: number;
  maxOutputTokens?: number;
  features?: ModelFeatures;
  pricing?: ModelPricing;
}

/** Quota as a provider's rate-limit headers report it. Times are epoch ms. */
export interface RateLimitSnapshot {
  limitRequests?: number;
  remainingRequests?: number;
  resetRequestsAt?: number;
  limitTokens?: number;
  remainingTokens?: number;
  resetTokensAt?: number;
}
