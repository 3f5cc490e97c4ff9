import { ConfigError } from "../wire/error-base.js";
import type { MeshEvent, MeshEventType, MeshStats, Severity } from "../wire/events.js";
import { createRedactor } from "../internal/event-redactor.js";
import type { Redactor } from "../wire/redact.js";
import { BaseObservability, markRedactingEmit } from "./sink.js";
import type { BaseObservabilityConfig, StatsSource } from "./sink.js";

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
  /** Node: serve the metrics on this port (the FAQ's `port: 9090`; 0 picks a free one). Unset, nothing listens. */
  port?: number;
  /** Node: the path they are served at (default `/metrics`). */
  path?: string;
  /** Node: the address to listen on (default `127.0.0.1`; `0.0.0.0` in a container that Prometheus scrapes from outside). */
  host?: string;
}

/**
 * Latency buckets in seconds: LLM requests run from tens of milliseconds (embeddings) to a minute (long answers).
 * @example
 * new PrometheusObservability({ buckets: [...DEFAULT_LATENCY_BUCKETS, 120] });
 */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
// Series one family keeps; past it new label sets are counted under every label "overflow", so a provider that
// invents a model name per request, or ten thousand budget scopes, cannot grow a scrape without bound.
const MAX_SERIES_PER_FAMILY = 1_000;
/** The label value standing for every series past a family's limit. */
export const OVERFLOW_LABEL = "overflow";
// Longest label value kept (longer ones are cut): names come from configuration and are short.
const MAX_LABEL_LENGTH = 200;
// A computed specifier: bundlers leave `import(variable)` alone, so node:http never enters a browser bundle, while
// Node resolves it next to this file (src/node/ from source, dist/node/ when built).
const SERVER_MODULE = "../node/prometheus-server.js";
// Label values come from configuration (pool, provider and model names) and error codes, so the set is small;
// the cap only guards against a misbehaving provider inventing a new model name per request.
const LABEL_CACHE_LIMIT = 10_000;

function escapeLabelValue(value: string): string {
  if (value.length > MAX_LABEL_LENGTH) value = value.slice(0, MAX_LABEL_LENGTH);
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

/** One gauge family, set from the mesh's statistics each time metrics are rendered. */
class Gauge {
  readonly samples = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`);
    for (const [labels, value] of this.samples) lines.push(`${this.name}${labels} ${formatNumber(value)}`);
  }
}

/** The label texts a successful request of one (pool, provider, model) records, each filled in on first use. */
interface ServedLabels {
  request?: string;
  duration?: string;
  prompt?: string;
  completion?: string;
  cost?: string;
  unpriced?: string;
  attempt?: string;
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

/** The event types `record` turns into metrics; every other type is dropped, so it is not asked for. */
const RECORDED: ReadonlySet<MeshEventType> = new Set<MeshEventType>(["request-end", "attempt-end", "model-deactivated", "model-recovered", "key-disabled", "stream-failover", "budget-exceeded", "budget-alert", "stats"]);

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
  private readonly unpriced: Counter;
  private readonly deactivations: Counter;
  private readonly recoveries: Counter;
  private readonly keysDisabled: Counter;
  private readonly streamFailovers: Counter;
  private readonly duration: Histogram;
  private readonly budgetsExceeded: Counter;
  private readonly budgetAlerts: Counter;
  private readonly activeModels: Gauge;
  private readonly standbyModels: Gauge;
  private readonly budgetRemaining: Gauge;
  private readonly budgetSpent: Gauge;
  private readonly budgetLimit: Gauge;
  private statsSource: StatsSource | undefined;
  private lastStats: MeshStats | undefined;
  readonly port: number | undefined;
  readonly path: string;
  readonly host: string;
  private server: { url: string; close(): Promise<void> } | undefined;
  private opening: Promise<void> | undefined;
  private readonly labelValues = new Map<string, string>();
  private readonly labelSets = new Map<string, string>();
  private readonly served = new Map<string, Map<string, Map<string, ServedLabels>>>();
  private readonly secretSourceList: Array<() => readonly string[]> = [];
  private readonly redactLabel: Redactor;
  private readonly reportFailure: (error: unknown) => void;

  constructor(config: PrometheusObservabilityConfig = {}) {
    super(config);
    if (config.port !== undefined && (typeof config.port !== "number" || !Number.isInteger(config.port) || config.port < 0 || config.port > 65_535)) {
      throw new ConfigError("observability.config.port", `must be a port number, 0 to 65535 (got ${JSON.stringify(config.port)})`);
    }
    if (config.path !== undefined && (typeof config.path !== "string" || !/^\/[^\s?#]*$/.test(config.path))) {
      throw new ConfigError("observability.config.path", `must be a URL path starting with "/" (got ${JSON.stringify(config.path)})`);
    }
    if (config.host !== undefined && (typeof config.host !== "string" || config.host === "")) {
      throw new ConfigError("observability.config.host", "must be an address to listen on, such as 127.0.0.1 or 0.0.0.0");
    }
    this.port = config.port;
    this.path = config.path ?? "/metrics";
    this.host = config.host ?? "127.0.0.1";
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
    this.unpriced = new Counter(name("unpriced_requests_total"), "Requests served by a model without a price: their cost is unknown and not in cost_usd_total.");
    this.deactivations = new Counter(name("model_deactivations_total"), "Times a model was taken out of rotation.");
    this.recoveries = new Counter(name("model_recoveries_total"), "Times a model came back into rotation.");
    this.keysDisabled = new Counter(name("keys_disabled_total"), "Times a provider's key was rejected and its models disabled.");
    this.streamFailovers = new Counter(name("stream_failovers_total"), "Streams continued on another model after a mid-stream failure.");
    this.duration = new Histogram(name("request_duration_seconds"), "Request latency in seconds as the router measured it, by pool.", buckets);
    this.budgetsExceeded = new Counter(name("budget_exceeded_total"), "Requests a budget refused, by budget scope and limit type.");
    this.budgetAlerts = new Counter(name("budget_alerts_total"), "Budget alert thresholds crossed, by budget scope and limit type.");
    this.activeModels = new Gauge(name("pool_active_models"), "Models in rotation, by pool.");
    this.standbyModels = new Gauge(name("pool_standby_models"), "Models out of rotation (cooling down or disabled), by pool.");
    this.budgetRemaining = new Gauge(name("budget_remaining_usd"), "What a budget has left this period (limit minus spent minus reserved), by budget and period.");
    this.budgetSpent = new Gauge(name("budget_spent_usd"), "What a budget has spent this period, by budget and period.");
    this.budgetLimit = new Gauge(name("budget_limit_usd"), "A budget's limit for the period, by budget and period.");
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
    this.served.clear();
  }

  /**
   * Where the gauges (active/standby models per pool, budgets' remaining) are read at each render; the mesh passes
   * its own. No timer: a scrape always sees current numbers.
   */
  override useStatsSource(source: StatsSource): void {
    this.statsSource = source;
  }

  /** The address metrics are served at once `open()` has run with a `port` (undefined otherwise). */
  get url(): string | undefined {
    return this.server?.url;
  }

  /**
   * With a `port` (Node only), starts serving `render()` at `path`; the mesh calls it at start, so a port in use
   * fails `create()`. Without one it does nothing.
   */
  override async open(): Promise<void> {
    if (this.port === undefined || this.server) return;
    this.opening ??= this.listen().finally(() => (this.opening = undefined));
    await this.opening;
  }

  override async close(): Promise<void> {
    await super.close();
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }

  private async listen(): Promise<void> {
    const versions = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions;
    if (typeof versions?.node !== "string") {
      throw new ConfigError("observability.config.port", `${PrometheusObservability.connectorId} serves a port in Node only; in a browser, read render() instead`);
    }
    const specifier = SERVER_MODULE;
    const module = (await import(/* @vite-ignore */ specifier)) as {
      serveMetrics(render: () => string, options: { port: number; path: string; host: string; contentType: string }): Promise<{ url: string; close(): Promise<void> }>;
    };
    try {
      this.server = await module.serveMetrics(() => this.render(), { port: this.port!, path: this.path, host: this.host, contentType: PrometheusObservability.contentType });
    } catch (error) {
      throw new ConfigError("observability.config.port", `${PrometheusObservability.connectorId} cannot listen on ${this.host}:${this.port}: ${(error as Error).message}`);
    }
  }

  /** Only the events a metric is made of (`record`'s cases): the router then builds no starts of requests or attempts for it. */
  override accepts(type: MeshEventType, severity: Severity): boolean {
    return RECORDED.has(type) && super.accepts(type, severity);
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
    this.refreshGauges();
    for (const family of this.families()) family.render(lines);
    return `${lines.join("\n")}\n`;
  }

  /** Clears every sample (tests, or a scrape-and-reset pipeline). */
  reset(): void {
    for (const family of this.families()) family.samples.clear();
    this.served.clear();
    this.lastStats = undefined;
  }

  private families(): Array<Counter | Gauge | Histogram> {
    return [
      this.requests, this.attempts, this.tokens, this.cost, this.unpriced, this.deactivations, this.recoveries, this.keysDisabled, this.streamFailovers,
      this.budgetsExceeded, this.budgetAlerts, this.duration, this.activeModels, this.standbyModels, this.budgetRemaining, this.budgetSpent, this.budgetLimit,
    ];
  }

  private refreshGauges(): void {
    let stats = this.lastStats;
    try {
      if (this.statsSource) stats = this.statsSource();
    } catch (error) {
      this.reportFailure(error);
    }
    for (const gauge of [this.activeModels, this.standbyModels, this.budgetRemaining, this.budgetSpent, this.budgetLimit]) gauge.samples.clear();
    if (!stats) return;
    for (const [pool, counts] of Object.entries(stats.pools ?? {})) {
      this.set(this.activeModels, [["pool", pool]], counts.active);
      this.set(this.standbyModels, [["pool", pool]], counts.standby);
    }
    for (const budget of stats.budgets ?? []) {
      const labels = [["budget", budget.budget], ["period", budget.period]] as const;
      this.set(this.budgetRemaining, labels, budget.remaining);
      this.set(this.budgetSpent, labels, budget.spent);
      this.set(this.budgetLimit, labels, budget.limit);
    }
  }

  private set(gauge: Gauge, pairs: ReadonlyArray<readonly [string, string]>, value: number): void {
    const labels = this.bounded(gauge.samples, pairs);
    // Folded series (past the limit) add up, as counters do; budgets' remaining then reads as a total.
    gauge.samples.set(labels, (gauge.samples.get(labels) ?? 0) + value);
  }

  /** The label text of `pairs`, or of the overflow series when the family is full and this is a new series. */
  private bounded(samples: Map<string, unknown>, pairs: ReadonlyArray<readonly [string, string]>): string {
    const labels = this.labels(...pairs);
    if (samples.has(labels) || samples.size < MAX_SERIES_PER_FAMILY) return labels;
    return this.labels(...pairs.map(([name]) => [name, OVERFLOW_LABEL] as const));
  }

  // Never used: metrics are aggregated, not written line by line.
  protected _write(_line: string): void {}

  private count(family: Counter, pairs: ReadonlyArray<readonly [string, string]>, amount = 1): void {
    family.add(this.bounded(family.samples, pairs), amount);
  }

  /**
   * The label texts of one served (pool, provider, model), each taken through `bounded` the first time it is used:
   * every successful request records the same few series, and building their keys was the sink's largest cost.
   */
  private servedLabels(pool: string, provider: string, model: string): ServedLabels {
    let byProvider = this.served.get(pool);
    if (!byProvider) {
      if (this.served.size >= LABEL_CACHE_LIMIT) this.served.clear();
      byProvider = new Map();
      this.served.set(pool, byProvider);
    }
    let byModel = byProvider.get(provider);
    if (!byModel) byProvider.set(provider, (byModel = new Map()));
    let labels = byModel.get(model);
    if (!labels) {
      if (byModel.size >= LABEL_CACHE_LIMIT) byModel.clear();
      byModel.set(model, (labels = {}));
    }
    return labels;
  }

  private record(event: MeshEvent): void {
    switch (event.type) {
      case "request-end": {
        if (event.ok) {
          const served = this.servedLabels(event.pool, event.provider ?? "", event.model ?? "");
          const pairs = [["pool", event.pool], ["provider", event.provider ?? ""], ["model", event.model ?? ""]] as const;
          this.requests.add((served.request ??= this.bounded(this.requests.samples, [...pairs, ["outcome", "ok"], ["code", ""]])));
          this.duration.observe((served.duration ??= this.bounded(this.duration.samples, [["pool", event.pool]])), Math.max(0, event.latencyMs) / 1000);
          if (event.usage) {
            this.tokens.add((served.prompt ??= this.bounded(this.tokens.samples, [...pairs, ["type", "prompt"]])), event.usage.promptTokens);
            this.tokens.add((served.completion ??= this.bounded(this.tokens.samples, [...pairs, ["type", "completion"]])), event.usage.completionTokens);
          }
          if (event.cost) this.cost.add((served.cost ??= this.bounded(this.cost.samples, pairs)), event.cost);
          else if (event.priced === false) this.unpriced.add((served.unpriced ??= this.bounded(this.unpriced.samples, pairs)));
          return;
        }
        const code = event.error?.code ?? "unknown";
        this.count(this.requests, [["pool", event.pool], ["provider", event.provider ?? ""], ["model", event.model ?? ""], ["outcome", "error"], ["code", code]]);
        this.duration.observe(this.bounded(this.duration.samples, [["pool", event.pool]]), Math.max(0, event.latencyMs) / 1000);
        const served = [["pool", event.pool], ["provider", event.provider ?? ""], ["model", event.model ?? ""]] as const;
        if (event.usage) {
          this.count(this.tokens, [...served, ["type", "prompt"]], event.usage.promptTokens);
          this.count(this.tokens, [...served, ["type", "completion"]], event.usage.completionTokens);
        }
        if (event.cost) this.count(this.cost, served, event.cost);
        return;
      }
      case "attempt-end": {
        if (event.ok) {
          const served = this.servedLabels(event.pool, event.provider, event.model);
          this.attempts.add((served.attempt ??= this.bounded(this.attempts.samples, [["pool", event.pool], ["provider", event.provider], ["model", event.model], ["outcome", "ok"], ["code", ""]])));
          return;
        }
        const code = event.error?.code ?? "unknown";
        this.count(this.attempts, [["pool", event.pool], ["provider", event.provider], ["model", event.model], ["outcome", "error"], ["code", code]]);
        return;
      }
      case "model-deactivated":
        this.count(this.deactivations, [["provider", event.provider], ["model", event.model]]);
        return;
      case "model-recovered":
        this.count(this.recoveries, [["provider", event.provider], ["model", event.model]]);
        return;
      case "key-disabled":
        this.count(this.keysDisabled, [["provider", event.provider]]);
        return;
      case "stream-failover":
        this.count(this.streamFailovers, [["pool", event.pool]]);
        return;
      case "budget-exceeded":
        this.count(this.budgetsExceeded, [["budget", event.scope], ["limit_type", event.limitType]]);
        return;
      case "budget-alert":
        this.count(this.budgetAlerts, [["budget", event.scope], ["limit_type", event.limitType]]);
        return;
      case "stats":
        // A sink fed stats events (not given a source) shows the latest; label values are scrubbed as they render.
        this.lastStats = { pools: event.pools, budgets: event.budgets, requests: event.requests, totalTokens: event.totalTokens, totalCost: event.totalCost };
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
