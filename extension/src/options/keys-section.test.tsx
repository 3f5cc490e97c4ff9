// @vitest-environment happy-dom
import { ConfigError, ProviderError } from "modelmesh";
import { render } from "preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ExtensionConfig, KeyInfo } from "../shared/protocol.js";
import { byTestId, fakeAdmin, settle, typeInto } from "../ui/fake-admin.js";
import { KeysSection } from "./keys-section.js";

// Not key-shaped on purpose (the house scan flags real-looking keys); what matters is that it never comes back.
const TYPED_KEY = "typed-secret-value-7f3a9c";

describe("KeysSection", () => {
  let container: HTMLElement;
  beforeEach(() => {
    container = document.createElement("div");
    document.body.append(container);
  });
  afterEach(() => {
    render(null, container);
    container.remove();
  });

  const withStore = () => {
    const stored = new Map<string, KeyInfo>();
    const config: { current: ExtensionConfig } = { current: { mesh: { pools: { chat: { capability: "chat-completion" } } }, logContent: false } };
    const admin = fakeAdmin({
      "keys.list": () => [...stored.values()],
      "keys.set": ({ provider, baseUrl }) => {
        const info: KeyInfo = { provider, hasKey: true, ...(baseUrl ? { baseUrl } : {}) };
        stored.set(provider, info);
        return info;
      },
      "keys.test": ({ provider }) => ({ ok: true, at: Date.UTC(2026, 11, 2), latencyMs: 42, model: `${provider}-model` }),
      "keys.remove": ({ provider }) => ({ removed: stored.delete(provider) }),
      "config.get": () => config.current,
      "config.set": ({ config: next }) => {
        config.current = next;
        return { errors: [] };
      },
    });
    return { stored, admin, config };
  };

  it("sends a typed key once in keys.set and never shows it afterwards", async () => {
    const { admin } = withStore();
    render(<KeysSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    const row = byTestId(container, "key-row-openai");
    const input = byTestId<HTMLInputElement>(row, "key-input");
    expect(input.type).toBe("password");
    typeInto(input, `  ${TYPED_KEY} `);
    byTestId<HTMLButtonElement>(row, "key-save").click();
    await settle();

    expect(admin.sentOf("keys.set")).toEqual([{ type: "keys.set", provider: "openai", apiKey: TYPED_KEY }]);
    expect(input.value).toBe("");
    expect(container.innerHTML).not.toContain(TYPED_KEY);
    expect(byTestId(row, "key-state").textContent).toBe("Key saved");
    // Only keys.set carried the key; the reload after saving asked for KeyInfo, which has none.
    expect(admin.sent.filter((message) => JSON.stringify(message).includes(TYPED_KEY))).toHaveLength(1);
  });

  it("sends the base URL of an OpenAI-compatible server with its key, and its models into the configuration", async () => {
    const { admin, config } = withStore();
    const onConfigChanged = vi.fn(async () => undefined);
    render(<KeysSection sendAdmin={admin.sendAdmin} config={config.current} onConfigChanged={onConfigChanged} />, container);
    await settle();
    const row = byTestId(container, "key-row-openai-compatible");
    typeInto(byTestId<HTMLInputElement>(row, "key-base-url"), "http://127.0.0.1:9999/v1");
    typeInto(byTestId<HTMLInputElement>(row, "key-models"), "llama3, qwen2.5");
    typeInto(byTestId<HTMLInputElement>(row, "key-input"), TYPED_KEY);
    byTestId<HTMLButtonElement>(row, "key-save").click();
    await settle();
    expect(admin.sentOf("keys.set")).toEqual([{ type: "keys.set", provider: "openai-compatible", apiKey: TYPED_KEY, baseUrl: "http://127.0.0.1:9999/v1" }]);
    expect(row.textContent).toContain("http://127.0.0.1:9999/v1");
    expect(admin.sentOf("config.set")).toEqual([
      {
        type: "config.set",
        config: {
          logContent: false,
          mesh: {
            pools: { chat: { capability: "chat-completion" } },
            providers: { "openai-compatible": { connector: "openai-compatible", config: { models: [{ id: "llama3" }, { id: "qwen2.5" }] } } },
          },
        },
      },
    ]);
    expect(JSON.stringify(admin.sentOf("config.set"))).not.toContain(TYPED_KEY);
    // The models are stored before the key, whose save restarts the mesh with them.
    expect(admin.sent.map((message) => message.type).filter((type) => type !== "keys.list")).toEqual(["config.get", "config.set", "keys.set"]);
    expect(onConfigChanged).toHaveBeenCalledTimes(1);
  });

  it("refuses an OpenAI-compatible key without a model list, sending nothing", async () => {
    const { admin } = withStore();
    render(<KeysSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    const row = byTestId(container, "key-row-openai-compatible");
    typeInto(byTestId<HTMLInputElement>(row, "key-base-url"), "http://127.0.0.1:9999/v1");
    typeInto(byTestId<HTMLInputElement>(row, "key-input"), TYPED_KEY);
    byTestId<HTMLButtonElement>(row, "key-save").click();
    await settle();
    expect(admin.sent.filter((message) => message.type !== "keys.list")).toEqual([]);
    expect(byTestId(row, "key-problem").textContent).toContain("at least one model");
  });

  it("refuses an OpenAI-compatible key without a base URL, sending nothing", async () => {
    const { admin } = withStore();
    render(<KeysSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    const row = byTestId(container, "key-row-openai-compatible");
    typeInto(byTestId<HTMLInputElement>(row, "key-input"), TYPED_KEY);
    byTestId<HTMLButtonElement>(row, "key-save").click();
    await settle();
    expect(admin.sentOf("keys.set")).toEqual([]);
    expect(byTestId(row, "key-problem").textContent).toContain("needs a base URL");
    expect(container.innerHTML).not.toContain(TYPED_KEY);
  });

  it("tests a saved key and shows latency and model", async () => {
    const { admin, stored } = withStore();
    stored.set("groq", { provider: "groq", hasKey: true });
    render(<KeysSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    const row = byTestId(container, "key-row-groq");
    byTestId<HTMLButtonElement>(row, "key-test").click();
    await settle();
    expect(admin.sentOf("keys.test")).toEqual([{ type: "keys.test", provider: "groq" }]);
    const result = byTestId(row, "key-test-result");
    expect(result.dataset.ok).toBe("true");
    expect(result.textContent).toContain("42 ms");
    expect(result.textContent).toContain("groq-model");
  });

  it("shows a failed probe's error, and a rejected call's revived message", async () => {
    const stored: KeyInfo[] = [
      { provider: "mistral", hasKey: true },
      { provider: "deepseek", hasKey: true },
    ];
    const admin = fakeAdmin({
      "keys.list": () => stored,
      "keys.test": ({ provider }) => {
        if (provider === "deepseek") throw new ProviderError("deepseek: 401 invalid api key", { providerId: "deepseek", status: 401 });
        return { ok: false, at: 0, latencyMs: 13, error: "401 Unauthorized from mistral" };
      },
    });
    render(<KeysSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    byTestId<HTMLButtonElement>(byTestId(container, "key-row-mistral"), "key-test").click();
    byTestId<HTMLButtonElement>(byTestId(container, "key-row-deepseek"), "key-test").click();
    await settle();
    const failed = byTestId(byTestId(container, "key-row-mistral"), "key-test-result");
    expect(failed.dataset.ok).toBe("false");
    expect(failed.textContent).toContain("401 Unauthorized from mistral");
    expect(byTestId(byTestId(container, "key-row-deepseek"), "key-problem").textContent).toContain("deepseek: 401 invalid api key");
  });

  it("removes a key with keys.remove and shows the row empty again", async () => {
    const { admin, stored } = withStore();
    stored.set("anthropic", { provider: "anthropic", hasKey: true });
    render(<KeysSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    const row = byTestId(container, "key-row-anthropic");
    expect(byTestId(row, "key-state").textContent).toBe("Key saved");
    byTestId<HTMLButtonElement>(row, "key-remove").click();
    await settle();
    expect(admin.sentOf("keys.remove")).toEqual([{ type: "keys.remove", provider: "anthropic" }]);
    expect(byTestId(row, "key-state").textContent).toBe("No key");
  });

  it("keeps the page usable when keys.set is refused", async () => {
    const admin = fakeAdmin({
      "keys.list": () => [],
      "keys.set": () => {
        throw new ConfigError("baseUrl", "must be an http(s) URL");
      },
    });
    render(<KeysSection sendAdmin={admin.sendAdmin} />, container);
    await settle();
    const row = byTestId(container, "key-row-openai");
    typeInto(byTestId<HTMLInputElement>(row, "key-input"), TYPED_KEY);
    byTestId<HTMLButtonElement>(row, "key-save").click();
    await settle();
    expect(byTestId(row, "key-problem").textContent).toContain("baseUrl: must be an http(s) URL");
    expect(container.innerHTML).not.toContain(TYPED_KEY);
  });
});
