import { createModelState } from "../../src/wire/model-state.js";
import type { ModelState } from "../../src/wire/model-state.js";
import type { ModelInfo } from "../../src/provider/provider.js";
import type { SelectionContext } from "../../src/rotation/rotation.js";

/** A fixed "now" for tests: 2023-11-14T22:13:20Z. */
export const TEST_NOW = 1_700_000_000_000;

const CHAT = "generation.text-generation.chat-completion";

/** Anything of a ModelState may be overridden; identity fields and model info are given separately. */
export interface StateOverrides extends Partial<Omit<ModelState, "key" | "modelId" | "providerId" | "keyId" | "info">> {
  providerId?: string;
  modelId?: string;
  keyId?: string;
  info?: Partial<ModelInfo>;
}

/**
 * A model state as the router would hold it, active unless overridden.
 * @example
 * makeState({ providerId: "openai", modelId: "gpt-4o", info: { pricing: { input: 2.5, output: 10 } } });
 */
export function makeState(overrides: StateOverrides = {}): ModelState {
  const { providerId = "acme", modelId = "model-a", keyId = `${providerId}-key`, info, ...fields } = overrides;
  const state = createModelState(providerId, keyId, { capabilities: [CHAT], ...info, id: modelId });
  return Object.assign(state, fields);
}

/**
 * One active state per `provider/model` key (a bare name becomes `acme/<name>`), in the order given.
 * @example
 * const [first, second] = makeStates("openai/gpt-4o", "anthropic/claude-sonnet-4-5");
 */
export function makeStates(...keys: string[]): ModelState[] {
  return keys.map((key) => {
    const slash = key.indexOf("/");
    return slash < 0 ? makeState({ modelId: key }) : makeState({ providerId: key.slice(0, slash), modelId: key.slice(slash + 1) });
  });
}

/** The availability situations a pool can hold; all but `active` and `recovered` are unavailable. */
export type Situation = "active" | "cooling" | "recovered" | "probing" | "disabled";

export const SITUATIONS: readonly Situation[] = ["active", "cooling", "recovered", "probing", "disabled"];

/**
 * Put a state into a situation as seen at `now`: `cooling` rests for another 30 s, `recovered` has
 * finished resting (half-open, may be probed), `probing` has a probe in flight, `disabled` lost its key.
 * @example
 * setSituation(state, "cooling", TEST_NOW);
 */
export function setSituation(state: ModelState, situation: Situation, now: number = TEST_NOW): ModelState {
  state.probing = false;
  switch (situation) {
    case "active":
      state.status = "active";
      state.cooldownUntil = 0;
      break;
    case "cooling":
      state.status = "cooldown";
      state.cooldownMs = 60_000;
      state.cooldownUntil = now + 30_000;
      break;
    case "recovered":
      state.status = "cooldown";
      state.cooldownMs = 60_000;
      state.cooldownUntil = now - 1;
      break;
    case "probing":
      state.status = "cooldown";
      state.cooldownMs = 60_000;
      state.cooldownUntil = now - 1;
      state.probing = true;
      break;
    case "disabled":
      state.status = "disabled";
      state.cooldownUntil = 0;
      break;
  }
  return state;
}

/**
 * Whether the router may use the state at `now`, by the rules the base class documents, written out
 * independently so a contract can hold strategies to them.
 * @example
 * isUsable(setSituation(state, "recovered"), TEST_NOW); // true
 */
export function isUsable(state: ModelState, now: number): boolean {
  if (state.status === "active") return true;
  return state.status === "cooldown" && !state.probing && now >= state.cooldownUntil;
}

/**
 * A selection context at `TEST_NOW` with no randomness (random() is always 0) unless overridden.
 * @example
 * makeContext({ sessionId: "user-1", estimatedInputTokens: 10_000 });
 */
export function makeContext(overrides: Partial<SelectionContext> = {}): SelectionContext {
  return {
    poolName: "test-pool",
    now: TEST_NOW,
    random: () => 0,
    estimatedInputTokens: 1_000,
    estimatedOutputTokens: 500,
    ...overrides,
  };
}

/**
 * Record a finished attempt on the state the way the router does (counters, latency EWMA, usage),
 * without telling any strategy; tests then call the strategy's hook themselves.
 * @example
 * recordSuccess(state, { latencyMs: 120, tokens: 900, cost: 0.002, now: TEST_NOW });
 */
export function recordSuccess(state: ModelState, outcome: { latencyMs: number; tokens?: number; cost?: number; now?: number }): void {
  state.totalRequests += 1;
  state.totalSuccesses += 1;
  state.consecutiveFailures = 0;
  state.lastUsedAt = outcome.now ?? TEST_NOW;
  state.latencyMs = state.latencyMs === undefined ? outcome.latencyMs : state.latencyMs * 0.7 + outcome.latencyMs * 0.3;
  state.latencySamples += 1;
  state.totalTokens += outcome.tokens ?? 0;
  state.totalCost += outcome.cost ?? 0;
}

/**
 * Record a failed attempt on the state the way the router does, without telling any strategy.
 * @example
 * recordFailure(state, TEST_NOW);
 */
export function recordFailure(state: ModelState, now: number = TEST_NOW): void {
  state.totalRequests += 1;
  state.totalFailures += 1;
  state.consecutiveFailures += 1;
  state.lastUsedAt = now;
  state.lastError = { code: "provider_error", message: "simulated failure", at: now };
}
