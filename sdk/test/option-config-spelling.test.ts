import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, create } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import type { MeshEvent } from "../src/wire/events.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider, hello } from "./support/mesh.js";

// api.md: "YAML uses snake_case, code uses camelCase; both are accepted everywhere and mean the same." A connector's
// `config` given to create() in code (observability, secrets, storage) is read as YAML's is: snake_case keys used to
// be passed on as written, where the connector did not know them, so `min_severity` was silently ignored.

const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function served(options: (events: MeshEvent[]) => Record<string, unknown>) {
  const fake = await startFakeOpenAI({ name: "p", models: ["m"] });
  open.push(fake);
  const events: MeshEvent[] = [];
  const client = create({ config: { providers: { p: chatProvider(fake, "sk-p-0000000000", ["m"]) } }, ...options(events) });
  open.push(client);
  await client.chat.completions.create({ model: "m", messages: hello });
  await client.close();
  return events.map((event) => `${event.type}:${event.severity}`);
}

describe("a connector's config in create()'s options", () => {
  it("takes snake_case keys as YAML does: min_severity and log_level filter the sink", async () => {
    expect(await served((events) => ({ observability: { connector: "callback", config: { min_severity: "error", callback: (event: MeshEvent) => events.push(event) } } }))).toEqual([]);
    expect(await served((events) => ({ observability: [{ connector: "callback", config: { log_level: "silent", callback: (event: MeshEvent) => events.push(event) } }] }))).toEqual([]);
    const debug = await served((events) => ({ observability: [{ connector: "callback", config: { min_severity: "debug", callback: (event: MeshEvent) => events.push(event) } }] }));
    expect(debug).toEqual(expect.arrayContaining(["request-start:debug", "attempt-end:debug", "request-end:info"]));
  });

  it("checks the values as YAML's are checked, and refuses one key given both ways", async () => {
    const providers = { p: { connector: "openai", config: { api_key: "sk-x" } } };
    const verbose = create({ config: { providers }, observability: { connector: "callback", config: { min_severity: "verbose", callback: () => {} } } });
    open.push(verbose);
    await expect(verbose.ready()).rejects.toThrow(ConfigError);
    let twice: unknown;
    try {
      create({ config: { providers }, observability: { connector: "callback", config: { minSeverity: "debug", min_severity: "error", callback: () => {} } } });
    } catch (error) {
      twice = error;
    }
    expect(twice).toBeInstanceOf(ConfigError);
    expect(twice).toMatchObject({ path: "observability[0].config.min_severity" });
    expect((twice as Error).message).toContain('given twice (as "minSeverity" and "min_severity")');
  });

  it("reads the secret store's snake_case settings too: fail_on_missing: false lets a missing secret be empty", async () => {
    const fake = await startFakeOpenAI({ name: "p", models: ["m"] });
    open.push(fake);
    const config = { providers: { p: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "${secrets:NOT_SET}", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] } } } };
    const lenient = create({ config, secrets: { store: "env", config: { env: {}, fail_on_missing: false } } });
    open.push(lenient);
    await expect(lenient.ready()).resolves.toBe(lenient);
    const strict = create({ config, secrets: { store: "env", config: { env: {} } } });
    open.push(strict);
    await expect(strict.ready()).rejects.toMatchObject({ name: "SecretNotFoundError" });
  });
});
