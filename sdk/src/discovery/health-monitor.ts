import type { ProviderSpec } from "../wire/config-types.js";
import type { SecretStore } from "../wire/secret-store.js";
import { AutoDiscovery } from "./auto-discovery.js";
import { BaseDiscovery, type DiscoverableProvider, type DiscoveryConfig } from "./discovery.js";

/** Options of `HealthMonitor`: auto-discovery's, plus how often and how long to probe. */
export interface HealthMonitorConfig extends DiscoveryConfig {
  /** Between two rounds of probes (default 60 000 ms). */
  intervalMs?: number;
  /** Longest wait for one probe (default 5 000 ms). */
  timeoutMs?: number;
}

/** A provider the monitor can probe: its name in the mesh and a cheap request that throws when the service is down. */
export interface HealthTarget {
  id: string;
  probe(signal: AbortSignal): Promise<unknown>;
}

/** What one probe found. */
export type HealthReport = (providerId: string, healthy: boolean, error?: unknown) => void;

/**
 * `modelmesh.health-monitor.v1`: auto-discovery plus a health check. Every `interval_ms` it probes each provider that
 * has a cheap probe (its model list, `GET /models`: no tokens spent) and reports the result; the mesh takes a failing
 * provider's models out of rotation and puts them back when a later probe succeeds, so a dead service is skipped
 * before any caller's request is spent on it. The timer never keeps a Node process alive.
 * @example
 * create({ config: { discovery: { connector: "modelmesh.health-monitor.v1", config: { interval_ms: 30000 } } } });
 */
export class HealthMonitor extends BaseDiscovery<HealthMonitorConfig> {
  static readonly connectorId = "modelmesh.health-monitor.v1";
  readonly id = HealthMonitor.connectorId;
  readonly intervalMs: number;
  readonly timeoutMs: number;

  constructor(config: HealthMonitorConfig = {}) {
    super(config);
    const raw = config as HealthMonitorConfig & { interval_ms?: number; timeout_ms?: number };
    this.intervalMs = positive(raw.intervalMs ?? raw.interval_ms, 60_000);
    this.timeoutMs = positive(raw.timeoutMs ?? raw.timeout_ms, 5_000);
  }

  /** Finds providers as `modelmesh.auto-discovery.v1` does. */
  override discover(secrets: SecretStore, providers: readonly DiscoverableProvider[]): Promise<ProviderSpec[]> {
    return new AutoDiscovery(this.config).discover(secrets, providers);
  }

  /**
   * Probes every target now and then every `intervalMs`, calling `report` with each result; returns the stop function.
   * Rounds never overlap: a round starts only after the previous one ended.
   */
  monitor(targets: readonly HealthTarget[], report: HealthReport): () => void {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const round = async () => {
      await Promise.all(targets.map((target) => this.probeOnce(target, report)));
      if (stopped) return;
      timer = setTimeout(() => void round(), this.intervalMs);
      (timer as { unref?: () => void }).unref?.();
    };
    void round();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  private async probeOnce(target: HealthTarget, report: HealthReport): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      await target.probe(controller.signal);
      report(target.id, true);
    } catch (error) {
      report(target.id, false, controller.signal.aborted ? controller.signal.reason : error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function positive(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}
