import { describe, expect, it } from "vitest";
import { placeMarks } from "./marks.js";

const BUNDLE = ["function a() {", "  const x = 1;", "  return x;", "}", "function b() {", "  const y = 2;", "  return y;", "}"].join("\n");

describe("placeMarks", () => {
  it("puts each call before its line, or after the last line of a multi-line anchor, and keeps every other line", () => {
    const lines = placeMarks(BUNDLE, [{ name: "in a", anchor: "  const x = 1;" }, { name: "end of b", anchor: "  const y = 2;\n  return y;", after: true }], (index) => `mark(${index});`, "bench/tool.ts");
    expect(lines).toEqual(["function a() {", "mark(0);", "  const x = 1;", "  return x;", "}", "function b() {", "  const y = 2;", "  return y;", "mark(1);", "}"]);
  });

  it("stops, naming the mark and the tool, when an anchor is missing or not unique, rather than measure something else", () => {
    expect(() => placeMarks(BUNDLE, [{ name: "gone", anchor: "  const z = 3;" }], () => "mark();", "bench/tool.ts")).toThrow('the line for "gone" is in the bundle 0 times, not once; update its anchor in bench/tool.ts');
    expect(() => placeMarks(BUNDLE, [{ name: "twice", anchor: "}" }], () => "mark();", "bench/tool.ts")).toThrow('the line for "twice" is in the bundle 2 times');
    // A multi-line anchor must match on consecutive lines.
    expect(() => placeMarks(BUNDLE, [{ name: "apart", anchor: "  const x = 1;\n  return y;" }], () => "mark();", "bench/tool.ts")).toThrow("0 times");
  });
});
