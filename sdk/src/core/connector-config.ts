// The config object a connector's constructor is given. Built-in connectors read camelCase keys (configuration is
// camelCased for them). A connector the user wrote reads the keys the user wrote: the FAQ's VaultSecretStore reads
// `config.vault_url` because its YAML says `vault_url`, so camelCasing its config would hand it `vaultUrl` and leave
// `vault_url` undefined.
import { BUILTIN_CONNECTORS, NODE_CONNECTORS } from "./connector-ids.js";
import { toCamelCase } from "./config-source.js";

const BUILTIN_IDS: ReadonlySet<string> = new Set([...BUILTIN_CONNECTORS, ...NODE_CONNECTORS].map((description) => description.id));

/**
 * True for a connector class shipped with the library: its id is a built-in one and the class says so itself (a class
 * the user registers under a built-in id, to replace it, is the user's). A subclass of a built-in inherits its
 * `connectorId`, and its constructor, which reads camelCase keys.
 * @example
 * isBuiltinConnector("modelmesh.env.v1", EnvSecretStore); // true
 * isBuiltinConnector("corp.vault-secrets.v1", VaultSecretStore); // false
 */
export function isBuiltinConnector(id: string, connector: unknown): boolean {
  return BUILTIN_IDS.has(id) && (connector as { connectorId?: unknown }).connectorId === id;
}

/**
 * `key_prefix` <-> `keyPrefix`: the other spelling of a key, or the key itself when it has only one.
 * @example
 * otherSpelling("vault_url"); // "vaultUrl"
 * otherSpelling("vaultUrl"); // "vault_url"
 */
export function otherSpelling(key: string): string {
  const camel = toCamelCase(key);
  return camel !== key ? camel : key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * A custom connector's config: its keys as written (`writtenKeys` maps each camelCase key of `config` to how it was
 * written), each also readable in the other spelling, since both mean the same. The other spelling is not enumerable,
 * so listing, spreading or serialising the config shows exactly what was written.
 * @example
 * const config = configAsWritten({ vaultUrl: "https://vault.corp" }, { vaultUrl: "vault_url" });
 * Object.keys(config); // ["vault_url"]
 * config.vaultUrl; // "https://vault.corp"
 */
export function configAsWritten(config: Record<string, unknown>, writtenKeys: Record<string, string> = {}): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const define = (key: string, value: unknown, enumerable: boolean) => Object.defineProperty(result, key, { value, enumerable, writable: true, configurable: true });
  for (const [key, value] of Object.entries(config)) define(Object.hasOwn(writtenKeys, key) ? writtenKeys[key]! : key, value, true);
  for (const [key, value] of Object.entries(result)) {
    const other = otherSpelling(key);
    if (!Object.hasOwn(result, other)) define(other, value, false);
  }
  return result;
}
