import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { nodeBodyStream, takeNodeBody } from "modelmesh/node-fetch";

// A Node stream behind a web stream: the bytes, the back-pressure the reader puts on the source, how a cut source
// errors the stream, and when the adapter may take the Node stream back to pipe it itself.

const tick = () => new Promise((resolve) => setImmediate(resolve));
const decode = (chunk: Uint8Array | undefined) => new TextDecoder().decode(chunk);

describe("nodeBodyStream", () => {
  it("pulls nothing until read, then pauses the source while the reader is behind", async () => {
    const source = new PassThrough();
    const reader = nodeBodyStream(source).getReader();
    source.write("early");
    await tick();
    // Nobody has read: nobody listens for data, so the source holds its bytes.
    expect(source.listenerCount("data")).toBe(0);
    const first = await reader.read();
    expect(decode(first.value)).toBe("early");
    source.write("second");
    await tick();
    expect(source.isPaused()).toBe(true);
    const second = await reader.read();
    expect(decode(second.value)).toBe("second");
    source.end();
    expect((await reader.read()).done).toBe(true);
  });

  it("pauses the source even when a chunk goes straight to a waiting reader", async () => {
    const source = new PassThrough();
    const reader = nodeBodyStream(source).getReader();
    const waiting = reader.read();
    await tick();
    source.write("straight through");
    expect(decode((await waiting).value)).toBe("straight through");
    // Nothing more was asked for: the source must wait for the next read, not keep emitting into the stream's queue.
    expect(source.isPaused()).toBe(true);
  });

  it("resumes a source that someone paused before the first read", async () => {
    const source = new PassThrough();
    source.pause();
    source.write("held");
    const reader = nodeBodyStream(source).getReader();
    expect(decode((await reader.read()).value)).toBe("held");
  });

  it("errors with TypeError('terminated') carrying the cause when the source fails, and without one when it just closes", async () => {
    const failing = new PassThrough();
    const failed = new Response(nodeBodyStream(failing)).text();
    await tick();
    const cause = new Error("socket hang up");
    failing.destroy(cause);
    const error = await failed.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe("terminated");
    expect((error as TypeError).cause).toBe(cause);

    const closing = new PassThrough();
    const reader = nodeBodyStream(closing).getReader();
    const read = reader.read();
    await tick();
    closing.destroy();
    const closed = await read.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(closed).toBeInstanceOf(TypeError);
    expect((closed as TypeError).message).toBe("terminated");
    expect((closed as TypeError).cause).toBeUndefined();
  });

  it("errors with the caller's abort reason when there is one", async () => {
    const source = new PassThrough();
    const reason = new DOMException("The operation was aborted.", "AbortError");
    const text = new Response(nodeBodyStream(source, () => reason)).text();
    await tick();
    source.destroy();
    await expect(text).rejects.toBe(reason);
    const unset = new PassThrough();
    const fallback = new Response(nodeBodyStream(unset, () => undefined)).text();
    await tick();
    unset.destroy();
    await expect(fallback).rejects.toThrow("terminated");
  });

  it("destroys the source when the reader cancels", async () => {
    const source = new PassThrough();
    const reader = nodeBodyStream(source).getReader();
    await reader.cancel();
    expect(source.destroyed).toBe(true);
  });
});

describe("takeNodeBody", () => {
  it("hands the untouched source to the adapter once", () => {
    const source = new PassThrough();
    const response = new Response(nodeBodyStream(source));
    expect(takeNodeBody(response)).toBe(source);
    expect(takeNodeBody(response)).toBeUndefined();
  });

  it("keeps it once someone started reading, or when the body is not a Node stream", async () => {
    const read = new PassThrough();
    const reading = new Response(nodeBodyStream(read));
    const reader = reading.body!.getReader();
    expect(takeNodeBody(reading)).toBeUndefined();
    reader.releaseLock();
    // Unlocked again, but the first pull attached the source to the stream: it is no longer the adapter's to take.
    const pulled = new PassThrough();
    const pulledResponse = new Response(nodeBodyStream(pulled));
    const pulledReader = pulledResponse.body!.getReader();
    const first = pulledReader.read();
    pulled.write("x");
    await first;
    pulledReader.releaseLock();
    expect(takeNodeBody(pulledResponse)).toBeUndefined();
    const used = new Response(nodeBodyStream(new PassThrough()));
    void used.text();
    expect(takeNodeBody(used)).toBeUndefined();
    expect(takeNodeBody(new Response(null))).toBeUndefined();
    expect(takeNodeBody(new Response("plain text"))).toBeUndefined();
  });
});
