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

  it("fromJSON keeps code and retryable before the rest of the tree has loaded, and rebuilds every class once it has", async () => {
    const base = await freshBase();
    const early = base.ModelMeshError.fromJSON({ name: "RateLimitError", code: "rate_limit_exceeded", message: "slow down", retryable: true, retryAfter: 3 });
    expect(early).toBeInstanceOf(base.ModelMeshError);
    expect({ name: early.name, code: early.code, retryable: early.retryable, message: early.message }).toEqual({ name: "ModelMeshError", code: "rate_limit_exceeded", retryable: true, message: "slow down" });

    // Loading wire/errors.ts (the mesh does; so does importing ModelMeshError from the package root) teaches it the rest.
    const errors = await import("./errors.js");
    const revived = base.ModelMeshError.fromJSON(new errors.RateLimitError("slow down", { providerId: "openai", retryAfter: 3 }).toJSON());
    expect(revived).toBeInstanceOf(errors.RateLimitError);
    expect((revived as InstanceType<typeof errors.RateLimitError>).retryAfter).toBe(3);
    expect(errors.ModelMeshError).toBe(base.ModelMeshError);
    const config = base.ModelMeshError.fromJSON(new base.ConfigError("providers[0]", "unknown").toJSON());
    expect(config).toBeInstanceOf(base.ConfigError);
    expect((config as InstanceType<typeof base.ConfigError>).path).toBe("providers[0]");
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
