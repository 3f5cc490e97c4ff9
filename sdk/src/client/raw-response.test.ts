import { describe, expect, it } from "vitest";
import { withRawResponse } from "./raw-response.js";

// What stands for an answer that came from no single HTTP exchange: JSON for every value but a stream of chunks.

async function* chunks() {
  yield { id: "c1" };
}

describe("withRawResponse: which answers are JSON and which are a stream", () => {
  it("writes plain values, arrays and iterable pages as JSON, with no request id", async () => {
    const page = { object: "list", data: [{ id: "m" }], async *[Symbol.asyncIterator]() {} };
    for (const [value, text] of [["plain text", '"plain text"'], [null, "null"], [[1, 2], "[1,2]"], [page, '{"object":"list","data":[{"id":"m"}]}']] as const) {
      const response = await withRawResponse(Promise.resolve(value)).asResponse();
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(await response.text()).toBe(text);
      expect((await withRawResponse(Promise.resolve(value)).withResponse()).request_id).toBeNull();
    }
  });

  it("writes a stream (an iterable that owns its request's controller) as SSE ending with [DONE]", async () => {
    const stream = Object.assign(chunks(), { controller: new AbortController() });
    const response = await withRawResponse(Promise.resolve(stream)).asResponse();
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(await response.text()).toBe('data: {"id":"c1"}\n\ndata: [DONE]\n\n');
  });

  it("takes the request id only when it is a string", async () => {
    expect((await withRawResponse(Promise.resolve({ _request_id: "req_1" })).withResponse()).request_id).toBe("req_1");
    expect((await withRawResponse(Promise.resolve({ _request_id: 7 })).withResponse()).request_id).toBeNull();
  });
});
