import type { MeshEvent, MeshEventType, Severity } from "../wire/events.js";
import { BaseObservability } from "./sink.js";
import type { BaseObservabilityConfig } from "./sink.js";

/**
 * Options of `modelmesh.null.v1`; accepted for uniformity and ignored.
 * @example
 * const config: NullObservabilityConfig = {};
 */
export type NullObservabilityConfig = BaseObservabilityConfig;

/**
 * The default sink (`modelmesh.null.v1`): discards every event without filtering, copying or
 * redacting it, so a mesh with no observability configured pays nothing per event.
 * @example
 * const mesh = create("chat-completion", { observability: { instance: new NullObservability() } });
 */
export class NullObservability extends BaseObservability {
  static readonly connectorId = "modelmesh.null.v1";
  override readonly id: string = NullObservability.connectorId;

  constructor(config: NullObservabilityConfig = {}) {
    super(config);
  }

  override accepts(_type: MeshEventType, _severity: Severity): boolean {
    return false;
  }

  override emit(_event: MeshEvent): void {}

  // Discarded anyway: no timer.
  override useStatsSource(): void {}

  protected _write(_line: string): void {}
}
