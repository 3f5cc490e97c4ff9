import { ConfigError } from "../wire/error-base.js";
import type { EventSink, MeshEvent, MeshEventType, MeshStats, Severity } from "../wire/events.js";
import { createRedactor } from "../internal/event-redactor.js";
import type { Redactor } from "../wire/redact.js";

/**
 * How much a sink writes: nothing, outcomes only, every event without payloads, or everything.
 * @example
 * const level: LogLevel = "summary";
 */
export type LogLevel = "silent" | "summary" | "metadata" | "full";

/**
 * Options every observability sink accepts (YAML: `log_level`, `min_severity`).
 * @example
 * const config: BaseObservabilityConfig = { logLevel: "metadata", minSeverity: "warning" };
 */
export interface BaseObservabilityConfig {
  /** Default `"metadata"`. */
  logLevel?: LogLevel;
  /** Events below this severity are dropped (default `"info"`). */
  minSeverity?: Severity;
  /**
   * Extra scrubbing applied after the built-in redaction (which always runs, so a custom function
   * can only remove more, never let a key through).
   */
  redact?: (event: MeshEvent) => MeshEvent;
  /** More secret values to scrub, besides those registered with `useSecretValues`. */
  secretValues?: () => readonly string[];
  /** Told when formatting or writing an event fails; observability never breaks a request. */
  onError?: (error: unknown) => void;
  /**
   * How often (ms) a `stats` event (pools' active/standby models, budgets' remaining, totals) is emitted once the
   * mesh gives the sink its statistics (YAML `stats_interval_ms`; default 60 000; 0 turns it off).
   */
  statsIntervalMs?: number;
}

/**
 * Where a sink reads the mesh's statistics (the mesh passes its own; tests pass a function).
 * @example
 * sink.useStatsSource(() => ({ pools: {}, budgets: [], requests: 0, totalTokens: 0, totalCost: 0 }));
 */
export type StatsSource = () => MeshStats;

/** Default period of `stats` events. */
export const DEFAULT_STATS_INTERVAL_MS = 60_000;

/**
 * Severity order, lowest first.
 * @example
 * SEVERITIES.indexOf("warning") > SEVERITIES.indexOf("info") // true
 */
export const SEVERITIES: readonly Severity[] = ["debug", "info", "warning", "error"];
/**
 * Every log level, least output first.
 * @example
 * LOG_LEVELS.includes(userValue as LogLevel)
 */
export const LOG_LEVELS: readonly LogLevel[] = ["silent", "summary", "metadata", "full"];

/**
 * The events a `summary` log keeps: outcomes and state changes a person acts on.
 * @example
 * SUMMARY_EVENT_TYPES.has("request-end") // true
 */
export const SUMMARY_EVENT_TYPES: ReadonlySet<MeshEventType> = new Set<MeshEventType>([
  "request-end",
  "model-deactivated",
  "model-recovered",
  "key-disabled",
  "budget-exceeded",
  "budget-alert",
  "stats",
]);

// Payload-carrying fields (a provider's error body, delivered stream text, request/response bodies);
// below `full` they are left out, because they can hold user content and are large.
const BODY_FIELDS = new Set(["body", "requestBody", "responseBody", "request", "response", "messages", "prompt", "input", "output", "deliveredText"]);

// A deep copy of a redacted (so plain, acyclic) event, without the payload fields unless `keepBodies`.
function plainCopy(value: unknown, keepBodies: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => plainCopy(item, keepBodies));
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Date) return new Date(value.getTime());
  const copy: Record<string, unknown> = {};
  for (const [field, fieldValue] of Object.entries(value)) if (keepBodies || !BODY_FIELDS.has(field)) copy[field] = plainCopy(fieldValue, keepBodies);
  return copy;
}

function withoutBodies(value: unknown): unknown {
  return plainCopy(value, false);
}

function checkOption<Value extends string>(value: Value | undefined, allowed: readonly Value[], path: string): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new ConfigError(path, `must be one of ${allowed.join(", ")} (got "${String(value)}")`);
  }
}

// `emit` implementations known to redact every event with the sink's own redactor (secret sources included) before
// anything else sees it. A subclass that overrides `emit` has a different function and is not on this list.
const redactingEmits = new WeakSet<object>();

/**
 * Marks an `emit` implementation as one that scrubs every event itself before using it (with the secret sources
 * given to `useSecretValues`), so the mesh may hand it events without scrubbing a deep copy first. Only for the
 * sinks in this package: a sink wrongly marked would see raw events.
 * @example
 * markRedactingEmit(PrometheusObservability.prototype.emit);
 */
export function markRedactingEmit(emit: (event: MeshEvent) => void): void {
  redactingEmits.add(emit);
}

// Events that a trusted redactor produced: a sink that trusts the redactor (it scrubs with the same secrets the sink
// was given) delivers them as they are, so an event fanned out to several sinks is scrubbed once, not once per sink.
const producedBy = new WeakMap<object, Redactor>();
const sourceOf = new WeakMap<Redactor, () => readonly string[]>();
const trustedBy = new WeakMap<object, WeakSet<Redactor>>();

/**
 * A redactor over `secretValues` whose every result is known to come from it (see `trustRedactor`).
 * @example
 * const redact = trackedRedactor(secretValues);
 */
export function trackedRedactor(secretValues: () => readonly string[]): Redactor {
  const redactor = createRedactor(secretValues);
  const tracked = <Value>(value: Value): Value => {
    const result = redactor(value);
    if (typeof result === "object" && result !== null) producedBy.set(result, tracked);
    return result;
  };
  sourceOf.set(tracked, secretValues);
  return tracked;
}

/**
 * Lets `sink` deliver events made by `redactor` (from `trackedRedactor`) without scrubbing them again, as long as
 * every secret source the sink has is the redactor's own (the mesh gives both the same one).
 * @example
 * sink.useSecretValues(secretValues);
 * trustRedactor(sink, redact);
 */
export function trustRedactor(sink: object, redactor: Redactor): void {
  let trusted = trustedBy.get(sink);
  if (!trusted) trustedBy.set(sink, (trusted = new WeakSet()));
  trusted.add(redactor);
}

function alreadyRedactedFor(sink: object, event: object, sources: ReadonlyArray<() => readonly string[]>): boolean {
  const producer = producedBy.get(event);
  if (producer === undefined || trustedBy.get(sink)?.has(producer) !== true) return false;
  // A source the redactor does not read (a sink's own `secretValues`) means values it would have missed.
  const known = sourceOf.get(producer);
  return sources.every((source) => source === known);
}

/**
 * True when `sink` scrubs every event itself (its `emit` is one marked by `markRedactingEmit`, not overridden)
 * and accepts more secret sources; the mesh then gives it its secrets instead of a redacted copy of each event.
 * @example
 * if (redactsItself(sink)) sink.useSecretValues(meshSecrets);
 */
export function redactsItself(sink: EventSink): sink is EventSink & { useSecretValues(source: () => readonly string[]): void } {
  return redactingEmits.has(sink.emit) && typeof (sink as { useSecretValues?: unknown }).useSecretValues === "function";
}

/**
 * True when `sink` scrubs only the few values it keeps (it overrides `emit`, as the Prometheus sink does): it is
 * better given the event as emitted than a deep, scrubbed copy.
 * @example
 * const raw = scrubsWhatItKeeps(sink) ? event : redact(event);
 */
export function scrubsWhatItKeeps(sink: EventSink): boolean {
  return redactsItself(sink) && sink.emit !== BaseObservability.prototype.emit;
}

/**
 * Base of every observability sink (the CDK). `emit` drops events below `minSeverity`, applies
 * `logLevel`, redacts (always, before anything is formatted), then calls `_deliver`, which by default
 * writes `_formatEvent(event)` (one JSON line) through `_write(line)`. Subclasses implement `_write`;
 * they may override `_formatEvent`. A failing sink never throws into the request that emitted.
 * @example
 * class DatadogObservability extends BaseObservability {
 *   override readonly id = "corp.datadog-obs.v1";
 *   protected _write(line: string) {
 *     void fetch("https://http-intake.logs.datadoghq.com/api/v2/logs", { method: "POST", body: JSON.stringify({ message: line }) });
 *   }
 * }
 * const sink = new DatadogObservability({ logLevel: "metadata", minSeverity: "info" });
 */
export abstract class BaseObservability implements EventSink {
  static {
    markRedactingEmit(this.prototype.emit);
  }

  /** Connector id; custom sinks may keep the default. */
  readonly id: string = "custom.observability.v1";
  readonly logLevel: LogLevel;
  readonly minSeverity: Severity;
  private readonly extraRedact: ((event: MeshEvent) => MeshEvent) | undefined;
  private readonly onError: ((error: unknown) => void) | undefined;
  private readonly secretSources: Array<() => readonly string[]> = [];
  private readonly redactor: Redactor;
  /** Period of `stats` events; 0 when off. */
  readonly statsIntervalMs: number;
  private statsTimer: ReturnType<typeof setInterval> | undefined;

  constructor(config: BaseObservabilityConfig = {}) {
    checkOption(config.logLevel, LOG_LEVELS, "observability.config.log_level");
    checkOption(config.minSeverity, SEVERITIES, "observability.config.min_severity");
    this.logLevel = config.logLevel ?? "metadata";
    this.minSeverity = config.minSeverity ?? "info";
    this.extraRedact = config.redact;
    this.onError = config.onError;
    if (config.secretValues) this.secretSources.push(config.secretValues);
    const interval = config.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS;
    if (typeof interval !== "number" || !Number.isFinite(interval) || interval < 0) {
      throw new ConfigError("observability.config.stats_interval_ms", `must be a number of milliseconds, 0 or more (got ${JSON.stringify(interval)})`);
    }
    this.statsIntervalMs = interval;
    this.redactor = createRedactor(() => this.secretSources.flatMap((source) => [...source()]));
  }

  /**
   * Starts emitting a `stats` event every `statsIntervalMs` from `source` (the mesh calls it with its own numbers).
   * The timer never keeps a Node process alive; `close()` stops it.
   * @example
   * sink.useStatsSource(() => mesh.stats());
   */
  useStatsSource(source: StatsSource, now: () => number = Date.now): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    if (this.statsIntervalMs === 0) return;
    this.statsTimer = setInterval(() => {
      try {
        this.emit({ type: "stats", severity: "info", component: "mesh", timestamp: now(), ...source() });
      } catch (error) {
        this.reportError(error);
      }
    }, this.statsIntervalMs);
    (this.statsTimer as { unref?: () => void }).unref?.();
  }

  /**
   * Register a source of secret values to scrub (the mesh passes its secret store's `knownValues`).
   * @example
   * sink.useSecretValues(() => secretStore.knownValues?.() ?? []);
   */
  useSecretValues(source: () => readonly string[]): void {
    this.secretSources.push(source);
  }

  /** True when an event of this type and severity would be delivered; lets callers skip building it. */
  accepts(type: MeshEventType, severity: Severity): boolean {
    if (this.logLevel === "silent") return false;
    if (SEVERITIES.indexOf(severity) < SEVERITIES.indexOf(this.minSeverity)) return false;
    return this.logLevel !== "summary" || SUMMARY_EVENT_TYPES.has(type);
  }

  /** True at `log_level: full`: the router then adds the request and the answer to `request-end` events. */
  keepsBodies(): boolean {
    return this.logLevel === "full";
  }

  emit(event: MeshEvent): void {
    try {
      if (!this.accepts(event.type, event.severity)) return;
      // If redaction fails the event is dropped: an unredacted event must never reach a sink. An event already
      // scrubbed by a redactor this sink trusts (same secrets) is not scrubbed twice, only copied (other sinks share
      // it); a sink's own extra secrets (`secretValues` in its config) are unknown to that redactor, so it scrubs.
      let redacted: MeshEvent;
      if (alreadyRedactedFor(this, event, this.secretSources)) redacted = plainCopy(event, this.logLevel === "full") as MeshEvent;
      else redacted = this.redactor(this.logLevel === "full" ? event : (withoutBodies(event) as MeshEvent));
      if (this.extraRedact) redacted = this.extraRedact(redacted);
      const delivered = this._deliver(redacted);
      if (delivered instanceof Promise) delivered.catch((error: unknown) => this.reportError(error));
    } catch (error) {
      this.reportError(error);
    }
  }

  /** Starts what the sink needs before events flow (a listening port); the default needs nothing. */
  async open(): Promise<void> {}

  /** Resolves when everything emitted so far is written; sinks that buffer override it. */
  async flush(): Promise<void> {}

  /** Stop the stats timer, flush and release resources. */
  async close(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    await this.flush();
  }

  /** Hand a filtered, redacted event on; the default formats it and writes the line. */
  protected _deliver(event: MeshEvent): void | Promise<void> {
    return this._write(this._formatEvent(event));
  }

  /** One line for the event; the default is compact JSON. */
  protected _formatEvent(event: MeshEvent): string {
    return JSON.stringify(event);
  }

  /** Send one formatted line to its destination. */
  protected abstract _write(line: string): void | Promise<void>;

  protected reportError(error: unknown): void {
    try {
      this.onError?.(error);
    } catch {
      // An error handler that throws must not turn observability into a failure either.
    }
  }
}
