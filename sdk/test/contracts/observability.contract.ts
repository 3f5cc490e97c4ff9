import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/wire/error-base.js";
import type { EventSink, MeshEvent } from "../../src/wire/events.js";
import type { BaseObservabilityConfig } from "../../src/observability/sink.js";

/** What a contract run needs from one sink: the sink, and everything it has output so far as text. */
export interface ObservabilityHarness {
  sink: EventSink;
  /**
   * Lines written (or, for structured sinks, each delivered event as JSON; for metrics, the sample lines), read
   * after `sink.flush()`, so sinks that write in the background (file, webhook) are read once they have.
   */
  output(): string[] | Promise<string[]>;
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
 * by design (the null sink): they must only accept everything without failing. `aggregates: true` is for sinks
 * whose output is metrics, not one line per event (Prometheus): the same rules are checked on the sample lines.
 * @example
 * observabilityContract("JsonLogObservability", ({ config }) => { const lines: string[] = []; return { sink: new JsonLogObservability({ ...config, write: (line) => lines.push(line) }), output: () => lines } });
 */
export function observabilityContract(
  name: string,
  make: (options: ObservabilityHarnessOptions) => ObservabilityHarness | Promise<ObservabilityHarness>,
  options: { discards?: boolean; aggregates?: boolean } = {},
): void {
  const events = sampleEvents();
  const output = async (harness: ObservabilityHarness) => {
    await harness.sink.flush?.();
    return harness.output();
  };
  const joined = async (harness: ObservabilityHarness) => (await output(harness)).join("\n");
  const metrics = options.aggregates === true;

  describe(`${name} (observability contract)`, () => {
    it("has a connector-style id when it is a connector", async () => {
      const { sink } = await make({ config: {} });
      const id = (sink as { id?: unknown }).id;
      if (id !== undefined) expect(id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+\.v\d+$/);
    });

    it("accepts every sample event without throwing", async () => {
      const harness = await make({ config: { logLevel: "full", minSeverity: "debug" } });
      for (const event of Object.values(events)) expect(() => harness.sink.emit(event)).not.toThrow();
      if (options.discards) expect(await output(harness)).toEqual([]);
      else if (metrics) expect(await joined(harness)).toMatch(/_requests_total\{.*\} 1\n[\s\S]*_budget_exceeded_total\{/);
      else expect(await output(harness)).toHaveLength(Object.keys(events).length);
    });

    it("writes nothing at log level silent", async () => {
      const harness = await make({ config: { logLevel: "silent", minSeverity: "debug" } });
      for (const event of Object.values(events)) harness.sink.emit(event);
      expect(await output(harness)).toEqual([]);
    });

    if (options.discards) return;

    it("drops events below minSeverity (default info)", async () => {
      const byDefault = await make({ config: {} });
      const successfulAttempt = { ...events.attemptFailed, severity: "debug", ok: true, error: undefined } as MeshEvent;
      byDefault.sink.emit(events.attemptStart);
      byDefault.sink.emit(successfulAttempt);
      byDefault.sink.emit(events.requestStart);
      byDefault.sink.emit(events.requestEnd);
      if (metrics) {
        expect(await joined(byDefault)).toContain("_requests_total{");
        expect(await joined(byDefault)).not.toContain("_attempts_total{");
      } else {
        expect(await output(byDefault)).toHaveLength(2);
        expect(await joined(byDefault)).toContain("request-start");
        expect(await joined(byDefault)).not.toContain("attempt-start");
      }
      const errorsOnly = await make({ config: { minSeverity: "error" } });
      for (const event of Object.values(events)) errorsOnly.sink.emit(event);
      if (metrics) {
        expect(await joined(errorsOnly)).toContain("_budget_exceeded_total{");
        expect(await joined(errorsOnly)).not.toContain("_requests_total{");
      } else {
        expect(await output(errorsOnly)).toHaveLength(1);
        expect(await joined(errorsOnly)).toContain("budget-exceeded");
      }
    });

    it("keeps only outcomes and state changes at log level summary", async () => {
      const harness = await make({ config: { logLevel: "summary", minSeverity: "debug" } });
      for (const event of Object.values(events)) harness.sink.emit(event);
      const text = await joined(harness);
      if (metrics) {
        for (const family of ["_requests_total{", "_model_deactivations_total{", "_budget_exceeded_total{"]) expect(text).toContain(family);
        expect(text).not.toContain("_attempts_total{");
        return;
      }
      expect(await output(harness)).toHaveLength(3);
      for (const type of ["request-end", "model-deactivated", "budget-exceeded"]) expect(text).toContain(type);
      for (const type of ["request-start", "attempt-start", "attempt-end"]) expect(text).not.toContain(type);
    });

    it.skipIf(metrics)("leaves bodies out at metadata (the default) and keeps them at full", async () => {
      const metadata = await make({ config: {} });
      metadata.sink.emit(events.attemptFailed);
      const text = await joined(metadata);
      expect(text).toContain("attempt-end");
      expect(text).toContain("upstream 500");
      expect(text).not.toContain("BODY-MARKER");
      const full = await make({ config: { logLevel: "full" } });
      full.sink.emit(events.attemptFailed);
      expect(await joined(full)).toContain("BODY-MARKER");
    });

    it("redacts key shapes and configured secret values before output", async () => {
      // Built at run time: no key-shaped literal in the repository.
      const openaiKey = ["sk", "proj", "ContractKey0123456789abcdefghijklmnopqrstuvwxyzABCD"].join("-");
      const privateValue = "corp-private-token-7f3a9c";
      const harness = await make({ config: { logLevel: "full", secretValues: () => [privateValue] } });
      // In a free-text field and in a label-like one (metrics keep model names).
      harness.sink.emit({ ...events.modelDeactivated, model: `m-${openaiKey}-${privateValue}`, reason: `auth failed for ${openaiKey} / ${privateValue}` });
      const text = await joined(harness);
      expect(text).toContain("[REDACTED]");
      expect(text).not.toContain(openaiKey);
      expect(text).not.toContain(privateValue);
    });

    it("never modifies the event it was given", async () => {
      const harness = await make({ config: { logLevel: "full" } });
      const event = structuredClone({ ...events.attemptFailed, error: { ...events.attemptFailed.error, message: `key ${["sk", "proj", "abcdefghijklmnopqrstuvwxyz012345"].join("-")}` } });
      const before = structuredClone(event);
      harness.sink.emit(event);
      expect(event).toEqual(before);
    });

    it.skipIf(metrics)("never throws into the caller when its destination fails", async () => {
      const errors: unknown[] = [];
      const harness = await make({ config: { onError: (error) => errors.push(error) }, throwOnWrite: true });
      expect(() => harness.sink.emit(events.requestEnd)).not.toThrow();
      await expect(harness.sink.flush?.() ?? Promise.resolve()).resolves.toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(errors.length).toBeGreaterThanOrEqual(1);
    });

    it("rejects an unknown log level or severity with a ConfigError", async () => {
      await expect(async () => make({ config: { logLevel: "verbose" as "full" } })).rejects.toThrow(ConfigError);
      await expect(async () => make({ config: { minSeverity: "critical" as "error" } })).rejects.toThrow(ConfigError);
    });

    it("flushes and closes", async () => {
      const harness = await make({ config: {} });
      harness.sink.emit(events.requestEnd);
      await expect(harness.sink.flush?.() ?? Promise.resolve()).resolves.toBeUndefined();
      await expect(harness.sink.close?.() ?? Promise.resolve()).resolves.toBeUndefined();
    });
  });
}
