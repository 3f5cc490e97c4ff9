import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/wire/errors.js";
import type { EventSink, MeshEvent } from "../../src/wire/events.js";
import type { BaseObservabilityConfig } from "../../src/observability/sink.js";

/** What a contract run needs from one sink: the sink, and everything it has output so far as text. */
export interface ObservabilityHarness {
  sink: EventSink;
  /** Lines written (or, for structured sinks, each delivered event as JSON). */
  output(): string[];
}

/** How the suite asks for a sink: its config, and whether its destination should throw. */
export interface ObservabilityHarnessOptions {
  config: BaseObservabilityConfig;
  /** Make the sink's destination (writer, callback) throw on every event. */
  throwOnWrite?: boolean;
}

/**
 * Sample events, one per shape the router emits.
 * @example
 * sink.emit(sampleEvents().requestEnd);
 */
export function sampleEvents() {
  const base = { timestamp: 1_735_732_800_000, component: "router" as const, requestId: "req-1" };
  return {
    requestStart: { ...base, severity: "info", type: "request-start", pool: "chat", capability: "generation.text-generation.chat-completion", stream: false },
    attemptStart: { ...base, severity: "debug", type: "attempt-start", pool: "chat", provider: "openai.llm.v1", model: "gpt-4o", attempt: 1 },
    attemptFailed: {
      ...base,
      severity: "warning",
      type: "attempt-end",
      pool: "chat",
      provider: "openai.llm.v1",
      model: "gpt-4o",
      attempt: 1,
      ok: false,
      latencyMs: 120,
      error: { name: "ProviderError", code: "provider_error", message: "upstream 500", retryable: true, status: 500, body: { error: { message: "BODY-MARKER upstream detail" } } },
    },
    requestEnd: { ...base, severity: "info", type: "request-end", pool: "chat", provider: "openai.llm.v1", model: "gpt-4o", ok: true, latencyMs: 812, attempts: 1, usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 }, cost: 0.0001 },
    modelDeactivated: { ...base, component: "pool", severity: "warning", type: "model-deactivated", provider: "openai.llm.v1", model: "gpt-4o", reason: "3 consecutive failures", cooldownUntil: 1_735_732_860_000 },
    budgetExceeded: { ...base, component: "budget", severity: "error", type: "budget-exceeded", scope: "openai.llm.v1", limitType: "daily", limitValue: 10, spent: 10.02 },
  } satisfies Record<string, MeshEvent>;
}

/**
 * The shared suite every observability sink runs. `discards: true` is for sinks that output nothing
 * by design (the null sink): they must only accept everything without failing.
 * @example
 * observabilityContract("JsonLogObservability", ({ config }) => { const lines: string[] = []; return { sink: new JsonLogObservability({ ...config, write: (line) => lines.push(line) }), output: () => lines } });
 */
export function observabilityContract(name: string, make: (options: ObservabilityHarnessOptions) => ObservabilityHarness, options: { discards?: boolean } = {}): void {
  const events = sampleEvents();
  const joined = (harness: ObservabilityHarness) => harness.output().join("\n");

  describe(`${name} (observability contract)`, () => {
    it("has a connector-style id when it is a connector", () => {
      const { sink } = make({ config: {} });
      const id = (sink as { id?: unknown }).id;
      if (id !== undefined) expect(id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+\.v\d+$/);
    });

    it("accepts every sample event without throwing", () => {
      const harness = make({ config: { logLevel: "full", minSeverity: "debug" } });
      for (const event of Object.values(events)) expect(() => harness.sink.emit(event)).not.toThrow();
      if (options.discards) expect(harness.output()).toEqual([]);
      else expect(harness.output()).toHaveLength(Object.keys(events).length);
    });

    it("writes nothing at log level silent", () => {
      const harness = make({ config: { logLevel: "silent", minSeverity: "debug" } });
      for (const event of Object.values(events)) harness.sink.emit(event);
      expect(harness.output()).toEqual([]);
    });

    if (options.discards) return;

    it("drops events below minSeverity (default info)", () => {
      const byDefault = make({ config: {} });
      byDefault.sink.emit(events.attemptStart);
      byDefault.sink.emit(events.requestStart);
      expect(byDefault.output()).toHaveLength(1);
      expect(joined(byDefault)).toContain("request-start");
      const errorsOnly = make({ config: { minSeverity: "error" } });
      for (const event of Object.values(events)) errorsOnly.sink.emit(event);
      expect(errorsOnly.output()).toHaveLength(1);
      expect(joined(errorsOnly)).toContain("budget-exceeded");
    });

    it("keeps only outcomes and state changes at log level summary", () => {
      const harness = make({ config: { logLevel: "summary", minSeverity: "debug" } });
      for (const event of Object.values(events)) harness.sink.emit(event);
      const text = joined(harness);
      expect(harness.output()).toHaveLength(3);
      for (const type of ["request-end", "model-deactivated", "budget-exceeded"]) expect(text).toContain(type);
      for (const type of ["request-start", "attempt-start", "attempt-end"]) expect(text).not.toContain(type);
    });

    it("leaves bodies out at metadata (the default) and keeps them at full", () => {
      const metadata = make({ config: {} });
      metadata.sink.emit(events.attemptFailed);
      expect(joined(metadata)).toContain("attempt-end");
      expect(joined(metadata)).toContain("upstream 500");
      expect(joined(metadata)).not.toContain("BODY-MARKER");
      const full = make({ config: { logLevel: "full" } });
      full.sink.emit(events.attemptFailed);
      expect(joined(full)).toContain("BODY-MARKER");
    });

    it("redacts key shapes and configured secret values before output", () => {
      const openaiKey = "sk-proj-ContractKey0123456789abcdefghijklmnopqrstuvwxyzABCD";
      const privateValue = "corp-private-token-7f3a9c";
      const harness = make({ config: { logLevel: "full", secretValues: () => [privateValue] } });
      harness.sink.emit({ ...events.modelDeactivated, reason: `auth failed for ${openaiKey} / ${privateValue}` });
      const text = joined(harness);
      expect(text).toContain("[REDACTED]");
      expect(text).not.toContain(openaiKey);
      expect(text).not.toContain(privateValue);
    });

    it("never modifies the event it was given", () => {
      const harness = make({ config: { logLevel: "full" } });
      const event = structuredClone({ ...events.attemptFailed, error: { ...events.attemptFailed.error, message: "key sk-proj-abcdefghijklmnopqrstuvwxyz012345" } });
      const before = structuredClone(event);
      harness.sink.emit(event);
      expect(event).toEqual(before);
    });

    it("never throws into the caller when its destination fails", async () => {
      const errors: unknown[] = [];
      const harness = make({ config: { onError: (error) => errors.push(error) }, throwOnWrite: true });
      expect(() => harness.sink.emit(events.requestEnd)).not.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(errors.length).toBeGreaterThanOrEqual(1);
      await expect(harness.sink.flush?.() ?? Promise.resolve()).resolves.toBeUndefined();
    });

    it("rejects an unknown log level or severity with a ConfigError", () => {
      expect(() => make({ config: { logLevel: "verbose" as "full" } })).toThrow(ConfigError);
      expect(() => make({ config: { minSeverity: "critical" as "error" } })).toThrow(ConfigError);
    });

    it("flushes and closes", async () => {
      const harness = make({ config: {} });
      harness.sink.emit(events.requestEnd);
      await expect(harness.sink.flush?.() ?? Promise.resolve()).resolves.toBeUndefined();
      await expect(harness.sink.close?.() ?? Promise.resolve()).resolves.toBeUndefined();
    });
  });
}
