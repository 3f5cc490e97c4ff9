import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servedBy } from "modelmesh";
import { startMeshProxy, TOKEN, type MeshProxy } from "./support.js";

// Who served an answer and what it cost, without breaking the OpenAI shape: headers on the proxy's JSON answers,
// `usage.cost` in the body and on a stream's usage chunk, and servedBy() in code.
let proxy: MeshProxy;
beforeAll(async () => {
  proxy = await startMeshProxy();
});
afterAll(() => proxy.close());

const hello = [{ role: "user" as const, content: "Hello there" }];
const post = (path: string, body: unknown) => fetch(`${proxy.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
// alpha costs $1 / $2 per million input / output tokens (support.ts).
const costOf = (usage: { prompt_tokens: number; completion_tokens: number }) => (usage.prompt_tokens * 1 + usage.completion_tokens * 2) / 1_000_000;

describe("what an answer cost and who served it", () => {
  it("a JSON chat answer: x-modelmesh-* headers and usage.cost agree with the price table", async () => {
    const response = await post("/v1/chat/completions", { model: "chat", messages: hello });
    const body = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number; cost: number }; model: string };
    expect(response.headers.get("x-modelmesh-provider")).toBe("a");
    expect(response.headers.get("x-modelmesh-model")).toBe("alpha");
    expect(response.headers.get("x-modelmesh-attempts")).toBe("1");
    expect(body.usage.cost).toBeCloseTo(costOf(body.usage), 12);
    expect(Number(response.headers.get("x-modelmesh-cost"))).toBeCloseTo(body.usage.cost, 12);
  });

  it("a JSON answer carries the serving service's request id as x-upstream-request-id, beside the proxy's own x-request-id", async () => {
    const response = await post("/v1/chat/completions", { model: "chat", messages: hello });
    await response.json();
    const served = proxy.a.requests.at(-1)!;
    expect(response.headers.get("x-upstream-request-id")).toBe(served.requestId);
    expect(served.requestId).toMatch(/^req_/);
    expect(response.headers.get("x-request-id")).not.toBe(served.requestId);
    expect(response.headers.get("x-request-id")).toMatch(/^mmp-/);
    const embedded = await post("/v1/embeddings", { model: "alpha-embed", input: "hi" });
    expect(embedded.headers.get("x-upstream-request-id")).toBe(proxy.a.requests.at(-1)!.requestId);
  });

  it("a stream's usage chunk carries usage.cost; servedBy() answers in code", async () => {
    const response = await post("/v1/chat/completions", { model: "chat", messages: hello, stream: true, stream_options: { include_usage: true } });
    const text = await response.text();
    const chunks = text.split("\n\n").filter((frame) => frame.startsWith("data: {")).map((frame) => JSON.parse(frame.slice(6)) as { usage?: { prompt_tokens: number; completion_tokens: number; cost: number } });
    const usage = chunks.filter((chunk) => chunk.usage).at(-1)!.usage!;
    expect(usage.cost).toBeCloseTo(costOf(usage), 12);
    const completion = await proxy.client.chat.completions.create({ model: "chat", messages: hello });
    expect(servedBy(completion)).toEqual({ provider: "a", model: "alpha", attempts: 1, cost: expect.closeTo(costOf(completion.usage!), 12), priced: true });
    expect(Object.keys(completion)).not.toContain("served");
    expect(JSON.stringify(completion)).not.toContain("attempts");
  });
  it("after a failover (last: stick-until-failure then stays on b), attempts count both providers and the cost is the served one's", async () => {
    proxy.a.enqueue({ kind: "error", status: 503 });
    const response = await post("/v1/chat/completions", { model: "chat", messages: hello });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-modelmesh-provider")).toBe("b");
    expect(response.headers.get("x-modelmesh-attempts")).toBe("2");
    // beta has no price: its cost is unknown, so neither the header nor usage.cost claims one.
    expect(response.headers.get("x-modelmesh-cost")).toBeNull();
    expect(((await response.json()) as { usage: Record<string, unknown> }).usage.cost).toBeUndefined();
  });
});
