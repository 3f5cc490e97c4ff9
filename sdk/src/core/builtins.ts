import { registerConnector, isRegistered, type ConnectorClass, type ConnectorKind } from "./registry.js";
import { StickUntilFailurePolicy } from "../rotation/stick-until-failure.js";
import { CostFirstPolicy } from "../rotation/cost-first.js";
import { LatencyFirstPolicy } from "../rotation/latency-first.js";
import { RoundRobinPolicy } from "../rotation/round-robin.js";
import { PrioritySelectionPolicy } from "../rotation/priority-selection.js";
import { SessionStickinessPolicy } from "../rotation/session-stickiness.js";
import { RateLimitAwarePolicy } from "../rotation/rate-limit-aware.js";
import { LoadBalancedPolicy } from "../rotation/load-balanced.js";
import { EnvSecretStore } from "../secrets/env.js";
import { MemorySecretStore } from "../secrets/memory-secrets.js";
import { JsonSecretStore } from "../secrets/json-secrets.js";
import { MemoryStorage } from "../storage/memory.js";
import { LocalStorageStorage } from "../storage/localstorage.js";
import { SessionStorageStorage } from "../storage/sessionstorage.js";
import { NullObservability } from "../observability/null.js";
import { ConsoleObservability } from "../observability/console.js";
import { JsonLogObservability } from "../observability/json-log.js";
import { CallbackObservability } from "../observability/callback.js";
import { PrometheusObservability } from "../observability/prometheus.js";
import { AutoDiscovery } from "../discovery/auto-discovery.js";
import { OpenAIProvider } from "../provider/openai.js";
import { OpenAICompatibleProvider } from "../provider/openai-compatible.js";
import { BrowserBaseProvider } from "../provider/browser.js";

export const DEFAULT_SECRET_STORE = EnvSecretStore.connectorId;

type Described = ConnectorClass & { connectorId: string; shortName?: string };

/** Built-ins nameable from configuration. Registered on first use, never at import time. */
const BUILTINS: Array<[ConnectorKind, Described, string[]]> = [
  ["provider", OpenAIProvider as unknown as Described, []],
  ["provider", OpenAICompatibleProvider as unknown as Described, []],
  ["provider", BrowserBaseProvider as unknown as Described, []],
  ["rotation", StickUntilFailurePolicy, []],
  ["rotation", CostFirstPolicy, []],
  ["rotation", LatencyFirstPolicy, []],
  ["rotation", RoundRobinPolicy, []],
  ["rotation", PrioritySelectionPolicy, ["priority-selection"]],
  ["rotation", SessionStickinessPolicy, []],
  ["rotation", RateLimitAwarePolicy, []],
  ["rotation", LoadBalancedPolicy, []],
  ["secrets", EnvSecretStore, ["env"]],
  ["secrets", MemorySecretStore, ["memory-secrets"]],
  ["secrets", JsonSecretStore, ["json-secrets"]],
  ["storage", MemoryStorage, ["memory"]],
  ["storage", LocalStorageStorage, ["localstorage"]],
  ["storage", SessionStorageStorage, ["sessionstorage"]],
  ["observability", NullObservability, ["null"]],
  ["observability", ConsoleObservability, ["console"]],
  ["observability", JsonLogObservability, ["json-log", "jsonlog", "modelmesh.jsonlog.v1"]],
  ["observability", CallbackObservability, ["callback"]],
  ["observability", PrometheusObservability, ["prometheus"]],
  ["discovery", AutoDiscovery, ["auto-discovery"]],
];

let registered = false;

/** Idempotent; called by the mesh, never at import time (the package has no side effects). */
export function registerBuiltins(): void {
  if (registered) return;
  registered = true;
  for (const [kind, connector, aliases] of BUILTINS) {
    // A user's registerConnector() of the same id wins over the built-in.
    if (isRegistered(connector.connectorId)) continue;
    registerConnector(connector.connectorId, connector, { kind, aliases: [...(connector.shortName ? [connector.shortName] : []), ...aliases] });
  }
}
