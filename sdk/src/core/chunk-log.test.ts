import { describe, expect, it } from "vitest";
import { ChunkLog } from "./chunk-log.js";

describe("ChunkLog", () => {
  it("gives each reader every chunk from the first, waits for the next, and ends after the last", async () => {
    const log = new ChunkLog<string>();
    const waiting = [log.at(0), log.at(0), log.at(1)];
    log.push("a");
    expect(await waiting[0]).toEqual({ value: "a", done: false });
    expect(await waiting[1]).toEqual({ value: "a", done: false });
    let second: IteratorResult<string, undefined> | undefined;
    void waiting[2]!.then((result) => (second = result));
    await Promise.resolve();
    expect(second).toBeUndefined();
    log.push("b");
    expect(await waiting[2]).toEqual({ value: "b", done: false });
    const end = log.at(2);
    log.end();
    expect(await end).toEqual({ value: undefined, done: true });
    expect(await log.at(0)).toEqual({ value: "a", done: false });
  });

  it("fails a reader with the failure only once it has read every chunk before it", async () => {
    const log = new ChunkLog<string>();
    const failure = new Error("broke");
    const waiting = log.at(1);
    log.push("a");
    log.end({ error: failure });
    await expect(waiting).rejects.toBe(failure);
    expect(await log.at(0)).toEqual({ value: "a", done: false });
    await expect(log.at(1)).rejects.toBe(failure);
  });
});
