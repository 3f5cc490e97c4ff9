import { afterEach, describe, expect, it } from "vitest";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, create } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { distance, watchConfig } from "../src/core/config-typos.js";
import { configAsWritten } from "../src/core/connector-config.js";

// A misspelt key in a connector's own config used to be ignored: `pth` for local-file storage silently wrote
// ./mesh-state.json in the working directory, `prefx` for the env store read the unprefixed variables. Such a key is
// a ConfigError at start, naming it and the key meant.

const providers = { p: { connector: "openai", config: { api_key: "sk-typo-0000000000" } } };
const closing: MeshClient[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((client) => client.close().catch(() => undefined)));
});

async function startError(options: Record<string, unknown>): Promise<unknown> {
  const client = create({ config: { providers, ...options } });
  closing.push(client);
  return client.ready().then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("a misspelt key in a connector's config", () => {
  it("in a provider's config is a ConfigError before anything is sent, naming the common key meant", async () => {
    const sent: string[] = [];
    const fetch = (async (url: string) => (sent.push(url), new Response("{}"))) as unknown as typeof globalThis.fetch;
    const cases: Array<[Record<string, unknown>, string, string]> = [
      // The key would be ignored: the request would go out without it, or to the default URL, or with no timeout.
      [{ api_kye: "sk-typo-0000000000" }, "apiKye", "apiKey"],
      [{ api_key: "sk-typo-0000000000", baseURL: "http://127.0.0.1:9/v1" }, "baseURL", "baseUrl"],
      [{ api_key: "sk-typo-0000000000", timeout: 5 }, "timeout", "timeoutMs"],
      [{ api_key: "sk-typo-0000000000", header: { "x-team": "a" } }, "header", "headers"],
      [{ api_key: "sk-typo-0000000000", model: "gpt-4o" }, "model", "models"],
    ];
    for (const [config, given, meant] of cases) {
      const client = create({ config: { providers: { p: { connector: "openai", config } } }, fetch });
      closing.push(client);
      const error = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "hi" }] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ path: `providers.p.config.${given}` });
      expect((error as Error).message).toContain(`did you mean "${meant}"?`);
    }
    expect(sent).toEqual([]);
    // A short key needs to be one edit away: `mode` is two from `models`, so it is not judged.
    const short = create({ config: { providers: { p: { connector: "openai", config: { api_key: "sk-typo-0000000000", mode: "x" } } } }, fetch });
    closing.push(short);
    await expect(short.ready()).resolves.toBe(short);
    // A connector's own keys, far from every common one, are not judged (OpenRouter's app_name, a proxy URL).
    const fine = create({ config: { providers: { p: { connector: "openrouter", config: { api_key: "sk-typo-0000000000", app_name: "demo", app_url: "https://example.com", proxy_url: "http://127.0.0.1:9/" } } } }, fetch });
    closing.push(fine);
    await expect(fine.ready()).resolves.toBe(fine);
  });

  it("is a ConfigError naming the key and the one meant: storage, secrets, observability", async () => {
    const directory = await mkdtemp(join(tmpdir(), "modelmesh-typo-"));
    const before = await readdir(process.cwd());
    try {
      const storage = await startError({ storage: { connector: "local-file", config: { pth: join(directory, "state.json") } } });
      expect(storage).toBeInstanceOf(ConfigError);
      expect(storage).toMatchObject({ path: "storage.config.pth" });
      expect((storage as Error).message).toContain('did you mean "path"?');
      // Nothing was written where the misspelt key would have sent it.
      expect(await readdir(process.cwd())).toEqual(before);
      expect(await startError({ secrets: { store: "env", config: { prefx: "TEAM_" } } })).toMatchObject({ path: "secrets.config.prefx" });
      expect(await startError({ observability: [{ connector: "console", config: { min_sevrity: "debug" } }] })).toMatchObject({ path: "observability[0].config.minSevrity" });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("keys the connector reads, or passes on in a copy, are not typos", async () => {
    const directory = await mkdtemp(join(tmpdir(), "modelmesh-typo-"));
    try {
      const client = create({
        config: { providers, storage: { connector: "local-file", config: { path: join(directory, "state.json") } }, secrets: { store: "env", config: { prefix: "TEAM_", cache_enabled: true, env: { TEAM_X: "1" } } } },
      });
      closing.push(client);
      await expect(client.ready()).resolves.toBe(client);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe("watchConfig", () => {
  it("finds a given key never read that is close to a key read and not given; a copy is not a read", () => {
    const reader = (config: Record<string, unknown>) => [config.path, config.prefix];
    expect(watchConfig({ pth: "x" }, reader).typos).toEqual([["pth", "path"]]);
    expect(watchConfig({ prefx: "x" }, reader).typos).toEqual([["prefx", "prefix"]]);
    expect(watchConfig({ path: "x" }, reader).typos).toEqual([]);
    // Far from anything read: not judged (a connector may read it later).
    expect(watchConfig({ somethingElse: 1 }, reader).typos).toEqual([]);
    // A short key must be one edit away.
    expect(watchConfig({ ptah: "x" }, reader).typos).toEqual([["ptah", "path"]]);
    expect(watchConfig({ pa: "x" }, reader).typos).toEqual([]);
    // Spread into a copy and read there: the watched object saw no read of `pth`, but nothing close was read either.
    const copier = (config: Record<string, unknown>) => ({ ...config }).path;
    expect(watchConfig({ pth: "x" }, copier).typos).toEqual([]);
    const copyThenRead = (config: Record<string, unknown>) => [{ ...config }, config.path];
    expect(watchConfig({ pth: "x" }, copyThenRead).typos).toEqual([["pth", "path"]]);
    expect(watchConfig({ path: "x" }, copyThenRead).typos).toEqual([]);
    // `in` counts as reading the key.
    expect(watchConfig({ pth: "x" }, (config) => "path" in config).typos).toEqual([["pth", "path"]]);
  });
});

describe("distance", () => {
  it("counts inserts, deletes, replacements and swaps of neighbours, ignoring case, and gives up past two in length", () => {
    const cases: Array<[string, string, number]> = [
      ["path", "pth", 1],
      ["prefix", "prefx", 1],
      ["ab", "ba", 1],
      ["ptah", "path", 1],
      ["abcdef", "abcdefgh", 2],
      ["abcdef", "abcdefghi", 3],
      ["kitten", "sitting", 3],
      ["", "ab", 2],
      ["Path", "path", 0],
      ["minSevrity", "minSeverity", 1],
      ["abcd", "badc", 2],
    ];
    for (const [a, b, expected] of cases) expect([a, b, distance(a, b)]).toEqual([a, b, expected]);
  });
});

describe("watchConfig's judgement", () => {
  const reader = (config: Record<string, unknown>) => [config.path, config.paths, config.prefix];
  it("does not judge a key the connector read, or one close only to a key that was given", () => {
    expect(watchConfig({ path: "x" }, reader).typos).toEqual([]);
    expect(watchConfig({ path: "a", pth: "b" }, (config) => config.path).typos).toEqual([]);
  });

  it("allows one edit for short keys and two for longer ones", () => {
    expect(watchConfig({ pxxh: 1 }, reader).typos).toEqual([]);
    expect(watchConfig({ prfx: 1 }, reader).typos).toEqual([]);
    expect(watchConfig({ prfix: 1 }, reader).typos).toEqual([["prfix", "prefix"]]);
    expect(watchConfig({ pefx: 1 }, (config) => config.prefix).typos).toEqual([]);
    expect(watchConfig({ prefixes: 1 }, (config) => config.prefix).typos).toEqual([["prefixes", "prefix"]]);
  });
});

describe("watchConfig and the two spellings of a key", () => {
  it("counts a key read in the other spelling as read: snake_case and camelCase are one key", () => {
    expect(watchConfig({ vaultUrl: "x" }, (config) => config.vault_url).typos).toEqual([]);
    expect(watchConfig({ vault_url: "x" }, (config) => config.vaultUrl).typos).toEqual([]);
    expect(watchConfig({ key_prefix: "x", api_key: "y" }, (config) => [config.keyPrefix, config.apiKey]).typos).toEqual([]);
  });

  it("measures a misspelling in camelCase, whichever spelling was given, and names the key as given", () => {
    // One letter off, but three edits as written: the underscores are not what was misspelt.
    expect(watchConfig({ cache_tl_ms: 1 }, (config) => config.cacheTtlMs).typos).toEqual([["cache_tl_ms", "cacheTtlMs"]]);
    expect(watchConfig({ cacheTlMs: 1 }, (config) => config.cache_ttl_ms).typos).toEqual([["cacheTlMs", "cache_ttl_ms"]]);
  });

  it("counts a read of the other spelling after a spread, which passed over it without reading it", () => {
    // The other spelling (keyPrefix) is not enumerable: a spread looks at it but does not get it.
    const config = configAsWritten({ keyPrefix: "mm:" }, { keyPrefix: "key_prefix" });
    const reader = (given: Record<string, unknown>) => [{ ...given }, given.keyPrefix, given.keyPrefixes];
    expect(watchConfig(config, reader).typos).toEqual([]);
  });
});
