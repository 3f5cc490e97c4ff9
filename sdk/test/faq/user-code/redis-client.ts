/**
 * The reader's `createRedisClient` that the FAQ's RedisStorage example calls without showing: an in-memory client with
 * the four commands the example uses and Redis's semantics for them (`KEYS` glob with `*`, `DEL` counts removals).
 * The FAQ test installs it as a global before running that snippet.
 */
export interface InMemoryRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<"OK">;
  keys(pattern: string): Promise<string[]>;
  del(key: string): Promise<number>;
  /** What is stored, for assertions. */
  readonly data: Map<string, string>;
}

/** One shared keyspace per host, as separate clients of one Redis server would see. */
const servers = new Map<string, Map<string, string>>();

export function createRedisClient(host: string): InMemoryRedis {
  const data = servers.get(host) ?? new Map<string, string>();
  servers.set(host, data);
  const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  return {
    data,
    get: async (key) => data.get(key) ?? null,
    set: async (key, value) => (data.set(key, value), "OK"),
    keys: async (pattern) => [...data.keys()].filter((key) => glob(pattern).test(key)).sort(),
    del: async (key) => (data.delete(key) ? 1 : 0),
  };
}

export function resetRedis(): void {
  servers.clear();
}
