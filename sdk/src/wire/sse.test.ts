import { describe, expect, it, vi } from "vitest";
import { formatSseComment, formatSseEvent, isDoneSentinel, parseSse, SSE_DONE, SSE_DRAIN_LIMITS, SseReader } from "./sse.js";
import type { SseEvent } from "./sse.js";

const encoder = new TextEncoder();

/** A byte stream delivering exactly the given pieces, one per read. */
function streamOf(pieces: Array<string | Uint8Array>): ReadableStream<Uint8Array> & { cancelled: () => boolean } {
  let index = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[index++];
      if (piece === undefined) controller.close();
      else controller.enqueue(typeof piece === "string" ? encoder.encode(piece) : piece);
    },
    cancel() {
      cancelled = true;
    },
  });
  return Object.assign(stream, { cancelled: () => cancelled });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of parseSse(stream)) events.push(event);
  return events;
}

describe("parseSse", () => {
  it("parses OpenAI framing and leaves [DONE] to isDoneSentinel", async () => {
    const events = await collect(streamOf(['data: {"a":1}\n\n', 'data: {"a":2}\n\ndata: [DONE]\n\n']));
    expect(events.map((event) => event.data)).toEqual(['{"a":1}', '{"a":2}', "[DONE]"]);
    expect(events.map((event) => isDoneSentinel(event.data))).toEqual([false, false, true]);
  });

  it("decodes a multi-byte character split across chunks", async () => {
    const bytes = encoder.encode('data: {"text":"héllo 👋 世界"}\n\n');
    // Cut inside "é" (2 bytes), inside the emoji (4 bytes) and inside "世" (3 bytes).
    const cuts = [11, 18, 23, bytes.length];
    let start = 0;
    const pieces = cuts.map((end) => {
      const piece = bytes.slice(start, end);
      start = end;
      return piece;
    });
    const events = await collect(streamOf(pieces));
    expect(JSON.parse(events[0]?.data ?? "{}")).toEqual({ text: "héllo 👋 世界" });
  });

  it("splits on CRLF CRLF as Gemini frames its stream, including across chunks", async () => {
    const body = 'data: {"candidates":[1]}\r\n\r\ndata: {"candidates":[2]}\r\n\r\n';
    const events = await collect(streamOf([body.slice(0, 25), body.slice(25, 27), body.slice(27)]));
    expect(events.map((event) => event.data)).toEqual(['{"candidates":[1]}', '{"candidates":[2]}']);
  });

  it("skips comments (keep-alives) and keeps event names and the id of the event that set it", async () => {
    const events = await collect(
      streamOf([": OPENROUTER PROCESSING\n\n", "event: message_start\nid: 7\ndata: {\"type\":\"message_start\"}\n\n", ": ping\n\nevent: ping\ndata: {}\n\n"]),
    );
    expect(events).toEqual([
      { event: "message_start", id: "7", data: '{"type":"message_start"}' },
      { event: "ping", data: "{}" },
    ]);
  });

  it("joins multi-line data with newlines", async () => {
    const events = await collect(streamOf(["data: line one\ndata: line two\n\n"]));
    expect(events).toEqual([{ data: "line one\nline two" }]);
  });

  it("drops a partial event at the end of the body", async () => {
    const events = await collect(streamOf(['data: {"a":1}\n\ndata: {"trunc']));
    expect(events.map((event) => event.data)).toEqual(['{"a":1}']);
  });

  it("yields events before the body ends", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 0) controller.enqueue(encoder.encode("data: first\n\n"));
        else {
          await gate;
          controller.enqueue(encoder.encode("data: second\n\n"));
          controller.close();
        }
        sent += 1;
      },
    });
    const iterator = parseSse(stream)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ data: "first" });
    release();
    expect((await iterator.next()).value).toEqual({ data: "second" });
    expect((await iterator.next()).done).toBe(true);
  });

  it("cancels the source when the consumer stops early", async () => {
    const stream = streamOf(["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"]);
    for await (const event of parseSse(stream)) {
      expect(event.data).toBe("1");
      break;
    }
    expect(stream.cancelled()).toBe(true);
  });

  it("propagates a network error from the source", async () => {
    let reads = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (reads++ === 0) controller.enqueue(encoder.encode("data: 1\n\n"));
        else controller.error(new TypeError("terminated"));
      },
    });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of parseSse(stream)) seen.push(event.data);
      })(),
    ).rejects.toThrow("terminated");
    expect(seen).toEqual(["1"]);
  });

  it("reports when it waits on the network", async () => {
    const waits: boolean[] = [];
    for await (const _ of parseSse(streamOf(["data: 1\n\n"]), { onWait: (waiting) => waits.push(waiting) })) {
      // consume
    }
    expect(waits).toEqual([true, false, true, false]);
  });
});

/** A byte stream that counts its reads and says whether it was cancelled or is still locked. */
function countingStream(pieces: string[]) {
  const source = streamOf(pieces);
  let reads = 0;
  const reader = source.getReader();
  source.getReader = (() => ({
    read: () => {
      reads += 1;
      return reader.read();
    },
    cancel: (reason?: unknown) => reader.cancel(reason),
    releaseLock: () => reader.releaseLock(),
  })) as unknown as typeof source.getReader;
  return { stream: source, reads: () => reads, cancelled: source.cancelled };
}

describe("parseSse: leaving a complete answer", () => {
  const first = 'data: {"a":1}\n\n';
  const leave = async (stream: ReadableStream<Uint8Array>, complete: (() => boolean) | undefined) => {
    for await (const _event of parseSse(stream, complete ? { complete } : {})) break;
  };

  it("reads the rest of the body to its end instead of cancelling it, so the connection can be reused", async () => {
    const counted = countingStream([first, "data: [DONE]\n\n", ": the end\n\n"]);
    await leave(counted.stream, () => true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The first event's read, the two left, and the read that saw the end.
    expect(counted.reads()).toBe(4);
    expect(counted.cancelled()).toBe(false);
    expect(counted.stream.locked).toBe(false);
  });

  it("releases the body of an answer read to its end", async () => {
    const counted = countingStream([first, "data: [DONE]\n\n"]);
    expect(await collect(counted.stream)).toHaveLength(2);
    expect(counted.stream.locked).toBe(false);
    expect(counted.cancelled()).toBe(false);
  });

  it("cancels a rest longer than the drain limit", async () => {
    const counted = countingStream([first, "x".repeat(SSE_DRAIN_LIMITS.bytes), "more", "and more"]);
    await leave(counted.stream, () => true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(counted.cancelled()).toBe(true);
    expect(counted.reads()).toBe(3);
  });

  it("lets go at once, starting no timer, of a body whose end has already arrived", async () => {
    const counted = countingStream([first]);
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      await leave(counted.stream, () => true);
      expect(timers).not.toHaveBeenCalled();
    } finally {
      timers.mockRestore();
    }
    expect(counted.stream.locked).toBe(false);
    expect(counted.cancelled()).toBe(false);
    expect(counted.reads()).toBe(2);
  });

  it("counts a rest that had already arrived toward the drain limit", async () => {
    const half = "x".repeat(SSE_DRAIN_LIMITS.bytes / 2 + 1);
    const counted = countingStream([first, half, half, "the end"]);
    await leave(counted.stream, () => true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(counted.cancelled()).toBe(true);
    expect(counted.reads()).toBe(3);
  });

  it("cancels at once when the answer is not complete, or nobody says", async () => {
    for (const complete of [() => false, undefined]) {
      const counted = countingStream([first, "data: [DONE]\n\n"]);
      await leave(counted.stream, complete);
      expect(counted.cancelled()).toBe(true);
      expect(counted.reads()).toBe(1);
    }
  });
});

describe("SseReader", () => {
  it("gives each network read's completed events together: none for a read that ends mid-event, undefined at the end", async () => {
    const sse = new SseReader(streamOf(["data: a\n\ndata: b\n\ndata: c", "\n\n", "data: d\n\n"]));
    expect((await sse.read())?.map((event) => event.data)).toEqual(["a", "b"]);
    expect((await sse.read())?.map((event) => event.data)).toEqual(["c"]);
    expect((await sse.read())?.map((event) => event.data)).toEqual(["d"]);
    expect(await sse.read()).toBeUndefined();
    expect(await sse.read()).toBeUndefined();
  });

  it("reads text from a body reader that decodes itself, and its bytes only to drain the end", async () => {
    // A body reader that offers `readText` (the proxy's Node fetch does): its text is parsed as it is, without
    // TextDecoder; `read()` is left for what `close(true)` drains after the answer.
    const texts = ["data: 5 \u20ac\n\n", "data: b", "\n\n"];
    let textReads = 0;
    let byteReads = 0;
    const reader = {
      readText: async () => {
        const value = texts[textReads++];
        return value === undefined ? { done: true as const, value: undefined } : { done: false as const, value };
      },
      read: async () => {
        byteReads += 1;
        return { done: true as const, value: undefined };
      },
      cancel: async () => {},
      releaseLock: () => {},
    };
    const body = { getReader: () => reader, cancel: async () => {} } as unknown as ReadableStream<Uint8Array>;
    const sse = new SseReader(body);
    expect((await sse.read())?.map((event) => event.data)).toEqual(["5 \u20ac"]);
    expect(await sse.read()).toEqual([]);
    expect((await sse.read())?.map((event) => event.data)).toEqual(["b"]);
    expect(byteReads).toBe(0);
    await sse.close(true);
    expect(byteReads).toBe(1);
    expect(textReads).toBe(3);
  });

  it("reads nothing more on close when the body reader says the body arrived whole and was read", async () => {
    for (const drained of [true, false]) {
      let reads = 0;
      let cancels = 0;
      const pieces = ["data: a\n\ndata: [DONE]\n\n"];
      const reader = {
        read: async () => {
          const value = pieces[reads++];
          return value === undefined ? { done: true as const, value: undefined } : { done: false as const, value: encoder.encode(value) };
        },
        drained: () => drained && reads >= 1,
        cancel: async () => void (cancels += 1),
        releaseLock: () => {},
      };
      const sse = new SseReader({ getReader: () => reader, cancel: async () => {} } as unknown as ReadableStream<Uint8Array>);
      expect((await sse.read())?.map((event) => event.data)).toEqual(["a", "[DONE]"]);
      await sse.close(true);
      // Drained: let go at once. Not drained: the end is read (one read, which finds it).
      expect([reads, cancels]).toEqual(drained ? [1, 0] : [2, 0]);
    }
  });

  it("returns an empty list for a read that completes no event, and keeps reading", async () => {
    const sse = new SseReader(streamOf([": keep-alive\n\n", "data: x\n\n"]));
    expect(await sse.read()).toEqual([]);
    expect((await sse.read())?.map((event) => event.data)).toEqual(["x"]);
  });

  it("cancels a body it never read when closed, and closes once", async () => {
    const source = streamOf(["data: a\n\n"]);
    const sse = new SseReader(source);
    await sse.close(false);
    expect(source.cancelled()).toBe(true);
    expect(await sse.read()).toBeUndefined();
    await sse.close(false);
  });

  it("gives an event only the fields the server sent", async () => {
    const sse = new SseReader(streamOf(["data: plain\n\nevent: ping\nid: 7\ndata: named\n\n"]));
    const [plain, named] = (await sse.read())!;
    expect(Object.keys(plain!)).toEqual(["data"]);
    expect(named).toStrictEqual({ data: "named", event: "ping", id: "7" });
  });

  it("only releases a body read to its end when closed, reading and cancelling nothing more", async () => {
    for (const complete of [true, false]) {
      const counted = countingStream(["data: a\n\n"]);
      const sse = new SseReader(counted.stream);
      expect(await sse.read()).toHaveLength(1);
      expect(await sse.read()).toBeUndefined();
      const reads = counted.reads();
      await sse.close(complete);
      expect(counted.reads()).toBe(reads);
      expect(counted.stream.locked).toBe(false);
    }
  });

  it("closes once: a second close reads and cancels nothing", async () => {
    const counted = countingStream(["data: a\n\n", "data: b\n\n", "data: c\n\n"]);
    const sse = new SseReader(counted.stream);
    expect(await sse.read()).toHaveLength(1);
    await sse.close(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const reads = counted.reads();
    await sse.close(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(counted.reads()).toBe(reads);
  });

  it("cancels a body it read part of when closed incomplete, and reads nothing after", async () => {
    const source = streamOf(["data: a\n\n", "data: b\n\n", "data: c\n\n"]);
    const sse = new SseReader(source);
    expect((await sse.read())?.map((event) => event.data)).toEqual(["a"]);
    await sse.close(false);
    expect(source.cancelled()).toBe(true);
    expect(await sse.read()).toBeUndefined();
  });
});

describe("formatSseEvent", () => {
  it("writes data, optional event names, and multi-line data", () => {
    expect(formatSseEvent('{"a":1}')).toBe('data: {"a":1}\n\n');
    expect(formatSseEvent("{}", "ping")).toBe("event: ping\ndata: {}\n\n");
    expect(formatSseEvent("one\ntwo\r\nthree")).toBe("data: one\ndata: two\ndata: three\n\n");
    expect(formatSseEvent("x", "bad\nname")).toBe("event: badname\ndata: x\n\n");
    expect(SSE_DONE).toBe("data: [DONE]\n\n");
    expect(formatSseComment("keep-alive")).toBe(": keep-alive\n\n");
  });

  it("round-trips through the parser", async () => {
    const written = formatSseEvent("multi\nline", "custom") + formatSseComment("ping") + SSE_DONE;
    const events = await collect(streamOf([written]));
    expect(events).toEqual([{ event: "custom", data: "multi\nline" }, { data: "[DONE]" }]);
  });
});
