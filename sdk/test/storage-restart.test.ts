import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { createRequire } from "node:module";
import { MemoryStorage, StorageError, create, type StorageEntry } from "../src/index.js";
import { create as createLazy } from "../src/lazy.js";
import { hello, pairConfig, startPair } from "./support/mesh.js";
import { restartScenario } from "./support/restart.js";
import { createMapStorage } from "./contracts/storage.contract.js";

// node-sqlite3-wasm is CommonJS: required, as a second, independent SQLite connection.
const sqlite = createRequire(import.meta.url)("node-sqlite3-wasm") as typeof import("node-sqlite3-wasm");

let directory: string;
let counter = 0;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "modelmesh-restart-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllGlobals();
});
const fresh = (name: string) => join(directory, `${++counter}-${name}`);

describe("state survives a restart through every persistent backend", () => {
  it.each([
    ["sqlite", "modelmesh", create],
    ["modelmesh.sqlite.v1", "modelmesh/lazy", createLazy],
    ["local-file", "modelmesh", create],
    ["modelmesh.local-file.v1", "modelmesh/lazy", createLazy],
  ] as const)("%s (named in configuration, %s entry)", async (connector, _entry, make) => {
    const path = fresh(connector.includes("sqlite") ? "state.db" : "state.json");
    await restartScenario(make, { connector, config: { path } });
  });

  it.each([
    ["localstorage", "localStorage"],
    ["sessionstorage", "sessionStorage"],
  ])("%s (over a Web Storage object standing in for the browser's %s)", async (connector, global) => {
    vi.stubGlobal(global, createMapStorage({ quotaBytes: 5_000_000 }));
    await restartScenario(create, { connector });
  });
});

describe("Node-only backends named in YAML", () => {
  it("YAML that names sqlite starts a mesh whose state is in that SQLite file", async () => {
    const pair = await startPair();
    const path = fresh("yaml.db");
    try {
      const yaml = stringify({ ...(pairConfig(pair) as object), storage: { connector: "sqlite", config: { path } } });
      const client = create({ config: yaml, persistDelayMs: 1 });
      await client.chat.completions.create({ model: "chat", messages: hello });
      await client.close();
      const db = new sqlite.Database(path, { readOnly: true });
      try {
        const row = db.get("SELECT json_extract(data, '$.usage.requests') AS requests FROM modelmesh_entries WHERE key = 'modelmesh/state'");
        expect(row).toEqual({ requests: 1 });
      } finally {
        db.close();
      }
    } finally {
      await pair.close();
    }
  });

  it("YAML that names local-file writes the state file", async () => {
    const pair = await startPair();
    const path = fresh("yaml.json");
    try {
      const client = create({ config: stringify({ ...(pairConfig(pair) as object), storage: { connector: "local-file", config: { path } } }), persistDelayMs: 1 });
      await client.chat.completions.create({ model: "chat", messages: hello });
      await client.close();
      expect(JSON.parse(await readFile(path, "utf8")).entries["modelmesh/state"].data.usage.requests).toBe(1);
    } finally {
      await pair.close();
    }
  });
});

describe("a backend that cannot work here fails at start, never silently saving nothing", () => {
  it.each(["localstorage", "sessionstorage"])("%s in Node: ready() rejects with a StorageError", async (connector) => {
    const pair = await startPair();
    try {
      const client = create({ config: { ...(pairConfig(pair) as object), storage: { connector } } });
      const error = await client.ready().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(/Storage is not available here/);
    } finally {
      await pair.close();
    }
  });
});

describe("the mesh and its storage", () => {
  it("closes the storage when the mesh closes, after the last save", async () => {
    const pair = await startPair();
    const calls: string[] = [];
    class TracedStorage extends MemoryStorage {
      override async save(key: string, entry: StorageEntry) {
        calls.push(`save:${key}`);
        return super.save(key, entry);
      }
      override async close() {
        calls.push("close");
      }
    }
    try {
      const client = create({ config: pairConfig(pair), storage: { instance: new TracedStorage() }, persistDelayMs: 60_000 });
      await client.chat.completions.create({ model: "chat", messages: hello });
      await client.close();
      expect(calls).toEqual(["save:modelmesh/state", "close"]);
    } finally {
      await pair.close();
    }
  });
});
