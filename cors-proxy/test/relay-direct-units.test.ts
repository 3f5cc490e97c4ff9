/**
 * The pieces of the relay's direct path on their own: the idle guard on a Node stream, BufferedRequest's headers
 * with `Headers` semantics, ReplyHeaders' append, and NodeBodyReply handed on once.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { guardIdle } from "../src/idle-guard.js";
import { Relay, type RelayTransport } from "../src/relay.js";
import { DIRECT_EXCHANGE } from "../src/relay-direct.js";
import { BufferedRequest, NodeBodyReply, ReplyHeaders, toResponse } from "../src/responses.js";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function guarded(idleMs: number) {
  const source = new PassThrough();
  const fired: number[] = [];
  const started = performance.now();
  guardIdle(source, idleMs, () => fired.push(performance.now() - started));
  return { source, fired };
}

describe("guardIdle", () => {
  it("does not run while nobody reads the stream", async () => {
    const { source, fired } = guarded(30);
    source.write("unread");
    await wait(100);
    expect(fired).toEqual([]);
    // Nor did it start the flow: the bytes are still there for the reader.
    expect(source.read()?.toString()).toBe("unread");
  });

  it("fires once the reader waits past idleMs, and not while chunks keep coming", async () => {
    const { source, fired } = guarded(60);
    const seen: string[] = [];
    source.on("data", (chunk: Buffer) => seen.push(chunk.toString()));
    for (let index = 0; index < 5; index++) {
      await wait(25);
      source.write(String(index));
    }
    expect(fired).toEqual([]);
    await wait(120);
    expect(fired).toHaveLength(1);
    expect(seen.join("")).toBe("01234");
  });

  it("stands still while the reader holds the stream paused, and runs again on resume", async () => {
    const { source, fired } = guarded(50);
    source.on("data", () => {});
    await wait(10);
    source.pause();
    await wait(150);
    expect(fired).toEqual([]);
    source.resume();
    await wait(120);
    expect(fired).toHaveLength(1);
  });

  it("sets nothing up for an IncomingMessage whose whole message already arrived", async () => {
    const source = Object.assign(new PassThrough(), { complete: true });
    const fired: number[] = [];
    guardIdle(source, 20, () => fired.push(1));
    expect(["resume", "pause", "end", "close"].map((event) => source.listenerCount(event))).toEqual([0, 0, 0, 0]);
    source.on("data", () => {});
    await wait(60);
    expect(fired).toEqual([]);
  });

  it("stops at the end and at close", async () => {
    const ended = guarded(30);
    ended.source.on("data", () => {});
    ended.source.end("all");
    const closed = guarded(30);
    closed.source.on("data", () => {});
    await wait(5);
    closed.source.destroy();
    await wait(100);
    expect([ended.fired, closed.fired]).toEqual([[], []]);
  });
});

describe("BufferedRequest.headerEntries", () => {
  it("lower-cases names and joins repeated headers with ', ', in order of first arrival", () => {
    const request = new BufferedRequest("GET", "http://proxy.local/proxy/x", { get: () => null, has: () => false }, null, () => [
      ["X-B", "1"],
      ["Accept", "a"],
      ["x-b", "2"],
      ["ACCEPT", "b"],
      ["Authorization", "Bearer k"],
    ]);
    expect(request.headerEntries()).toEqual([
      ["x-b", "1, 2"],
      ["accept", "a, b"],
      ["authorization", "Bearer k"],
    ]);
  });
});

describe("ReplyHeaders.append", () => {
  it("joins a repeated header as Headers does; set replaces", () => {
    const headers = new ReplyHeaders();
    headers.append("X-A", "1");
    headers.append("x-a", "2");
    headers.append("X-B", "3");
    expect([...headers]).toEqual([
      ["x-a", "1, 2"],
      ["x-b", "3"],
    ]);
    headers.set("X-A", "only");
    expect(headers.get("x-a")).toBe("only");
  });
});

describe("NodeBodyReply", () => {
  it("gives its stream once; as a Response it keeps status, status text, headers and bytes", async () => {
    const body = new PassThrough();
    const reply = new NodeBodyReply(201, "Made", new ReplyHeaders({ "content-type": "text/plain" }), body);
    expect(reply.body).toBe(body);
    body.end("bytes");
    const response = toResponse(reply);
    expect(reply.take()).toBeUndefined();
    expect(reply.body).toBeNull();
    expect([response.status, response.statusText, response.headers.get("content-type"), await response.text()]).toEqual([201, "Made", "text/plain", "bytes"]);
  });

  it("a bodyless answer is a Response without a body", () => {
    const response = toResponse(new NodeBodyReply(204, "", new ReplyHeaders({ "x-a": "1" }), null));
    expect([response.status, response.body, response.headers.get("x-a")]).toEqual([204, null, "1"]);
  });

  it("a body cut by its producer errors the reader with the producer's reason", async () => {
    const body = new PassThrough();
    const reason = new Error("upstream went silent");
    const reader = toResponse(new NodeBodyReply(200, "", new ReplyHeaders(), body, () => reason)).body!.getReader();
    body.write("first");
    await reader.read();
    body.destroy(reason);
    await expect(reader.read()).rejects.toBe(reason);
  });
});

describe("the relay over a direct transport", () => {
  it("a transport that throws before sending anything is a 502, and the Response call is not used", async () => {
    let responseCalls = 0;
    const transport = Object.assign(async () => ((responseCalls += 1), new Response("not this")), {
      checksAddresses: true,
      [DIRECT_EXCHANGE]: () => {
        throw new TypeError("node:http refused the request");
      },
    }) as RelayTransport;
    const request = new BufferedRequest("GET", "http://127.0.0.1:8787/proxy/x", { get: () => null, has: () => false }, null, () => []);
    const response = toResponse(await new Relay({ transport }, 1_000).handle(request, "https://api.openai.com/v1/models"));
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("upstream_unreachable");
    expect(responseCalls).toBe(0);
  });
});
