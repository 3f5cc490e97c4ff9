import { ConfigError, ModelMeshError, ProviderError } from "modelmesh";
import { describe, expect, it } from "vitest";
import { createSendAdmin } from "./admin-client.js";
import { fakeAdmin } from "./fake-admin.js";

describe("sendAdmin", () => {
  it("sends { type, ...params } and resolves with the reply's value", async () => {
    const admin = fakeAdmin({ "usage.get": ({ days }) => ({ totalCost: days ?? 0, requests: 1, byModel: {}, byProvider: {}, bySite: {}, daily: [], budgets: {} }) });
    const usage = await admin.sendAdmin("usage.get", { days: 7 });
    expect(admin.sent).toEqual([{ type: "usage.get", days: 7 }]);
    expect(usage.totalCost).toBe(7);
  });

  it("revives a serialized error into its ModelMesh class", async () => {
    const admin = fakeAdmin({
      "config.import": () => {
        throw new ConfigError("pools.chat", "unknown strategy");
      },
      "keys.test": () => {
        throw new ProviderError("openai: 401", { providerId: "openai", status: 401 });
      },
    });
    const configError = await admin.sendAdmin("config.import", { yaml: "x" }).catch((error: unknown) => error);
    expect(configError).toBeInstanceOf(ConfigError);
    expect((configError as ConfigError).path).toBe("pools.chat");
    const providerError = await admin.sendAdmin("keys.test", { provider: "openai" }).catch((error: unknown) => error);
    expect(providerError).toBeInstanceOf(ProviderError);
    expect((providerError as ProviderError).status).toBe(401);
  });

  it("rejects with a typed error when the worker is unreachable or answers nothing valid", async () => {
    const unreachable = createSendAdmin(() => Promise.reject(new Error("Could not establish connection. Receiving end does not exist.")));
    const error = await unreachable("status.get", {}).catch((problem: unknown) => problem);
    expect(error).toBeInstanceOf(ModelMeshError);
    expect((error as ModelMeshError).code).toBe("extension_unreachable");
    expect((error as ModelMeshError).message).toContain("status.get");
    for (const reply of [undefined, { ok: true }, { ok: false, error: "boom" }, "value"]) {
      const silent = createSendAdmin(() => Promise.resolve(reply));
      const problem = await silent("keys.list", {}).catch((caught: unknown) => caught);
      expect((problem as ModelMeshError).code).toBe("extension_bad_reply");
    }
  });
});
