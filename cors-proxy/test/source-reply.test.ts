import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProxy } from "../src/handler.js";
import { SourceReply } from "../src/responses.js";
import { startMeshProxy, TOKEN, type MeshProxy } from "./support.js";

// A mesh stream is answered as a SourceReply (no Response or web stream built for the node adapter); the
// Web-standard `handle()` must still give a real Response with the same events, and the server the same bytes.
let proxy: MeshProxy;
beforeAll(async () => {
  proxy = await startMeshProxy();
});
afterAll(() => proxy.close());

const body = JSON.stringify({ model: "chat", messages: [{ role: "user", content: "Hello there" }], stream: true, stream_options: { include_usage: true } });
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", host: "127.0.0.1" };
const events = (text: string) => text.split("\n\n").filter((frame) => frame !== "");
const content = (text: string) =>
  events(text)
    .filter((frame) => frame.startsWith("data: {"))
    .map((frame) => (JSON.parse(frame.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? "")
    .join("");

describe("a streamed mesh answer", () => {
  it("respond() gives adapters a SourceReply; handle() turns it into a Response with the SSE headers and every event", async () => {
    const handler = createProxy({ mesh: proxy.client, tokens: [TOKEN], listening: { host: "127.0.0.1" } });
    const reply = await handler.respond(new Request("http://127.0.0.1/v1/chat/completions", { method: "POST", headers, body }));
    expect(reply).toBeInstanceOf(SourceReply);
    expect(reply.headers.get("content-type")).toContain("text/event-stream");
    expect(reply.headers.get("x-request-id")).toMatch(/^mmp-/);
    await (reply as SourceReply).take()!.cancel();
    expect((reply as SourceReply).take()).toBeUndefined();

    const response = await handler.handle(new Request("http://127.0.0.1/v1/chat/completions", { method: "POST", headers, body }));
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const text = await response.text();
    expect(events(text).at(-1)).toBe("data: [DONE]");
    expect(content(text)).toContain("Hello there");
  });

  it("the node server writes the same events to the socket", async () => {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers, body });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    const text = await response.text();
    expect(events(text).at(-1)).toBe("data: [DONE]");
    expect(content(text)).toContain("Hello there");
  });
});
