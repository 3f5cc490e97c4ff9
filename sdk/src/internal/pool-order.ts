import type { ModelState } from "../wire/model-state.js";

/**
 * The first of `available` met when walking the pool `order` (model keys) from just after `anchor`,
 * wrapping, so the anchor itself comes last. Strategies that cycle remember a key rather than an
 * index, so models joining or leaving the pool do not shift whose turn it is. When the anchor has
 * left the pool, `previousOrder` (the order it was last seen in) tells where it stood, and the walk
 * resumes at its old successor instead of jumping back to the start.
 * @example
 * nextAfter(available, ["a/x", "b/y", "c/z"], "b/y"); // c/z if available, else a/x, else b/y
 */
export function nextAfter(
  available: readonly ModelState[],
  order: readonly string[],
  anchor: string | undefined,
  previousOrder: readonly string[] = [],
): ModelState | undefined {
  const byKey = new Map(available.map((state) => [state.key, state] as const));
  const firstAvailableFrom = (start: number): ModelState | undefined => {
    for (let step = 0; step < order.length; step++) {
      const key = order[(start + step) % order.length];
      const state = key === undefined ? undefined : byKey.get(key);
      if (state !== undefined) return state;
    }
    return available[0];
  };

  if (anchor !== undefined) {
    const index = order.indexOf(anchor);
    if (index >= 0) return firstAvailableFrom(index + 1);
    const previousIndex = previousOrder.indexOf(anchor);
    if (previousIndex >= 0) {
      for (let step = 1; step < previousOrder.length; step++) {
        const successor = previousOrder[(previousIndex + step) % previousOrder.length];
        const successorIndex = successor === undefined ? -1 : order.indexOf(successor);
        if (successorIndex >= 0) return firstAvailableFrom(successorIndex);
      }
    }
  }
  return firstAvailableFrom(0);
}
