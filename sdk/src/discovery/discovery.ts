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

/** How long discovery waits for a service's model list at start before keeping the built-in list. */
const MODEL_LIST_TIMEOUT_MS = 5_000;

/** A provider as discovery reads it: its built-in list, and the service's own list where it has one. */
export interface ListableProvider {
  listModels(): ModelInfo[];
  fetchModelList?(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<ModelInfo[]>;
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
   * The models a provider offers, read when the mesh starts (and on every reconfigure) with discovery configured:
   * the service's own list (`fetchModelList`, its `GET /models`) where the provider has one, else its built-in list.
   * Ids the built-in list knows keep its entry (capabilities, prices, context); others get the capabilities
   * `fetchModelList` guesses. Rejects when the list cannot be read (network, 401, timeout after `timeoutMs`, default
   * 5 000 ms, or `signal`); the mesh then keeps the built-in list and emits `model-list-failed`. Typed by the methods it
   * reads, so this interface file need not import the provider interface (a sideways import between connector kinds).
   */
  async _discoverProviderModels(provider: ListableProvider, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ModelInfo[]> {
    if (typeof provider.fetchModelList !== "function") return provider.listModels();
    return provider.fetchModelList({ timeoutMs: options.timeoutMs ?? MODEL_LIST_TIMEOUT_MS, ...(options.signal ? { signal: options.signal } : {}) });
  }

  /** Health of one provider: true when it lists models (its service's list where it has one), false when it cannot. */
  async probe(provider: ListableProvider): Promise<boolean> {
    try {
      return (await this._discoverProviderModels(provider)).length > 0;
    } catch {
      return false;
    }
  }
}
