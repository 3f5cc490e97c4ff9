import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { create, type MeshClient } from "modelmesh";
import { createProxy } from "../src/handler.js";
import { RateLimiter } from "../src/rate-limit.js";
import { startMeshFakes, TOKEN } from "./support.js";

// The proxy's own per-caller limit, seen from both sides: what the caller gets back (status, OpenAI-shaped error,
// retry-after) and what the provider behind the mesh received (nothing, once the caller is over its limit).

const OTHER_TOKEN = "other-token-0123456789";
const local = { host: "127.0.0.1" };

let fakes: Awaited<ReturnType<typeof startMeshFakes>>;
let client: MeshClient;

beforeEach(async () => {
  fakes = await startMeshFakes();
  client = create({ config: fakes.config });
  await client.ready();
});
afterEach(async () => {
  await client.close();
  await fakes.close();
});

const chat = (headers: Record<string, string> = {}) =>
  new Request("http://localhost/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "Hello there" }] }),
  });

const providerCalls = () => fakes.a.requests.filter((request) => request.path === "/v1/chat/completions").length;

async function expectServed(response: Response): Promise<void> {
  expect(response.status).toBe(200);
  const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
  expect(body.choices[0]?.message.content).toBe("Hello from alpha: Hello there");
}

async function expectLimited(response: Response, perMinute: number, retryAfter: number): Promise<void> {
  expect(response.status).toBe(429);
  expect(response.headers.get("retry-after")).toBe(String(retryAfter));
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(body.error).toEqual({
    message: `rate limit of ${perMinute} requests per minute reached; retry after ${retryAfter}s`,
    type: "requests",
    param: null,
    code: "rate_limit_exceeded",
  });
}

describe("the proxy's rate limit", () => {
  it("limits each token separately, answers 429 with retry-after, and sends nothing on to the provider", async () => {
    let now = 1_000_000;
    const proxy = createProxy({ listening: local, tokens: [TOKEN, OTHER_TOKEN], rateLimit: { requestsPerMinute: 2 }, now: () => now, mesh: client });
    const call = (token: string) => proxy.handle(chat({ authorization: `Bearer ${token}` }));
    await expectServed(await call(TOKEN));
    await expectServed(await call(TOKEN));
    expect(providerCalls()).toBe(2);
    // Two a minute is one every 30 s.
    await expectLimited(await call(TOKEN), 2, 30);
    expect(providerCalls()).toBe(2);
    await expectServed(await call(OTHER_TOKEN));
    expect(providerCalls()).toBe(3);
    now += 10_000;
    await expectLimited(await call(TOKEN), 2, 20);
    now += 20_000;
    await expectServed(await call(TOKEN));
    await expectLimited(await call(TOKEN), 2, 30);
    expect(providerCalls()).toBe(4);
  });

  it("limits each client address when the proxy has no tokens", async () => {
    const proxy = createProxy({ listening: local, rateLimit: { requestsPerMinute: 1 }, now: () => 5_000_000, mesh: client });
    await expectServed(await proxy.handle(chat(), { remoteAddress: "127.0.0.2" }));
    await expectLimited(await proxy.handle(chat(), { remoteAddress: "127.0.0.2" }), 1, 60);
    await expectServed(await proxy.handle(chat(), { remoteAddress: "127.0.0.3" }));
    expect(providerCalls()).toBe(2);
  });
});

describe("RateLimiter (token bucket)", () => {
  it("lets a full minute's worth through at once, then one per interval, saying how long to wait", () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => now);
    for (let index = 0; index < 60; index++) expect(limiter.take("caller")).toBe(0);
    expect(limiter.take("caller")).toBe(1);
    now += 999;
    expect(limiter.take("caller")).toBe(1);
    now += 1;
    expect(limiter.take("caller")).toBe(0);
    expect(limiter.take("caller")).toBe(1);
  });

  it("refills at the configured rate up to, never beyond, the capacity", () => {
    let now = 0;
    const limiter = new RateLimiter(6, () => now);
    for (let index = 0; index < 6; index++) limiter.take("caller");
    expect(limiter.take("caller")).toBe(10);
    now += 25_000;
    // 2.5 requests have come back: two go through, the third waits for the missing half (5 s).
    expect(limiter.take("caller")).toBe(0);
    expect(limiter.take("caller")).toBe(0);
    expect(limiter.take("caller")).toBe(5);
    now += 3_600_000;
    for (let index = 0; index < 6; index++) expect(limiter.take("caller")).toBe(0);
    expect(limiter.take("caller")).toBe(10);
  });

  it("keeps one bucket per key", () => {
    const limiter = new RateLimiter(1, () => 0);
    expect(limiter.take("first")).toBe(0);
    expect(limiter.take("first")).toBe(60);
    expect(limiter.take("second")).toBe(0);
  });

  it("still limits a caller after thousands of others have come and gone", () => {
    let now = 0;
    const limiter = new RateLimiter(1, () => now);
    expect(limiter.take("steady")).toBe(0);
    for (let index = 0; index < 10_000; index++) limiter.take(`passer-by-${index}`);
    now += 1_000;
    // New callers past 10 000 buckets make the limiter drop the full ones; the steady caller's is not full
    // again (59 s to go), so pruning must keep it.
    for (let index = 10_000; index < 10_050; index++) limiter.take(`passer-by-${index}`);
    expect(limiter.take("steady")).toBe(59);
  });
});
