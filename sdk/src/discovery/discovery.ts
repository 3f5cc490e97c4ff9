import type { ProviderSpec } from "../wire/config-types.js";
import type { ModelInfo } from "../wire/models.js";
import type { SecretStore } from "../wire/secret-store.js";

export interface DiscoveryConfig {
  /** Only these providers (short names or connector ids). */
  providers?: string[];
  /** Model id globs to keep (`gpt-4*`); empty keeps all. */
  includePatterns?: string[];
  /** Model id globs to drop (`*-mini`). */
  excludePatterns?: string[];
}

/**
 * A registered provider as discovery sees it, before its code is loaded: connector id, short names, and the
 * secrets it is known by. The mesh passes the registry's list, so discovery never imports the registry (core/).
 * @example
 * const openai: DiscoverableProvider = { id: "openai.llm.v1", aliases: ["openai"], envVars: ["OPENAI_API_KEY"] };
 */
export interface DiscoverableProvider {
  id: string;
  aliases: readonly string[];
  envVars: readonly string[];
}

/**
 * Base of discovery connectors: find providers from the secret store and list their models.
 * @example
 * class StaticDiscovery extends BaseDiscovery {
 *   override async discover() { return [{ name: "openai", connector: "openai.llm.v1", config: {}, enabled: true, path: "discovery" }] }
 * }
 */
export abstract class BaseDiscovery<Config extends DiscoveryConfig = DiscoveryConfig> {
  readonly config: Config;
  constructor(config?: Config) {
    this.config = (config ?? {}) as Config;
  }

  /** Providers to build when the configuration names none, chosen among `providers` (the registered ones, in order). */
  abstract discover(secrets: SecretStore, providers: readonly DiscoverableProvider[]): Promise<ProviderSpec[]>;

  /**
   * The models a provider offers; the default is its own list. Typed by the one method it reads, so this interface
   * file need not import the provider interface (a sideways import between connector kinds).
   */
  async _discoverProviderModels(provider: { listModels(): ModelInfo[] }): Promise<ModelInfo[]> {
    return provider.listModels();
  }

  /** Health of one provider: true when it answers. The default trusts its model list. */
  async probe(provider: { listModels(): ModelInfo[] }): Promise<boolean> {
    return (await this._discoverProviderModels(provider)).length > 0;
  }
}
