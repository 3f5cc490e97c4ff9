import type { MeshEvent, Severity } from "../wire/events.js";
import { BaseObservability } from "./sink.js";
import type { BaseObservabilityConfig } from "./sink.js";

/**
 * Options of `modelmesh.console.v1` (YAML: `use_color`, `log_level`, `min_severity`).
 * @example
 * const config: ConsoleObservabilityConfig = { useColor: true, logLevel: "summary", minSeverity: "info" };
 */
export interface ConsoleObservabilityConfig extends BaseObservabilityConfig {
  /** true/false forces ANSI colour on/off; unset means "when stdout is a terminal" (never in a browser). */
  useColor?: boolean;
  /** Where lines go (default: `console.log`, `console.warn` for warnings, `console.error` for errors). */
  write?: (line: string) => void;
}

const COLORS: Record<Severity, string> = { debug: "\u001b[90m", info: "\u001b[36m", warning: "\u001b[33m", error: "\u001b[31m" };
const RESET = "\u001b[0m";
const LABELS: Record<Severity, string> = { debug: "DEBUG", info: "INFO ", warning: "WARN ", error: "ERROR" };
const HEADER_FIELDS = new Set(["timestamp", "severity", "component", "type"]);

function formatValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

/**
 * Human-readable lines on the console (`modelmesh.console.v1`), e.g.
 * `2025-01-01T12:00:00.000Z INFO  router request-end pool=chat model=gpt-4o ok=true latencyMs=812`.
 * The severity label is coloured when `useColor` is true, or when unset and stdout is a terminal.
 * @example
 * const sink = new ConsoleObservability({ logLevel: "summary", useColor: true });
 */
export class ConsoleObservability extends BaseObservability {
  static readonly connectorId = "modelmesh.console.v1";
  override readonly id: string = ConsoleObservability.connectorId;
  private readonly useColor: boolean | undefined;
  private readonly writeLine: ((line: string) => void) | undefined;
  // Set just before _write runs (synchronously), so the default writer can pick console.warn/error.
  private currentSeverity: Severity = "info";

  constructor(config: ConsoleObservabilityConfig = {}) {
    super(config);
    this.useColor = config.useColor;
    this.writeLine = config.write;
  }

  protected override _deliver(event: MeshEvent): void | Promise<void> {
    this.currentSeverity = event.severity;
    return super._deliver(event);
  }

  protected override _formatEvent(event: MeshEvent): string {
    const time = Number.isFinite(event.timestamp) ? new Date(event.timestamp).toISOString() : String(event.timestamp);
    const label = this.colorEnabled() ? `${COLORS[event.severity]}${LABELS[event.severity]}${RESET}` : LABELS[event.severity];
    const details = Object.entries(event)
      .filter(([field, value]) => !HEADER_FIELDS.has(field) && value !== undefined)
      .map(([field, value]) => `${field}=${formatValue(value)}`);
    return [time, label, event.component, event.type, ...details].join(" ");
  }

  protected _write(line: string): void {
    if (this.writeLine) return this.writeLine(line);
    if (this.currentSeverity === "error") console.error(line);
    else if (this.currentSeverity === "warning") console.warn(line);
    else console.log(line);
  }

  // Decided per line and only inside a method: browsers and workers have no `process`.
  private colorEnabled(): boolean {
    if (this.useColor !== undefined) return this.useColor;
    const runtime = (globalThis as { process?: { versions?: { node?: string }; env?: Record<string, string | undefined>; stdout?: { isTTY?: boolean } } }).process;
    if (!runtime?.versions?.node) return false;
    // https://no-color.org and the FORCE_COLOR convention used by Node's own tooling.
    if (runtime.env?.NO_COLOR) return false;
    if (runtime.env?.FORCE_COLOR !== undefined && runtime.env.FORCE_COLOR !== "0") return true;
    return runtime.stdout?.isTTY === true;
  }
}
