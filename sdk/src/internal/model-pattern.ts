import type { ModelState } from "../wire/model-state.js";

/**
 * Whether a configuration entry names this model: its model id (`gpt-4o`), its `provider/model`
 * key (`openai/gpt-4o`) or its provider id (`openai`). A trailing `*` matches any of the three by
 * prefix (`gpt-4*`, `openai/*`, `*`).
 * @example
 * matchesModel("openai/*", state); // true for every model of the provider named "openai"
 */
export function matchesModel(pattern: string, state: ModelState): boolean {
  return matchSpecificity(pattern, state) > 0;
}

/**
 * How precisely `pattern` names the model: 0 when it does not, otherwise higher for more precise
 * entries (exact key, then exact model id, then exact provider id, then globs by prefix length), so
 * `{ "openai": 1, "openai/gpt-4o": 5 }` gives gpt-4o its own value whatever the entry order.
 * @example
 * matchSpecificity("openai/gpt-4o", state) > matchSpecificity("openai", state); // true
 */
export function matchSpecificity(pattern: string, state: ModelState): number {
  if (pattern === state.key) return 3_000_000;
  if (pattern === state.modelId) return 2_000_000;
  if (pattern === state.providerId) return 1_000_000;
  if (pattern.endsWith("*")) {
    const prefix = pattern.slice(0, -1);
    const names = [state.key, state.modelId, state.providerId];
    if (names.some((name) => name.startsWith(prefix))) return prefix.length + 1;
  }
  return 0;
}

/**
 * The value of the entry that names the model most precisely (see `matchSpecificity`); among equally
 * precise entries, the first. Undefined when no entry names it.
 * @example
 * findModelEntry({ openai: 2, "*": 1 }, state); // 2 for an openai model, 1 for any other
 */
export function findModelEntry<Value>(entries: Readonly<Record<string, Value>> | undefined, state: ModelState): Value | undefined {
  if (entries === undefined) return undefined;
  let best: Value | undefined;
  let bestSpecificity = 0;
  for (const [pattern, value] of Object.entries(entries)) {
    const specificity = matchSpecificity(pattern, state);
    if (specificity > bestSpecificity) {
      best = value;
      bestSpecificity = specificity;
    }
  }
  return best;
}
