import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/wire/error-base.js";
import { checkConnector, isRegistered, registerConnector, registerConnectorLoader, registerConnectors } from "../../src/core/registry.js";
import { listConnectors, loadConnector } from "../../src/core/registry-load.js";
import { registerBuiltinNames } from "../../src/core/builtin-names.js";
import { registerBuiltins } from "../../src/core/builtins.js";
import { ModelMesh } from "../../src/core/builtin-mesh.js";

// The connector registry as configuration sees it: which names resolve to which class, what registration refuses
// (and says), what an unknown name's error lists, and that an app's own class under a built-in id wins over the
// built-in loaders. This file's registry starts empty (vitest gives every test file its own module graph).

const caught = (call: () => unknown): ConfigError => {
  try {
    call();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error("no error");
};

class Plain {}
class WithStatics {
  static readonly connectorId = "test.with-statics.v1";
  static readonly shortName = "statics";
  static readonly envVars = ["STATICS_KEY"];
}
class IdOnly {
  static readonly connectorId = "test.id-only.v1";
}

describe("an empty registry", () => {
  // First in the file, before anything is registered.
  it("an unknown name's error lists no known names", () => {
    const error = caught(() => checkConnector("rotation", "nope", "pools.chat.strategy"));
    expect(error.message).toBe('pools.chat.strategy: unknown rotation connector "nope"; register it with registerConnector(id, Class), or with registerConnectors([Class]) in modelmesh/static');
  });
});

describe("registerConnector and registerConnectorLoader", () => {
  it("refuse a registration without an id or without a class / loader, saying what is needed", () => {
    expect(caught(() => registerConnector("", Plain))).toBeInstanceOf(ConfigError);
    expect(caught(() => registerConnector("", Plain)).message).toBe("registerConnector(id, Class) needs an id and a class");
    expect(caught(() => registerConnector("test.no-class.v1", {} as never)).message).toBe("registerConnector(id, Class) needs an id and a class");
    expect(caught(() => registerConnectorLoader({ id: "" }, async () => Plain)).message).toBe("registerConnectorLoader(description, load) needs an id and a loader");
    expect(caught(() => registerConnectorLoader({ id: "test.no-loader.v1" }, undefined as never)).message).toBe("registerConnectorLoader(description, load) needs an id and a loader");
    expect(isRegistered("test.no-class.v1")).toBe(false);
    expect(isRegistered("test.no-loader.v1")).toBe(false);
  });

  it("a class's own envVars are listed; none means an empty list; aliases resolve to the id", () => {
    registerConnector("test.env-class.v1", WithStatics, { kind: "discovery", aliases: ["env-class"] });
    registerConnector("test.bare-class.v1", Plain, { kind: "discovery" });
    expect(listConnectors("discovery")).toEqual([
      { id: "test.env-class.v1", aliases: ["env-class"], envVars: ["STATICS_KEY"] },
      { id: "test.bare-class.v1", aliases: [], envVars: [] },
    ]);
    expect(checkConnector("discovery", "env-class", "x")).toBe("test.env-class.v1");
  });

  it("registering an id again replaces it under every name it had", async () => {
    registerConnector("test.replaced.v1", Plain, { kind: "rotation", aliases: ["replaced", "old-name"] });
    registerConnector("test.replaced.v1", IdOnly, { kind: "rotation" });
    expect((await loadConnector("rotation", "old-name", "x")).connector).toBe(IdOnly);
    expect((await loadConnector("rotation", "replaced", "x")).connector).toBe(IdOnly);
    expect((await loadConnector("rotation", "test.replaced.v1", "x")).connector).toBe(IdOnly);
    expect(listConnectors("rotation").filter((entry) => entry.id === "test.replaced.v1")).toEqual([{ id: "test.replaced.v1", aliases: ["replaced", "old-name"], envVars: [] }]);
  });
});

describe("registerConnectors (classes by their static connectorId)", () => {
  it("takes the class's shortName first, then the aliases, kind and env vars the table knows for its id", () => {
    registerConnectors([WithStatics], [{ id: "test.with-statics.v1", kind: "observability", aliases: ["also-statics"], envVars: ["TABLE_KEY"] }]);
    expect(listConnectors("observability")).toEqual([{ id: "test.with-statics.v1", aliases: ["statics", "also-statics"], envVars: ["STATICS_KEY"] }]);
    const wrongKind = caught(() => checkConnector("provider", "statics", "providers[0]"));
    expect(wrongKind.message).toContain('"statics" is a observability connector, not a provider connector');
  });

  it("a class without env vars takes the table's; one the table does not list gets no kind and no names", () => {
    registerConnectors([IdOnly], [{ id: "other.v1", kind: "provider" }, { id: "test.id-only.v1", kind: "secrets", aliases: ["id-only"], envVars: ["TABLE_KEY"] }]);
    expect(listConnectors("secrets")).toEqual([{ id: "test.id-only.v1", aliases: ["id-only"], envVars: ["TABLE_KEY"] }]);
    class Unlisted {
      static readonly connectorId = "test.unlisted.v1";
    }
    registerConnectors([Unlisted], [{ id: "other.v1", kind: "provider", envVars: ["OTHER"] }]);
    class Described {
      static readonly connectorId = "test.described.v1";
    }
    registerConnectors([Described], [{ id: "test.described.v1", kind: "secrets" }]);
    expect(listConnectors("secrets").find((entry) => entry.id === "test.described.v1")).toEqual({ id: "test.described.v1", aliases: [], envVars: [] });
    // Without a kind, the class answers to every kind.
    expect(checkConnector("storage", "test.unlisted.v1", "x")).toBe("test.unlisted.v1");
    expect(checkConnector("provider", "test.unlisted.v1", "x")).toBe("test.unlisted.v1");
  });

  it("refuses a value without a usable connectorId, naming the class (or its type)", () => {
    expect(caught(() => registerConnectors([Plain])).message).toBe("registerConnectors() needs connector classes with a static connectorId; got Plain without one (use registerConnector(id, Class) instead)");
    const anonymous = (() => class {})();
    Object.defineProperty(anonymous, "name", { value: "" });
    expect(caught(() => registerConnectors([anonymous])).message).toContain("got a class without one");
    expect(caught(() => registerConnectors([{ connectorId: "test.object.v1" } as never])).message).toContain("got object without one");
    class EmptyId {
      static readonly connectorId = "";
    }
    class NumberId {
      static readonly connectorId = 7;
    }
    expect(caught(() => registerConnectors([EmptyId])).message).toContain("got EmptyId without one");
    expect(caught(() => registerConnectors([NumberId as never])).message).toContain("got NumberId without one");
    expect(isRegistered("test.object.v1")).toBe(false);
  });
});

describe("an unknown name", () => {
  it("is a ConfigError at the path listing, sorted, the names of that kind and of kind-less connectors", () => {
    registerConnector("test.z-storage.v1", Plain, { kind: "storage", aliases: ["b-storage"] });
    registerConnector("test.a-anything.v1", Plain);
    registerConnector("test.provider-only.v1", Plain, { kind: "provider" });
    const error = caught(() => checkConnector("storage", "nope", "storage.connector"));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.path).toBe("storage.connector");
    const known = /\(known: ([^)]*)\)/.exec(error.message)?.[1]?.split(", ") ?? [];
    expect(known).toContain("b-storage");
    expect(known).toContain("test.z-storage.v1");
    expect(known).toContain("test.a-anything.v1");
    expect(known).toContain("test.unlisted.v1");
    expect(known).not.toContain("test.provider-only.v1");
    expect(known).toEqual([...known].sort());
    expect(error.message).toMatch(/^storage\.connector: unknown storage connector "nope" \(known: /);
    expect(error.message).toContain("; register it with registerConnector(id, Class), or with registerConnectors([Class]) in modelmesh/static");
  });
});

describe("built-in names and loaders", () => {
  it("an app's class registered under a built-in id wins over the built-in loaders", async () => {
    class MyOpenAI {
      static readonly connectorId = "openai.llm.v1";
    }
    class MySqlite {}
    registerConnector("openai.llm.v1", MyOpenAI, { kind: "provider" });
    registerConnector("modelmesh.sqlite.v1", MySqlite, { kind: "storage" });
    registerBuiltinNames();
    registerBuiltins();
    expect((await loadConnector("provider", "openai.llm.v1", "providers[0]")).connector).toBe(MyOpenAI);
    expect((await loadConnector("storage", "modelmesh.sqlite.v1", "storage")).connector).toBe(MySqlite);
    // The other built-ins are known by their short names (through the name table, loaded on first use).
    const { connector } = await loadConnector("provider", "groq", "providers[1]");
    expect((connector as unknown as { connectorId: string }).connectorId).toBe("groq.api.v1");
    const local = await loadConnector("storage", "local-file", "storage");
    expect((local.connector as unknown as { connectorId: string }).connectorId).toBe("modelmesh.local-file.v1");
    // The `modelmesh` entry's mesh registers its classes the same way: the app's class stays.
    expect(ModelMesh.validate({ providers: ["openai.llm.v1"] })?.providers.map((spec) => spec.connector)).toEqual(["openai.llm.v1"]);
    expect((await loadConnector("provider", "openai.llm.v1", "providers[0]")).connector).toBe(MyOpenAI);
  });
});
