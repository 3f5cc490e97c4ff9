import { describe, expect, it } from "vitest";
import { fakeBrowser } from "@webext-core/fake-browser";
import { StoredItem } from "./stored-item.ts";
import { configItem } from "./items.ts";

describe("StoredItem", () => {
  it("migrates a version 1 configuration (the mesh object alone) to version 2 and writes it back", async () => {
    fakeBrowser.reset();
    const area = fakeBrowser.storage.local;
    await area.set({ "modelmesh.config": { version: 1, value: { pools: { chat: { capability: "chat-completion" } } } } });
    const item = configItem(area);
    expect(await item.get()).toEqual({ mesh: { pools: { chat: { capability: "chat-completion" } } }, logContent: false });
    expect(await area.get("modelmesh.config")).toEqual({ "modelmesh.config": { version: 2, value: { mesh: { pools: { chat: { capability: "chat-completion" } } }, logContent: false } } });
  });

  it("treats a bare value as version 0 and runs every step after it", async () => {
    fakeBrowser.reset();
    const area = fakeBrowser.storage.local;
    await area.set({ counter: 5 });
    const item = new StoredItem<{ count: number; label: string }>(area, {
      key: "counter",
      version: 2,
      fallback: () => ({ count: 0, label: "" }),
      migrations: { 1: (old) => ({ count: old as number }), 2: (old) => ({ ...(old as object), label: "migrated" }) },
    });
    expect(await item.get()).toEqual({ count: 5, label: "migrated" });
  });

  it("gives the fallback when nothing is stored, or a newer version than it knows", async () => {
    fakeBrowser.reset();
    const area = fakeBrowser.storage.local;
    const item = new StoredItem<number>(area, { key: "n", version: 1, fallback: () => 7 });
    expect(await item.get()).toBe(7);
    await area.set({ n: { version: 9, value: 1 } });
    expect(await item.get()).toBe(7);
  });

  it("runs concurrent updates one after another, so none is lost", async () => {
    fakeBrowser.reset();
    const item = new StoredItem<number>(fakeBrowser.storage.local, { key: "n", version: 1, fallback: () => 0 });
    await Promise.all(Array.from({ length: 20 }, () => item.update(async (value) => value + 1)));
    expect(await item.get()).toBe(20);
  });
});
