import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { ActivityLog, MAX_ACTIVITY_ENTRIES, MAX_LOGGED_CONTENT } from "./activity-log.ts";
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
});
