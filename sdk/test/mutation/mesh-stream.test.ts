/**
 * wire/mesh-stream.ts observed from a reader's side: what the upstream source sees (its signal, its return()),
 * what each reader gets, and the bytes of the NDJSON round trip.
 */
import { describe, expect, it } from "vitest";
import { MeshStream, settlingSource } from "../../src/wire/mesh-stream.js";

/** A source that records what the stream did to it. */
function recordingSource(items: unknown[], options: { failAfter?: number } = {}) {
  const seen = { signal: undefined as AbortSignal | undefined, nextCalls: 0, returned: 0 };
  const source = (signal: AbortSignal): AsyncIterator<unknown> => {
    seen.signal = signal;
    let index = 0;
    return {
      next: async () => {
        seen.nextCalls += 1;
        if (options.failAfter !== undefined && index === options.failAfter) throw new Error("upstream broke");
        return index < items.length ? { done: false, value: items[index++] } : { done: true, value: undefined };
      },
      return: async () => {
        seen.returned += 1;
        return { done: true, value: undefined };
      },
    };
  };
  return { seen, source };
}

async function readAll<Item>(iterable: AsyncIterable<Item>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe("MeshStream iteration", () => {
  it("hands the source its own controller's signal, and reads it to the end without aborting", async () => {
    const { seen, source } = recordingSource([1, 2]);
    const controller = new AbortController();
    const stream = new MeshStream(source, controller);
    expect(stream.controller).toBe(controller);
    expect(await readAll(stream)).toEqual([1, 2]);
    expect(seen.signal).toBe(controller.signal);
    expect(controller.signal.aborted).toBe(false);
    expect(seen.returned).toBe(0);
  });

  it("after the end, next() answers done without asking the source again", async () => {
    const { seen, source } = recordingSource([1]);
    const iterator = new MeshStream(source)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    const calls = seen.nextCalls;
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(seen.nextCalls).toBe(calls);
    // Ended by the source: return() neither aborts nor calls the source's return.
    expect(await iterator.return!()).toEqual({ done: true, value: undefined });
    expect(seen.returned).toBe(0);
    expect(seen.signal!.aborted).toBe(false);
  });

  it("after the source throws, the error reaches the reader once and the iteration is over", async () => {
    const { seen, source } = recordingSource([1, 2], { failAfter: 1 });
    const iterator = new MeshStream(source)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    await expect(iterator.next()).rejects.toThrow("upstream broke");
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    await iterator.return!();
    expect(seen.returned).toBe(0);
    expect(seen.signal!.aborted).toBe(false);
  });

  it("leaving early aborts the upstream request and closes the source, once", async () => {
    const { seen, source } = recordingSource([1, 2, 3]);
    const stream = new MeshStream(source);
    for await (const item of stream) if (item === 1) break;
    expect(seen.signal!.aborted).toBe(true);
    expect(seen.returned).toBe(1);
  });

  it("return() passes back the value it is given and only acts the first time", async () => {
    const { seen, source } = recordingSource([1, 2]);
    const iterator = new MeshStream(source)[Symbol.asyncIterator]();
    await iterator.next();
    expect(await iterator.return!("bye")).toEqual({ done: true, value: "bye" });
    expect(await iterator.return!("again")).toEqual({ done: true, value: "again" });
    expect(seen.returned).toBe(1);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("is iterated once; abort() aborts the upstream signal", async () => {
    const { seen, source } = recordingSource([1]);
    const stream = new MeshStream(source);
    stream[Symbol.asyncIterator]();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/iterated once; use tee\(\)/);
    stream.abort();
    expect(seen.signal!.aborted).toBe(true);
  });

  it("a source without return() can still be left early", async () => {
    let index = 0;
    const stream = new MeshStream<number>(() => ({ next: async () => ({ done: false, value: index++ }) }));
    for await (const item of stream) if (item === 2) break;
    expect(stream.controller.signal.aborted).toBe(true);
  });
});

describe("MeshStream.tee", () => {
  it("both readers see every item while the upstream is read once", async () => {
    const { seen, source } = recordingSource(["a", "b", "c"]);
    const [left, right] = new MeshStream(source).tee();
    const leftIterator = left[Symbol.asyncIterator]();
    const rightIterator = right[Symbol.asyncIterator]();
    expect((await leftIterator.next()).value).toBe("a");
    expect((await leftIterator.next()).value).toBe("b");
    expect((await rightIterator.next()).value).toBe("a");
    // The slower reader is served from what was already read: no read-ahead of the upstream.
    expect(seen.nextCalls).toBe(2);
    expect((await leftIterator.next()).value).toBe("c");
    expect((await rightIterator.next()).value).toBe("b");
    expect((await rightIterator.next()).value).toBe("c");
    expect((await leftIterator.next()).done).toBe(true);
    expect((await rightIterator.next()).done).toBe(true);
    // Three items and the end, each pulled once for both readers.
    expect(seen.nextCalls).toBe(4);
  });

  it("the upstream is aborted only when both readers stop early", async () => {
    const { seen, source } = recordingSource([1, 2, 3, 4]);
    const [left, right] = new MeshStream(source).tee();
    for await (const item of left) if (item === 1) break;
    expect(seen.signal!.aborted).toBe(false);
    expect(seen.returned).toBe(0);
    const rightItems: unknown[] = [];
    for await (const item of right) {
      rightItems.push(item);
      if (item === 2) break;
    }
    expect(rightItems).toEqual([1, 2]);
    expect(seen.signal!.aborted).toBe(true);
    expect(seen.returned).toBe(1);
  });

  it("a reader that stops before anything was read closes nothing", async () => {
    const { seen, source } = recordingSource([1]);
    const [left, right] = new MeshStream(source).tee();
    expect(await left[Symbol.asyncIterator]().return!("x")).toEqual({ done: true, value: "x" });
    expect(await right[Symbol.asyncIterator]().return!()).toEqual({ done: true, value: undefined });
    expect(seen.signal).toBeUndefined();
  });
});

describe("MeshStream NDJSON round trip", () => {
  it("writes one JSON document a line and closes at the end", async () => {
    const { source } = recordingSource([{ a: 1 }, "two", [3]]);
    const text = await new Response(new MeshStream(source).toReadableStream()).text();
    expect(text).toBe('{"a":1}\n"two"\n[3]\n');
  });

  it("an upstream error errors the byte stream", async () => {
    const { source } = recordingSource([{ a: 1 }], { failAfter: 1 });
    await expect(new Response(new MeshStream(source).toReadableStream()).text()).rejects.toThrow("upstream broke");
  });

  it("cancelling the byte stream aborts the upstream; cancelling before any read touches nothing", async () => {
    const { seen, source } = recordingSource([1, 2, 3]);
    const bytes = new MeshStream(source).toReadableStream();
    const reader = bytes.getReader();
    await reader.read();
    await reader.cancel();
    expect(seen.signal!.aborted).toBe(true);
    expect(seen.returned).toBe(1);
    const untouched = recordingSource([1]);
    await new MeshStream(untouched.source).toReadableStream().cancel();
    expect(untouched.seen.signal).toBeUndefined();
  });

  it("reads lines split anywhere, blank lines, a last line without a newline, and characters split across chunks", async () => {
    const encoder = new TextEncoder();
    const bytes = encoder.encode('{"t":"é"}\n\n  \n[1,2]\n"end"');
    // Split inside the two-byte "é" and inside the second document.
    const pieces = [bytes.slice(0, 7), bytes.slice(7, 15), bytes.slice(15)];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(piece);
        controller.close();
      },
    });
    expect(await readAll(MeshStream.fromReadableStream(body))).toEqual([{ t: "é" }, [1, 2], "end"]);
  });

  it("a stream ending in a newline or whitespace yields nothing more", async () => {
    const body = new Response("1\n2\n \n  ").body!;
    expect(await readAll(MeshStream.fromReadableStream(body))).toEqual([1, 2]);
  });

  it("aborting the reading side cancels the byte stream and releases it", async () => {
    let cancelled: unknown = "not cancelled";
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("1\n"));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const controller = new AbortController();
    const stream = MeshStream.fromReadableStream<number>(body, controller);
    expect(stream.controller).toBe(controller);
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    const pending = iterator.next();
    stream.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(cancelled).toBeUndefined();
    expect(body.locked).toBe(false);
  });

  it("after a normal end the abort listener is gone and the stream is released", async () => {
    const body = new Response("1\n").body!;
    const controller = new AbortController();
    // Counts the abort listeners the reader holds.
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => ((listeners += args[0] === "abort" ? 1 : 0), add(...args))) as typeof add;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => ((listeners -= args[0] === "abort" ? 1 : 0), remove(...args))) as typeof remove;
    expect(await readAll(MeshStream.fromReadableStream(body, controller))).toEqual([1]);
    expect(listeners).toBe(0);
    expect(body.locked).toBe(false);
  });
});

describe("MeshStream over a settling source", () => {
  it("leaving early aborts the controller once and answers done with the value, even when the source's iterator has no return()", async () => {
    let pulls = 0;
    const stream = new MeshStream<number>(settlingSource(() => ({ next: async () => ({ done: false, value: ++pulls }) })));
    let aborts = 0;
    stream.controller.signal.addEventListener("abort", () => (aborts += 1));
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    expect(await iterator.return?.(7)).toEqual({ done: true, value: 7 });
    expect(await iterator.return?.(8)).toEqual({ done: true, value: 8 });
    expect(aborts).toBe(1);
    expect(pulls).toBe(1);
  });
});
