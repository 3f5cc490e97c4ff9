import type { ModelState } from "../wire/model-state.js";
import type { UsageSummary } from "./usage.js";
import type { BudgetSnapshot } from "./budget.js";

/** Where the mesh keeps its state in the storage connector. */
export const STATE_KEY = "modelmesh/state";

export interface PersistedState {
  version: 1;
  models: Record<string, Partial<ModelState>>;
  usage: Omit<UsageSummary, "budgets">;
  strategies: Record<string, unknown>;
  /** Budget spend per budget and period (absent in state saved before budgets existed). */
  budgets?: BudgetSnapshot;
}

/** The fields of a model's state that survive a restart (the rest is rebuilt from configuration). */
const PERSISTED_FIELDS = [
  "keyId",
  "status",
  "cooldownUntil",
  "cooldownMs",
  "consecutiveFailures",
  "totalRequests",
  "totalFailures",
  "totalSuccesses",
  "lastUsedAt",
  "lastError",
  "latencyMs",
  "latencySamples",
  "totalCost",
  "totalTokens",
  "rateLimit",
] as const;

export function pickPersisted(state: Partial<ModelState>): Partial<ModelState> {
  const picked: Record<string, unknown> = {};
  for (const field of PERSISTED_FIELDS) if (state[field] !== undefined) picked[field] = state[field];
  return picked as Partial<ModelState>;
}
