import type { EventSink, MeshEvent, MeshEventType, MeshStats, Severity } from "../wire/events.js";

/**
 * Options of `MultiSink`.
 * @example
 * const config: MultiSinkConfig = { redact: createRedactor(() => store.knownValues?.() ?? []), onError: reportBug };
 */
export interface MultiSinkConfig {
  /**
   * Applied once before fan-out, so sinks that do not redact themselves (plain `EventSink`s) still
   * never see a key. If it throws, the event is dropped rather than sent unredacted.
   */
  redact?: (event: MeshEvent) => MeshEvent;
  /**
   * Members that get the event as emitted, not `redact`'s copy, because they scrub what they keep themselves
   * (the Prometheus sink keeps a few label values and scrubs each once). The copy is made only if a member needs it.
   */
  passRaw?: (sink: EventSink) => boolean;
  /** Told when a sink throws; the other sinks still get the event. */
  onError?: (error: unknown, sink: EventSink) => void;
}

interface SecretAware {
  useSecretValues(source: () => readonly string[]): void;
}

interface StatsAware {
  useStatsSource(source: () => MeshStats, now?: () => number): void;
}

function isSecretAware(sink: EventSink): sink is EventSink & SecretAware {
  return typeof (sink as Partial<SecretAware>).useSecretValues === "function";
}

/**
 * Sends every event to several sinks ("several sinks at once"). One failing sink never stops the
 * others, and never throws into the request that emitted.
 * @example
 * const sink = new MultiSink([new ConsoleObservability({ logLevel: "summary" }), new JsonLogObservability({ write: appendLine })]);
 * sink.useSecretValues(() => secretStore.knownValues?.() ?? []);
 */
export class MultiSink implements EventSink {
  private readonly members: EventSink[];
  private readonly redact: ((event: MeshEvent) => MeshEvent) | undefined;
  private readonly onError: ((error: unknown, sink: EventSink) => void) | undefined;
  private readonly passRaw: (sink: EventSink) => boolean;

  constructor(sinks: readonly EventSink[] = [], config: MultiSinkConfig = {}) {
    this.members = [...sinks];
    this.redact = config.redact;
    this.onError = config.onError;
    this.passRaw = config.passRaw ?? (() => false);
  }

  /** The sinks events go to, in order (a copy). */
  get sinks(): EventSink[] {
    return [...this.members];
  }

  /** Add a sink; it receives events from now on. */
  add(sink: EventSink): void {
    this.members.push(sink);
  }

  /** Remove a sink; true when it was there. */
  remove(sink: EventSink): boolean {
    const position = this.members.indexOf(sink);
    if (position === -1) return false;
    this.members.splice(position, 1);
    return true;
  }

  /** Pass a source of secret values on to every member that redacts. */
  useSecretValues(source: () => readonly string[]): void {
    for (const sink of this.members) if (isSecretAware(sink)) sink.useSecretValues(source);
  }

  /** Give every member that reports statistics periodically (`useStatsSource`) the mesh's numbers. */
  useStatsSource(source: () => MeshStats, now?: () => number): void {
    for (const sink of this.members) {
      if (typeof (sink as Partial<StatsAware>).useStatsSource === "function") (sink as EventSink & StatsAware).useStatsSource(source, now);
    }
  }

  /** True when some member would keep such an event (a member that does not say takes every event). */
  accepts(type: MeshEventType, severity: Severity): boolean {
    for (const sink of this.members) if (!sink.accepts || sink.accepts(type, severity)) return true;
    return false;
  }

  /** True when some member keeps payloads (`log_level: full`). */
  keepsBodies(): boolean {
    return this.members.some((sink) => sink.keepsBodies?.() === true);
  }

  emit(event: MeshEvent): void {
    // Scrubbed once, and only when some member needs the copy; if scrubbing throws the event is dropped for them.
    let redacted: MeshEvent | undefined;
    let failed = false;
    for (const sink of this.members) {
      try {
        if (!this.redact || this.passRaw(sink)) {
          sink.emit(event);
          continue;
        }
        if (failed) continue;
        if (redacted === undefined) {
          try {
            redacted = this.redact(event);
          } catch (error) {
            failed = true;
            this.report(error, this);
            continue;
          }
        }
        sink.emit(redacted);
      } catch (error) {
        this.report(error, sink);
      }
    }
  }

  /**
   * Open every member (a sink that listens on a port binds it). If one fails, the others are closed again (a bound
   * port is released) and the first failure is thrown.
   */
  async open(): Promise<void> {
    const results = await Promise.allSettled(this.members.map(async (sink) => sink.open?.()));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (!failed) return;
    await this.settle((sink) => sink.close?.());
    throw failed.reason;
  }

  /** Flush every member; failures are reported, not thrown. */
  async flush(): Promise<void> {
    await this.settle((sink) => sink.flush?.());
  }

  /** Close every member; failures are reported, not thrown. */
  async close(): Promise<void> {
    await this.settle((sink) => sink.close?.());
  }

  private async settle(action: (sink: EventSink) => Promise<void> | undefined): Promise<void> {
    await Promise.all(
      this.members.map(async (sink) => {
        try {
          await action(sink);
        } catch (error) {
          this.report(error, sink);
        }
      }),
    );
  }

  private report(error: unknown, sink: EventSink): void {
    try {
      this.onError?.(error, sink);
    } catch {
      // A throwing error handler must not break the fan-out either.
    }
  }
}
