import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { ActivityLog, COALESCE_WINDOW_MS, MAX_ACTIVITY_ENTRIES, MAX_LOGGED_CONTENT } from "./activity-log.ts";
import type { ActivityEntry } from "../shared/protocol.ts";

let databases = 0;
const entry = (at: number, origin: string, extra: Partial<ActivityEntry> = {}): ActivityEntry => ({ at, origin, method: "chat.completions.create", cost: 0.001, outcome: "ok", ...extra });

describe("ActivityLog", () => {
  it("lists newest first, per site or all, and entries since a time oldest first", async () => {
    const log = new ActivityLog(`activity-test-${++databases}`);
    await log.append(entry(1, "https://a.example"));
    await log.append(entry(2, "https://b.example"));
    await log.append(entry(3, "https://a.example"));
    expect((await log.list("https://a.example")).map((item) => item.at)).toEqual([3, 1]);
    expect((await log.list()).map((item) => item.at)).toEqual([3, 2, 1]);
    expect((await log.list(undefined, 2)).map((item) => item.at)).toEqual([3, 2]);
    expect((await log.since(2)).map((item) => item.at)).toEqual([2, 3]);
  });

  it("keeps at most MAX_ACTIVITY_ENTRIES, dropping the oldest, and trims logged content", async () => {
    const log = new ActivityLog(`activity-test-${++databases}`);
    for (let at = 0; at < MAX_ACTIVITY_ENTRIES + 3; at += 1) await log.append(entry(at, "https://a.example", at === MAX_ACTIVITY_ENTRIES + 2 ? { prompt: "p".repeat(MAX_LOGGED_CONTENT + 50) } : {}));
    const all = await log.since(0);
    expect(all).toHaveLength(MAX_ACTIVITY_ENTRIES);
    expect(all[0]!.at).toBe(3);
    expect(all.at(-1)!.prompt).toHaveLength(MAX_LOGGED_CONTENT);
  }, 60_000);

  it("counts a free refusal repeated by the same site within the window on one row: a flood cannot push other sites' spend out", async () => {
    const log = new ActivityLog(`activity-test-${++databases}`);
    await log.append(entry(1, "https://good.example", { cost: 0.016 }));
    const denied = (at: number) => entry(at, "https://bad.example", { cost: 0, outcome: "denied", error: "the person denied this site" });
    for (let at = 10; at < 10 + MAX_ACTIVITY_ENTRIES + 500; at += 1) await log.append(denied(at));
    const all = await log.since(0);
    expect(all).toHaveLength(2);
    expect(all[0]).toMatchObject({ origin: "https://good.example", cost: 0.016 });
    expect(all[1]).toMatchObject({ origin: "https://bad.example", at: 10, outcome: "denied", repeats: MAX_ACTIVITY_ENTRIES + 499 });
    // Past the window, or another outcome or message, or anything that cost money: a row of its own.
    await log.append(denied(10 + COALESCE_WINDOW_MS));
    await log.append(entry(10 + COALESCE_WINDOW_MS + 1, "https://bad.example", { cost: 0, outcome: "error", error: "bad request" }));
    await log.append(entry(10 + COALESCE_WINDOW_MS + 2, "https://bad.example", { cost: 0, outcome: "error", error: "bad request" }));
    await log.append(entry(10 + COALESCE_WINDOW_MS + 3, "https://bad.example", { cost: 0.001, outcome: "error", error: "bad request" }));
    await log.append(entry(10 + COALESCE_WINDOW_MS + 4, "https://bad.example", { cost: 0.001, outcome: "error", error: "bad request" }));
    const rows = await log.list("https://bad.example");
    expect(rows.map((row) => [row.outcome, row.cost, row.repeats ?? 0])).toEqual([
      ["error", 0.001, 0],
      ["error", 0.001, 0],
      ["error", 0, 1],
      ["denied", 0, 0],
      ["denied", 0, MAX_ACTIVITY_ENTRIES + 499],
    ]);
  }, 120_000);
});
