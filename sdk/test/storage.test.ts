import { afterEach, describe, expect, it, vi } from "vitest";
import { StorageError } from "../src/wire/errors.js";
import { LocalStorageStorage } from "../src/storage/localstorage.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { SessionStorageStorage } from "../src/storage/sessionstorage.js";
import type { BaseStorage } from "../src/storage/storage.js";
import { createMapStorage, storageContract } from "./contracts/storage.contract.js";

// Browsers give an origin about 5 MB of Web Storage; the map storage enforces that, counted in UTF-16 units.
const BROWSER_QUOTA = 5_000_000;
const stores = new WeakMap<BaseStorage, Storage>();
const webStorage = (Backend: typeof LocalStorageStorage | typeof SessionStorageStorage) => ({
  make: () => {
    const storage = createMapStorage({ quotaBytes: BROWSER_QUOTA });
    const backend = new Backend({ storage });
    stores.set(backend, storage);
    return backend;
  },
  reopen: (first: BaseStorage) => new Backend({ storage: stores.get(first)! }),
});

storageContract("MemoryStorage", () => new MemoryStorage());
storageContract("LocalStorageStorage", webStorage(LocalStorageStorage).make, { reopen: webStorage(LocalStorageStorage).reopen });
storageContract("SessionStorageStorage", webStorage(SessionStorageStorage).make, { reopen: webStorage(SessionStorageStorage).reopen });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("MemoryStorage", () => {
  it("stamps saveData with the injected clock", async () => {
    const storage = new MemoryStorage({ now: () => 42 });
    await storage.saveData("x", 1);
    expect(await storage.load("x")).toEqual({ key: "x", data: 1, updatedAt: 42 });
    expect(MemoryStorage.connectorId).toBe("modelmesh.memory.v1");
  });
});

describe("Web Storage backends", () => {
  it("keep to their prefix and ignore the origin's other keys", async () => {
    const shared = createMapStorage();
    shared.setItem("theme", "dark");
    const first = new LocalStorageStorage({ storage: shared });
    const second = new LocalStorageStorage({ storage: shared, prefix: "other-app:" });
    await first.saveData("usage", 1);
    await second.saveData("usage", 2);
    expect(shared.getItem("modelmesh:usage")).toContain('"data":1');
    expect(await first.list()).toEqual(["usage"]);
    expect(await second.loadData("usage")).toBe(2);
    expect(await first.clear()).toBe(1);
    expect(shared.getItem("theme")).toBe("dark");
    expect(await second.loadData("usage")).toBe(2);
  });

  it("turn a full quota into a StorageError that keeps the browser's error as cause", async () => {
    const storage = new LocalStorageStorage({ storage: createMapStorage({ quotaBytes: 200 }) });
    await storage.saveData("small", 1);
    const error = await storage.saveData("large", "x".repeat(500)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toMatch(/quota/);
    expect(((error as StorageError).cause as DOMException).name).toBe("QuotaExceededError");
    expect(await storage.loadData("small")).toBe(1);
  });

  it("report a corrupt entry as a StorageError naming the key", async () => {
    const shared = createMapStorage();
    shared.setItem("modelmesh:broken", "{not json");
    shared.setItem("modelmesh:alien", "42");
    const storage = new SessionStorageStorage({ storage: shared });
    await expect(storage.load("broken")).rejects.toThrow(/broken/);
    await expect(storage.load("alien")).rejects.toBeInstanceOf(StorageError);
  });

  it("fail open() (what the mesh calls at start) with a StorageError where the global is missing, as in Node", async () => {
    expect((globalThis as { localStorage?: unknown }).localStorage).toBeUndefined();
    await expect(new LocalStorageStorage().open()).rejects.toThrow(/localStorage is not available/);
    await expect(new SessionStorageStorage().open()).rejects.toThrow(StorageError);
    vi.stubGlobal("localStorage", createMapStorage());
    await expect(new LocalStorageStorage().open()).resolves.toBeUndefined();
  });

  it("read the global storage only when used, and fail clearly where there is none", async () => {
    expect((globalThis as { localStorage?: unknown }).localStorage).toBeUndefined();
    const storage = new LocalStorageStorage();
    const error = await storage.load("x").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/localStorage is not available/);

    const local = createMapStorage();
    const session = createMapStorage();
    vi.stubGlobal("localStorage", local);
    vi.stubGlobal("sessionStorage", session);
    await storage.saveData("x", "local");
    await new SessionStorageStorage().saveData("x", "session");
    expect(local.getItem("modelmesh:x")).toContain("local");
    expect(session.getItem("modelmesh:x")).toContain("session");
  });

  it("turn a blocked global into a StorageError", async () => {
    Object.defineProperty(globalThis, "sessionStorage", {
      configurable: true,
      get() {
        throw new DOMException("The operation is insecure.", "SecurityError");
      },
    });
    try {
      await expect(new SessionStorageStorage().list()).rejects.toThrow(/blocked/);
    } finally {
      delete (globalThis as { sessionStorage?: unknown }).sessionStorage;
    }
  });

  it("expose their connector ids", () => {
    expect(new LocalStorageStorage().id).toBe("modelmesh.localstorage.v1");
    expect(new SessionStorageStorage().id).toBe("modelmesh.sessionstorage.v1");
  });
});
