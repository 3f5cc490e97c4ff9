import { StorageError } from "../wire/errors.js";
import { BaseStorage, parseEntry, serializeEntry } from "../storage/storage.js";
import type { BaseStorageConfig, StorageEntry } from "../storage/storage.js";
import type { SharedBudgetState, SharedBudgetStore, SharedReservation, SharedReserveResult } from "../core/budget-store.js";
import type { SharedModelStore, SharedModelUpdate } from "../core/shared-models.js";
import type { SharedUsageStore } from "../core/shared-usage.js";
import { RESERVE_SCRIPT, SETTLE_SCRIPT, SYNC_USAGE_SCRIPT, TAKE_TOKEN_SCRIPT } from "./redis-scripts.js";

/**
 * Options of `modelmesh.redis.v1` (YAML: `url`, `key_prefix`, `reservation_lease_ms`, `connect_timeout_ms`).
 * @example
 * const config: RedisStorageConfig = { url: "${secrets:REDIS_URL}", keyPrefix: "modelmesh:" };
 */
export interface RedisStorageConfig extends BaseStorageConfig {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Put before every key, so several meshes (or other apps) share one Redis apart (default `"modelmesh:"`). */
  keyPrefix?: string;
  key_prefix?: string;
  /**
   * How long a budget reservation is held for a process that never settles it (it died, or lost Redis). After it,
   * the reservation counts as spent at its worst case. Longer than any request may run (default 15 minutes; a
   * stream's own limit is 10).
   */
  reservationLeaseMs?: number;
  reservation_lease_ms?: number;
  /** How long `open()` waits for Redis (default 5 s). */
  connectTimeoutMs?: number;
  connect_timeout_ms?: number;
}

/** The slice of an ioredis client this backend uses (typed here: the package is built without Node's types). */
interface RedisClient {
  status: string;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  duplicate(): RedisClient;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "message", listener: (channel: string, message: string) => void): unknown;
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  scan(cursor: string, match: "MATCH", pattern: string, count: "COUNT", size: number): Promise<[string, string[]]>;
  hmget(key: string, ...fields: string[]): Promise<Array<string | null>>;
  hset(key: string, field: string, value: string): Promise<number>;
  hvals(key: string): Promise<string[]>;
  publish(channel: string, message: string): Promise<number>;
  subscribe(channel: string): Promise<unknown>;
  defineCommand(name: string, definition: { lua: string }): void;
  [command: string]: unknown;
}

type ScriptCall = (numberOfKeys: number, ...keysAndArguments: Array<string | number>) => Promise<unknown>;

const DEFAULT_URL = "redis://127.0.0.1:6379";
const DEFAULT_LEASE_MS = 15 * 60_000;

/**
 * Storage in Redis (`modelmesh.redis.v1`, Node only, from `modelmesh/node`, through the `ioredis` client): one state
 * for several proxy instances. Entries are JSON strings under `<keyPrefix>entry:<key>`. Beyond the storage contract
 * it is the mesh's shared budget store (reservations checked and held atomically by Lua scripts, so processes
 * together never pass a limit), shares model cooldowns (a hash plus pub/sub), and gives the proxy a rate limit shared
 * by every instance. Redis unreachable: `open()` (the mesh's start) fails with a `StorageError`; later, every
 * operation fails fast with one (no offline queue), which refuses requests held to an enforced budget.
 * @example
 * const storage = new RedisStorage({ url: "redis://127.0.0.1:6379", keyPrefix: "modelmesh:" });
 * await storage.saveData("usage", { totalCost: 0.42 });
 * await storage.close();
 */
export class RedisStorage extends BaseStorage implements SharedBudgetStore, SharedModelStore, SharedUsageStore {
  static readonly connectorId = "modelmesh.redis.v1";
  static readonly shortName = "redis";
  override readonly id: string = RedisStorage.connectorId;
  readonly url: string;
  readonly keyPrefix: string;
  readonly reservationLeaseMs: number;
  readonly connectTimeoutMs: number;
  #client: Promise<RedisClient> | undefined;
  #subscriber: RedisClient | undefined;
  #listeners: Array<(update: SharedModelUpdate) => void> = [];
  #lastError: Error | undefined;

  constructor(config: RedisStorageConfig = {}) {
    super(config);
    const url = config.url ?? DEFAULT_URL;
    if (typeof url !== "string" || !/^rediss?:\/\/[^/]/.test(url)) throw new StorageError(`${RedisStorage.connectorId}: "url" must be a redis:// or rediss:// URL (got ${typeof url === "string" ? `"${redactUrl(url)}"` : typeof url})`);
    const prefix = config.keyPrefix ?? config.key_prefix ?? "modelmesh:";
    if (typeof prefix !== "string") throw new StorageError(`${RedisStorage.connectorId}: "keyPrefix" must be a string`);
    this.url = url;
    this.keyPrefix = prefix;
    this.reservationLeaseMs = positiveNumber(config.reservationLeaseMs ?? config.reservation_lease_ms, DEFAULT_LEASE_MS, "reservationLeaseMs");
    this.connectTimeoutMs = positiveNumber(config.connectTimeoutMs ?? config.connect_timeout_ms, 5_000, "connectTimeoutMs");
  }

  /** Where this storage connects, without user or password (for messages). */
  get address(): string {
    return redactUrl(this.url);
  }

  /** Connects (the mesh calls it at start): an unreachable Redis is a `StorageError` here, not at the first request. */
  override async open(): Promise<void> {
    await this.client();
  }

  async load(key: string): Promise<StorageEntry | null> {
    const text = await this.run("read", key, (client) => client.get(this.entryKey(key)));
    return text === null ? null : parseEntry(key, text);
  }

  async save(key: string, entry: StorageEntry): Promise<void> {
    const text = serializeEntry(key, entry);
    await this.run("write", key, (client) => client.set(this.entryKey(key), text));
  }

  async list(prefix = ""): Promise<string[]> {
    const start = `${this.keyPrefix}entry:`;
    const pattern = `${escapeGlob(start + prefix)}*`;
    const keys = await this.run("list", prefix, async (client) => {
      const found = new Set<string>();
      let cursor = "0";
      do {
        const [next, batch] = await client.scan(cursor, "MATCH", pattern, "COUNT", 500);
        for (const key of batch) found.add(key.slice(start.length));
        cursor = next;
      } while (cursor !== "0");
      return found;
    });
    return [...keys].sort();
  }

  async delete(key: string): Promise<boolean> {
    return (await this.run("delete", key, (client) => client.del(this.entryKey(key)))) > 0;
  }

  /** Closes both connections; the next use connects again. */
  override async close(): Promise<void> {
    const opening = this.#client;
    this.#client = undefined;
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    this.#listeners = [];
    await Promise.all([opening?.then(quit, () => undefined), subscriber ? quit(subscriber) : undefined]);
  }

  async reserveBudgets(reservation: SharedReservation): Promise<SharedReserveResult> {
    const keys = [this.key("reservations"), this.key(`reservation:${reservation.id}`), ...reservation.budgets.map((budget) => this.key(`budget:${budget.name}`))];
    const limits = reservation.budgets.flatMap((budget) => [budget.dailyLimit === undefined ? "" : String(budget.dailyLimit), budget.monthlyLimit === undefined ? "" : String(budget.monthlyLimit), budget.enforce ? "1" : "0"]);
    const names = JSON.stringify(reservation.budgets.map((budget) => budget.name));
    const reply = (await this.script("modelmeshReserve", reservation.id, keys, [reservation.id, String(reservation.amount), reservation.day, reservation.month, reservation.now, reservation.now + this.reservationLeaseMs, this.keyPrefix, names, ...limits])) as Array<string | number>;
    if (Number(reply[0]) === 1) return { ok: true, budgets: states(reply.slice(1)) };
    return { ok: false, name: String(reply[1]), limitType: reply[2] === "monthly" ? "monthly" : "daily", limitValue: Number(reply[3]), spent: Number(reply[4]) };
  }

  async settleBudgets(id: string, cost: number, day: string, month: string): Promise<SharedBudgetState[]> {
    const reply = (await this.script("modelmeshSettle", id, [this.key("reservations"), this.key(`reservation:${id}`)], [id, String(cost), day, month, this.keyPrefix])) as string[];
    return states(reply);
  }

  async readBudgets(names: string[]): Promise<SharedBudgetState[]> {
    if (names.length === 0) return [];
    return this.run("read", "budgets", async (client) => {
      const result: SharedBudgetState[] = [];
      for (const name of names) {
        const [day, daySpent, month, monthSpent, reserved] = await client.hmget(this.key(`budget:${name}`), "day", "daySpent", "month", "monthSpent", "reserved");
        if (day === null && month === null) continue;
        result.push({ name, day: day ?? "", daySpent: Number(daySpent ?? 0), month: month ?? "", monthSpent: Number(monthSpent ?? 0), reserved: Number(reserved ?? 0) });
      }
      return result;
    });
  }

  async publishModelState(update: SharedModelUpdate): Promise<void> {
    const text = JSON.stringify(update);
    await this.run("publish", update.key, async (client) => {
      await client.hset(this.key("models"), update.key, text);
      await client.publish(this.key("models"), text);
    });
  }

  async readModelStates(): Promise<SharedModelUpdate[]> {
    const values = await this.run("read", "models", (client) => client.hvals(this.key("models")));
    return values.map(parseUpdate).filter((update): update is SharedModelUpdate => update !== undefined);
  }

  async subscribeModelStates(listener: (update: SharedModelUpdate) => void): Promise<void> {
    this.#listeners.push(listener);
    if (this.#subscriber) return;
    const client = await this.client();
    // Pub/sub takes a connection over: a second one, which ioredis subscribes again after a reconnect.
    const subscriber = client.duplicate();
    subscriber.on("error", () => undefined);
    subscriber.on("message", (_channel, message) => {
      const update = parseUpdate(message);
      if (update) for (const each of this.#listeners) each(update);
    });
    this.#subscriber = subscriber;
    await this.run("subscribe", "models", async () => {
      await subscriber.connect();
      await subscriber.subscribe(this.key("models"));
    });
  }

  async syncUsage(delta: Record<string, number>): Promise<Record<string, number>> {
    const args = Object.entries(delta).flatMap(([name, amount]) => [name, String(amount)]);
    const reply = (await this.script("modelmeshSyncUsage", "usage", [this.key("usage")], args)) as string[];
    const totals: Record<string, number> = {};
    for (let index = 0; index + 1 < reply.length; index += 2) Object.defineProperty(totals, reply[index]!, { value: Number(reply[index + 1]), enumerable: true, writable: true, configurable: true });
    return totals;
  }

  /**
   * Takes one request from the shared token bucket `key` (`capacity` requests, refilled at `perMinute`): 0 when
   * allowed, else the seconds to wait. Every proxy over this Redis draws from the same bucket.
   * @example
   * const wait = await storage.takeRateToken("token:0", 60, 60); // 0, or seconds for retry-after
   */
  async takeRateToken(key: string, capacity: number, perMinute: number): Promise<number> {
    const waitMs = Number(await this.script("modelmeshTakeToken", key, [this.key(`rate:${key}`)], [capacity, perMinute / 60_000]));
    return waitMs <= 0 ? 0 : Math.max(1, Math.ceil(waitMs / 1000));
  }

  private key(name: string): string {
    return `${this.keyPrefix}${name}`;
  }

  private entryKey(key: string): string {
    if (typeof key !== "string" || key === "") throw new StorageError("storage key must be a non-empty string");
    return this.key(`entry:${key}`);
  }

  private async script(name: string, what: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    const action = { modelmeshSettle: "settle budgets of", modelmeshReserve: "reserve budgets for", modelmeshSyncUsage: "add up", modelmeshTakeToken: "take a rate token for" }[name] ?? name;
    return this.run(action, what, (client) => (client[name] as ScriptCall)(keys.length, ...keys, ...args));
  }

  private client(): Promise<RedisClient> {
    this.#client ??= this.connect().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  private async connect(): Promise<RedisClient> {
    let Redis: new (url: string, options: Record<string, unknown>) => RedisClient;
    try {
      const module = (await import("ioredis")) as unknown as { Redis?: typeof Redis; default?: typeof Redis };
      Redis = (module.Redis ?? module.default)!;
    } catch (error) {
      throw new StorageError(`${this.id} needs the ioredis package (an optional dependency of modelmesh): npm install ioredis`, { cause: error });
    }
    const client = new Redis(this.url, {
      lazyConnect: true,
      connectTimeout: this.connectTimeoutMs,
      // Fail fast while Redis is away instead of queueing: a budget reservation must be refused, not left waiting.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 100, 2_000),
    });
    // ioredis reports connection trouble as events (its rejections only say "Connection is closed"): keep the reason.
    let lastError: Error | undefined;
    client.on("error", (error) => void (lastError = this.#lastError = error));
    client.defineCommand("modelmeshReserve", { lua: RESERVE_SCRIPT });
    client.defineCommand("modelmeshSettle", { lua: SETTLE_SCRIPT });
    client.defineCommand("modelmeshTakeToken", { lua: TAKE_TOKEN_SCRIPT });
    client.defineCommand("modelmeshSyncUsage", { lua: SYNC_USAGE_SCRIPT });
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw new StorageError(`${this.id}: cannot connect to Redis at ${this.address}: ${messageOf(lastError ?? error)}`, { cause: lastError ?? error });
    }
    return client;
  }

  private async run<Result>(action: string, key: string, operation: (client: RedisClient) => Promise<Result>): Promise<Result> {
    const client = await this.client();
    try {
      return await operation(client);
    } catch (error) {
      if (error instanceof StorageError) throw error;
      // Not connected: ioredis says only that it will not queue; the connection's own error says why.
      // A ReplyError is Redis answering; anything else is the connection (closed, refused, not writable).
      const answered = (error as Error | undefined)?.name === "ReplyError";
      const reason = answered ? messageOf(error) : `Redis is unreachable (${client.status}: ${this.#lastError?.message ?? messageOf(error)})`;
      throw new StorageError(`${this.id}: cannot ${action} "${key}" at ${this.address}: ${reason}`, { cause: error });
    }
  }
}

function states(flat: Array<string | number>): SharedBudgetState[] {
  const result: SharedBudgetState[] = [];
  for (let index = 0; index + 5 < flat.length; index += 6) {
    const [name, day, daySpent, month, monthSpent, reserved] = flat.slice(index, index + 6).map(String) as [string, string, string, string, string, string];
    result.push({ name, day, daySpent: Number(daySpent), month, monthSpent: Number(monthSpent), reserved: Number(reserved) });
  }
  return result;
}

function parseUpdate(text: string): SharedModelUpdate | undefined {
  try {
    const update = JSON.parse(text) as SharedModelUpdate;
    if (typeof update?.key !== "string" || typeof update.origin !== "string" || !["active", "cooldown", "disabled"].includes(update.status)) return undefined;
    if (typeof update.cooldownUntil !== "number" || typeof update.at !== "number") return undefined;
    return update;
  } catch {
    return undefined;
  }
}

async function quit(client: RedisClient): Promise<void> {
  try {
    if (client.status === "ready") await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}

/** The URL without user name or password: what errors and logs may show. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  } catch {
    return "(an unparseable URL)";
  }
}

// SCAN MATCH is a glob: a prefix holding *, ?, [ or \ must match itself only.
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}

function positiveNumber(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new StorageError(`${RedisStorage.connectorId}: "${name}" must be a positive number of ms`);
  return value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
