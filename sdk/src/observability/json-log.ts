import type { MeshEvent } from "../wire/events.js";
import { BaseObservability } from "./sink.js";
import type { BaseObservabilityConfig } from "./sink.js";

/**
 * Options of `modelmesh.json-log.v1`.
 * @example
 * const config: JsonLogObservabilityConfig = { logLevel: "metadata", write: (line) => stream.write(`${line}\n`) };
 */
export interface JsonLogObservabilityConfig extends BaseObservabilityConfig {
  /** Where each JSON line goes (default `console.log`). */
  write?: (line: string) => void;
}

/**
 * Structured logs as JSON Lines (`modelmesh.json-log.v1`, alias `modelmesh.jsonlog.v1`): one object
 * per event, the event's own fields plus an ISO `time`, ready for a log aggregator.
 * @example
 * const lines: string[] = [];
 * const sink = new JsonLogObservability({ minSeverity: "warning", write: (line) => lines.push(line) });
 */
export class JsonLogObservability extends BaseObservability {
  static readonly connectorId = "modelmesh.json-log.v1";
  /** Other ids the registry accepts for this connector. */
  static readonly aliases: readonly string[] = ["modelmesh.jsonlog.v1"];
  override readonly id: string = JsonLogObservability.connectorId;
  private readonly writeLine: ((line: string) => void) | undefined;

  constructor(config: JsonLogObservabilityConfig = {}) {
    super(config);
    this.writeLine = config.write;
  }

  protected override _formatEvent(event: MeshEvent): string {
    const time = Number.isFinite(event.timestamp) ? new Date(event.timestamp).toISOString() : undefined;
    return JSON.stringify({ time, ...event });
  }

  protected _write(line: string): void {
    if (this.writeLine) this.writeLine(line);
    else console.log(line);
  }
}
