import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SourceReply, type BodySource } from "../src/responses.js";
import { startMeshProxy, TOKEN, type MeshProxy } from "./support.js";

// Tests for mutants of src/responses.ts that the other suites let survive.
//
// Equivalent mutants (no observable difference), left alive:
// - takeBodySource: `if (source) bodySources.delete(body)` -> `if (true) ...`: deleting a stream that is not in the
//   WeakMap is a no-op, and the function returns `source` (undefined) either way.

let proxy: MeshProxy;
beforeAll(async () => {
  proxy = await startMeshProxy();
});
afterAll(() => proxy.close());

describe("SourceReply through the node server", () => {
  // The node adapter writes `statusText || undefined` as the reason phrase: a SourceReply's empty statusText must
  // leave Node's standard one ("OK"), not put text of the proxy's own on the client's status line.
  it("reaches the client with the standard reason phrase", async () => {
    const body = JSON.stringify({ model: "chat", messages: [{ role: "user", content: "Hello there" }], stream: true });
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.statusText).toBe("OK");
    expect(await response.text()).toContain("data: [DONE]");
  });
});

describe("SourceReply.body", () => {
  // A server decides from `body` whether an answer has one: it is the source until taken, then null (not undefined,
  // as Response.body reads null for no body).
  it("is the source until someone takes it, then null", async () => {
    const source: BodySource = { next: async () => undefined, cancel: async () => {} };
    const reply = new SourceReply(200, source, { "content-type": "text/event-stream" });
    expect(reply.body).toBe(source);
    expect(reply.take()).toBe(source);
    expect(reply.body).toBeNull();
  });
});
