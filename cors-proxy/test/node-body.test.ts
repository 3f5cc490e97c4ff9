import { EventEmitter } from "node:events";
import { PassThrough, type Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { nodeBodyStream } from "modelmesh/node-fetch";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("nodeBodyStream", () => {
  it("a reader that cancels while the source's end is already on its way does not crash the process", async () => {
    // Under load a client leaves just as the upstream finishes: the IncomingMessage's 'end' is already queued when
    // the reader cancels (and destroys it), so 'end' still fires on a cancelled stream. Closing it then throws from an
    // event handler, which took the whole proxy down (seen under autocannon on the relay's SSE route).
    const source = new EventEmitter() as EventEmitter & { pause(): void; resume(): void; destroy(): void };
    source.pause = () => {};
    source.resume = () => {};
    source.destroy = () => {};
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const reader = nodeBodyStream(source as unknown as Readable).getReader();
      const first = reader.read();
      await tick(); // the stream attaches to the source on its first pull
      source.emit("data", Buffer.from("data: {}\n\n"));
      expect((await first).done).toBe(false);
      await reader.cancel();
      expect(() => source.emit("data", Buffer.from("late"))).not.toThrow();
      expect(() => source.emit("end")).not.toThrow();
      expect(() => source.emit("close")).not.toThrow();
      await tick();
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });

  it("streams the source's bytes and closes at its end", async () => {
    const source = new PassThrough();
    const text = new Response(nodeBodyStream(source)).text();
    source.write("a");
    source.end("b");
    expect(await text).toBe("ab");
  });

  it("errors the stream when the source is cut before its end", async () => {
    const source = new PassThrough();
    const text = new Response(nodeBodyStream(source)).text();
    source.write("a");
    await tick();
    source.destroy(new Error("socket hang up"));
    await expect(text).rejects.toThrow();
  });
});
