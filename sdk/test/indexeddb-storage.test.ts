// fake-indexeddb installs indexedDB, IDBKeyRange... on globalThis: only in this file, so no other test sees them.
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { openDB } from "idb";
import { StorageError } from "../src/wire/errors.js";
import { IndexedDBStorage } from "../src/storage/indexeddb.js";
import { create } from "../src/index.js";
import { storageContract } from "./contracts/storage.contract.js";
import { restartScenario } from "./support/restart.js";

let counter = 0;
storageContract("IndexedDBStorage", () => new IndexedDBStorage({ database: `modelmesh-contract-${++counter}` }), {
  reopen: (first) => new IndexedDBStorage({ database: (first as IndexedDBStorage).database }),
});

describe("IndexedDBStorage", () => {
  it("stores each entry as JSON text in the entries store of its database, which another connection reads", async () => {
    const storage = new IndexedDBStorage({ database: "modelmesh-inspect" });
    await storage.saveData("usage", { totalCost: 0.5 }, { version: 1 });
    await storage.close();
    const db = await openDB("modelmesh-inspect");
    try {
      expect([...db.objectStoreNames]).toEqual(["entries"]);
      expect(JSON.parse((await db.get("entries", "usage")) as string)).toMatchObject({ key: "usage", data: { totalCost: 0.5 }, version: 1 });
    } finally {
      db.close();
    }
  });

  it("keeps separate databases apart", async () => {
    const one = new IndexedDBStorage({ database: "modelmesh-one" });
    const two = new IndexedDBStorage({ database: "modelmesh-two" });
    await one.saveData("usage", 1);
    expect(await two.list()).toEqual([]);
    await Promise.all([one.close(), two.close()]);
  });

  it("fails open() with a StorageError where there is no indexedDB", async () => {
    const saved = globalThis.indexedDB;
    delete (globalThis as { indexedDB?: unknown }).indexedDB;
    try {
      const error = await new IndexedDBStorage().open().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(/indexedDB is not available/);
    } finally {
      (globalThis as { indexedDB?: unknown }).indexedDB = saved;
    }
  });

  it("keeps model state, usage and strategy state across a mesh restart (indexeddb named in configuration)", async () => {
    await restartScenario(create, { connector: "indexeddb", config: { database: "modelmesh-restart" } });
  });

  it("rejects an empty database name", () => {
    expect(() => new IndexedDBStorage({ database: "" })).toThrow(StorageError);
  });
});
