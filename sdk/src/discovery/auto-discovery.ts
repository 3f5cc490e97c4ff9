import type { ProviderSpec } from "../core/config.js";
import { isRegistered, listConnectors } from "../core/registry.js";
import type { SecretStore } from "../secrets/secret-store.js";
import { BaseDiscovery, type DiscoveryConfig } from "./discovery.js";

interface ProviderClassMeta {
  shortName?: string;
  envVars?: readonly string[];
}

/** A built-in provider as discovery knows it: without loading its class, so a lazy registry stays lazy. */
export interface KnownProviderKey {
  id: string;
  shortName: string;
  /** Secret names the key is read from, first found wins (the same list as the class's `envVars`). */
  envVars: readonly string[];
}

/**
 * The built-in providers auto-discovery looks for, in order, and the secrets each is known by. A provider is
 * discovered only when its connector id is registered (so a bundle without it never names it).
 * @example
 * KNOWN_PROVIDER_KEYS.find((entry) => entry.shortName === "gemini")?.envVars; // ["GOOGLE_API_KEY", "GEMINI_API_KEY"]
 */
export const KNOWN_PROVIDER_KEYS: readonly KnownProviderKey[] = Object.freeze([
  { id: "openai.llm.v1", shortName: "openai", envVars: ["OPENAI_API_KEY"] },
  { id: "anthropic.llm.v1", shortName: "anthropic", envVars: ["ANTHROPIC_API_KEY"] },
  // google-genai reads GOOGLE_API_KEY first, then GEMINI_API_KEY.
  { id: "google.gemini.v1", shortName: "gemini", envVars: ["GOOGLE_API_KEY", "GEMINI_API_KEY"] },
  { id: "groq.api.v1", shortName: "groq", envVars: ["GROQ_API_KEY"] },
  { id: "mistral.api.v1", shortName: "mistral", envVars: ["MISTRAL_API_KEY"] },
  { id: "deepseek.api.v1", shortName: "deepseek", envVars: ["DEEPSEEK_API_KEY"] },
  { id: "openrouter.gateway.v1", shortName: "openrouter", envVars: ["OPENROUTER_API_KEY"] },
]);

/**
 * Finds providers by the secrets they are known by (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GOOGLE_API_KEY`, ...):
 * registered provider classes in registration order (their `envVars`), then the built-ins of `KNOWN_PROVIDER_KEYS`
 * whose ids are registered; `providers` limits which are considered.
 * @example
 * create({ config: { discovery: { connector: "modelmesh.auto-discovery.v1", config: { providers: ["openai"], exclude_patterns: ["*-mini"] } } } });
 */
export class AutoDiscovery extends BaseDiscovery {
  static readonly connectorId = "modelmesh.auto-discovery.v1";
  readonly id = AutoDiscovery.connectorId;

  constructor(config?: DiscoveryConfig) {
    super(config);
  }

  override async discover(secrets: SecretStore): Promise<ProviderSpec[]> {
    const wanted = this.config.providers;
    const candidates = new Map<string, { name: string; envVars: readonly string[] }>();
    for (const { id, connector } of listConnectors("provider")) {
      const meta = connector as unknown as ProviderClassMeta;
      const known = KNOWN_PROVIDER_KEYS.find((entry) => entry.id === id);
      candidates.set(id, { name: meta.shortName ?? known?.shortName ?? id, envVars: meta.envVars ?? known?.envVars ?? [] });
    }
    for (const known of KNOWN_PROVIDER_KEYS) {
      if (!candidates.has(known.id) && isRegistered(known.id)) candidates.set(known.id, { name: known.shortName, envVars: known.envVars });
    }
    const found: ProviderSpec[] = [];
    for (const [id, { name, envVars }] of candidates) {
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
