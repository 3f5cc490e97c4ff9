import { describe, expect, it } from "vitest";
import type { ModelState } from "../wire/model-state.js";
import { makeContext, makeStates, setSituation } from "../../test/contracts/model-states.js";
import { RoundRobinPolicy } from "./round-robin.js";

const pickKeys = (strategy: RoundRobinPolicy, pool: readonly ModelState[], times: number): string[] =>
  Array.from({ length: times }, () => strategy.pick(pool, {}, makeContext())?.key ?? "none");

describe("RoundRobinPolicy", () => {
  it("is named modelmesh.round-robin.v1 / round-robin", () => {
    expect(new RoundRobinPolicy().id).toBe("modelmesh.round-robin.v1");
    expect(RoundRobinPolicy.connectorId).toBe("modelmesh.round-robin.v1");
    expect(RoundRobinPolicy.shortName).toBe("round-robin");
  });

  it("cycles through the pool in order and shares evenly", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const strategy = new RoundRobinPolicy();
    const first = pickKeys(strategy, pool, 7);
    expect(first).toEqual(["p/a", "p/b", "p/c", "p/a", "p/b", "p/c", "p/a"]);
    const counts = new Map<string, number>();
    for (const key of [...first, ...pickKeys(strategy, pool, 299)]) counts.set(key, (counts.get(key) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ "p/a": 102, "p/b": 102, "p/c": 102 });
  });

  it("skips unavailable models and takes them back in turn once available", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const [, b] = pool;
    const strategy = new RoundRobinPolicy();
    setSituation(b!, "cooling");
    expect(pickKeys(strategy, pool, 4)).toEqual(["p/a", "p/c", "p/a", "p/c"]);
    setSituation(b!, "active");
    expect(pickKeys(strategy, pool, 3)).toEqual(["p/a", "p/b", "p/c"]);
  });

  it("continues after the last used model when that model becomes unavailable", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const strategy = new RoundRobinPolicy();
    expect(pickKeys(strategy, pool, 2)).toEqual(["p/a", "p/b"]);
    setSituation(pool[1]!, "disabled");
    expect(pickKeys(strategy, pool, 1)).toEqual(["p/c"]);
  });

  it("tracks the cursor by key, so models joining or leaving do not cost anyone a turn", () => {
    const [a, b, c, d] = makeStates("p/a", "p/b", "p/c", "p/d");
    const strategy = new RoundRobinPolicy();
    expect(pickKeys(strategy, [a!, b!, c!], 1)).toEqual(["p/a"]);
    // A model joining in front would shift an index cursor back onto a; the key cursor moves on to b.
    expect(pickKeys(strategy, [d!, a!, b!, c!], 3)).toEqual(["p/b", "p/c", "p/d"]);
    expect(pickKeys(strategy, [d!, a!, b!, c!], 1)).toEqual(["p/a"]);
    // The last used model leaving the pool: resume at its old successor, b, not at the start.
    expect(pickKeys(strategy, [d!, b!, c!], 2)).toEqual(["p/b", "p/c"]);
  });

  it("restores its cursor from a snapshot", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const strategy = new RoundRobinPolicy();
    pickKeys(strategy, pool, 2);
    const restored = new RoundRobinPolicy();
    restored.restore(JSON.parse(JSON.stringify(strategy.snapshot())));
    expect(pickKeys(restored, pool, 2)).toEqual(["p/c", "p/a"]);
  });

  it("resumes after a restored model that has left the pool, at its successor in the restored order", () => {
    const [a, , c, d] = makeStates("p/a", "p/b", "p/c", "p/d");
    const restored = new RoundRobinPolicy();
    restored.restore({ lastKey: "p/b", order: ["p/a", "p/b", 7, "p/c", "p/d"] });
    expect(pickKeys(restored, [a!, c!, d!], 3)).toEqual(["p/c", "p/d", "p/a"]);
  });

  it("restores a cursor without a pool order, and ignores a cursor that is not a key", () => {
    const pool = makeStates("p/a", "p/b", "p/c");
    const withoutOrder = new RoundRobinPolicy();
    withoutOrder.restore({ lastKey: "p/b" });
    expect(pickKeys(withoutOrder, pool, 2)).toEqual(["p/c", "p/a"]);
    const junk = new RoundRobinPolicy();
    junk.restore({ lastKey: 1, order: "p/a,p/b" });
    expect(junk.snapshot()).toEqual({ lastKey: null, order: [] });
    expect(pickKeys(junk, pool, 2)).toEqual(["p/a", "p/b"]);
  });
});
