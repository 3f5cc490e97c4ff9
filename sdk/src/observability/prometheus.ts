import { ConfigError } from "../wire/errors.js";
import type { MeshEvent } from "../wire/events.js";
import { createRedactor } from "../internal/event-redactor.js";
import type { Redactor } from "../wire/redact.js";
import { BaseObservability, markRedactingEmit } from "./sink.js";
import type { BaseObservabilityConfig } from "./sink.js";

/**
 * Options of `modelmesh.prometheus.v1` (YAML: `prefix`, `buckets`, plus every base option).
 * @example
 * const config: PrometheusObservabilityConfig = { prefix: "llm", buckets: [0.1, 0.5, 1, 5] };
 */
export interface PrometheusObservabilityConfig extends BaseObservabilityConfig {
  /** Metric name prefix (default `modelmesh`): `modelmesh_requests_total`, ... */
  prefix?: string;
  /** Upper bounds, in seconds, of the request-duration histogram's buckets. */
  buckets?: number[];
}

/**
 * Latency buckets in seconds: LLM requests run from tens of milliseconds (embeddings) to a minute (long answers).
 * @example
 * new PrometheusObservability({ buckets: [...DEFAULT_LATENCY_BUCKETS, 120] });
 */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
// Label values come from configuration (pool, provider and model names) and error codes, so the set is small;
// the cap only guards against a misbehaving provider inventing a new model name per request.
const LABEL_CACHE_LIMIT = 10_000;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return Number.isNaN(value) ? "NaN" : String(value);
}

/** One counter family; samples are keyed by their rendered label set. */
class Counter {
  readonly samples = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  add(labels: string, amount = 1): void {
    this.samples.set(labels, (this.samples.get(labels) ?? 0) + amount);
  }
  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [labels, value] of this.samples) lines.push(`${this.name}${labels} ${formatNumber(value)}`);
  }
}

interface HistogramSample {
  labels: string;
  /** Label text without braces, so `le` can be appended. */
  inner: string;
  counts: number[];
  sum: number;
  count: number;
}

/** One histogram family with fixed buckets; counts are stored per bucket and made cumulative when rendered. */
class Histogram {
  readonly samples = new Map<string, HistogramSample>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(labels: string, value: number): void {
    let sample = this.samples.get(labels);
    if (!sample) {
      sample = { labels, inner: labels.slice(1, -1), counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.samples.set(labels, sample);
    }
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) sample.counts[index]! += 1;
    sample.sum += value;
    sample.count += 1;
  }
  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const sample of this.samples.values()) {
      const prefix = sample.inner ? `${sample.inner},` : "";
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += sample.counts[index]!;
        lines.push(`${this.name}_bucket{${prefix}le="${formatNumber(bound)}"} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${sample.count}`);
      lines.push(`${this.name}_sum${sample.labels} ${formatNumber(sample.sum)}`);
      lines.push(`${this.name}_count${sample.labels} ${sample.count}`);
    }
  }
}

/**
 * Metrics for Prometheus (`modelmesh.prometheus.v1`, short name `prometheus`): request, attempt, token, cost and
 * model-health counters and a request-duration histogram, aggregated from the mesh's events. `render()` returns
 * them in the text exposition format (version 0.0.4) for a `/metrics` endpoint; the proxy serves it.
 *
 * Like every sink it drops events below `minSeverity` (default `info`): successful attempts are `debug` events, so
 * set `minSeverity: "debug"` (YAML `min_severity: debug`) to count them too; requests, latency, tokens, cost and
 * failed attempts are counted either way. It never copies events: only label values (pool, provider, model, error
 * code) and numbers reach the output, and each distinct label value is redacted once, when first seen, instead of
 * deep-copying and scrubbing every event as line-writing sinks must.
 * @example
 * const metrics = new PrometheusObservability({ prefix: "modelmesh", minSeverity: "debug" });
 * const client = create({ config: "modelmesh.yaml", observability: { instance: metrics } });
 * server.on("request", (request, response) => response.end(metrics.render()));
 */
export class PrometheusObservability extends BaseObservability {
  static readonly connectorId = "modelmesh.prometheus.v1";
  /** The `Content-Type` of `render()`'s output. */
  static readonly contentType = "text/plain; version=0.0.4; charset=utf-8";
  override readonly id: string = PrometheusObservability.connectorId;
  static {
    // Metrics keep only label values, each scrubbed by `labels()` with every secret source: nothing else is kept.
    markRedactingEmit(this.prototype.emit);
  }
  readonly prefix: string;
  private readonly requests: Counter;
  private readonly attempts: Counter;
  private readonly tokens: Counter;
  private readonly cost: Counter;
  private readonly deactivations: Counter;
  private readonly recoveries: Counter;
  private readonly keysDisabled: Counter;
  private readonly streamFailovers: Counter;
  private readonly duration: Histogram;
  private readonly labelValues = new Map<string, string>();
  private readonly labelSets = new Map<string, string>();
  private readonly secretSourceList: Array<() => readonly string[]> = [];
  private readonly redactLabel: Redactor;
  private readonly reportFailure: (error: unknown) => void;

  constructor(config: PrometheusObservabilityConfig = {}) {
    super(config);
    // The FAQ's YAML shows `port`/`path`, but this sink only renders text: it never listens. Refuse the keys rather
    // than accept a setting that does nothing.
    for (const key of ["port", "path"] as const) {
      if ((config as Record<string, unknown>)[key] !== undefined) {
        throw new ConfigError(
          `observability.config.${key}`,
          `${PrometheusObservability.connectorId} does not listen on a port of its own: serve render() from your server, or run the ModelMesh proxy, which serves these metrics at /metrics on its own port`,
        );
      }
    }
    const prefix = config.prefix ?? "modelmesh";
    if (typeof prefix !== "string" || !METRIC_NAME.test(prefix)) {
      throw new ConfigError("observability.config.prefix", `must be a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*), got ${JSON.stringify(prefix)}`);
    }
    const buckets = config.buckets ?? DEFAULT_LATENCY_BUCKETS;
    if (!Array.isArray(buckets) || buckets.length === 0 || buckets.some((bound, index) => typeof bound !== "number" || !(bound > (buckets[index - 1] ?? -Infinity)))) {
      throw new ConfigError("observability.config.buckets", "must be a non-empty list of increasing numbers (seconds)");
    }
    this.prefix = prefix;
    const name = (suffix: string) => `${prefix}_${suffix}`;
    this.requests = new Counter(name("requests_total"), "Routed requests by pool, serving provider and model, outcome and error code.");
    this.attempts = new Counter(name("attempts_total"), "Attempts on one model (a request makes one or more), by outcome and error code.");
    this.tokens = new Counter(name("tokens_total"), "Tokens reported by providers, by type (prompt or completion).");
    this.cost = new Counter(name("cost_usd_total"), "Estimated cost in US dollars from the models' price tables.");
    this.deactivations = new Counter(name("model_deactivations_total"), "Times a model was taken out of rotation.");
    this.recoveries = new Counter(name("model_recoveries_total"), "Times a model came back into rotation.");
    this.keysDisabled = new Counter(name("keys_disabled_total"), "Times a provider's key was rejected and its models disabled.");
    this.streamFailovers = new Counter(name("stream_failovers_total"), "Streams continued on another model after a mid-stream failure.");
    this.duration = new Histogram(name("request_duration_seconds"), "Request latency in seconds as the router measured it, by pool.", buckets);
    if (config.secretValues) this.secretSourceList.push(config.secretValues);
    this.redactLabel = createRedactor(() => this.secretSourceList.flatMap((source) => [...source()]));
    const onError = config.onError;
    this.reportFailure = (error) => {
      try {
        onError?.(error);
      } catch {
        // An error handler that throws must not turn metrics into a failure.
      }
    };
  }

  override useSecretValues(source: () => readonly string[]): void {
    super.useSecretValues(source);
    this.secretSourceList.push(source);
    // Values cached before this source existed may hold what it now knows to be secret.
    this.labelValues.clear();
    this.labelSets.clear();
  }

  // The base class deep-copies and scrubs every event; metrics read a few fields, so only those are scrubbed.
  override emit(event: MeshEvent): void {
    try {
      if (!this.accepts(event.type, event.severity)) return;
      this.record(event);
    } catch (error) {
      this.reportFailure(error);
    }
  }

  /**
   * The metrics in Prometheus' text exposition format; serve it with `PrometheusObservability.contentType`.
   * @example
   * response.writeHead(200, { "content-type": PrometheusObservability.contentType }).end(metrics.render());
   */
  render(): string {
    const lines: string[] = [];
    for (const family of [this.requests, this.attempts, this.tokens, this.cost, this.deactivations, this.recoveries, this.keysDisabled, this.streamFailovers, this.duration]) {
      family.render(lines);
    }
    return `${lines.join("\n")}\n`;
  }

  /** Clears every sample (tests, or a scrape-and-reset pipeline). */
  reset(): void {
    for (const family of [this.requests, this.attempts, this.tokens, this.cost, this.deactivations, this.recoveries, this.keysDisabled, this.streamFailovers, this.duration]) {
      family.samples.clear();
    }
  }

  // Never used: metrics are aggregated, not written line by line.
  protected _write(_line: string): void {}

  private record(event: MeshEvent): void {
    switch (event.type) {
      case "request-end": {
        const outcome = event.ok ? "ok" : "error";
        const code = event.ok ? "" : (event.error?.code ?? "unknown");
        this.requests.add(this.labels(["pool", event.pool], ["provider", event.provider ?? ""], ["model", event.model ?? ""], ["outcome", outcome], ["code", code]));
        this.duration.observe(this.labels(["pool", event.pool]), Math.max(0, event.latencyMs) / 1000);
        const served = [["pool", event.pool], ["provider", event.provider ?? ""], ["model", event.model ?? ""]] as const;
        if (event.usage) {
          this.tokens.add(this.labels(...served, ["type", "prompt"]), event.usage.promptTokens);
          this.tokens.add(this.labels(...served, ["type", "completion"]), event.usage.completionTokens);
        }
        if (event.cost) this.cost.add(this.labels(...served), event.cost);
        return;
      }
      case "attempt-end": {
        const code = event.ok ? "" : (event.error?.code ?? "unknown");
        this.attempts.add(this.labels(["pool", event.pool], ["provider", event.provider], ["model", event.model], ["outcome", event.ok ? "ok" : "error"], ["code", code]));
        return;
      }
      case "model-deactivated":
        this.deactivations.add(this.labels(["provider", event.provider], ["model", event.model]));
        return;
      case "model-recovered":
        this.recoveries.add(this.labels(["provider", event.provider], ["model", event.model]));
        return;
      case "key-disabled":
        this.keysDisabled.add(this.labels(["provider", event.provider]));
        return;
      case "stream-failover":
        this.streamFailovers.add(this.labels(["pool", event.pool]));
        return;
      default:
        return;
    }
  }

  private labels(...pairs: ReadonlyArray<readonly [string, string]>): string {
    // Every request records the same few label sets: build each one's text once (it is scrubbed and escaped).
    let key = "";
    // Length-prefixed, so no value (a provider may invent model names) can make two label sets share a key.
    for (const [name, value] of pairs) key += `${name}=${value.length}:${value};`;
    let text = this.labelSets.get(key);
    if (text === undefined) {
      text = `{${pairs.map(([name, value]) => `${name}="${this.labelValue(value)}"`).join(",")}}`;
      if (this.labelSets.size >= LABEL_CACHE_LIMIT) this.labelSets.clear();
      this.labelSets.set(key, text);
    }
    return text;
  }

  private labelValue(raw: string): string {
    let value = this.labelValues.get(raw);
    if (value === undefined) {
      value = escapeLabelValue(this.redactLabel(String(raw)));
      if (this.labelValues.size >= LABEL_CACHE_LIMIT) this.labelValues.clear();
      this.labelValues.set(raw, value);
    }
    return value;
  }
}
