import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { StorageError } from "../src/wire/errors.js";
import { LocalFileStorage, SqliteStorage, SQLITE_SCHEMA } from "../src/node/index.js";
import type { BaseStorage } from "../src/storage/storage.js";
import { storageContract } from "./contracts/storage.contract.js";

// node-sqlite3-wasm is CommonJS: required, as a second, independent SQLite connection.
const sqlite = createRequire(import.meta.url)("node-sqlite3-wasm") as typeof import("node-sqlite3-wasm");

// A crash between writing the new file and putting it in place, simulated by a rename that dies; everything else is real.
const crash = vi.hoisted(() => ({ beforeRename: false }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      if (crash.beforeRename) throw new Error("simulated crash before rename");
      return actual.rename(from, to);
    },
  };
});

let directory: string;
let counter = 0;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "modelmesh-node-storage-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});
const fresh = (extension: string) => join(directory, `store-${++counter}`, `state.${extension}`);

storageContract("LocalFileStorage", () => new LocalFileStorage({ path: fresh("json") }), { reopen: (first) => new LocalFileStorage({ path: (first as LocalFileStorage).path }) });
storageContract("SqliteStorage", () => new SqliteStorage({ path: fresh("db") }), { reopen: (first) => new SqliteStorage({ path: (first as SqliteStorage).path }) });

describe("LocalFileStorage", () => {
  it("writes a readable JSON file, atomically: no temporary file stays behind", async () => {
    const path = fresh("json");
    const storage = new LocalFileStorage({ path });
    await storage.saveData("usage", { totalCost: 0.5 }, { version: 1 });
    const file = JSON.parse(await readFile(path, "utf8"));
    expect(file.format).toBe("modelmesh.local-file.v1");
    expect(file.entries.usage).toMatchObject({ data: { totalCost: 0.5 }, version: 1 });
    expect(await readdir(join(path, ".."))).toEqual(["state.json"]);
  });

  it("survives a crash mid-write: a torn temporary file beside the state is ignored, the last complete file loads", async () => {
    const path = fresh("json");
    const first = new LocalFileStorage({ path });
    await first.saveData("usage", { totalCost: 1 });
    // What a crash between write and rename leaves: a half-written temporary file; the state file is untouched.
    await writeFile(`${path}.4242.abc.tmp`, '{"format":"modelmesh.local-file.v1","entries":{"usage":{"data":{"totalCost":99');
    const second = new LocalFileStorage({ path });
    expect(await second.loadData("usage")).toEqual({ totalCost: 1 });
    await second.saveData("usage", { totalCost: 2 });
    expect(await new LocalFileStorage({ path }).loadData("usage")).toEqual({ totalCost: 2 });
  });

  it("keeps the previous complete file when a write dies before the new file is in place", async () => {
    const path = fresh("json");
    const storage = new LocalFileStorage({ path });
    await storage.saveData("usage", { totalCost: 1 });
    const before = await readFile(path, "utf8");
    crash.beforeRename = true;
    try {
      await expect(storage.saveData("usage", { totalCost: 2, padding: "x".repeat(100_000) })).rejects.toBeInstanceOf(StorageError);
    } finally {
      crash.beforeRename = false;
    }
    expect(await readFile(path, "utf8")).toBe(before);
    expect(await new LocalFileStorage({ path }).loadData("usage")).toEqual({ totalCost: 1 });
  });

  it("writes many small concurrent saves in few file writes, each save resolving once it is on disk", async () => {
    const path = fresh("json");
    const storage = new LocalFileStorage({ path, fsync: false });
    let writes = 0;
    const watch = storage as unknown as { write: () => Promise<void> };
    const write = watch.write.bind(storage);
    watch.write = () => {
      writes += 1;
      return write();
    };
    await Promise.all(Array.from({ length: 200 }, (_, index) => storage.saveData(`budget/${index}`, index)));
    expect(writes).toBeLessThanOrEqual(2);
    expect(Object.keys(JSON.parse(await readFile(path, "utf8")).entries)).toHaveLength(200);
  });

  it("refuses a file that is not its own (corrupt JSON, another format) with a StorageError naming the path, leaving it alone", async () => {
    const corrupt = fresh("json");
    await mkdir(join(corrupt, ".."), { recursive: true });
    await writeFile(corrupt, "{ not json");
    const error = await new LocalFileStorage({ path: corrupt }).open().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain(corrupt);
    const foreign = join(directory, "package.json");
    await writeFile(foreign, '{"name":"not-state"}');
    await expect(new LocalFileStorage({ path: foreign }).saveData("x", 1)).rejects.toThrow(/not a ModelMesh state file/);
    expect(await readFile(foreign, "utf8")).toBe('{"name":"not-state"}');
  });

  it("rejects a bad path option with a StorageError", () => {
    expect(() => new LocalFileStorage({ path: "" })).toThrow(StorageError);
  });
});

describe("SqliteStorage", () => {
  it("writes a real SQLite file with the documented table, which a second SQLite connection reads", async () => {
    const path = fresh("db");
    const storage = new SqliteStorage({ path });
    await storage.saveData("modelmesh/state", { usage: { totalCost: 0.25 }, note: "ü🔑" }, { version: 1 });
    const header = (await readFile(path)).subarray(0, 16).toString("latin1");
    expect(header).toBe("SQLite format 3\0");
    const other = new sqlite.Database(path, { readOnly: true });
    try {
      expect(other.get("SELECT sql FROM sqlite_master WHERE name = 'modelmesh_entries'")?.sql).toBe(SQLITE_SCHEMA.replace("IF NOT EXISTS ", ""));
      expect(other.get("PRAGMA user_version")).toEqual({ user_version: 1 });
      expect(other.get("SELECT key, json_extract(data, '$.usage.totalCost') AS cost, json_extract(data, '$.note') AS note, version FROM modelmesh_entries")).toEqual({
        key: "modelmesh/state",
        cost: 0.25,
        note: "ü🔑",
        version: 1,
      });
    } finally {
      other.close();
      await storage.close();
    }
  });

  it("commits many small concurrent saves in few transactions, each save resolving once committed", async () => {
    const path = fresh("db");
    const storage = new SqliteStorage({ path });
    let transactions = 0;
    const watch = storage as unknown as { writePending: () => Promise<void> };
    const writePending = watch.writePending.bind(storage);
    watch.writePending = () => {
      transactions += 1;
      return writePending();
    };
    await Promise.all(Array.from({ length: 200 }, (_, index) => storage.saveData(`budget/${index}`, index)));
    expect(transactions).toBeLessThanOrEqual(2);
    const other = new sqlite.Database(path, { readOnly: true });
    try {
      expect(other.get("SELECT count(*) AS rows FROM modelmesh_entries")).toEqual({ rows: 200 });
    } finally {
      other.close();
      await storage.close();
    }
  });

  it("is readable by the sqlite3 command-line tool where it is installed", async (context) => {
    let cli = true;
    try {
      execFileSync("sqlite3", ["-version"], { stdio: "ignore" });
    } catch {
      cli = false;
    }
    if (!cli) return context.skip();
    const path = fresh("db");
    const storage = new SqliteStorage({ path });
    await storage.saveData("usage", { totalCost: 1.5 });
    await storage.close();
    expect(execFileSync("sqlite3", [path, "SELECT key, json_extract(data, '$.totalCost') FROM modelmesh_entries"], { encoding: "utf8" }).trim()).toBe("usage|1.5");
  });

  it("reports a file that is not a database as a StorageError naming the path", async () => {
    const path = fresh("db");
    await new LocalFileStorage({ path: `${path}.json` }).saveData("x", 1);
    await writeFile(path, "this is not a database, just some text that is long enough to have a header".repeat(20));
    const storage = new SqliteStorage({ path });
    const error = await storage.open().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain(path);
    await storage.close();
  });
});

describe("modelmesh/node", () => {
  it("registers both backends by class for apps bundled for Node", async () => {
    const { registerNodeConnectors } = await import("../src/node/index.js");
    const { loadConnector } = await import("../src/core/registry-load.js");
    registerNodeConnectors();
    expect((await loadConnector("storage", "sqlite", "storage.connector")).connector).toBe(SqliteStorage);
    expect((await loadConnector("storage", "local-file", "storage.connector")).connector).toBe(LocalFileStorage);
    const storages: BaseStorage[] = [new SqliteStorage({ path: fresh("db") }), new LocalFileStorage({ path: fresh("json") })];
    expect(storages.map((storage) => storage.id)).toEqual(["modelmesh.sqlite.v1", "modelmesh.local-file.v1"]);
  });
});
