import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { startMeshProxy, TOKEN, type MeshProxy } from "./support.js";

// A malformed request gets the answer OpenAI itself would give: the same status, type, code and param as the fake
// OpenAI server (which answers with OpenAI's recorded shapes) gives for the very same body, and the official client
// raises the same class with the same `code`. The proxy refuses it before routing: no provider sees it.
let proxy: MeshProxy;
beforeAll(async () => {
  proxy = await startMeshProxy();
});
afterAll(() => proxy.close());

const user = [{ role: "user", content: "Hi" }];
const cases: Array<[string, Record<string, unknown>]> = [
  ["messages missing", { model: "alpha" }],
  ["messages not an array", { model: "alpha", messages: "hi" }],
  ["messages empty", { model: "alpha", messages: [] }],
  ["a message that is not an object", { model: "alpha", messages: ["hi"] }],
  ["n of 0", { model: "alpha", messages: user, n: 0 }],
  ["n not an integer", { model: "alpha", messages: user, n: "two" }],
  ["max_tokens below 1", { model: "alpha", messages: user, max_tokens: -1 }],
  ["stream not a boolean", { model: "alpha", messages: user, stream: "yes" }],
  ["stream_options without stream", { model: "alpha", messages: user, stream_options: { include_usage: true } }],
  ["stream_options not an object", { model: "alpha", messages: user, stream: true, stream_options: "x" }],
  ["include_usage not a boolean", { model: "alpha", messages: user, stream: true, stream_options: { include_usage: "yes" } }],
];

async function errorOf(url: string, authorization: string, body: unknown) {
  const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, error: ((await response.json()) as { error: Record<string, unknown> }).error };
}

describe("a malformed chat request is refused as OpenAI refuses it", () => {
  it.each(cases)("%s: the fake's status, type, code and param; nothing reaches a provider", async (_name, body) => {
    const fromFake = await errorOf(proxy.a.url.replace(/\/v1$/, ""), "Bearer sk-test", body);
    const before = proxy.a.requests.length + proxy.b.requests.length;
    const fromProxy = await errorOf(proxy.url, `Bearer ${TOKEN}`, body);
    expect(fromFake.status).toBe(400);
    expect(fromProxy.status).toBe(fromFake.status);
    expect({ type: fromProxy.error.type, code: fromProxy.error.code, param: fromProxy.error.param }).toEqual({ type: fromFake.error.type, code: fromFake.error.code, param: fromFake.error.param });
    // Only the request sent to the fake directly was recorded.
    expect(proxy.a.requests.length + proxy.b.requests.length).toBe(before);
  });

  it("the official client raises BadRequestError with OpenAI's code", async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
    const failure = await client.chat.completions.create({ model: "alpha", messages: [] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect(failure).toMatchObject({ status: 400, code: "empty_array", param: "messages" });
  });
});
