import { openDB, type IDBPDatabase } from "idb";
import type { ActivityEntry } from "../shared/protocol.ts";

/** Rows kept in all; the oldest go first. Enough for months of a person's use, small enough to list fast. */
export const MAX_ACTIVITY_ENTRIES = 5_000;
/**
 * A refusal that cost nothing, from the same site with the same outcome and message within this long of the last one,
 * is counted on that row instead of adding one: a page that retries a denied request thousands of times would
 * otherwise push every other site's history (and the spend the popup and chart read from it) out of the log.
 */
export const COALESCE_WINDOW_MS = 60_000;
/** Longest prompt or answer kept when content logging is on. */
export const MAX_LOGGED_CONTENT = 2_000;
const STORE = "activity";

/**
 * The per-site activity log, in IndexedDB: what was asked (method), which model served, the cost, the outcome; the
 * prompt and answer only when the person turned content logging on. Also the source of spend per day.
 * @example
 * const log = new ActivityLog("modelmesh-activity");
 * await log.append({ at: Date.now(), origin, method: "chat.completions.create", cost: 0.0001, outcome: "ok" });
 */
export class ActivityLog {
  #connection: Promise<IDBPDatabase> | undefined;

  constructor(readonly database: string) {}

  async append(entry: ActivityEntry): Promise<void> {
    const db = await this.connection();
    const transaction = db.transaction(STORE, "readwrite");
    if (entry.outcome !== "ok" && entry.cost === 0) {
      // The site's newest row: the same free refusal again within the window only counts on it.
      const cursor = await transaction.store.index("origin").openCursor(IDBKeyRange.only(entry.origin), "prev");
      const last = cursor?.value as ActivityEntry | undefined;
      if (cursor && last && last.cost === 0 && last.outcome === entry.outcome && last.error === entry.error && last.method === entry.method && entry.at - last.at >= 0 && entry.at - last.at < COALESCE_WINDOW_MS) {
        await cursor.update({ ...last, repeats: (last.repeats ?? 0) + 1 });
        await transaction.done;
        return;
      }
    }
    await transaction.store.add(trim(entry));
    const count = await transaction.store.count();
    if (count > MAX_ACTIVITY_ENTRIES) {
      let cursor = await transaction.store.openCursor();
      for (let excess = count - MAX_ACTIVITY_ENTRIES; cursor && excess > 0; excess -= 1) {
        await cursor.delete();
        cursor = await cursor.continue();
      }
    }
    await transaction.done;
  }

  /** Newest first; one site's entries when `origin` is given. */
  async list(origin?: string, limit = 100): Promise<ActivityEntry[]> {
    const db = await this.connection();
    const found: ActivityEntry[] = [];
    let cursor = origin === undefined ? await db.transaction(STORE).store.openCursor(null, "prev") : await db.transaction(STORE).store.index("origin").openCursor(IDBKeyRange.only(origin), "prev");
    while (cursor && found.length < limit) {
      found.push(cursor.value as ActivityEntry);
      cursor = await cursor.continue();
    }
    return found;
  }

  /** Every entry since `since` (ms), oldest first: spend per day and per site. */
  async since(since: number): Promise<ActivityEntry[]> {
    const db = await this.connection();
    return (await db.getAllFromIndex(STORE, "at", IDBKeyRange.lowerBound(since))) as ActivityEntry[];
  }

  private connection(): Promise<IDBPDatabase> {
    this.#connection ??= openDB(this.database, 1, {
      upgrade(db) {
        const store = db.createObjectStore(STORE, { autoIncrement: true });
        store.createIndex("origin", "origin");
        store.createIndex("at", "at");
      },
    });
    return this.#connection;
  }
}

function trim(entry: ActivityEntry): ActivityEntry {
  const copy = { ...entry };
  if (copy.prompt !== undefined) copy.prompt = copy.prompt.slice(0, MAX_LOGGED_CONTENT);
  if (copy.answer !== undefined) copy.answer = copy.answer.slice(0, MAX_LOGGED_CONTENT);
  return copy;
}
