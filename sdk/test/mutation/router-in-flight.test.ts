/**
 * What the router marks on a model while a request is using it, and what another request then sees
 * (core/router.ts nextModel/afterFailure/explain/route): the reason a strategy's refusal is given while a stream is
 * open, a key taken out by one request while another waits to retry, the session a strategy is told in explain(),
 * and the reasons explain() lists.
 */
import { describe, expect, it, vi } from "vitest";
import { AuthenticationError, NoCapableModelError, ProviderError } from "../../src/wire/errors.js";
import { InvalidRequestError } from "../../src/wire/error-base.js";
import { BaseRotationPolicy, type SelectionContext } from "../../src/rotation/rotation.js";
import type { ModelState } from "../../src/wire/model-state.js";
import type { ChatCompletionChunk } from "../../src/wire/types.js";
import { hello, ScriptedProvider, scriptedMesh, testClock } from "./scripted.js";

const serverError = (providerId: string) => new ProviderError("upstream exploded", { providerId, status: 500 }, { code: "server_error", retryable: true });
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

/** Serves the first candidate until told to decline; remembers the session of each pick. */
class Declining extends BaseRotationPolicy {
  decline = false;
  readonly sessions: Array<string | undefined> = [];
  select(candidates: ModelState[], _request: unknown, context: SelectionContext) {
    this.sessions.push(context.sessionId);
    return this.decline ? null : (candidates[0] ?? null);
  }
}

async function text(stream: AsyncIterable<ChatCompletionChunk>) {
  let all = "";
  for await (const chunk of stream) all += chunk.choices[0]?.delta.content ?? "";
  return all;
}

describe("a model serving an open stream", () => {
  it("is not taken for a recovery probe in flight: a strategy's refusal meanwhile is named as such", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ pieces: ["still ", "open"] }], clock);
    const strategy = new Declining();
    const { mesh } = scriptedMesh([a], clock, { strategy_instance: strategy });
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as unknown as AsyncIterable<ChatCompletionChunk>;
    strategy.decline = true;
    const error = (await failure(mesh.chat.completions.create({ model: "chat", messages: hello }))) as NoCapableModelError;
    expect(error).toBeInstanceOf(NoCapableModelError);
    expect(error.message).toContain("a/alpha (declined by the strategy)");
    expect(await text(stream)).toBe("still open");
    await mesh.close();
  });

  it("nor when the stream is a retry of the same active model", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError("a") }, { pieces: ["second ", "try"] }], clock);
    const strategy = new Declining();
    const { mesh, model } = scriptedMesh([a], clock, { strategy_instance: strategy, retry: { max_retries: 1, base_delay_ms: 10, jitter: "none" } });
    const stream = (await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true })) as unknown as AsyncIterable<ChatCompletionChunk>;
    expect(a.received).toHaveLength(2);
    expect(model("alpha").status).toBe("active");
    strategy.decline = true;
    const error = (await failure(mesh.chat.completions.create({ model: "chat", messages: hello }))) as NoCapableModelError;
    expect(error.message).toContain("a/alpha (declined by the strategy)");
    expect(await text(stream)).toBe("second try");
    await mesh.close();
  });
});

describe("a key taken out while a request waits to retry it", () => {
  it("is not retried: the waiting request moves to the next model", async () => {
    const clock = testClock();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const original = a.chat.bind(a);
    let calls = 0;
    a.chat = async (request, options) => {
      calls += 1;
      if (calls === 1) {
        a.received.push({ operation: "chat", request: request as never, options, at: clock.now() });
        await held;
        throw serverError("a");
      }
      if (calls === 2) {
        a.received.push({ operation: "chat", request: request as never, options, at: clock.now() });
        throw new AuthenticationError("invalid api key", { providerId: "a", status: 401 });
      }
      return original(request, options);
    };
    const b = new ScriptedProvider("b", ["beta"], [], clock);
    // The key's probe wait (100 ms) ends before the retry's backoff (1 s) would.
    const { mesh, model } = scriptedMesh([a, b], clock, { strategy: "priority", retry: { max_retries: 1, base_delay_ms: 1_000, jitter: "none" }, recovery: { key_probe_ms: 100 } });
    const first = mesh.chat.completions.create({ model: "chat", messages: hello });
    await vi.waitFor(() => expect(calls).toBe(1));
    // A second request meets the rejected key and takes it out.
    expect((await mesh.chat.completions.create({ model: "chat", messages: hello })).model).toBe("beta");
    expect(model("alpha").status).toBe("disabled");
    release();
    expect((await first).model).toBe("beta");
    expect(calls).toBe(2);
    expect(b.received).toHaveLength(2);
    await mesh.close();
  });
});

describe("explain", () => {
  it("tells the strategy the session asked about", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const strategy = new Declining();
    const { mesh } = scriptedMesh([a], clock, { strategy_instance: strategy });
    await mesh.ready();
    expect(mesh.explain({ model: "chat", messages: hello, session: "session-7" }).selectedModel).toBe("alpha");
    expect(strategy.sessions).toEqual(["session-7"]);
    await mesh.close();
  });

  it("lists every unavailable model with its reason, comma-separated", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [{ error: serverError("a") }], clock);
    const b = new ScriptedProvider("b", ["beta"], [{ error: serverError("b") }], clock);
    const { mesh } = scriptedMesh([a, b], clock, { retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 2_000 } });
    await failure(mesh.chat.completions.create({ model: "chat", messages: hello }));
    expect(mesh.explain({ model: "chat", messages: hello }).reason).toBe('no model of pool "chat" is available: a/alpha (cooling down for 2s), b/beta (cooling down for 2s)');
    await mesh.close();
  });
});

describe("the scope option", () => {
  it("must be a string: an array with a length in range is refused before anything is sent", async () => {
    const clock = testClock();
    const a = new ScriptedProvider("a", ["alpha"], [], clock);
    const { mesh } = scriptedMesh([a], clock);
    const error = (await failure(mesh.chat.completions.create({ model: "chat", messages: hello }, { scope: ["team-a"] as never }))) as InvalidRequestError;
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.param).toBe("scope");
    expect(a.received).toHaveLength(0);
    await mesh.close();
  });
});
