/**
 * A recovery probe (the one request allowed to try a cooling model) must be released however the request ends,
 * or the model would stay out although nothing is testing it. Observed through which model later requests reach.
 */
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/wire/errors.js";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const serverError = new ProviderError("upstream exploded", { providerId: "a", status: 500 }, { code: "server_error", retryable: true });
const pool = { strategy: "priority", retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 1_000 } };

describe("a recovery probe", () => {
  it("that the caller aborts mid-stream is released: the next request probes the model again", async () => {
    const clock = testClock(1_700_000_000_000);
    const controller = new AbortController();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError }], clock);
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    const { mesh, model } = scriptedMesh([a, b], clock, pool);
    expect((await mesh.chat.completions.create({ model: "chat", messages: hello })).model).toBe("beta");
    expect(model("alpha").status).toBe("cooldown");
    clock.advance(1_001);
    // The probe's stream breaks because the caller went away (as a fetch aborted by the caller's signal does).
    const scripted = a.chatStream.bind(a);
    a.chatStream = async (request, options) => {
      a.received.push({ operation: "chat", request: request as never, options, at: clock.now() });
      const base = { id: "c", object: "chat.completion.chunk" as const, created: 1, model: "alpha" };
      a.chatStream = scripted;
      return {
        body: (async function* () {
          yield { ...base, choices: [{ index: 0, delta: { role: "assistant" as const, content: "Hel" }, finish_reason: null }] };
          controller.abort(new Error("caller gone"));
          throw new ProviderError("aborted", { providerId: "a" }, { code: "connection_error", retryable: true });
        })(),
      };
    };
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { signal: controller.signal })) as unknown as AsyncIterable<ChatCompletionChunk>;
    const caught = await (async () => {
      try {
        for await (const chunk of stream) void chunk;
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(caught).toEqual(new Error("caller gone"));
    expect(a.received).toHaveLength(2);
    // Not blamed, not recovered either: still cooling, but free to be probed.
    expect(model("alpha")).toMatchObject({ status: "cooldown", available: true });
    expect((await mesh.chat.completions.create({ model: "chat", messages: hello })).model).toBe("alpha");
    expect(a.received).toHaveLength(3);
    expect(model("alpha").status).toBe("active");
    await mesh.close();
  });
});
