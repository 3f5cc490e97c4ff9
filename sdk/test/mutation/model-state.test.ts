/**
 * The model state record: what a new model starts with, and which of its fields survive a restart.
 */
import { describe, expect, it } from "vitest";
import { createModelState } from "../../src/wire/model-state.js";
import { pickPersisted, STATE_KEY } from "../../src/core/model-state-snapshot.js";

const info = { id: "gpt-4o", capabilities: ["generation.text-generation.chat-completion"] };

describe("createModelState", () => {
  it("starts active, never used, with zeroed counters and no cooldown", () => {
    const state = createModelState("openai", "openai:key-1", info);
    expect(state).toEqual({
      key: "openai/gpt-4o",
      modelId: "gpt-4o",
      providerId: "openai",
      keyId: "openai:key-1",
      info,
      status: "active",
      cooldownUntil: 0,
      cooldownMs: 0,
      probing: false,
      consecutiveFailures: 0,
      totalRequests: 0,
      totalFailures: 0,
      totalSuccesses: 0,
      lastUsedAt: 0,
      latencySamples: 0,
      totalCost: 0,
      totalTokens: 0,
    });
    // Unmeasured values stay absent (not 0): a latency strategy must tell "fast" from "never measured".
    expect("latencyMs" in state).toBe(false);
    expect("lastError" in state).toBe(false);
    expect("rateLimit" in state).toBe(false);
    expect(state.info).toBe(info);
  });
});

describe("pickPersisted", () => {
  const full = {
    ...createModelState("openai", "openai:key-1", info),
    status: "cooldown" as const,
    cooldownUntil: 1_700_000_030_000,
    cooldownMs: 30_000,
    probing: true,
    consecutiveFailures: 3,
    totalRequests: 10,
    totalFailures: 4,
    totalSuccesses: 6,
    lastUsedAt: 1_700_000_000_000,
    lastError: { code: "server_error", message: "boom", at: 1_700_000_000_000 },
    latencyMs: 420,
    latencySamples: 6,
    totalCost: 0.25,
    totalTokens: 1_234,
    rateLimit: { remainingRequests: 9 },
  };

  it("keeps exactly the fields that outlive a restart", () => {
    expect(pickPersisted(full)).toEqual({
      keyId: "openai:key-1",
      status: "cooldown",
      cooldownUntil: 1_700_000_030_000,
      cooldownMs: 30_000,
      consecutiveFailures: 3,
      totalRequests: 10,
      totalFailures: 4,
      totalSuccesses: 6,
      lastUsedAt: 1_700_000_000_000,
      lastError: { code: "server_error", message: "boom", at: 1_700_000_000_000 },
      latencyMs: 420,
      latencySamples: 6,
      totalCost: 0.25,
      totalTokens: 1_234,
      rateLimit: { remainingRequests: 9 },
    });
  });

  it("a probe in flight, the identity and the model info are rebuilt, never restored", () => {
    const picked = pickPersisted(full);
    for (const field of ["probing", "key", "modelId", "providerId", "info"]) expect(picked, field).not.toHaveProperty(field);
  });

  it("leaves out what is undefined, keyId included", () => {
    expect(pickPersisted({ status: "active", latencyMs: undefined, totalCost: 0 })).toEqual({ status: "active", totalCost: 0 });
    expect(Object.keys(pickPersisted({ keyId: undefined, status: "active" }))).toEqual(["status"]);
    expect(Object.keys(pickPersisted({ keyId: "k" }))).toEqual(["keyId"]);
  });

  it("is stored under one documented key", () => {
    expect(STATE_KEY).toBe("modelmesh/state");
  });
});
