import { ConfigError } from "../wire/error-base.js";
import type { MeshEvent } from "../wire/events.js";
import { BaseObservability } from "./sink.js";
import type { BaseObservabilityConfig } from "./sink.js";

/**
 * Options of `modelmesh.callback.v1`.
 * @example
 * const config: CallbackObservabilityConfig = { callback: (event) => console.log(event.type), logLevel: "summary" };
 */
export interface CallbackObservabilityConfig extends BaseObservabilityConfig {
  /** Receives each filtered, redacted event as a structured object (its own copy). */
  callback: (event: MeshEvent) => void | Promise<void>;
}

/**
 * Hands every event to a function (`modelmesh.callback.v1`): dashboards, tests, custom pipelines.
 * The callback gets the structured event after filtering and redaction; a callback that throws or
 * rejects is reported to `onError` and never reaches the request.
 * @example
 * const sink = new CallbackObservability({ callback: (event) => dashboard.send(event), minSeverity: "warning" });
 */
export class CallbackObservability extends BaseObservability {
  static readonly connectorId = "modelmesh.callback.v1";
  override readonly id: string = CallbackObservability.connectorId;
  private readonly callback: (event: MeshEvent) => void | Promise<void>;

  constructor(config: CallbackObservabilityConfig) {
    super(config);
    if (typeof config?.callback !== "function") {
      throw new ConfigError("observability.config.callback", `${CallbackObservability.connectorId} needs a callback function`);
    }
    this.callback = config.callback;
  }

  protected override _deliver(event: MeshEvent): void | Promise<void> {
    return this.callback(event);
  }

  // Never used: events go to the callback as objects, not as lines.
  protected _write(_line: string): void {}
}
