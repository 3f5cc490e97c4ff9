import "fake-indexeddb/auto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDB } from "idb";
import { startFakeOpenAI, type FakeOpenAI } from "../../../sdk/test/fakes/openai.ts";
import { handleAdminMessage } from "./admin.ts";
import { EXTENSION_ID, configureWorker, workerModules } from "./test-support.ts";

const KEY = ["sk", "unit", "admin", "0123456789abcdefghijkl"].join("-");
const OPTIONS_PAGE = { id: EXTENSION_ID, url: `chrome-extension://${EXTENSION_ID}/src/options/index.html` };

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ name: "a", models: ["alpha"], apiKeys: [KEY] });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

describe("admin messages", () => {
  it("are answered for the extension's own pages only: a content script (web URL) or another extension gets nothing", async () => {
    const { handlers } = workerModules();
    expect(await handleAdminMessage({ type: "keys.list" }, OPTIONS_PAGE, handlers, EXTENSION_ID)).toEqual({ ok: true, value: [] });
    for (const sender of [{ id: EXTENSION_ID, url: "https://example.com/" }, { id: "other", url: `chrome-extension://other/x.html` }, { id: "other", url: OPTIONS_PAGE.url }, { id: EXTENSION_ID }]) {
      expect(await handleAdminMessage({ type: "keys.list" }, sender, handlers, EXTENSION_ID)).toBeUndefined();
    }
  });

  it("refuse an unknown type or a prototype name with a typed error", async () => {
    const { handlers } = workerModules();
    for (const type of ["keys.dump", "constructor", "__proto__", 7]) {
      expect(await handleAdminMessage({ type }, OPTIONS_PAGE, handlers, EXTENSION_ID)).toMatchObject({ ok: false, error: { code: "bad_message" } });
    }
  });

  it("keys.set stores only ciphertext; no reply, chrome.storage item or list ever holds the key", async () => {
    const modules = workerModules();
    const reply = await handleAdminMessage({ type: "keys.set", provider: "openai", apiKey: KEY, baseUrl: fake.url }, OPTIONS_PAGE, modules.handlers, EXTENSION_ID);
    expect(reply).toEqual({ ok: true, value: { provider: "openai", hasKey: true, baseUrl: fake.url } });
    const list = await handleAdminMessage({ type: "keys.list" }, OPTIONS_PAGE, modules.handlers, EXTENSION_ID);
    expect(list).toEqual({ ok: true, value: [{ provider: "openai", hasKey: true, baseUrl: fake.url }] });
    const everything = JSON.stringify(await modules.area.get(null as never));
    expect(everything).toContain(fake.url);
    expect(everything).not.toContain(KEY);
    const db = await openDB(modules.store.database);
    const raw = JSON.stringify(await db.getAll("secrets"), (_key, value) => (value instanceof ArrayBuffer || ArrayBuffer.isView(value) ? new TextDecoder("latin1").decode(value as ArrayBuffer) : value));
    db.close();
    expect(raw).not.toContain(KEY);
    expect(await modules.store.get("openai")).toBe(KEY);
  });

  it("keys.test makes a real 1-token call with the stored key and returns result and latency", async () => {
    const modules = workerModules();
    await configureWorker(modules, { a: fake }, { a: KEY });
    const result = await modules.handlers["keys.test"]({ provider: "fake-a" });
    expect(result).toMatchObject({ ok: true, model: expect.stringContaining("alpha") });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(fake.requests[0]!.body).toMatchObject({ max_tokens: 1, messages: [{ role: "user", content: "ping" }] });
    expect((await modules.handlers["keys.list"]({})).find((info) => info.provider === "fake-a")?.lastTest).toEqual(result);
    // The probe counts nowhere: it is not the person's spend.
    expect((await modules.runtime.client()).usage.requests).toBe(0);
  });

  it("keys.test reports a rejected key as a failure, without the key in the message", async () => {
    const modules = workerModules();
    const wrong = ["sk", "unit", "wrong", "zyxwvutsrqponmlkjihg"].join("-");
    await configureWorker(modules, { a: fake }, { a: wrong });
    const result = await modules.handlers["keys.test"]({ provider: "fake-a" });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/401|auth|key/i);
    expect(JSON.stringify(result)).not.toContain(wrong);
    expect(await modules.handlers["keys.test"]({ provider: "nobody" })).toMatchObject({ ok: false, error: "no key is set for nobody" });
  });

  it("keys.remove deletes the key and takes the provider out of the mesh", async () => {
    const modules = workerModules();
    await configureWorker(modules, { a: fake }, { a: KEY });
    expect((await modules.runtime.client()).describe().providers.map((provider) => provider.id)).toEqual(["fake-a"]);
    expect(await modules.handlers["keys.remove"]({ provider: "fake-a" })).toEqual({ removed: true });
    expect(await modules.store.has("fake-a")).toBe(false);
    expect(await modules.handlers["keys.list"]({})).toEqual([]);
  });

  it("config.set refuses a configuration holding a key, and one the mesh cannot build, keeping the old one", async () => {
    const modules = workerModules();
    await configureWorker(modules, { a: fake }, { a: KEY });
    const before = await modules.handlers["config.get"]({});
    const withKey = await modules.handlers["config.set"]({ config: { logContent: false, mesh: { providers: { x: { connector: "openai", config: { api_key: KEY } } } } } });
    expect(withKey.errors[0]).toContain("providers.x.config.api_key");
    expect(withKey.errors[0]).not.toContain(KEY);
    // A key in a header the provider sends is a key too, whatever the header's name; nothing is stored.
    for (const header of ["x-api-key", "api-key", "X-Corp-Token", "Ocp-Apim-Subscription-Key", "clientSecret"]) {
      const inHeader = await modules.handlers["config.set"]({ config: { logContent: false, mesh: { providers: { x: { connector: "openai", config: { headers: { [header]: KEY } } } } } } });
      expect(inHeader.errors[0]).toContain(`providers.x.config.headers.${header}`);
      expect(inHeader.errors[0]).not.toContain(KEY);
    }
    const broken = await modules.handlers["config.set"]({ config: { logContent: false, mesh: { pools: { chat: { capability: "chat-completion", strategy: "no-such-strategy" } } } } });
    expect(broken.errors.length).toBe(1);
    expect(await modules.handlers["config.get"]({})).toEqual(before);
    // Short values in headers of such names are not keys (a token budget, a source tag): not refused for a key.
    const plain = await modules.handlers["config.set"]({ config: { logContent: false, mesh: { providers: { x: { connector: "openai", config: { headers: { "x-request-source": "extension", "x-token-budget": "1000" } } } } } } });
    expect(plain.errors.join(" ")).not.toContain("holds API keys");
  });

  it("config export and import round-trip as YAML, with no key in the text", async () => {
    const modules = workerModules();
    await configureWorker(modules, { a: fake }, { a: KEY });
    const { yaml } = await modules.handlers["config.export"]({});
    expect(yaml).toContain("fake-a");
    expect(yaml).not.toContain(KEY);
    const fresh = workerModules();
    expect(await fresh.handlers["config.import"]({ yaml })).toEqual({ errors: [] });
    expect((await fresh.handlers["config.get"]({})).mesh).toEqual((await modules.handlers["config.get"]({})).mesh);
    expect((await fresh.handlers["config.import"]({ yaml: "providers: [unclosed" })).errors[0]).toContain("cannot be read");
  });
});
