/**
 * A price table that prices nothing (core/router.ts hasPrice): a model whose `pricing` holds only the date it was
 * read at has an unknown cost, so its answers carry no usage.cost and servedBy() says it is not priced.
 */
import { describe, expect, it } from "vitest";
import { servedBy } from "../../src/index.js";
import { CHAT, hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

describe("a price table with only readAt", () => {
  it("leaves the answer without usage.cost and servedBy() unpriced; a table with one price is priced", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", [{ id: "dated", capabilities: [CHAT], pricing: { readAt: "2026-11-01" } }, { id: "output-only", capabilities: [CHAT], pricing: { output: 1_000_000 } }], [], clock);
    const { mesh } = scriptedMesh([a], clock);
    const dated = await mesh.chat.completions.create({ model: "a/dated", messages: hello });
    expect(dated.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(servedBy(dated)).toMatchObject({ model: "dated", priced: false, cost: 0 });
    // $1 per output token: 5 tokens cost $5.
    const priced = await mesh.chat.completions.create({ model: "a/output-only", messages: hello });
    expect(priced.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost: 5 });
    expect(servedBy(priced)).toMatchObject({ model: "output-only", priced: true, cost: 5 });
    await mesh.close();
  });
});
