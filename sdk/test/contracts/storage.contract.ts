import { describe, expect, it } from "vitest";
import { StorageError } from "../../src/wire/errors.js";
import type { BaseStorage, StorageEntry } from "../../src/storage/storage.js";

/**
 * A `Storage` (the Web Storage interface) backed by a Map, for running browser backends in Node.
 * `quotaBytes` makes `setItem` throw a `QuotaExceededError` DOMException like a full browser store.
 * @example
 * const storage = new LocalStorageStorage({ storage: createMapStorage() });
 */
export function createMapStorage(options: { quotaBytes?: number } = {}): Storage {
  const items = new Map<string, string>();
  const used = () => [...items].reduce((total, [key, value]) => total + key.length + value.length, 0);
  const storage = {
    get length() {
      return items.size;
    },
    key: (index: number) => [...items.keys()][index] ?? null,
    getItem: (key: string) => items.get(String(key)) ?? null,
    setItem(key: string, value: string) {
      const previous = items.get(String(key))?.length ?? 0;
      if (options.quotaBytes !== undefined && used() - previous + String(value).length + String(key).length > options.quotaBytes) {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      }
      items.set(String(key), String(value));
    },
    removeItem: (key: string) => void items.delete(String(key)),
    clear: () => items.clear(),
  };
  return storage as Storage;
}

/** How a persistent backend is reopened: a new instance over the same file, database or `Storage`. */
export interface StorageContractOptions {
  /** A second instance over what `first` wrote (omit for backends that keep nothing, like memory). */
  reopen?: (first: BaseStorage) => BaseStorage;
}

/**
 * The shared suite every storage backend runs; `make` returns a fresh, empty backend.
 * @example
 * storageContract("MemoryStorage", () => new MemoryStorage());
 * storageContract("SqliteStorage", () => new SqliteStorage({ path: fresh() }), { reopen: (first) => new SqliteStorage({ path: (first as SqliteStorage).path }) });
 */
export function storageContract(name: string, make: () => BaseStorage, options: StorageContractOptions = {}): void {
  const entry = (key: string, data: unknown, updatedAt = 1_700_000_000_000, version?: number): StorageEntry =>
    version === undefined ? { key, data, updatedAt } : { key, data, updatedAt, version };

  describe(`${name} (storage contract)`, () => {
    it("has a connector-style id", () => {
      expect(make().id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+\.v\d+$/);
    });

    it("loads null for a key never saved", async () => {
      const storage = make();
      expect(await storage.load("absent")).toBeNull();
      expect(await storage.loadData("absent")).toBeNull();
      expect(await storage.has("absent")).toBe(false);
    });

    it("round-trips an entry with nested JSON data, its time and version", async () => {
      const storage = make();
      const data = { models: { "openai/gpt-4o": { status: "active", latencyMs: 812.5, errors: [null, 1, "x"] } }, ok: true, note: "ünïcode 🔑 \"quoted\"\n" };
      await storage.save("model-state", entry("model-state", data, 1234, 2));
      expect(await storage.load("model-state")).toEqual({ key: "model-state", data, updatedAt: 1234, version: 2 });
      expect(await storage.has("model-state")).toBe(true);
    });

    it("stores scalar payloads (numbers, strings, null, arrays)", async () => {
      const storage = make();
      for (const [key, data] of [["number", 0], ["string", ""], ["null", null], ["array", [1, [2, 3]]], ["boolean", false]] as const) {
        await storage.save(key, entry(key, data));
        expect((await storage.load(key))?.data).toEqual(data);
      }
    });

    it("files the entry under the save key, whatever entry.key says", async () => {
      const storage = make();
      await storage.save("real-key", entry("other-key", 1));
      expect((await storage.load("real-key"))?.key).toBe("real-key");
      expect(await storage.load("other-key")).toBeNull();
    });

    it("replaces an entry on a second save", async () => {
      const storage = make();
      await storage.save("usage", entry("usage", { totalCost: 1 }));
      await storage.save("usage", entry("usage", { totalCost: 2 }, 99));
      expect(await storage.load("usage")).toEqual({ key: "usage", data: { totalCost: 2 }, updatedAt: 99 });
      expect(await storage.list()).toEqual(["usage"]);
    });

    it("keeps stored state safe from callers mutating what they saved or loaded", async () => {
      const storage = make();
      const data = { counters: { requests: 1 }, list: [1] };
      await storage.save("state", entry("state", data));
      data.counters.requests = 999;
      data.list.push(2);
      const loaded = await storage.load("state");
      expect(loaded?.data).toEqual({ counters: { requests: 1 }, list: [1] });
      (loaded?.data as { counters: { requests: number } }).counters.requests = 555;
      expect((await storage.load("state"))?.data).toEqual({ counters: { requests: 1 }, list: [1] });
    });

    it("lists keys sorted, filtered by prefix", async () => {
      const storage = make();
      expect(await storage.list()).toEqual([]);
      for (const key of ["usage/openai", "model-state", "usage/anthropic", "budget:daily", "usage-total", "ünï/🔑"]) await storage.save(key, entry(key, key));
      expect(await storage.list()).toEqual(["budget:daily", "model-state", "usage-total", "usage/anthropic", "usage/openai", "ünï/🔑"]);
      expect(await storage.list("usage/")).toEqual(["usage/anthropic", "usage/openai"]);
      expect(await storage.list("usage")).toEqual(["usage-total", "usage/anthropic", "usage/openai"]);
      expect(await storage.list("nothing")).toEqual([]);
      expect((await storage.load("ünï/🔑"))?.data).toBe("ünï/🔑");
    });

    it("deletes, reporting whether the key existed", async () => {
      const storage = make();
      await storage.save("gone", entry("gone", 1));
      await storage.save("kept", entry("kept", 2));
      expect(await storage.delete("gone")).toBe(true);
      expect(await storage.delete("gone")).toBe(false);
      expect(await storage.delete("never")).toBe(false);
      expect(await storage.load("gone")).toBeNull();
      expect(await storage.list()).toEqual(["kept"]);
    });

    it("offers saveData/loadData and clear(prefix) on top of the four primitives", async () => {
      const storage = make();
      await storage.saveData("budget/daily", { spent: 1.25 }, { version: 3 });
      await storage.saveData("budget/monthly", { spent: 9 });
      await storage.saveData("other", "x");
      expect(await storage.loadData<{ spent: number }>("budget/daily")).toEqual({ spent: 1.25 });
      const saved = await storage.load("budget/daily");
      expect(saved?.version).toBe(3);
      expect(typeof saved?.updatedAt).toBe("number");
      expect(await storage.clear("budget/")).toBe(2);
      expect(await storage.list()).toEqual(["other"]);
    });

    it("rejects data JSON cannot hold with a StorageError and keeps the old entry", async () => {
      const storage = make();
      await storage.save("state", entry("state", { fine: true }));
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(storage.save("state", entry("state", circular))).rejects.toBeInstanceOf(StorageError);
      await expect(storage.save("state", entry("state", { big: 10n }))).rejects.toBeInstanceOf(StorageError);
      expect((await storage.load("state"))?.data).toEqual({ fine: true });
    });

    it("rejects an empty key with a StorageError", async () => {
      await expect(make().save("", entry("", 1))).rejects.toBeInstanceOf(StorageError);
    });

    it("keeps every one of many concurrent saves", async () => {
      const storage = make();
      await Promise.all(Array.from({ length: 25 }, (_, index) => storage.saveData(`key-${String(index).padStart(2, "0")}`, index)));
      const keys = await storage.list("key-");
      expect(keys).toHaveLength(25);
      expect(await storage.loadData("key-24")).toBe(24);
    });

    it("ends concurrent saves of one key with the last one issued", async () => {
      const storage = make();
      await Promise.all(Array.from({ length: 20 }, (_, index) => storage.saveData("counter", { value: index })));
      expect(await storage.loadData("counter")).toEqual({ value: 19 });
      expect(await storage.list()).toEqual(["counter"]);
    });

    it("round-trips large values (a 1 MB string, a 5,000-entry object)", async () => {
      const storage = make();
      const text = "é🔑x".repeat(250_000);
      const table = Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`openai/model-${index}`, { requests: index, latencyMs: index / 3, note: "ü" }]));
      await storage.saveData("large-text", text);
      await storage.saveData("large-table", table);
      expect(await storage.loadData("large-text")).toBe(text);
      expect(await storage.loadData("large-table")).toEqual(table);
    });

    it("keeps working after close (reopening on next use)", async () => {
      const storage = make();
      await storage.open();
      await storage.saveData("before", 1);
      await storage.close();
      await storage.saveData("after", 2);
      expect(await storage.list()).toEqual(["after", "before"]);
      expect(await storage.loadData("before")).toBe(1);
      await storage.close();
    });

    if (options.reopen) {
      const reopen = options.reopen;
      it("shows a reopened instance everything the first one wrote, deleted keys gone", async () => {
        const first = make();
        await first.save("model-state", entry("model-state", { "openai/gpt-4o": { status: "cooldown", cooldownUntil: 1_700_000_060_000 } }, 1234, 1));
        await first.saveData("ünï/🔑", "ünïcode 🔑");
        await first.saveData("gone", 1);
        await first.delete("gone");
        await first.flush();
        const second = reopen(first);
        expect(await second.load("model-state")).toEqual({ key: "model-state", data: { "openai/gpt-4o": { status: "cooldown", cooldownUntil: 1_700_000_060_000 } }, updatedAt: 1234, version: 1 });
        expect(await second.loadData("ünï/🔑")).toBe("ünïcode 🔑");
        expect(await second.list()).toEqual(["model-state", "ünï/🔑"]);
        await second.saveData("from-second", true);
        await second.close();
        await first.close();
        const third = reopen(first);
        expect(await third.loadData("from-second")).toBe(true);
        await third.close();
      });
    }

    it("flushes and closes without error", async () => {
      const storage = make();
      await storage.saveData("x", 1);
      await expect(storage.flush()).resolves.toBeUndefined();
      await expect(storage.close()).resolves.toBeUndefined();
    });
  });
}
