import { describe, expect, it } from "vitest";
import { ConfigError, InvalidRequestError } from "../../src/wire/error-base.js";
import { buildConnector, buildSecretStore, globToRegExp, interpolate, isRotationPolicy, resolveSecrets } from "../../src/core/build.js";
import { registerConnector, registerConnectorLoader, registerConnectors } from "../../src/core/registry.js";
import { listConnectors, loadConnector, resolveConnector } from "../../src/core/registry-load.js";
import { BUILTIN_CONNECTORS } from "../../src/core/connector-ids.js";
import { EnvSecretStore } from "../../src/secrets/env.js";
import type { ConnectorSpec } from "../../src/core/config.js";

// The helpers the mesh builds connectors with (build.ts) and the registry's loading side (registry-load.ts), called
// directly: what they return, which errors they throw and at which configuration path. This file's registry starts
// empty (vitest gives every test file its own module graph), so "unknown" and "not loaded" are reachable.

const caught = (call: () => unknown): Error & { path?: string } => {
  try {
    call();
  } catch (error) {
    return error as Error & { path?: string };
  }
  throw new Error("no error");
};
const spec = (connector: string, config: Record<string, unknown> = {}, path = "providers[0]"): ConnectorSpec => ({ connector, config, path }) as ConnectorSpec;

describe("globToRegExp (include/exclude patterns of discovery)", () => {
  it("* matches any run of characters, the whole name must match, and other characters are literal", () => {
    const pattern = globToRegExp("gpt-4o*");
    expect(pattern.test("gpt-4o")).toBe(true);
    expect(pattern.test("gpt-4o-mini")).toBe(true);
    expect(pattern.test("x-gpt-4o")).toBe(false);
    expect(globToRegExp("a.b").test("a.b")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
    expect(globToRegExp("a+b?(c)").test("a+b?(c)")).toBe(true);
    expect(globToRegExp("a+b?(c)").test("aab(c)")).toBe(false);
    expect(globToRegExp("m").test("m")).toBe(true);
    expect(globToRegExp("m").test("mm")).toBe(false);
  });
});

describe("isRotationPolicy (a strategy given as an instance)", () => {
  it("is true only for an object with a pick() function", () => {
    expect(isRotationPolicy({ pick: () => undefined })).toBe(true);
    expect(isRotationPolicy({ pick: "cost-first" })).toBe(false);
    expect(isRotationPolicy({})).toBe(false);
    expect(isRotationPolicy(null)).toBe(false);
    expect(isRotationPolicy(undefined)).toBe(false);
    expect(isRotationPolicy("cost-first")).toBe(false);
    const functionWithPick = Object.assign(() => undefined, { pick: () => undefined });
    expect(isRotationPolicy(functionWithPick)).toBe(false);
  });
});

class Recording {
  constructor(readonly config: unknown) {}
}
class Exploding {
  constructor() {
    throw new Error("missing option apiBase");
  }
}
class Refusing {
  constructor() {
    throw new InvalidRequestError("bad option", "apiBase");
  }
}

describe("buildConnector", () => {
  it("no block builds nothing; a given instance is used as it is", () => {
    expect(buildConnector("provider", undefined)).toBeUndefined();
    const instance = { id: "mine" };
    expect(buildConnector("provider", { ...spec("never.registered.v1"), instance } as ConnectorSpec)).toBe(instance);
  });

  it("builds the registered class with the block's config", () => {
    registerConnector("test.recording.v1", Recording, { kind: "storage" });
    const built = buildConnector<Recording>("storage", spec("test.recording.v1", { path: "x" }, "storage"));
    expect(built).toBeInstanceOf(Recording);
    expect(built!.config).toEqual({ path: "x" });
  });

  it("an unknown name is a ConfigError at the block's .connector (.store for secrets)", () => {
    const provider = caught(() => buildConnector("provider", spec("nobody.v1", {}, "providers[2]")));
    expect(provider).toBeInstanceOf(ConfigError);
    expect(provider.message).toContain('"nobody.v1"');
    expect(provider.path).toBe("providers[2].connector");
    const secrets = caught(() => buildConnector("secrets", spec("nobody.v1", {}, "secrets")));
    expect(secrets.path).toBe("secrets.store");
  });

  it("a constructor's plain error becomes a ConfigError naming kind and connector; a ModelMesh error passes through", () => {
    registerConnector("test.exploding.v1", Exploding, { kind: "provider" });
    const error = caught(() => buildConnector("provider", spec("test.exploding.v1", {}, "providers[1]")));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.path).toBe("providers[1]");
    expect(error.message).toContain('cannot build provider connector "test.exploding.v1": missing option apiBase');
    registerConnector("test.refusing.v1", Refusing, { kind: "provider" });
    const passed = caught(() => buildConnector("provider", spec("test.refusing.v1")));
    expect(passed).toBeInstanceOf(InvalidRequestError);
    expect(passed.message).toContain("bad option");
  });
});

describe("buildSecretStore", () => {
  it("without a secrets block builds the environment store, a ConfigError at secrets.store while it is unknown", () => {
    const unknown = caught(() => buildSecretStore(undefined));
    expect(unknown).toBeInstanceOf(ConfigError);
    expect(unknown.path).toBe("secrets.store");
    registerConnectors([EnvSecretStore], BUILTIN_CONNECTORS);
    const store = buildSecretStore(undefined);
    expect(store).toBeInstanceOf(EnvSecretStore);
    expect((store as EnvSecretStore).prefix).toBe("");
  });

  it("a secrets block is built as a secrets connector (a connector of another kind is refused)", () => {
    registerConnectors([EnvSecretStore], BUILTIN_CONNECTORS);
    const store = buildSecretStore(spec("modelmesh.env.v1", { prefix: "APP_" }, "secrets"));
    expect((store as EnvSecretStore).prefix).toBe("APP_");
    registerConnector("test.recording-provider.v1", Recording, { kind: "provider" });
    const wrongKind = caught(() => buildSecretStore(spec("test.recording-provider.v1", {}, "secrets")));
    expect(wrongKind).toBeInstanceOf(ConfigError);
    expect(wrongKind.message).toContain("not a secrets connector");
  });
});

describe("resolveSecrets and interpolate", () => {
  const store = new EnvSecretStore({ env: { API_KEY: "k-1", BASE: "http://127.0.0.1:1" } });

  it("reads every ${secrets:NAME} the blocks name (absent blocks skipped), once each", async () => {
    const values = await resolveSecrets(store, [undefined, spec("x", { apiKey: "${secrets:API_KEY}" }), spec("y", { base: "${secrets:BASE}", again: "${secrets:API_KEY}" })]);
    expect([...values]).toEqual([
      ["API_KEY", "k-1"],
      ["BASE", "http://127.0.0.1:1"],
    ]);
  });

  it("interpolates a block's config into a copy; no block stays no block; no values leaves the block itself", () => {
    const block = spec("x", { apiKey: "${secrets:API_KEY}" });
    const values = new Map([["API_KEY", "k-1"]]);
    const filled = interpolate(block, values);
    expect(filled.config).toEqual({ apiKey: "k-1" });
    expect(filled.path).toBe("providers[0]");
    expect(block.config).toEqual({ apiKey: "${secrets:API_KEY}" });
    expect(interpolate(undefined, values)).toBeUndefined();
    expect(interpolate(block, new Map())).toBe(block);
  });
});

describe("registry-load", () => {
  it("resolveConnector refuses a connector whose code is not loaded yet, and finds it once loaded", async () => {
    registerConnectorLoader({ id: "test.later.v1", kind: "rotation", aliases: ["later"] }, async () => Recording);
    const error = caught(() => resolveConnector("rotation", "later", "pools.chat.strategy"));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.path).toBe("pools.chat.strategy");
    expect(error.message).toContain('rotation connector "later" is not loaded yet');
    await loadConnector("rotation", "later", "pools.chat.strategy");
    expect(resolveConnector("rotation", "later", "x")).toEqual({ id: "test.later.v1", connector: Recording });
  });

  it("listConnectors lists one kind, by id in registration order, with its other names and env vars", () => {
    registerConnectorLoader({ id: "test.listed-a.v1", kind: "discovery", aliases: ["listed-a", "a-listed"], envVars: ["A_KEY"] }, async () => Recording);
    registerConnectorLoader({ id: "test.listed-other.v1", kind: "observability", aliases: ["other"] }, async () => Recording);
    registerConnectorLoader({ id: "test.listed-b.v1", kind: "discovery" }, async () => Recording);
    expect(listConnectors("discovery")).toEqual([
      { id: "test.listed-a.v1", aliases: ["listed-a", "a-listed"], envVars: ["A_KEY"] },
      { id: "test.listed-b.v1", aliases: [], envVars: [] },
    ]);
  });
});
