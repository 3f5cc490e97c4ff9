import {
  AnthropicProvider,
  CallbackObservability,
  CostFirstPolicy,
  DeepSeekProvider,
  GeminiProvider,
  GroqProvider,
  IndexedDBStorage,
  LatencyFirstPolicy,
  LoadBalancedPolicy,
  MistralProvider,
  OpenAICompatibleProvider,
  OpenAIProvider,
  OpenRouterProvider,
  PrioritySelectionPolicy,
  RateLimitAwarePolicy,
  RoundRobinPolicy,
  SessionStickinessPolicy,
  StickUntilFailurePolicy,
  registerConnectors,
} from "modelmesh/static";

// The connectors the worker can name from configuration, linked statically: an MV3 service worker may not `import()`.
const PROVIDERS = [OpenAIProvider, AnthropicProvider, GeminiProvider, GroqProvider, MistralProvider, DeepSeekProvider, OpenRouterProvider, OpenAICompatibleProvider];
const OTHERS = [
  StickUntilFailurePolicy,
  CostFirstPolicy,
  LatencyFirstPolicy,
  RoundRobinPolicy,
  PrioritySelectionPolicy,
  SessionStickinessPolicy,
  RateLimitAwarePolicy,
  LoadBalancedPolicy,
  IndexedDBStorage,
  CallbackObservability,
];

/**
 * Provider short names a key can be set under with no configuration ("openai", "groq", ...): each has default
 * models and a base URL. "openai-compatible" is left out: it needs a base URL and a model list from configuration.
 * @example
 * BUILTIN_PROVIDER_NAMES.includes("openai"); // true
 */
export const BUILTIN_PROVIDER_NAMES: readonly string[] = PROVIDERS.filter((provider) => provider !== OpenAICompatibleProvider).map((provider) => provider.shortName!);

/**
 * Registers every connector the extension ships. Idempotent.
 * @example
 * registerExtensionConnectors();
 */
export function registerExtensionConnectors(): void {
  registerConnectors([...PROVIDERS, ...OTHERS] as never);
}
