import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigError, create, type MeshClient } from "../src/index.js";
import { ConfigWatcher, type ConfigWatcherEvent } from "../src/node/config-watcher.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";

const directory = mkdtempSync(join(tmpdir(), "modelmesh-watch-"));
let oldService: FakeOpenAI;
let newService: FakeOpenAI;
const clients: MeshClient[] = [];
const watchers: ConfigWatcher[] = [];

beforeAll(async () => {
  // Two services, told apart by what they answer: the old one streams slowly, so a stream is still running when the file changes.
  oldService = await startFakeOpenAI({ name: "old", models: ["gpt-4o"], reply: "old one two three four five six seven" });
  newService = await startFakeOpenAI({ name: "new", models: ["gpt-4o"], reply: "new" });
});
afterEach(async () => {
  watchers.splice(0).forEach((watcher) => watcher.stop());
  await Promise.all(clients.splice(0).map((client) => client.close()));
  oldService.reset();
  newService.reset();
});
afterAll(async () => {
  await Promise.all([oldService.close(), newService.close()]);
  rmSync(directory, { recursive: true, force: true });
});

const yaml = (service: FakeOpenAI, name: string, dailyLimit: number) => `
budget:
  daily_limit: ${dailyLimit}
providers:
  ${name}:
    connector: openai-compatible
    config:
      base_url: ${service.url}
      api_key: key-${name}-0000000000
      models:
        - id: gpt-4o
          capabilities: [chat-completion]
          pricing: { input: 1000, output: 1000 }
pools:
  chat:
    capability: chat-completion
`;

const chats = (service: FakeOpenAI) => service.requests.filter((request) => request.path === "/v1/chat/completions");
const hello = [{ role: "user" as const, content: "Hello" }];

/** The next event of a kind, or a failure after `ms` naming what was awaited. */
function next<Type extends ConfigWatcherEvent["type"]>(watcher: ConfigWatcher, type: Type, ms = 20_000): Promise<Extract<ConfigWatcherEvent, { type: Type }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${ms} ms`)), ms);
    const stop = watcher.on(type, (event) => {
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

async function started(path: string, intervalMs = 25) {
  const client = create({ config: path });
  clients.push(client);
  await client.ready();
  const watcher = new ConfigWatcher(path, client, { intervalMs });
  watchers.push(watcher);
  await watcher.start();
  return { client, watcher };
}

describe("ConfigWatcher", () => {
  it("swaps providers when the file changes: a running stream finishes on the old one, a new request goes to the new one; usage and budget spend carry over", async () => {
    const path = join(directory, "swap.yaml");
    writeFileSync(path, yaml(oldService, "old", 100));
    const { client, watcher } = await started(path);
    await client.chat.completions.create({ model: "chat", messages: hello });
    const spentBefore = client.usage.budgets.global!.daily.spent;
    expect(spentBefore).toBeGreaterThan(0);

    oldService.setMode({ kind: "slow-stream", chunkDelayMs: 120 });
    const stream = await client.chat.completions.create({ model: "chat", messages: hello, stream: true });
    const chunks = stream[Symbol.asyncIterator]();
    const first = await chunks.next();
    expect(first.done).toBe(false);

    const reloaded = next(watcher, "config-reloaded");
    writeFileSync(path, yaml(newService, "new", 200));
    const event = await reloaded;
    const reloadedAt = Date.now();
    expect(event.path).toBe(path);
    expect(client.describe().providers.map((provider) => provider.id)).toEqual(["new"]);

    const fresh = await client.chat.completions.create({ model: "chat", messages: hello });
    expect(fresh.choices[0]!.message.content).toBe("new");
    expect(chats(newService)).toHaveLength(1);

    let text = (first.value as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? "";
    let lastChunkAt = 0;
    for (let item = await chunks.next(); !item.done; item = await chunks.next()) {
      text += (item.value as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? "";
      lastChunkAt = Date.now();
    }
    // The stream went on arriving from the old service after the new configuration was in force, and completed.
    expect(lastChunkAt).toBeGreaterThan(reloadedAt);
    expect(text).toBe("old one two three four five six seven");
    expect(chats(oldService)).toHaveLength(2);
    expect(chats(newService)).toHaveLength(1);

    // Usage counts all three requests; the budget's spend survived the reload, its limit is the new file's.
    expect(client.usage.requests).toBe(3);
    expect(client.usage.byProvider.old?.requests).toBe(2);
    expect(client.usage.byProvider.new?.requests).toBe(1);
    const global = client.usage.budgets.global!;
    expect(global.daily.limit).toBe(200);
    expect(global.daily.spent).toBeGreaterThan(spentBefore);
  });

  it("keeps the old configuration when the file is broken, reports each problem, and applies the file once fixed", async () => {
    const path = join(directory, "broken.yaml");
    writeFileSync(path, yaml(oldService, "old", 100));
    const { client, watcher } = await started(path);
    await client.chat.completions.create({ model: "chat", messages: hello });
    const usageBefore = client.usage.requests;

    // Not YAML at all.
    let failed = next(watcher, "error");
    writeFileSync(path, "providers: [unclosed\n  - {");
    expect((await failed).errors.join("\n")).toMatch(/not valid YAML/);
    // Valid YAML that cannot be built: a pool nobody serves.
    failed = next(watcher, "error");
    writeFileSync(path, `${yaml(newService, "new", 100)}  images:\n    capability: text-to-image\n`);
    expect((await failed).errors.join("\n")).toMatch(/pools\.images/);
    // An empty file (an editor truncating before it writes) is refused too, not read as "no configuration".
    failed = next(watcher, "error");
    writeFileSync(path, "");
    expect((await failed).errors.join("\n")).toMatch(/is empty/);

    const answer = await client.chat.completions.create({ model: "chat", messages: hello });
    expect(answer.choices[0]!.message.content).toBe("old one two three four five six seven");
    expect(chats(newService)).toHaveLength(0);
    expect(client.usage.requests).toBe(usageBefore + 1);

    const reloaded = next(watcher, "config-reloaded");
    writeFileSync(path, yaml(newService, "new", 100));
    await reloaded;
    expect((await client.chat.completions.create({ model: "chat", messages: hello })).choices[0]!.message.content).toBe("new");
  });

  it("reports a file that cannot be read once, and says so on the console when nobody listens", async () => {
    const path = join(directory, "vanishing.yaml");
    writeFileSync(path, yaml(oldService, "old", 100));
    const { client, watcher } = await started(path);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      rmSync(path);
      const errors = await watcher.check();
      expect(errors.join("\n")).toMatch(/cannot read configuration file .*vanishing\.yaml: ENOENT/);
      await watcher.check();
      await watcher.check();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain("the previous configuration stays in force");
    } finally {
      warn.mockRestore();
    }
    expect((await client.chat.completions.create({ model: "chat", messages: hello })).choices[0]!.message.content).toBe("old one two three four five six seven");
  });

  it("applies nothing after stop(), and takes the file at start() as the configuration in force", async () => {
    const path = join(directory, "stopped.yaml");
    writeFileSync(path, yaml(oldService, "old", 100));
    const { client, watcher } = await started(path, 20);
    const reloaded = vi.fn();
    watcher.on("config-reloaded", reloaded);
    expect(watcher.running).toBe(true);
    watcher.stop();
    expect(watcher.running).toBe(false);
    writeFileSync(path, yaml(newService, "new", 100));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reloaded).not.toHaveBeenCalled();
    expect((await client.chat.completions.create({ model: "chat", messages: hello })).choices[0]!.message.content).toBe("old one two three four five six seven");
    // Started again, the file as it is now counts as applied: nothing happens until it changes.
    await watcher.start();
    expect(await watcher.check()).toEqual([]);
    expect(reloaded).not.toHaveBeenCalled();
  });

  it("accepts a ModelMesh (client.mesh) as well as a client, and refuses bad arguments", async () => {
    const path = join(directory, "mesh.yaml");
    writeFileSync(path, yaml(oldService, "old", 100));
    const client = create({ config: path });
    clients.push(client);
    await client.ready();
    const watcher = new ConfigWatcher(path, client.mesh, { intervalMs: 10_000 });
    await watcher.start();
    watchers.push(watcher);
    writeFileSync(path, yaml(newService, "new", 100));
    expect(await watcher.check()).toEqual([]);
    expect(client.describe().providers.map((provider) => provider.id)).toEqual(["new"]);
    expect(() => new ConfigWatcher("", client.mesh)).toThrow(ConfigError);
    expect(() => new ConfigWatcher(path, {} as never)).toThrow(ConfigError);
    expect(() => new ConfigWatcher(path, client.mesh, { intervalMs: 0 })).toThrow(ConfigError);
    await expect(new ConfigWatcher(join(directory, "absent.yaml"), client.mesh).start()).rejects.toBeInstanceOf(ConfigError);
  });

  it("polls every interval_ms, or every interval seconds (the FAQ's interval=5.0), as every intervalMs", async () => {
    const path = join(directory, "interval.yaml");
    for (const options of [{ interval_ms: 40 }, { interval: 0.04 }]) {
      writeFileSync(path, yaml(oldService, "old", 100));
      const applied: string[][] = [];
      const mesh = { reconfigure: async (config: Record<string, unknown>) => (applied.push(Object.keys(config.providers as object)), []) };
      const watcher = new ConfigWatcher(path, mesh, options);
      watchers.push(watcher);
      expect(watcher.intervalMs).toBe(40);
      await watcher.start();
      writeFileSync(path, yaml(newService, "new", 100));
      // Picked up by the watcher's own tick within a second; at the default 5 s it would not be.
      await next(watcher, "config-reloaded", 1_000);
      expect(applied).toEqual([["new"]]);
      watcher.stop();
    }
  });

  it("refuses an interval it cannot use, one given two ways, and an option it does not know, naming the key", () => {
    const mesh = { reconfigure: async () => [] };
    const refusal = (options: Record<string, unknown>) => {
      try {
        new ConfigWatcher(join(directory, "any.yaml"), mesh, options);
      } catch (error) {
        return error instanceof ConfigError ? error.path : error;
      }
      return "accepted";
    };
    expect(refusal({ interval: 0 })).toBe("interval");
    expect(refusal({ interval_ms: "fast" })).toBe("interval_ms");
    expect(refusal({ intervalMs: 100, interval: 5 })).toBe("interval");
    expect(refusal({ intervall: 5 })).toBe("intervall");
    expect(refusal({ interval: 5 })).toBe("accepted");
  });
});

describe("ConfigWatcher with a file-backed secret store", () => {
  it("re-resolves secrets on reload: a key changed in .env is used once the configuration is reloaded", async () => {
    const envPath = join(directory, "keys.env");
    writeFileSync(envPath, "CORP_KEY=first-key-000000\n");
    const path = join(directory, "with-secrets.yaml");
    const withSecrets = (pool: string) =>
      `secrets:\n  store: dotenv\n  config:\n    path: ${envPath}\nproviders:\n  corp:\n    connector: openai-compatible\n    config:\n      base_url: ${newService.url}\n      api_key: "\${secrets:CORP_KEY}"\n      models: [{ id: gpt-4o, capabilities: [chat-completion] }]\npools:\n  ${pool}:\n    capability: chat-completion\n`;
    writeFileSync(path, withSecrets("chat"));
    const { client, watcher } = await started(path);
    await client.chat.completions.create({ model: "chat", messages: hello });
    expect(chats(newService).at(-1)!.headers.authorization).toBe("Bearer first-key-000000");
    writeFileSync(envPath, "CORP_KEY=rotated-key-111111\n");
    const reloaded = next(watcher, "config-reloaded");
    writeFileSync(path, withSecrets("chat-renamed"));
    await reloaded;
    await client.chat.completions.create({ model: "chat-renamed", messages: hello });
    expect(chats(newService).at(-1)!.headers.authorization).toBe("Bearer rotated-key-111111");
  });
});

describe("reconfigure and the secrets section", () => {
  it("builds a changed secrets: section; a store that cannot work is refused and the configuration in force stays", async () => {
    const firstEnv = join(directory, "first.env");
    const secondEnv = join(directory, "second.env");
    writeFileSync(firstEnv, "CORP_KEY=key-from-first-file\n");
    writeFileSync(secondEnv, "CORP_KEY=key-from-second-file\n");
    const path = join(directory, "store-switch.yaml");
    const withStore = (envPath: string) =>
      `secrets:\n  store: dotenv\n  config:\n    path: ${envPath}\nproviders:\n  corp:\n    connector: openai-compatible\n    config:\n      base_url: ${newService.url}\n      api_key: "\${secrets:CORP_KEY}"\n      models: [{ id: gpt-4o, capabilities: [chat-completion] }]\n`;
    writeFileSync(path, withStore(firstEnv));
    const { client, watcher } = await started(path);
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(chats(newService).at(-1)!.headers.authorization).toBe("Bearer key-from-first-file");

    const reloaded = next(watcher, "config-reloaded");
    writeFileSync(path, withStore(secondEnv));
    await reloaded;
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(chats(newService).at(-1)!.headers.authorization).toBe("Bearer key-from-second-file");

    // A store that cannot work (its file is missing): refused, and requests still carry the second file's key.
    const failed = next(watcher, "error");
    writeFileSync(path, withStore(join(directory, "missing.env")));
    expect((await failed).errors.join("\n")).toMatch(/missing\.env does not exist/);
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(chats(newService).at(-1)!.headers.authorization).toBe("Bearer key-from-second-file");
    writeFileSync(secondEnv, "CORP_KEY=key-from-second-file-rotated\n");
    expect(await client.mesh.reconfigure(await (await import("../src/index.js")).MeshConfig.fromYaml(withStore(secondEnv)))).toEqual([]);
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(chats(newService).at(-1)!.headers.authorization).toBe("Bearer key-from-second-file-rotated");
  });
});

describe("reconfigure and a store given as an instance", () => {
  it("the same instance reads its source again: a key rotated in its file is used after the reload", async () => {
    const { JsonSecretStore } = await import("../src/secrets/json-secrets.js");
    const keys = join(directory, "keys.json");
    writeFileSync(keys, JSON.stringify({ corp: { key: "json-key-before" } }));
    const store = new JsonSecretStore({ path: keys });
    const config = { providers: { corp: { connector: "openai-compatible", config: { base_url: newService.url, api_key: "${secrets:corp.key}", models: [{ id: "gpt-4o", capabilities: ["chat-completion"] }] } } } };
    const client = create({ config, secrets: { instance: store } });
    clients.push(client);
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(chats(newService).at(-1)!.headers.authorization).toBe("Bearer json-key-before");
    writeFileSync(keys, JSON.stringify({ corp: { key: "json-key-after" } }));
    expect(await client.mesh.reconfigure(config)).toEqual([]);
    await client.chat.completions.create({ model: "chat-completion", messages: hello });
    expect(chats(newService).at(-1)!.headers.authorization).toBe("Bearer json-key-after");
  });
});
