import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { DirectBody } from "../../sdk/src/node-fetch/direct-body.js";

/** A DirectBody with its connection's calls recorded: `resumes` counts resume(), `cuts` holds cut()'s errors. */
function body(abortReason: () => unknown = () => undefined) {
  const connection = { resumes: 0, cuts: [] as Error[] };
  const direct = new DirectBody(
    () => void connection.resumes++,
    (error) => void connection.cuts.push(error),
    abortReason,
  );
  return { direct, connection };
}

const bytes = (text: string) => Buffer.from(text);
const text = (value: Uint8Array | undefined) => Buffer.from(value ?? new Uint8Array()).toString();

async function readAll(reader: NonNullable<ReturnType<DirectBody["reader"]>>): Promise<string[]> {
  const seen: string[] = [];
  for (let next = await reader.read(); !next.done; next = await reader.read()) seen.push(text(next.value));
  return seen;
}

function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let all = "";
    stream.on("data", (chunk: Buffer) => (all += chunk.toString()));
    stream.once("end", () => resolve(all));
    stream.once("error", reject);
  });
}

describe("DirectBody read by its reader", () => {
  it("gives what arrived before the reader came (all of it in one read), then what arrives while it waits, in order, then done", async () => {
    const { direct, connection } = body();
    expect(direct.push(bytes("a"))).toBe(true);
    expect(direct.push(bytes("b"))).toBe(true);
    const reader = direct.reader()!;
    // A reader that is behind catches up in one read (its SSE parser then takes the events together).
    expect(text((await reader.read()).value)).toBe("ab");
    const waiting = reader.read();
    direct.push(bytes("c"));
    expect(text((await waiting).value)).toBe("c");
    const end = reader.read();
    direct.end();
    expect(await end).toEqual({ done: true, value: undefined });
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    // Never paused, so never resumed; nothing cut.
    expect(connection).toEqual({ resumes: 0, cuts: [] });
  });

  it("is taken once: a second reader or a Node stream is refused", () => {
    const { direct } = body();
    expect(direct.reader()).toBeDefined();
    expect(direct.reader()).toBeUndefined();
    expect(direct.readable()).toBeUndefined();
  });

  it("pauses the connection once 16 KiB wait unread, and resumes it only when a read finds nothing left", async () => {
    const { direct, connection } = body();
    const reader = direct.reader()!;
    const eightKiB = Buffer.alloc(8 * 1024, 120);
    expect(direct.push(eightKiB)).toBe(true);
    expect(direct.push(eightKiB)).toBe(false);
    // Both held chunks in one read, whole and in order; the connection stays paused until a read finds nothing left.
    const both = (await reader.read()).value!;
    expect(both.byteLength).toBe(16 * 1024);
    expect(Buffer.from(both).equals(Buffer.concat([eightKiB, eightKiB]))).toBe(true);
    expect(connection.resumes).toBe(0);
    const waiting = reader.read();
    expect(connection.resumes).toBe(1);
    direct.push(bytes("more"));
    expect(text((await waiting).value)).toBe("more");
    // Not paused any more: a read that waits does not resume again.
    void reader.read();
    expect(connection.resumes).toBe(1);
  });

  it("a body cut mid-way fails the waiting read with 'terminated' (the cause kept), drops what was unread, and cuts nothing more", async () => {
    const { direct, connection } = body();
    const reader = direct.reader()!;
    direct.push(bytes("kept"));
    expect(text((await reader.read()).value)).toBe("kept");
    const waiting = reader.read();
    const reset = new Error("socket hang up");
    direct.fail(reset);
    await expect(waiting).rejects.toMatchObject({ name: "TypeError", message: "terminated", cause: reset });
    await expect(reader.read()).rejects.toThrow("terminated");
    expect(connection.cuts).toEqual([]);
  });

  it("an abort fails the next read with the caller's reason and cuts the connection, unread chunks dropped", async () => {
    const reason = new DOMException("stop", "AbortError");
    let aborted = false;
    const { direct, connection } = body(() => (aborted ? reason : undefined));
    const reader = direct.reader()!;
    direct.push(bytes("unread"));
    aborted = true;
    direct.fail(undefined, true);
    await expect(reader.read()).rejects.toBe(reason);
    expect(connection.cuts.map((error) => error.message)).toEqual(["the body was cancelled"]);
  });

  it("an abort after the whole body was delivered and read changes nothing; with bytes unread it fails without cutting", async () => {
    const done = body(() => "aborted");
    const reader = done.direct.reader()!;
    done.direct.push(bytes("all"));
    done.direct.end();
    expect(await readAll(reader)).toEqual(["all"]);
    done.direct.fail(undefined, true);
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(done.connection.cuts).toEqual([]);

    const unread = body(() => "aborted");
    const late = unread.direct.reader()!;
    unread.direct.push(bytes("left"));
    unread.direct.end();
    unread.direct.fail(undefined, true);
    await expect(late.read()).rejects.toBe("aborted");
    expect(unread.connection.cuts).toEqual([]);
  });

  it("counts what a read took off the held bytes: 10 KiB read, 10 KiB more held does not pause", async () => {
    const { direct } = body();
    const reader = direct.reader()!;
    const tenKiB = Buffer.alloc(10 * 1024, 119);
    expect(direct.push(tenKiB)).toBe(true);
    await reader.read();
    expect(direct.push(tenKiB)).toBe(true);
  });

  it("cuts once however often it is aborted or cancelled after a failure, and drops (without pausing) what still arrives", async () => {
    const { direct, connection } = body(() => "aborted");
    const reader = direct.reader()!;
    direct.fail(undefined, true);
    direct.fail(undefined, true);
    await reader.cancel();
    expect(connection.cuts).toHaveLength(1);
    expect(direct.push(Buffer.alloc(20 * 1024))).toBe(true);
    await expect(reader.read()).rejects.toBe("aborted");

    const cancelled = body(() => "aborted");
    const read = cancelled.direct.reader()!;
    await read.cancel();
    cancelled.direct.fail(undefined, true);
    expect(cancelled.connection.cuts).toHaveLength(1);
    expect(cancelled.direct.push(Buffer.alloc(20 * 1024))).toBe(true);
    expect(await read.read()).toEqual({ done: true, value: undefined });
  });

  it("cancel() before the end cuts the connection and ends a waiting read; after the end it cuts nothing", async () => {
    const early = body();
    const reader = early.direct.reader()!;
    const waiting = reader.read();
    await reader.cancel();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(early.connection.cuts.map((error) => error.message)).toEqual(["the body was cancelled"]);
    // What still arrives is dropped; a second cancel cuts nothing more.
    expect(early.direct.push(bytes("late"))).toBe(true);
    await reader.cancel();
    expect(early.connection.cuts).toHaveLength(1);

    const whole = body();
    const read = whole.direct.reader()!;
    whole.direct.push(bytes("x"));
    whole.direct.end();
    await read.cancel();
    expect(whole.connection.cuts).toEqual([]);
    expect(await read.read()).toEqual({ done: true, value: undefined });
  });

  it("says it is settled once, when the body is over: read to its end, failed or cancelled", async () => {
    const ended = body();
    const settled = vi.fn();
    ended.direct.whenSettled(settled);
    const reader = ended.direct.reader()!;
    ended.direct.push(bytes("a"));
    ended.direct.push(bytes("b"));
    ended.direct.end();
    // Complete, but chunks are still unread: not over yet; over once the read that takes them (both at once) is given.
    expect(settled).not.toHaveBeenCalled();
    expect(text((await reader.read()).value)).toBe("ab");
    expect(settled).toHaveBeenCalledTimes(1);
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    await reader.cancel();
    ended.direct.fail(undefined, true);
    expect(settled).toHaveBeenCalledTimes(1);

    const failed = body();
    const onFail = vi.fn();
    failed.direct.whenSettled(onFail);
    failed.direct.fail(new Error("reset"));
    expect(onFail).toHaveBeenCalledTimes(1);

    const cancelled = body();
    const onCancel = vi.fn();
    cancelled.direct.whenSettled(onCancel);
    await cancelled.direct.reader()!.cancel();
    expect(onCancel).toHaveBeenCalledTimes(1);

    // A chunk read before the end does not settle it.
    const midway = body();
    const onMidway = vi.fn();
    midway.direct.whenSettled(onMidway);
    const midReader = midway.direct.reader()!;
    midway.direct.push(bytes("m"));
    await midReader.read();
    expect(onMidway).not.toHaveBeenCalled();

    // Ended with nothing held (the last chunk went straight to a waiting read): over at the end.
    const straight = body();
    const onEnd = vi.fn();
    straight.direct.whenSettled(onEnd);
    const r = straight.direct.reader()!;
    const waiting = r.read();
    straight.direct.push(bytes("z"));
    await waiting;
    straight.direct.end();
    expect(onEnd).toHaveBeenCalledTimes(1);
  });
});

describe("DirectBody read as a Node stream", () => {
  it("gives what was held, then what arrives, then ends", async () => {
    const { direct } = body();
    direct.push(bytes("one "));
    const stream = direct.readable()!;
    const all = streamText(stream);
    direct.push(bytes("two"));
    direct.end();
    expect(await all).toBe("one two");
    expect(direct.reader()).toBeUndefined();
    expect(direct.readable()).toBeUndefined();
  });

  it("a body already complete when the stream is asked for ends after its bytes, and destroying it then cuts nothing", async () => {
    const { direct, connection } = body();
    direct.push(bytes("whole"));
    direct.end();
    const stream = direct.readable()!;
    expect(await streamText(stream)).toBe("whole");
    stream.destroy();
    expect(connection.cuts).toEqual([]);
  });

  it("a stream asked for before the end, destroyed after it, cuts nothing", async () => {
    const { direct, connection } = body();
    const stream = direct.readable()!;
    const all = streamText(stream);
    direct.push(bytes("late end"));
    direct.end();
    expect(await all).toBe("late end");
    stream.destroy();
    expect(connection.cuts).toEqual([]);
  });

  it("destroying it before the end cuts the connection; an abort destroys it; a failure before it was asked for fails it", async () => {
    const cut = body();
    const stream = cut.direct.readable()!;
    stream.on("error", () => {});
    stream.destroy();
    expect(cut.connection.cuts).toHaveLength(1);

    const aborted = body();
    const abortedStream = aborted.direct.readable()!;
    const closed = new Promise((resolve) => abortedStream.once("close", resolve));
    const settled = vi.fn();
    aborted.direct.whenSettled(settled);
    aborted.direct.fail(undefined, true);
    await closed;
    expect(abortedStream.destroyed).toBe(true);
    expect(aborted.connection.cuts).toHaveLength(1);
    expect(settled).toHaveBeenCalledTimes(1);

    const failed = body();
    failed.direct.push(bytes("gone"));
    failed.direct.fail(new Error("reset"));
    const failedStream = failed.direct.readable()!;
    await expect(streamText(failedStream)).rejects.toThrow("terminated");
  });

  it("pauses the connection through the stream's own back-pressure and resumes it when the stream is read", async () => {
    const { direct, connection } = body();
    const stream = direct.readable()!;
    const big = Buffer.alloc(20 * 1024, 121);
    // Over the stream's high-water mark: undici is asked to pause.
    expect(direct.push(big)).toBe(false);
    expect(direct.push(bytes("tail"))).toBe(false);
    expect(connection.resumes).toBe(0);
    const all = streamText(stream);
    await new Promise((resolve) => setImmediate(resolve));
    // Read, the stream asked for more: the connection was resumed.
    expect(connection.resumes).toBeGreaterThan(0);
    direct.end();
    expect((await all).length).toBe(20 * 1024 + 4);
  });

  it("a stream asked for while the connection is paused resumes it when read", async () => {
    const { direct, connection } = body();
    expect(direct.push(Buffer.alloc(16 * 1024, 122))).toBe(false);
    const stream = direct.readable()!;
    const all = streamText(stream);
    await new Promise((resolve) => setImmediate(resolve));
    expect(connection.resumes).toBeGreaterThan(0);
    direct.end();
    expect((await all).length).toBe(16 * 1024);
  });
});

describe("DirectBody under any interleaving of network chunks and reads", () => {
  it("gives every byte once and in order, pauses only past 16 KiB held, and resumes only a paused connection when a read waits", async () => {
    // A schedule: push a chunk of n bytes, or start a read (awaited before the next step when something is held).
    const step = fc.oneof(fc.record({ push: fc.integer({ min: 1, max: 9000 }) }), fc.constant({ read: true as const }));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const { direct, connection } = body();
        const reader = direct.reader()!;
        let sent = Buffer.alloc(0);
        let received = Buffer.alloc(0);
        let held = 0;
        let paused = false;
        let waiting: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
        const take = (result: ReadableStreamReadResult<Uint8Array>) => {
          if (!result.done) received = Buffer.concat([received, Buffer.from(result.value)]);
        };
        let counter = 0;
        for (const next of steps) {
          if ("push" in next) {
            const chunk = Buffer.alloc(next.push, 97 + (counter++ % 26));
            sent = Buffer.concat([sent, chunk]);
            const accepted = direct.push(chunk);
            if (waiting) {
              // A read was waiting: the chunk went straight to it, nothing is held.
              expect(accepted).toBe(true);
              take(await waiting);
              waiting = undefined;
            } else {
              held += chunk.byteLength;
              expect(accepted).toBe(held < 16 * 1024);
              if (!accepted) paused = true;
            }
          } else if (!waiting) {
            const resumesBefore = connection.resumes;
            const read = reader.read();
            if (held > 0) {
              // Everything held comes in this one read; the connection is not resumed for it.
              take(await read);
              held = 0;
              expect(connection.resumes).toBe(resumesBefore);
            } else {
              waiting = read;
              expect(connection.resumes).toBe(resumesBefore + (paused ? 1 : 0));
              paused = false;
            }
          }
        }
        const end = waiting ?? reader.read();
        direct.end();
        take(await end);
        for (let rest = await reader.read(); !rest.done; rest = await reader.read()) take(rest);
        expect(received.equals(sent)).toBe(true);
        expect(connection.cuts).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
