import { describe, expect, it } from "vitest";
import { providerMatrix, readmeMatrix } from "./provider-matrix.js";

describe("README's provider table", () => {
  it("is what the connectors' own catalogues say (regenerate: npx tsx --conditions=modelmesh-source scripts/provider-matrix.ts --write)", () => {
    expect(readmeMatrix(), "README.md lacks the provider-matrix markers").toBeDefined();
    expect(readmeMatrix()).toBe(providerMatrix());
  });

  it("has a row per built-in provider, each marking at least one modality", () => {
    const rows = providerMatrix().split("\n").filter((line) => line.startsWith("| `"));
    expect(rows).toHaveLength(24);
    for (const row of rows) expect(row, row).toMatch(/\| (✓|¹|³) \|/);
  });
});
