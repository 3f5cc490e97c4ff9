import type { ProviderSpec } from "../wire/config-types.js";
import type { SecretStore } from "../wire/secret-store.js";
import { BaseDiscovery, type DiscoverableProvider, type DiscoveryConfig } from "./discovery.js";

/**
 * Finds providers by the secrets they are known by (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GOOGLE_API_KEY`, ...):
 * every registered provider in registration order (the registry knows each one's `envVars` before its code is
 * loaded); `providers` limits which are considered.
 * @example
 * create({ config: { discovery: { connector: "modelmesh.auto-discovery.v1", config: { providers: ["openai"], exclude_patterns: ["*-mini"] } } } });
 */
export class AutoDiscovery extends BaseDiscovery {
  static readonly connectorId = "modelmesh.auto-discovery.v1";
  readonly id = AutoDiscovery.connectorId;

  constructor(config?: DiscoveryConfig) {
    super(config);
  }

  override async discover(secrets: SecretStore, providers: readonly DiscoverableProvider[]): Promise<ProviderSpec[]> {
    const wanted = this.config.providers;
    const found: ProviderSpec[] = [];
    // The registry knows each provider's keys before its code is loaded (providers are lazy chunks in browsers).
    for (const { id, aliases, envVars } of providers) {
      const name = aliases[0] ?? id;
      if (wanted && !wanted.includes(name) && !wanted.includes(id)) continue;
      for (const key of envVars) {
        if (await secrets.has(key)) {
          found.push({ name, connector: id, config: {}, enabled: true, path: `discovery.${name}` });
          break;
        }
      }
    }
    return found;
  }
}
