/**
 * The secret store interface, types only, in the ground layer: discovery and the mesh ask a store for keys
 * without importing the secret stores' implementations (secrets/secret-store.ts re-exports it beside its base class).
 */
/**
 * Where API keys come from. `${secrets:NAME}` in configuration and auto-discovery both go through
 * `get`/`has`; `knownValues` lets the observability redactor scrub every key ever handed out.
 * @example
 * const key = await store.get("OPENAI_API_KEY"); // throws SecretNotFoundError naming the key when absent
 */
export interface SecretStore {
  /** Connector id, e.g. `modelmesh.env.v1`. */
  readonly id: string;
  /** The secret's value; throws `SecretNotFoundError` naming the key (never a value) when absent. */
  get(name: string): Promise<string>;
  /** True when `get(name)` would succeed. */
  has(name: string): Promise<boolean>;
  /** Every value handed out so far, so the redactor can scrub them from events. */
  knownValues?(): string[];
}
