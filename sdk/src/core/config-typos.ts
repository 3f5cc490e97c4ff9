import { toCamelCase } from "./config-source.js";

/**
 * Misspelt keys in a connector's own `config` (`pth` for `path`, `prefx` for `prefix`), found while the connector is
 * built: the config is watched, and a key it was given but never read, close to a key it read and was not given, is a
 * typo. A connector's keys are its own, so there is no list to check against; this catches the common case without
 * refusing keys a connector reads later, or passes on in a copy (which is not counted as reading them).
 */

/** Edits (insert, delete, replace, swap of neighbours) from `a` to `b`, case-insensitive; stops counting past 3. */
export function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (Math.abs(x.length - y.length) > 2) return 3;
  const rows: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[x.length]![y.length]!;
}

/**
 * Builds with `build(watched)` and returns what it built plus the typos found: `[given, meant]` pairs.
 * @example
 * const { built, typos } = watchConfig({ pth: "state.json" }, (config) => new LocalFileStorage(config)); // typos: [["pth", "path"]]
 */
export function watchConfig<T>(config: Record<string, unknown>, build: (config: Record<string, unknown>) => T): { built: T; typos: Array<[string, string]> } {
  const read = new Set<string>();
  // A spread (`{ ...config }`) looks at each key's descriptor, then gets it: a copy, not a use of the key.
  let copying: string | undefined;
  const watched = new Proxy(config, {
    get(target, key, receiver) {
      if (typeof key === "string") {
        if (key === copying) copying = undefined;
        else read.add(key);
      }
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") read.add(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
      // A spread gets only the enumerable keys it looks at; a key it passes over (an alias) is still unread.
      copying = typeof key === "string" && descriptor?.enumerable ? key : undefined;
      return descriptor;
    },
  });
  const built = build(watched);
  // `vault_url` and `vaultUrl` are one key (snake_case and camelCase mean the same): reading either reads it, and a
  // key given in one spelling is not missing when read in the other. Compared and measured in camelCase.
  const readKeys = new Set([...read].map(toCamelCase));
  const givenKeys = new Set(Object.keys(config).map(toCamelCase));
  const missing = [...read].filter((key) => !givenKeys.has(toCamelCase(key)));
  const typos: Array<[string, string]> = [];
  for (const key of Object.keys(config)) {
    const camel = toCamelCase(key);
    if (readKeys.has(camel)) continue;
    const meant = missing.find((candidate) => {
      const other = toCamelCase(candidate);
      return distance(camel, other) <= (Math.min(camel.length, other.length) <= 4 ? 1 : 2);
    });
    if (meant !== undefined) typos.push([key, meant]);
  }
  return { built, typos };
}
