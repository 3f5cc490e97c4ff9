import { describe, expect, it } from "vitest";
import { buildMeshConfig } from "./mesh-config.ts";
import type { SiteGrant } from "../shared/protocol.ts";

const grant = (origin: string, budget: SiteGrant["budget"], state: SiteGrant["grant"] = "always"): SiteGrant => ({ origin, grant: state, budget, pools: [], grantedAt: 0 });

describe("buildMeshConfig", () => {
  it("adds a built-in provider for a key with no configuration, referring to the key by name only", () => {
    const built = buildMeshConfig({ mesh: {}, logContent: false }, ["openai"], { openai: { baseUrl: "http://127.0.0.1:9/v1" } }, {});
    expect(built.providers).toEqual({ openai: { connector: "openai", config: { api_key: "${secrets:openai}", base_url: "http://127.0.0.1:9/v1" } } });
  });

  it("leaves out configured providers without a key, and them from the pools; a pool left with none is dropped", () => {
    const mesh = {
      providers: { local: { connector: "openai-compatible", config: { base_url: "http://x/v1", models: [] } }, keyed: { connector: "openai-compatible", config: { base_url: "http://y/v1", models: [] } } },
      pools: { both: { capability: "chat-completion", providers: ["local", "keyed"] }, orphan: { capability: "chat-completion", providers: ["local"] }, open: { capability: "chat-completion" } },
    };
    const built = buildMeshConfig({ mesh, logContent: false }, ["keyed"], {}, {});
    expect(Object.keys(built.providers as object)).toEqual(["keyed"]);
    expect((built.providers as any).keyed.config.api_key).toBe("${secrets:keyed}");
    expect(built.pools).toEqual({ both: { capability: "chat-completion", providers: ["keyed"] }, open: { capability: "chat-completion" } });
  });

  it("turns each always-allowed site's budget into a budget scope site:<origin>; denied sites and sites without limits add none", () => {
    const built = buildMeshConfig({ mesh: { budget: { daily_limit: 10 } }, logContent: false }, [], {}, {
      "https://a.example": grant("https://a.example", { dailyLimit: 0.5, monthlyLimit: 5 }),
      "https://b.example": grant("https://b.example", {}),
      "https://c.example": grant("https://c.example", { dailyLimit: 1 }, "denied"),
    });
    expect(built.budget).toEqual({ daily_limit: 10, scopes: { "site:https://a.example": { daily_limit: 0.5, monthly_limit: 5 } } });
  });

  it("ignores secrets and storage sections (the worker supplies the vault and IndexedDB) and never copies the stored object", () => {
    const mesh = { secrets: { store: "env" }, storage: { connector: "memory" }, providers: {} };
    const built = buildMeshConfig({ mesh, logContent: false }, [], {}, {});
    expect(built.secrets).toBeUndefined();
    expect(built.storage).toBeUndefined();
    expect(mesh.secrets).toEqual({ store: "env" });
  });
});
