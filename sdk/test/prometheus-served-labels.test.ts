import { describe, expect, it } from "vitest";
import { PrometheusObservability } from "../src/observability/prometheus.js";
import { sampleEvents } from "./contracts/observability.contract.js";

// Successful requests reuse the label texts of their (pool, provider, model): the text must stay exactly what the
// uncached path writes, follow reset() and secrets learned later, and never mix two models up.
const events = sampleEvents();
const ok = events.requestEnd;
const attemptOk = { ...events.attemptStart, severity: "info" as const, type: "attempt-end" as const, ok: true, latencyMs: 100 };

function line(text: string, prefix: string): string[] {
  return text.split("\n").filter((entry) => entry.startsWith(prefix));
}

describe("PrometheusObservability: label texts of successful requests", () => {
  it("counts each served model on its own series, with the same label text as a failure's series uses", () => {
    const metrics = new PrometheusObservability();
    for (let index = 0; index < 3; index += 1) metrics.emit(ok);
    metrics.emit({ ...ok, model: "gpt-4o-mini", usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 }, cost: 0.5 });
    metrics.emit(attemptOk);
    metrics.emit(attemptOk);
    metrics.emit({ ...ok, ok: false, error: { name: "ProviderError", code: "provider_error", message: "x", retryable: true } });
    const text = metrics.render();
    expect(line(text, "modelmesh_requests_total")).toEqual([
      'modelmesh_requests_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",outcome="ok",code=""} 3',
      'modelmesh_requests_total{pool="chat",provider="openai.llm.v1",model="gpt-4o-mini",outcome="ok",code=""} 1',
      'modelmesh_requests_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",outcome="error",code="provider_error"} 1',
    ]);
    expect(line(text, "modelmesh_tokens_total")).toEqual([
      'modelmesh_tokens_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",type="prompt"} 40',
      'modelmesh_tokens_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",type="completion"} 20',
      'modelmesh_tokens_total{pool="chat",provider="openai.llm.v1",model="gpt-4o-mini",type="prompt"} 1',
      'modelmesh_tokens_total{pool="chat",provider="openai.llm.v1",model="gpt-4o-mini",type="completion"} 2',
    ]);
    expect(line(text, "modelmesh_cost_usd_total")).toEqual([
      'modelmesh_cost_usd_total{pool="chat",provider="openai.llm.v1",model="gpt-4o"} 0.0004',
      'modelmesh_cost_usd_total{pool="chat",provider="openai.llm.v1",model="gpt-4o-mini"} 0.5',
    ]);
    expect(line(text, "modelmesh_attempts_total")).toEqual(['modelmesh_attempts_total{pool="chat",provider="openai.llm.v1",model="gpt-4o",outcome="ok",code=""} 2']);
    expect(line(text, "modelmesh_request_duration_seconds_count")).toEqual(['modelmesh_request_duration_seconds_count{pool="chat"} 5']);
  });

  it("starts again from nothing after reset(), and scrubs a secret learned after the texts were first built", () => {
    const secret = "corp-model-hush-42";
    const metrics = new PrometheusObservability();
    metrics.emit({ ...ok, model: secret });
    expect(metrics.render()).toContain(secret);
    metrics.reset();
    expect(line(metrics.render(), "modelmesh_requests_total")).toEqual([]);
    metrics.useSecretValues(() => [secret]);
    metrics.emit({ ...ok, model: secret });
    const text = metrics.render();
    expect(text).not.toContain(secret);
    expect(line(text, "modelmesh_requests_total")).toHaveLength(1);
    expect(line(text, "modelmesh_requests_total")[0]).toMatch(/ 1$/);
  });
});
