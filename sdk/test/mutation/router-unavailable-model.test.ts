/**
 * The long rest for a model the service says is unavailable (core/router.ts recordFailure: `model_not_found` or
 * `permission_denied` cools the model down for max_cooldown_ms only when the failure moves the request on). A
 * retryable failure that merely carries such a code is retried on the same model, which stays in. Observed through
 * which model each attempt reached and the model's state afterwards.
 */
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/wire/errors.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const models = (provider: ScriptedProvider) => provider.received.map((entry) => entry.request.model);

describe("a failure coded permission_denied", () => {
  it("that is retryable (not a failover) is retried on the same model, which is not cooled down", async () => {
    const clock = testClock();
    const denied = new ProviderError("gateway hiccup", { providerId: "a", status: 503 }, { code: "permission_denied", retryable: true });
    const a = new ScriptedProvider("a", ["alpha"], [{ error: denied }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, { strategy: "priority", retry: { max_retries: 1, base_delay_ms: 10, jitter: "none" }, deactivation: { failure_threshold: 5 }, recovery: { max_cooldown_ms: 600_000 } });
    const answer = (await mesh.chat.completions.create({ model: "chat", messages: hello })) as unknown as { model: string };
    expect(answer.model).toBe("alpha");
    expect(models(a)).toEqual(["alpha", "alpha"]);
    expect(b.received).toHaveLength(0);
    expect(clock.sleeps).toEqual([10]);
    expect(model("alpha").status).toBe("active");
    await mesh.close();
  });

  it("that is not retryable fails over and rests the model for max_cooldown_ms", async () => {
    const clock = testClock(1_700_000_000_000);
    const denied = new ProviderError("no access to this model", { providerId: "a", status: 404 }, { code: "model_not_found" });
    const a = new ScriptedProvider("a", ["alpha"], [{ error: denied }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, { strategy: "priority", retry: { max_retries: 1 }, deactivation: { failure_threshold: 5 }, recovery: { max_cooldown_ms: 600_000 } });
    const answer = (await mesh.chat.completions.create({ model: "chat", messages: hello })) as unknown as { model: string };
    expect(answer.model).toBe("beta");
    expect(models(a)).toEqual(["alpha"]);
    expect(model("alpha").status).toBe("cooldown");
    await mesh.close();
  });
});
