/**
 * Found by the mutation run of core/router.ts: a 429 that says `retry-after: 0` ("retry now") was not retried:
 * recordFailure rests the model for max(0 × 1000, 1) = 1 ms, and afterFailure then finds the resting model unusable
 * for a retry in 0 ms (cooldownUntil = now + 1 > now + 0), so the request fails over, or, with one model, fails.
 */
import { describe, expect, it } from "vitest";
import { RateLimitError } from "../../src/wire/errors.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

describe("retry-after 0", () => {
  it("a 429 asking to retry at once is retried on the same model", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: new RateLimitError("slow down", { providerId: "a", retryAfter: 0 }) }], clock);
    const { mesh } = scriptedMesh([a], clock, { retry: { max_retries: 2 } });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.choices[0]!.message.content).toBe("answer from alpha");
    expect(a.received).toHaveLength(2);
    await mesh.close();
  });
});
