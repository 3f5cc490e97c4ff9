import { describe, expect, it, vi } from "vitest";

// The errors that ship with create(), on their own: a fresh module registry, so wire/errors.ts (the provider errors
// and fromJSON's revivers) has not loaded unless a test imports it.
async function freshBase() {
  vi.resetModules();
  return import("./error-base.js");
}

describe("the errors create() ships up front", () => {
  it("carry name, code, retryable, cause and their own fields, and serialise them", async () => {
    const { ModelMeshError, ConfigError, InvalidRequestError } = await freshBase();
    const plain = new ModelMeshError("went wrong");
    expect(plain).toBeInstanceOf(Error);
    expect({ name: plain.name, code: plain.code, retryable: plain.retryable, cause: plain.cause, hasCause: "cause" in plain }).toEqual({ name: "ModelMeshError", code: "modelmesh_error", retryable: false, cause: undefined, hasCause: false });
    const root = new Error("root");
    const chained = new ModelMeshError("outer", { code: "x_code", retryable: true, cause: root });
    expect({ code: chained.code, retryable: chained.retryable, cause: chained.cause }).toEqual({ code: "x_code", retryable: true, cause: root });

    const config = new ConfigError("pools.chat.strategy", "unknown strategy");
    expect(config).toBeInstanceOf(ModelMeshError);
    expect(config.message).toBe("pools.chat.strategy: unknown strategy");
    expect(new ConfigError("", "no path").message).toBe("no path");
    expect(config.toJSON()).toEqual({ name: "ConfigError", code: "config_error", message: "pools.chat.strategy: unknown strategy", retryable: false, path: "pools.chat.strategy" });

    const invalid = new InvalidRequestError("model is required", "model");
    expect(invalid.toJSON()).toEqual({ name: "InvalidRequestError", code: "invalid_request", message: "model is required", retryable: false, param: "model" });
    expect(new InvalidRequestError("bad").param).toBeNull();
    expect(new InvalidRequestError("bad", null, { retryable: true }).retryable).toBe(true);
  });

  it("fromJSON rebuilds this file's classes and keeps code and retryable of the others before the rest of the tree has loaded, and rebuilds every class once it has", async () => {
    const base = await freshBase();
    const early = base.ModelMeshError.fromJSON({ name: "RateLimitError", code: "rate_limit_exceeded", message: "slow down", retryable: true, retryAfter: 3 });
    expect(early).toBeInstanceOf(base.ModelMeshError);
    expect({ name: early.name, code: early.code, retryable: early.retryable, message: early.message }).toEqual({ name: "ModelMeshError", code: "rate_limit_exceeded", retryable: true, message: "slow down" });

    // This file's own classes revive as themselves already, with their fields and the serialised message.
    const config = base.ModelMeshError.fromJSON(new base.ConfigError("providers[0]", "unknown connector", { retryable: true }).toJSON());
    expect(config).toBeInstanceOf(base.ConfigError);
    expect({ path: (config as InstanceType<typeof base.ConfigError>).path, message: config.message, code: config.code, retryable: config.retryable }).toEqual({ path: "providers[0]", message: "providers[0]: unknown connector", code: "config_error", retryable: true });
    const pathless = base.ModelMeshError.fromJSON({ name: "ConfigError", code: "config_error", message: "whole config", retryable: false, path: 7 });
    expect({ path: (pathless as InstanceType<typeof base.ConfigError>).path, message: pathless.message }).toEqual({ path: "", message: "whole config" });
    const invalid = base.ModelMeshError.fromJSON(new base.InvalidRequestError("model is required", "model").toJSON());
    expect(invalid).toBeInstanceOf(base.InvalidRequestError);
    expect({ param: (invalid as InstanceType<typeof base.InvalidRequestError>).param, message: invalid.message, code: invalid.code }).toEqual({ param: "model", message: "model is required", code: "invalid_request" });
    expect((base.ModelMeshError.fromJSON({ name: "InvalidRequestError", code: "invalid_request", message: "m", retryable: false, param: 3 }) as InstanceType<typeof base.InvalidRequestError>).param).toBeNull();

    // Loading wire/errors.ts (the mesh does; so does importing ModelMeshError from the package root) teaches it the rest.
    const errors = await import("./errors.js");
    const revived = base.ModelMeshError.fromJSON(new errors.RateLimitError("slow down", { providerId: "openai", retryAfter: 3 }).toJSON());
    expect(revived).toBeInstanceOf(errors.RateLimitError);
    expect((revived as InstanceType<typeof errors.RateLimitError>).retryAfter).toBe(3);
    expect(errors.ModelMeshError).toBe(base.ModelMeshError);
    expect(base.ModelMeshError.fromJSON(new base.ConfigError("providers[0]", "unknown").toJSON())).toBeInstanceOf(base.ConfigError);
    const unknown = base.ModelMeshError.fromJSON({ name: "SomethingNew", code: "new_code", message: "from a newer version", retryable: true });
    expect({ name: unknown.name, code: unknown.code, retryable: unknown.retryable, message: unknown.message }).toEqual({ name: "ModelMeshError", code: "new_code", retryable: true, message: "from a newer version" });
  });

  it("isSerializedError accepts toJSON() output only", async () => {
    const { isSerializedError, ConfigError } = await freshBase();
    expect(isSerializedError(new ConfigError("a", "b").toJSON())).toBe(true);
    expect(isSerializedError({ name: "X", code: "y", message: "m", retryable: false })).toBe(true);
    for (const value of [null, undefined, "text", 3, { code: "y", message: "m", retryable: false }, { name: "X", message: "m", retryable: false }, { name: "X", code: "y", retryable: false }, { name: "X", code: "y", message: "m" }, { name: "X", code: "y", message: "m", retryable: "no" }]) {
      expect(isSerializedError(value), JSON.stringify(value)).toBe(false);
    }
  });
});
