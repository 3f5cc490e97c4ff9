/**
 * The resolved shape of a connector block and a provider block of the configuration, and the budget limits a
 * provider block may carry. Types only, in the ground layer: config.ts produces them, discovery returns them, the
 * mesh builds from them.
 */
/**
 * One budget as configured (`budget:` on the top level, a provider, a provider's model, a pool or a caller scope).
 * Amounts are US dollars; a limit left out is not checked.
 * @example
 * const limits: BudgetLimits = { dailyLimit: 10, monthlyLimit: 100, alertThreshold: 0.8, enforce: true };
 */
export interface BudgetLimits {
  dailyLimit?: number;
  monthlyLimit?: number;
  /** The most one request may cost (its worst case, see `worstCaseCost`). */
  perRequestLimit?: number;
  /** Share of a limit at which one `budget-alert` event is emitted per period (default 0.8). */
  alertThreshold: number;
  /** false: never refuse a request, only count and alert (default true). */
  enforce: boolean;
}

/**
 * One connector block as resolved: the connector's id or short name and its camelCase config.
 * @example
 * const spec: ConnectorSpec = { connector: "modelmesh.env.v1", config: {}, path: "secrets" };
 */
export interface ConnectorSpec {
  /** Connector id or short name; empty when `instance` is given. */
  connector: string;
  config: Record<string, unknown>;
  /**
   * How the `config` keys not written in camelCase were written (camelCase key -> as written): a custom connector is
   * given its keys as the user wrote them (`vault_url` from YAML), built-ins the camelCase ones.
   */
  writtenKeys?: Record<string, string>;
  instance?: unknown;
  /** Dotted path of this block in the source, for error messages. */
  path: string;
}

/**
 * One provider block as resolved (or as discovery finds it).
 * @example
 * const spec: ProviderSpec = { name: "openai", connector: "modelmesh.openai.v1", config: {}, enabled: true, path: "providers.openai" };
 */
export interface ProviderSpec extends ConnectorSpec {
  name: string;
  enabled: boolean;
  /** The provider's `budget:`. */
  budget?: BudgetLimits;
  /** `config.models[].budget`, by model id. */
  modelBudgets?: Record<string, BudgetLimits>;
}
