/**
 * modelmesh.file.v1 beyond the contract: JSON Lines appended to a real file, size-based rotation keeping N files,
 * writes that never hold up the emitter, a bounded queue that drops the oldest lines (counted), flush on close.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../src/wire/error-base.js";
import { create } from "../src/index.js";
import type { MeshEvent } from "../src/wire/events.js";
import { FileObservability } from "../src/node/file-observability.js";
import { sampleEvents } from "./contracts/observability.contract.js";

const scratch = mkdtempSync(join(tmpdir(), "modelmesh-file-sink-"));
let serial = 0;
const newPath = () => join(scratch, `run-${++serial}`, "events.jsonl");
const opened: FileObservability[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sink) => sink.close()));
});
const make = (config: ConstructorParameters<typeof FileObservability>[0]) => {
  const sink = new FileObservability(config);
  opened.push(sink);
  return sink;
};

/** A request-end event numbered `index` (in its requestId), so order and loss can be checked line by line. */
const numbered = (index: number): MeshEvent => ({ ...sampleEvents().requestEnd, requestId: `req-${index}` });
const lines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []);
const ids = (path: string) => lines(path).map((line) => (JSON.parse(line) as { requestId: string }).requestId);

describe("FileObservability (modelmesh.file.v1)", () => {
  it("appends one JSON object per line with an ISO time, and a new sink on the same file appends after it", async () => {
    const path = newPath();
    const first = make({ path });
    first.emit(numbered(1));
    await first.close();
    const second = make({ path });
    second.emit(numbered(2));
    await second.flush();
    const written = lines(path).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written.map((event) => event.requestId)).toEqual(["req-1", "req-2"]);
    expect(written[0]).toMatchObject({ type: "request-end", time: "2025-01-01T12:00:00.000Z", pool: "chat", ok: true });
  });

  it("rotates by size: no file above max_bytes, the newest rotated one is path.1, max_files kept, nothing lost in between", async () => {
    const path = newPath();
    const lineBytes = JSON.stringify({ time: "2025-01-01T12:00:00.000Z", ...numbered(10) }).length + 1;
    // Three lines fit in a file; 20 lines make 7 files, of which the current one and 3 rotated ones are kept.
    const sink = make({ path, maxBytes: lineBytes * 3 + 2, maxFiles: 3 });
    for (let index = 10; index < 30; index++) {
      sink.emit(numbered(index));
      // Several batches, so rotation is exercised between batches as well as inside one.
      if (index % 7 === 0) await sink.flush();
    }
    await sink.close();
    const files = readdirSync(join(path, "..")).sort();
    expect(files).toEqual(["events.jsonl", "events.jsonl.1", "events.jsonl.2", "events.jsonl.3"]);
    for (const file of files) expect(statSync(join(path, "..", file)).size).toBeLessThanOrEqual(lineBytes * 3 + 2);
    // Oldest kept first: .3, .2, .1, then the current file; consecutive, ending at the last event.
    const kept = [...ids(`${path}.3`), ...ids(`${path}.2`), ...ids(`${path}.1`), ...ids(path)];
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, offset) => `req-${30 - kept.length + offset}`));
    expect(kept.length).toBeGreaterThanOrEqual(10);
    expect(ids(path).length).toBeGreaterThan(0);
  });

  it("with max_files 0 keeps only the current file", async () => {
    const path = newPath();
    const sink = make({ path, maxBytes: 400, maxFiles: 0 });
    for (let index = 0; index < 20; index++) sink.emit(numbered(index));
    await sink.close();
    expect(readdirSync(join(path, ".."))).toEqual(["events.jsonl"]);
    expect(ids(path).at(-1)).toBe("req-19");
  });

  it("never writes during emit: after 2 000 events the file is still empty, and flush() writes them all", async () => {
    const path = newPath();
    const sink = make({ path });
    await sink.open();
    for (let index = 0; index < 2_000; index++) sink.emit(numbered(index));
    // Nothing is on disk yet: emit only queued the lines (the writes start after the emitting code yields).
    expect(readFileSync(path, "utf8")).toBe("");
    await sink.flush();
    expect(ids(path)).toHaveLength(2_000);
  });

  it("keeps at most max_queued_lines waiting: the oldest are dropped and counted", async () => {
    const path = newPath();
    const sink = make({ path, maxQueuedLines: 10 });
    for (let index = 0; index < 100; index++) sink.emit(numbered(index));
    await sink.flush();
    expect(sink.droppedLines).toBe(90);
    expect(ids(path)).toEqual(Array.from({ length: 10 }, (_, offset) => `req-${90 + offset}`));
  });

  it("close() flushes what is queued", async () => {
    const path = newPath();
    const sink = make({ path });
    sink.emit(numbered(1));
    sink.emit(numbered(2));
    await sink.close();
    expect(ids(path)).toEqual(["req-1", "req-2"]);
  });

  it("creates the folder, and fails open() (so create()) when the file cannot be written", async () => {
    const nested = join(scratch, `deep-${++serial}`, "a", "b", "events.jsonl");
    await make({ path: nested }).open();
    expect(existsSync(nested)).toBe(true);
    const blocker = join(scratch, `blocker-${++serial}`);
    writeFileSync(blocker, "a file, not a folder");
    await expect(make({ path: join(blocker, "events.jsonl") }).open()).rejects.toThrow(ConfigError);
  });

  it("named from configuration, an unwritable path fails create()", async () => {
    const blocker = join(scratch, `blocker-${++serial}`);
    writeFileSync(blocker, "");
    const client = create({
      config: {
        providers: { corp: { connector: "openai-compatible", config: { base_url: "http://127.0.0.1:9/v1", api_key: "corp-file-token-000000", models: [{ id: "m", capabilities: ["chat-completion"] }] } } },
        observability: { connector: "file", config: { path: join(blocker, "events.jsonl") } },
      },
    });
    const error = await client.ready().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe("observability.config.path");
    expect((error as ConfigError).message).toMatch(/ENOTDIR|EEXIST|not a directory/i);
    await client.close().catch(() => {});
  });

  it("reports a failed write to onError and counts the lines, never throwing into emit", async () => {
    const blocker = join(scratch, `blocker-${++serial}`);
    writeFileSync(blocker, "");
    const errors: unknown[] = [];
    const sink = make({ path: join(blocker, "events.jsonl"), onError: (error) => errors.push(error) });
    expect(() => sink.emit(numbered(1))).not.toThrow();
    await sink.flush();
    expect(errors).toHaveLength(1);
    expect(sink.droppedLines).toBe(1);
  });

  it("refuses bad options with a ConfigError naming the YAML key", () => {
    expect(() => new FileObservability({} as never)).toThrow(ConfigError);
    for (const [option, key] of [["maxBytes", "max_bytes"], ["maxFiles", "max_files"], ["maxQueuedLines", "max_queued_lines"]] as const) {
      const error = (() => {
        try {
          new FileObservability({ path: "x.jsonl", [option]: -1 });
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe(`observability.config.${key}`);
    }
  });
});
