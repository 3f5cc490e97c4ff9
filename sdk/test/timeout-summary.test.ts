import { afterEach, beforeEach, expect, it } from "vitest";
import { create } from "../src/index.js";
import { AllProvidersExhaustedError, ModelMeshError, TimeoutError } from "../src/wire/errors.js";
import { hello, pairConfig, startPair } from "./support/mesh.js";

// The official client rejects a request that outlives its `timeout` with its timeout error; a request whose every
// attempt timed out here is one TimeoutError too (not AllProvidersExhaustedError), each attempt's error inside.
let pair: Awaited<ReturnType<typeof startPair>>;
beforeEach(async () => {
  pair = await startPair();
});
afterEach(async () => {
  await pair.close();
});

const client = () => create({ config: pairConfig(pair, { retry: { max_retries: 0 } }) });

it("sums up a request whose every attempt timed out as one TimeoutError", async () => {
  const mesh = client();
  pair.a.setMode({ kind: "hang" });
  pair.b.setMode({ kind: "hang" });
  const error = (await mesh.chat.completions.create({ model: "chat", messages: hello }, { timeout: 600 }).catch((caught: unknown) => caught)) as TimeoutError;
  expect(error).toBeInstanceOf(TimeoutError);
  expect(error.code).toBe("timeout");
  expect(error.retryable).toBe(true);
  expect(error.timeoutMs).toBe(600);
  // Both models were asked, once each, and each attempt's own timeout is kept.
  expect(pair.a.requests).toHaveLength(1);
  expect(pair.b.requests).toHaveLength(1);
  expect(error.attempts).toBe(2);
  expect(error.errors.map((item) => item.name)).toEqual(["TimeoutError", "TimeoutError"]);
  expect(error.failures.map((attempt) => attempt.provider).sort()).toEqual(["a", "b"]);
  expect(error.message).toMatch(/^every model for "chat" timed out \(2 attempt\(s\): /);
  // It survives serialisation (the extension and the proxy send errors as JSON).
  const revived = ModelMeshError.fromJSON(error.toJSON()) as TimeoutError;
  expect(revived).toBeInstanceOf(TimeoutError);
  expect(revived.attempts).toBe(2);
  expect(revived.errors.every((item) => item instanceof TimeoutError)).toBe(true);
  await mesh.close();
});

it("sums up a stream whose every attempt timed out before its first byte as one TimeoutError", async () => {
  const mesh = client();
  pair.a.setMode({ kind: "hang" });
  pair.b.setMode({ kind: "hang" });
  const error = await (async () => {
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { timeout: 150 });
    for await (const _chunk of stream) void _chunk;
  })().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(TimeoutError);
  expect((error as TimeoutError).attempts).toBe(2);
  await mesh.close();
});

it("stays AllProvidersExhaustedError when one attempt failed otherwise", async () => {
  const mesh = client();
  pair.a.setMode({ kind: "hang" });
  pair.b.setMode({ kind: "error", status: 500 });
  const error = (await mesh.chat.completions.create({ model: "chat", messages: hello }, { timeout: 150 }).catch((caught: unknown) => caught)) as AllProvidersExhaustedError;
  expect(error).toBeInstanceOf(AllProvidersExhaustedError);
  expect(error.errors.map((item) => item.name).sort()).toEqual(["ProviderError", "TimeoutError"]);
  await mesh.close();
});
