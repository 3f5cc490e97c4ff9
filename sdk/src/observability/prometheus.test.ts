import { describe, expect, it } from "vitest";
import { ConfigError } from "../wire/error-base.js";
import type { MeshEvent } from "../wire/events.js";
import { loadConnector } from "../core/registry-load.js";
import { registerBuiltins } from "../core/builtins.js";
import { create } from "../client/create.js";
import { sampleEvents } from "../../test/contracts/observability.contract.js";
import { startFakeOpenAI } from "../../test/fakes/openai.js";
import { PrometheusObservability } from "./prometheus.js";

const events = sampleEvents();

/** Sample lines (not comments) of one metric name, e.g. `modelmesh_requests_total{...} 1`. */
function samples(text: string, name: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe("PrometheusObservability", () => {
  it("is registered as modelmesh.prometheus.v1 with the short name prometheus", async () => {
    registerBuiltins();
    expect((await loadConnector("observability", "prometheus", "observability.connector")).connector).toBe(PrometheusObservability);
    expect((await loadConnector("observability", "modelmesh.prometheus.v1", "observability.connector")).connector).toBe(PrometheusObservability);
    expect(new PrometheusObservability().id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+\.v\d+$/);
  });

  it("renders HELP and TYPE lines for every family, even before any event", () => {
    const text = new PrometheusObservability().render();
    for (const name of ["requests_total", "attempts_total", "tokens_total", "cost_usd_total", "model_deactivations_total"]) {
      expect(text).toContain(`# HELP modelmesh_${name} `);
      expect(text).toContain(`# TYPE modelmesh_${name} counter`);
    }
    expect(text).toContain("# TYPE modelmesh_request_duration_seconds histogram");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("counts requests, attempts, tokens, cost and deactivations", () => {
    const sink = new PrometheusObservability({ minSeverity: "debug" });
    sink.emit(events.requestStart);
    sink.emit(events.attemptStart);
    sink.emit(events.attemptFailed);
    sink.emit({ ...events.attemptFailed, severity: "debug", ok: true, error: undefined, attempt: 2 });
    sink.emit(events.requestEnd);
    sink.emit(events.requestEnd);
    sink.emit(events.modelDeactivated);
    const text = sink.render();
    expect(samples(text, "modelmesh_requests_total")).toEqual([
      'modelmesh_requests_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",outcome="ok",code=""} 2',
    ]);
    expect(samples(text, "modelmesh_attempts_total")).toEqual([
      'modelmesh_attempts_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",outcome="error",code="provider_error"} 1',
      'modelmesh_attempts_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",outcome="ok",code=""} 1',
    ]);
    expect(samples(text, "modelmesh_tokens_total")).toEqual([
      'modelmesh_tokens_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",type="prompt"} 20',
      'modelmesh_tokens_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",type="completion"} 10',
    ]);
    expect(samples(text, "modelmesh_cost_usd_total")).toEqual(['modelmesh_cost_usd_total{pool="chat",provider="openai.llm.v1",model="gpt-4o"} 0.0002']);
    expect(samples(text, "modelmesh_model_deactivations_total")).toEqual(['modelmesh_model_deactivations_total{provider="openai.llm.v1",model="gpt-4o"} 1']);
  });

  it("keeps a cumulative latency histogram in seconds", () => {
    const sink = new PrometheusObservability({ buckets: [0.1, 1] });
    sink.emit({ ...events.requestEnd, latencyMs: 50 });
    sink.emit({ ...events.requestEnd, latencyMs: 812 });
    sink.emit({ ...events.requestEnd, latencyMs: 5000 });
    const text = sink.render();
    expect(text).toContain('modelmesh_request_duration_seconds_bucket{pool="chat",le="0.1"} 1');
    expect(text).toContain('modelmesh_request_duration_seconds_bucket{pool="chat",le="1"} 2');
    expect(text).toContain('modelmesh_request_duration_seconds_bucket{pool="chat",le="+Inf"} 3');
    expect(text).toContain('modelmesh_request_duration_seconds_sum{pool="chat"} 5.862');
    expect(text).toContain('modelmesh_request_duration_seconds_count{pool="chat"} 3');
  });

  it("uses the configured prefix and rejects an invalid one or bad buckets", () => {
    const sink = new PrometheusObservability({ prefix: "llm_gateway" });
    sink.emit(events.requestEnd);
    expect(sink.render()).toContain("llm_gateway_requests_total{");
    expect(() => new PrometheusObservability({ prefix: "bad-prefix" })).toThrow(ConfigError);
    expect(() => new PrometheusObservability({ buckets: [1, 0.5] })).toThrow(ConfigError);
  });

  it("escapes label values and redacts secrets in them", () => {
    const key = "sk-proj-PrometheusKey0123456789abcdefghijklmnop";
    const sink = new PrometheusObservability({ secretValues: () => ["corp-secret-value"] });
    sink.emit({ ...events.requestEnd, pool: 'we"ird\\pool\nname', model: key, provider: "corp-secret-value" });
    const text = sink.render();
    expect(text).toContain('pool="we\\"ird\\\\pool\\nname"');
    expect(text).not.toContain(key);
    expect(text).not.toContain("corp-secret-value");
    expect(text).toContain("[REDACTED]");
  });

  it("drops events below info by default (successful attempts are debug), like every sink", () => {
    const sink = new PrometheusObservability();
    sink.emit(events.attemptFailed);
    sink.emit({ ...events.attemptFailed, severity: "debug", ok: true, error: undefined });
    sink.emit(events.requestEnd);
    const text = sink.render();
    expect(samples(text, "modelmesh_attempts_total")).toEqual(['modelmesh_attempts_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",outcome="error",code="provider_error"} 1']);
    expect(samples(text, "modelmesh_requests_total")).toHaveLength(1);
  });

  it("at log level summary counts outcomes and state changes only", () => {
    const sink = new PrometheusObservability({ logLevel: "summary", minSeverity: "debug" });
    sink.emit(events.attemptFailed);
    sink.emit(events.requestEnd);
    sink.emit(events.modelDeactivated);
    const text = sink.render();
    expect(samples(text, "modelmesh_attempts_total")).toEqual([]);
    expect(samples(text, "modelmesh_requests_total")).toHaveLength(1);
    expect(samples(text, "modelmesh_model_deactivations_total")).toHaveLength(1);
  });

  it("never modifies the event it was given", () => {
    const event = structuredClone({ ...events.requestEnd, model: "sk-proj-abcdefghijklmnopqrstuvwxyz012345" });
    const before = structuredClone(event);
    new PrometheusObservability().emit(event);
    expect(event).toEqual(before);
  });

  it("honours log level silent and minSeverity, and never throws into the caller", () => {
    const silent = new PrometheusObservability({ logLevel: "silent" });
    silent.emit(events.requestEnd);
    expect(samples(silent.render(), "modelmesh_requests_total")).toEqual([]);
    const warnings = new PrometheusObservability({ minSeverity: "warning" });
    warnings.emit(events.requestEnd);
    warnings.emit(events.attemptFailed);
    expect(samples(warnings.render(), "modelmesh_requests_total")).toEqual([]);
    expect(samples(warnings.render(), "modelmesh_attempts_total")).toHaveLength(1);
    const errors: unknown[] = [];
    const sink = new PrometheusObservability({ onError: (error) => errors.push(error) });
    expect(() => sink.emit({ ...events.requestEnd, latencyMs: undefined, pool: undefined } as unknown as MeshEvent)).not.toThrow();
    expect(() => sink.emit({ ...events.requestEnd, usage: null } as unknown as MeshEvent)).not.toThrow();
    expect(() => sink.emit(null as unknown as MeshEvent)).not.toThrow();
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(() => new PrometheusObservability({ logLevel: "verbose" as "full" })).toThrow(ConfigError);
  });

  it("resets, flushes and closes", async () => {
    const sink = new PrometheusObservability();
    sink.emit(events.requestEnd);
    sink.reset();
    expect(samples(sink.render(), "modelmesh_requests_total")).toEqual([]);
    await expect(sink.flush()).resolves.toBeUndefined();
    await expect(sink.close()).resolves.toBeUndefined();
  });

  it("aggregates a real mesh's events, failover included", async () => {
    const fake = await startFakeOpenAI({ models: ["alpha", "beta"] });
    const sink = new PrometheusObservability({ minSeverity: "debug" });
    const model = (id: string) => ({ id, capabilities: ["generation.text-generation.chat-completion"] });
    const client = create({
      config: {
        providers: { a: { connector: "openai-compatible", config: { base_url: fake.url, api_key: "sk-test", models: [model("alpha"), model("beta")] } } },
        pools: { chat: { capability: "chat-completion", retry: { max_retries: 0 } } },
      },
      observability: { instance: sink },
    });
    try {
      fake.enqueue({ kind: "error", status: 503 });
      await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hi" }] });
      const text = sink.render();
      expect(samples(text, "modelmesh_requests_total")).toHaveLength(1);
      expect(samples(text, "modelmesh_requests_total")[0]).toMatch(/outcome="ok".* 1$/);
      expect(samples(text, "modelmesh_attempts_total").map((line) => /outcome="(\w+)"/.exec(line)?.[1]).sort()).toEqual(["error", "ok"]);
      expect(text).toContain('modelmesh_request_duration_seconds_count{pool="chat"} 1');
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
