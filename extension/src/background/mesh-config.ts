import type { ExtensionConfig, SiteGrant } from "../shared/protocol.ts";
import type { KeyMetadata } from "./items.ts";
import { BUILTIN_PROVIDER_NAMES } from "./connectors.ts";
import { siteScopeOf } from "./site-origin.ts";

/** The vault's name for a provider's key, as configuration refers to it (`${secrets:NAME}`). */
export const secretName = (provider: string): string => provider;

type Block = { connector?: string; config?: Record<string, unknown>; [field: string]: unknown };

/**
 * The ModelMesh configuration the worker runs, made from what the person configured, the providers whose keys are in
 * the vault and the sites' budgets. Keys never appear in it: each provider gets `${secrets:NAME}`, resolved by the
 * mesh from the vault. A provider with no key is left out (and out of the pools that named it), since it could only
 * fail; a key for a built-in provider the configuration does not mention adds that provider with its defaults.
 * @example
 * buildMeshConfig({ mesh: {}, logContent: false }, ["openai"], {}, {});
 * // { providers: { openai: { connector: "openai", config: { api_key: "${secrets:openai}" } } }, budget: { scopes: {} } }
 */
export function buildMeshConfig(config: ExtensionConfig, keyNames: readonly string[], metadata: Record<string, KeyMetadata>, sites: Record<string, SiteGrant>): Record<string, unknown> {
  const mesh = structuredClone(config.mesh) as Record<string, unknown>;
  const configured = isRecord(mesh.providers) ? (mesh.providers as Record<string, Block>) : {};
  const providers: Record<string, Block> = {};
  for (const name of Object.keys(configured)) {
    if (!keyNames.includes(name)) continue;
    const block = { ...configured[name] };
    const blockConfig = { ...(block.config ?? {}) };
    blockConfig.api_key = `\${secrets:${secretName(name)}}`;
    delete blockConfig.apiKey;
    const baseUrl = metadata[name]?.baseUrl;
    if (baseUrl && blockConfig.base_url === undefined && blockConfig.baseUrl === undefined) blockConfig.base_url = baseUrl;
    providers[name] = { ...block, config: blockConfig };
  }
  for (const name of keyNames) {
    if (providers[name] || !BUILTIN_PROVIDER_NAMES.includes(name)) continue;
    const baseUrl = metadata[name]?.baseUrl;
    providers[name] = { connector: name, config: { api_key: `\${secrets:${secretName(name)}}`, ...(baseUrl ? { base_url: baseUrl } : {}) } };
  }
  mesh.providers = providers;
  if (isRecord(mesh.pools)) {
    const pools: Record<string, unknown> = {};
    for (const [name, pool] of Object.entries(mesh.pools as Record<string, Record<string, unknown>>)) {
      const names = pool.providers;
      if (!Array.isArray(names)) {
        pools[name] = pool;
        continue;
      }
      const kept = names.filter((provider) => typeof provider === "string" && providers[provider]);
      // A pool none of whose providers has a key cannot serve: it is left out rather than failing the whole mesh.
      if (kept.length > 0) pools[name] = { ...pool, providers: kept };
    }
    mesh.pools = pools;
  }
  const budget = isRecord(mesh.budget) ? { ...(mesh.budget as Record<string, unknown>) } : {};
  const scopes: Record<string, unknown> = isRecord(budget.scopes) ? { ...(budget.scopes as Record<string, unknown>) } : {};
  for (const grant of Object.values(sites)) {
    // A site allowed always, or once with a budget: the mesh holds its requests to the limits the person allowed.
    if (grant.grant === "denied") continue;
    const limits = { ...(grant.budget.dailyLimit !== undefined ? { daily_limit: grant.budget.dailyLimit } : {}), ...(grant.budget.monthlyLimit !== undefined ? { monthly_limit: grant.budget.monthlyLimit } : {}) };
    if (Object.keys(limits).length > 0) scopes[siteScopeOf(grant.origin)] = limits;
  }
  if (Object.keys(scopes).length > 0) budget.scopes = scopes;
  // Always a budget section, even an empty one: the mesh then counts every site's spend, so a daily limit the person
  // gives a site at noon holds what the site already spent since midnight.
  mesh.budget = budget;
  // The worker supplies these itself (the vault, IndexedDB): configuration may not point them elsewhere.
  delete mesh.secrets;
  delete mesh.storage;
  return mesh;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
