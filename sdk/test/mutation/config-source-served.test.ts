import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/wire/error-base.js";
import { configSource, MESH_CONFIG_BRAND } from "../../src/core/config-source.js";
import { MeshConfig } from "../../src/core/config-load.js";
import { validateOptions } from "../../src/core/check-options.js";
import { LazyModelMesh } from "../../src/core/lazy-mesh.js";
import { registerConnectors } from "../../src/core/registry.js";
import { BUILTIN_CONNECTORS } from "../../src/core/connector-ids.js";
import { EnvSecretStore } from "../../src/secrets/env.js";
import { StickUntilFailurePolicy } from "../../src/rotation/stick-until-failure.js";
import { markServed, servedBy, type ServedBy } from "../../src/wire/served.js";

// configSource (a MeshConfig unwrapped by its brand), validateOptions (which configuration text is checked at once),
// LazyModelMesh's registration of the built-ins, and the served-by record on responses.

describe("configSource", () => {
  it("a MeshConfig gives its raw object; any other value comes back unchanged", () => {
    const raw = { budget: { daily_limit: 5 } };
    expect(configSource(new MeshConfig(raw))).toBe(raw);
    const plain = { providers: ["openai"], raw: { other: true } };
    expect(configSource(plain)).toBe(plain);
    expect(configSource(null)).toBeNull();
    expect(configSource(undefined)).toBeUndefined();
    expect(configSource("providers: []")).toBe("providers: []");
  });

  it("the brand is the property __modelmeshConfig set to true (a second copy of the package agrees on it)", () => {
    expect(MESH_CONFIG_BRAND).toBe("__modelmeshConfig");
    const inner = { version: 1 };
    expect(configSource({ __modelmeshConfig: true, raw: inner, resolved: {} })).toBe(inner);
    const notBranded = { __modelmeshConfig: "yes", raw: inner, resolved: {} };
    expect(configSource(notBranded)).toBe(notBranded);
  });
});

describe("validateOptions", () => {
  it("checks JSON text at once, leading whitespace allowed", () => {
    // The defaults (secret store, strategy) are the connectors such a configuration names.
    registerConnectors([EnvSecretStore, StickUntilFailurePolicy], BUILTIN_CONNECTORS);
    const config = validateOptions({ config: '  \n {"budget": {"daily_limit": 5}}' });
    expect(config?.budget?.dailyLimit).toBe(5);
    const error = (() => {
      try {
        validateOptions({ config: ' {"budget": {"daily_limit": "five"}}' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
  });

  it("leaves YAML text (or a file path) to be checked once it has been read", () => {
    expect(validateOptions({ config: "budget:\n  daily_limit: five\n" })).toBeUndefined();
    expect(validateOptions({ config: "./modelmesh.yaml" })).toBeUndefined();
  });
});

describe("LazyModelMesh", () => {
  it("knows every built-in connector by name before any is loaded (validate needs no registration by the app)", () => {
    // This file's registry starts empty: only LazyModelMesh's own preparation can make "anthropic" known.
    const config = LazyModelMesh.validate({ providers: ["anthropic"], strategy: "cost-first" });
    expect(config?.providers.map((provider) => provider.connector)).toEqual(["anthropic"]);
  });
});

describe("servedBy and markServed", () => {
  const record: ServedBy = { provider: "openai", model: "gpt-4o-mini", attempts: 2, cost: 0.5, priced: true };

  it("reads back the record, which JSON, keys and spreads leave out; marking again replaces it", () => {
    const response = { id: "chatcmpl-1" };
    markServed(response, record);
    expect(servedBy(response)).toEqual(record);
    expect(JSON.stringify(response)).toBe('{"id":"chatcmpl-1"}');
    expect(servedBy({ ...response })).toBeUndefined();
    const second = { ...record, attempts: 3 };
    markServed(response, second);
    expect(servedBy(response)).toEqual(second);
  });

  it("ignores what cannot carry it, and reads nothing from values that are not objects", () => {
    const frozen = Object.freeze({ id: "x" });
    expect(() => markServed(frozen, record)).not.toThrow();
    expect(servedBy(frozen)).toBeUndefined();
    expect(() => markServed(null, record)).not.toThrow();
    expect(() => markServed(undefined, record)).not.toThrow();
    expect(() => markServed("text", record)).not.toThrow();
    expect(servedBy(null)).toBeUndefined();
    expect(servedBy(undefined)).toBeUndefined();
    expect(servedBy("text")).toBeUndefined();
    expect(servedBy({})).toBeUndefined();
  });
});
