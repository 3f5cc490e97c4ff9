import { describe, expect, it } from "vitest";
import { formatUsd, parseLimit, parseList } from "./format.js";

describe("format", () => {
  it("shows cents for sums and three significant digits for fractions of a cent", () => {
    expect([0, 1.5, 0.0123, 12.345, 0.0042, 0.000412, 0.00000004].map(formatUsd)).toEqual(["$0.00", "$1.50", "$0.01", "$12.35", "$0.0042", "$0.000412", "<$0.000001"]);
  });
  it("reads limits and lists as a person types them", () => {
    expect([parseLimit(""), parseLimit(" 2.5 "), parseLimit("-1"), parseLimit("x")]).toEqual([{ ok: true, value: undefined }, { ok: true, value: 2.5 }, { ok: false }, { ok: false }]);
    expect(parseList(" chat,embeddings  chat,, ")).toEqual(["chat", "embeddings"]);
  });
});
