import { describe, expect, it } from "vitest";
import { ConfigError } from "../wire/error-base.js";
import { checkStrategyKeys } from "./strategy-keys.js";

const declared = { configKeys: ["priorities", "maxSessions"] };

function refusal(config: Record<string, unknown>, connector: unknown = declared): ConfigError | undefined {
  try {
    checkStrategyKeys(connector, config, "pools.chat.strategyConfig");
  } catch (error) {
    return error as ConfigError;
  }
  return undefined;
}

describe("checkStrategyKeys", () => {
  it("takes the declared keys and the common ones, in either spelling", () => {
    expect(refusal({ priorities: [], max_sessions: 3, maxSessions: 3, failure_threshold: 2, cooldownSeconds: 1, cooldown_ms: 5 })).toBeUndefined();
  });

  it("leaves a strategy that declares no keys alone", () => {
    expect(refusal({ anything: 1 }, {})).toBeUndefined();
    expect(refusal({ anything: 1 }, { configKeys: "priorities" })).toBeUndefined();
  });

  it("names the unknown key, the key meant, and every key taken", () => {
    const error = refusal({ priorities: [], priority: ["a"] })!;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.path).toBe("pools.chat.strategyConfig.priority");
    expect(error.message).toBe('pools.chat.strategyConfig.priority: unknown key for this strategy (did you mean "priorities"? expected one of: priorities, maxSessions, failureThreshold, cooldownSeconds, cooldownMs)');
  });

  it("suggests only a key within a few edits (one for short names), else none", () => {
    // Two edits from "maxSessions": suggested; three: not.
    expect(refusal({ mxSesions: 1 })!.message).toContain('did you mean "maxSessions"?');
    expect(refusal({ mxSesion: 1 })!.message).not.toContain("did you mean");
    // Far from every key: no suggestion.
    expect(refusal({ weights: {} })!.message).toBe("pools.chat.strategyConfig.weights: unknown key for this strategy (expected one of: priorities, maxSessions, failureThreshold, cooldownSeconds, cooldownMs)");
    // Short keys allow one edit only: "ab" is two from "abcd".
    expect(refusal({ ab: 1 }, { configKeys: ["abcd"] })!.message).not.toContain("did you mean");
    expect(refusal({ abd: 1 }, { configKeys: ["abcd"] })!.message).toContain('did you mean "abcd"?');
    // The shorter name decides: "lmts" (4 letters) is two edits from "limits", one too many for it.
    expect(refusal({ lmts: 1 }, { configKeys: ["limits"] })!.message).not.toContain("did you mean");
    expect(refusal({ limts: 1 }, { configKeys: ["limits"] })!.message).toContain('did you mean "limits"?');
  });
});
