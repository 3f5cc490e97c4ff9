import { describe, expect, it } from "vitest";
import { rotationSettings } from "./rotation-settings.js";

// A strategy's own threshold and cooldown, read from either spelling (the FAQ's BaseRotationConfig is snake_case).

describe("rotationSettings", () => {
  it("reads the threshold and the cooldown in either spelling, seconds or ms", () => {
    expect(rotationSettings({ failureThreshold: 5, cooldownSeconds: 120 })).toEqual({ failureThreshold: 5, cooldownMs: 120_000 });
    expect(rotationSettings({ failure_threshold: 2, cooldown_seconds: 0.5 })).toEqual({ failureThreshold: 2, cooldownMs: 500 });
    expect(rotationSettings({ cooldownMs: 250 })).toEqual({ cooldownMs: 250 });
    expect(rotationSettings({ cooldown_ms: 0 })).toEqual({ cooldownMs: 0 });
    // The same value in both spellings is one setting.
    expect(rotationSettings({ failureThreshold: 4, failure_threshold: 4 })).toEqual({ failureThreshold: 4 });
  });

  it("holds none for a config without them, null values, or no object at all", () => {
    // Strictly none: no key set to undefined (the pool reads `=== undefined` to keep its own settings).
    expect(rotationSettings({ explorationRate: 0.1 })).toStrictEqual({});
    expect(rotationSettings({ failureThreshold: null, cooldown_seconds: undefined })).toStrictEqual({});
    expect(Object.keys(rotationSettings({ cooldownMs: 1 }))).toEqual(["cooldownMs"]);
    expect(Object.keys(rotationSettings({ failureThreshold: 2 }))).toEqual(["failureThreshold"]);
    for (const config of [undefined, null, "x", 3]) expect(rotationSettings(config)).toStrictEqual({});
  });

  it("refuses a bad value, a key given twice with two values, and a cooldown given both ways, naming the key as written", () => {
    const refusal = (config: Record<string, unknown>) => {
      try {
        rotationSettings(config);
      } catch (error) {
        return { name: (error as Error).name, path: (error as { path?: string }).path, message: (error as Error).message };
      }
      return undefined;
    };
    expect(refusal({ failure_threshold: 0 })).toMatchObject({ name: "ConfigError", path: "failure_threshold", message: expect.stringContaining("must be a whole number of at least 1, got 0") });
    expect(refusal({ failureThreshold: 1.5 })).toMatchObject({ path: "failureThreshold", message: expect.stringContaining("a whole number") });
    expect(refusal({ failureThreshold: "5" })).toMatchObject({ path: "failureThreshold", message: expect.stringContaining('got "5"') });
    expect(refusal({ cooldownSeconds: -1 })).toMatchObject({ path: "cooldownSeconds", message: expect.stringContaining("must be a number of at least 0, got -1") });
    expect(refusal({ cooldown_ms: Number.POSITIVE_INFINITY })).toMatchObject({ path: "cooldown_ms" });
    expect(refusal({ cooldown_ms: -1 })).toMatchObject({ path: "cooldown_ms", message: expect.stringContaining("at least 0") });
    expect(refusal({ failureThreshold: 3, failure_threshold: 4 })).toMatchObject({ path: "failure_threshold", message: expect.stringContaining('given twice (as "failureThreshold" and "failure_threshold")') });
    expect(refusal({ cooldown_seconds: 2, cooldownMs: 2000 })).toMatchObject({ path: "cooldownMs", message: expect.stringContaining('given together with "cooldown_seconds"') });
    expect(refusal({ failureThreshold: 1, cooldownSeconds: 0 })).toBeUndefined();
  });
});
