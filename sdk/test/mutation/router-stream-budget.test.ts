/**
 * A budget refusal on a stream under `on_budget_exceeded: rotate` (core/router.ts stream: the reserve check before an
 * attempt opens), observed from outside: which model each stream reached and what the refused model received.
 */
import { describe, expect, it } from "vitest";
import { BudgetExceededError } from "../../src/wire/errors.js";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { CHAT, hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

/** $1000 per million output tokens: max_tokens 100 holds $0.1, over alpha's $0.01 per-request limit. */
const priced = (id: string) => ({ id, capabilities: [CHAT], pricing: { input: 0, output: 1_000 } });

async function text(stream: AsyncIterable<ChatCompletionChunk>): Promise<string> {
  let all = "";
  for await (const chunk of stream) all += chunk.choices[0]?.delta.content ?? "";
  return all;
}

describe("a stream refused by a budget under rotate", () => {
  it("opens on the next model; the refused model receives nothing", async () => {
    const clock = testClock(1_700_000_000_000);
    const a = new ScriptedProvider("a", [priced("alpha")], [], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ pieces: ["from ", "beta"] }], clock);
    const { mesh } = scriptedMesh(
      [a, b],
      clock,
      { strategy: "priority", retry: { max_retries: 0 }, on_budget_exceeded: "rotate" },
      { providers: { a: { instance: a, budget: { per_request_limit: 0.01 } }, b: { instance: b } } },
    );
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, max_tokens: 100, stream: true })) as unknown as AsyncIterable<ChatCompletionChunk>;
    expect(await text(stream)).toBe("from beta");
    expect(a.received).toHaveLength(0);
    expect(b.received.map((entry) => entry.request.model)).toEqual(["beta"]);
    await mesh.close();
  });

  it("with every candidate refused, the caller gets the budget error and no model receives the stream", async () => {
    const clock = testClock(1_700_000_000_000);
    const a = new ScriptedProvider("a", [priced("alpha")], [], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 0 }, on_budget_exceeded: "rotate" }, { providers: { a: { instance: a, budget: { per_request_limit: 0.01 } } } });
    const error = await (async () => {
      try {
        await text((await mesh.chat.completions.create({ model: "chat", messages: hello, max_tokens: 100, stream: true })) as unknown as AsyncIterable<ChatCompletionChunk>);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(a.received).toHaveLength(0);
    await mesh.close();
  });
});
