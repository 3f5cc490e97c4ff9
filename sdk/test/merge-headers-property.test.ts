import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeHeaders } from "../src/provider/provider-config.js";

// mergeHeaders runs on every request, so it is written with plain arrays; its rules are those of a Map keyed by the
// lower-cased name: the later spelling and value win, a name keeps its first position, undefined or null removes.
function byMap(...records: Array<Record<string, string | undefined | null> | undefined>): Record<string, string> {
  const byLowerName = new Map<string, [string, string]>();
  for (const record of records) {
    for (const [name, value] of Object.entries(record ?? {})) {
      if (value === undefined || value === null) byLowerName.delete(name.toLowerCase());
      else byLowerName.set(name.toLowerCase(), [name, String(value)]);
    }
  }
  return Object.fromEntries(byLowerName.values());
}

describe("mergeHeaders", () => {
  it("gives what a Map keyed by lower-case names gives, key order included, for any records", () => {
    const name = fc.constantFrom("Accept", "accept", "ACCEPT", "Content-Type", "content-type", "X-Trace", "x-trace", "Authorization");
    const value = fc.oneof(fc.string(), fc.constant(undefined), fc.constant(null));
    const record = fc.option(fc.dictionary(name, value), { nil: undefined });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 5 }), (records) => {
        const merged = mergeHeaders(...(records as Array<Record<string, string> | undefined>));
        expect(Object.entries(merged)).toEqual(Object.entries(byMap(...records)));
      }),
      { numRuns: 2_000 },
    );
  });

  it("keeps a name where it was first given and moves a removed one to the end", () => {
    expect(Object.keys(mergeHeaders({ Accept: "a", "Content-Type": "x" }, { accept: "b" }))).toEqual(["accept", "Content-Type"]);
    expect(Object.keys(mergeHeaders({ Accept: "a", "Content-Type": "x" }, { accept: undefined as unknown as string }, { ACCEPT: "c" }))).toEqual(["Content-Type", "ACCEPT"]);
  });
});
