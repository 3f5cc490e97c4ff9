import { afterEach, beforeEach, expect, it } from "vitest";
import { create } from "../src/index.js";
import { NoCapableModelError, RateLimitError } from "../src/wire/errors.js";
import { hello, pairConfig, startPair, testClock } from "./support/mesh.js";

// FAQ Q14 catches `RateLimitError` for rate limiting: after the services' 429s put every model to rest, the next
// request (which sends nothing) must still be that error, with the wait, not a generic "no model" one.
let pair: Awaited<ReturnType<typeof startPair>>;
beforeEach(async () => {
  pair = await startPair();
});
afterEach(async () => {
  await pair.close();
});

function client() {
  const clock = testClock();
  const mesh = create({ config: pairConfig(pair, { retry: { max_retries: 0 } }), clock });
  return { mesh, clock };
}

it("answers a request while every model rests after a 429 with RateLimitError and the shortest wait", async () => {
  const { mesh, clock } = client();
  pair.a.enqueue({ kind: "error", status: 429, headers: { "retry-after": "12" } });
  pair.b.enqueue({ kind: "error", status: 429, headers: { "retry-after": "30" } });
  await expect(mesh.chat.completions.create({ model: "chat", messages: hello })).rejects.toBeInstanceOf(RateLimitError);
  const sent = pair.a.requests.length + pair.b.requests.length;
  clock.advance(2_000);
  const error = (await mesh.chat.completions.create({ model: "chat", messages: hello }).catch((caught: unknown) => caught)) as RateLimitError;
  expect(pair.a.requests.length + pair.b.requests.length).toBe(sent);
  expect(error).toBeInstanceOf(RateLimitError);
  expect(error.code).toBe("rate_limit_exceeded");
  expect(error.retryable).toBe(true);
  // alpha is back first: 12 s after the first answer, 2 s of which have gone.
  expect(error.retryAfter).toBe(10);
  expect(error.providerId).toBe("a");
  expect(error.message).toContain("rate limited");
  expect(error.message).toContain("a/alpha (cooling down for 10s)");
  await mesh.close();
});

it("stays NoCapableModelError when a model rests for failures, not a rate limit", async () => {
  const { mesh } = client();
  pair.a.enqueue({ kind: "error", status: 429, headers: { "retry-after": "12" } });
  await mesh.chat.completions.create({ model: "alpha", messages: hello }).catch(() => undefined);
  // beta fails with 500s until its threshold puts it to rest.
  pair.b.setMode({ kind: "error", status: 500 });
  for (let i = 0; i < 5; i++) await mesh.chat.completions.create({ model: "beta", messages: hello }).catch(() => undefined);
  expect(mesh.poolStatus().chat).toEqual({ active: 0, standby: 2, total: 2 });
  const error = await mesh.chat.completions.create({ model: "chat", messages: hello }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(NoCapableModelError);
  expect((error as NoCapableModelError).retryable).toBe(true);
  await mesh.close();
});
