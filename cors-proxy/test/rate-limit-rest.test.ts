import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { wireValidator } from "../../sdk/test/wire-schema.js";
import { startMeshProxy, TOKEN, type MeshProxy } from "./support.js";

// After every provider answered 429, the next request sends nothing (each model rests for the wait its service named)
// and an OpenAI client must still see a rate limit it retries after `retry-after`, not a 503 of a broken pool.
const validator = wireValidator();
const hello = [{ role: "user" as const, content: "Hello there" }];
let proxy: MeshProxy;

beforeAll(async () => {
  proxy = await startMeshProxy();
});
afterAll(() => proxy.close());

it("answers 429 rate_limit_exceeded with retry-after while every model rests from its service's 429", async () => {
  proxy.a.setMode({ kind: "error", status: 429, headers: { "retry-after": "40" } });
  proxy.b.setMode({ kind: "error", status: 429, headers: { "retry-after": "30" } });
  const first = await proxy.openai().chat.completions.create({ model: "chat", messages: hello }).catch((error: unknown) => error);
  expect(first).toBeInstanceOf(OpenAI.RateLimitError);
  const sent = proxy.a.requests.length + proxy.b.requests.length;

  const reply = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ model: "chat", messages: hello }) });
  expect(reply.status).toBe(429);
  const retryAfter = Number(reply.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(25);
  expect(retryAfter).toBeLessThanOrEqual(30);
  const body = (await reply.json()) as { error: { code: string; type: string; message: string } };
  if (validator) expect(validator.validate("response.error", body)).toEqual([]);
  expect(body.error).toMatchObject({ code: "rate_limit_exceeded", type: "requests" });
  expect(body.error.message).toContain("rate limited");
  // Nothing reached the providers for it.
  expect(proxy.a.requests.length + proxy.b.requests.length).toBe(sent);
});
