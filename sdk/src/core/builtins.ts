import { isRegistered, registerConnectorLoader, type ConnectorClass, type ConnectorLoader } from "./registry.js";
import { BUILTIN_CONNECTORS, type BuiltinConnectorId } from "./connector-ids.js";
import { registerNodeConnectorLoaders } from "./node-connectors.js";

// One loader per built-in: a bundler with code splitting makes each its own chunk, fetched only when a
// configuration names it. `Record<BuiltinConnectorId, ...>` makes the compiler check this list against the id table.
// To add a built-in: one line in connector-ids.ts, one line here.
const as = (connector: unknown) => connector as ConnectorClass;
const LOADERS: Record<BuiltinConnectorId, ConnectorLoader> = {
  "openai.llm.v1": () => import("../provider/openai.js").then((module) => as(module.OpenAIProvider)),
  "anthropic.llm.v1": () => import("../provider/anthropic/provider.js").then((module) => as(module.AnthropicProvider)),
  "google.gemini.v1": () => import("../provider/gemini/provider.js").then((module) => as(module.GeminiProvider)),
  "groq.api.v1": () => import("../provider/groq.js").then((module) => as(module.GroqProvider)),
  "mistral.api.v1": () => import("../provider/mistral.js").then((module) => as(module.MistralProvider)),
  "deepseek.api.v1": () => import("../provider/deepseek.js").then((module) => as(module.DeepSeekProvider)),
  "openrouter.gateway.v1": () => import("../provider/openrouter.js").then((module) => as(module.OpenRouterProvider)),
  "cohere.nlp.v1": () => import("../provider/cohere/provider.js").then((module) => as(module.CohereProvider)),
  "together.api.v1": () => import("../provider/together.js").then((module) => as(module.TogetherProvider)),
  "xai.grok.v1": () => import("../provider/xai.js").then((module) => as(module.XAIProvider)),
  "perplexity.search.v1": () => import("../provider/perplexity.js").then((module) => as(module.PerplexityProvider)),
  "tavily.search.v1": () => import("../provider/tavily.js").then((module) => as(module.TavilyProvider)),
  "serper.search.v1": () => import("../provider/serper.js").then((module) => as(module.SerperProvider)),
  "firecrawl.scrape.v1": () => import("../provider/firecrawl.js").then((module) => as(module.FirecrawlProvider)),
  "jina.ai.v1": () => import("../provider/jina/provider.js").then((module) => as(module.JinaProvider)),
  "elevenlabs.tts.v1": () => import("../provider/elevenlabs.js").then((module) => as(module.ElevenLabsProvider)),
  "azure.tts.v1": () => import("../provider/azure-speech.js").then((module) => as(module.AzureSpeechProvider)),
  "assemblyai.stt.v1": () => import("../provider/assemblyai.js").then((module) => as(module.AssemblyAIProvider)),
  "ollama.local.v1": () => import("../provider/ollama.js").then((module) => as(module.OllamaProvider)),
  "lmstudio.local.v1": () => import("../provider/lmstudio.js").then((module) => as(module.LMStudioProvider)),
  "vllm.local.v1": () => import("../provider/vllm.js").then((module) => as(module.VLLMProvider)),
  "localai.local.v1": () => import("../provider/localai.js").then((module) => as(module.LocalAIProvider)),
  "modelmesh.openai-compatible.v1": () => import("../provider/openai-compatible.js").then((module) => as(module.OpenAICompatibleProvider)),
  "modelmesh.browser-provider.v1": () => import("../provider/browser.js").then((module) => as(module.BrowserBaseProvider)),
  "modelmesh.stick-until-failure.v1": () => import("../rotation/stick-until-failure.js").then((module) => as(module.StickUntilFailurePolicy)),
  "modelmesh.cost-first.v1": () => import("../rotation/cost-first.js").then((module) => as(module.CostFirstPolicy)),
  "modelmesh.latency-first.v1": () => import("../rotation/latency-first.js").then((module) => as(module.LatencyFirstPolicy)),
  "modelmesh.round-robin.v1": () => import("../rotation/round-robin.js").then((module) => as(module.RoundRobinPolicy)),
  "modelmesh.priority-selection.v1": () => import("../rotation/priority-selection.js").then((module) => as(module.PrioritySelectionPolicy)),
  "modelmesh.session-stickiness.v1": () => import("../rotation/session-stickiness.js").then((module) => as(module.SessionStickinessPolicy)),
  "modelmesh.rate-limit-aware.v1": () => import("../rotation/rate-limit-aware.js").then((module) => as(module.RateLimitAwarePolicy)),
  "modelmesh.load-balanced.v1": () => import("../rotation/load-balanced.js").then((module) => as(module.LoadBalancedPolicy)),
  "modelmesh.env.v1": () => import("../secrets/env.js").then((module) => as(module.EnvSecretStore)),
  "modelmesh.memory-secrets.v1": () => import("../secrets/memory-secrets.js").then((module) => as(module.MemorySecretStore)),
  "modelmesh.json-secrets.v1": () => import("../secrets/json-secrets.js").then((module) => as(module.JsonSecretStore)),
  "modelmesh.browser-secrets.v1": () => import("../secrets/browser-secrets.js").then((module) => as(module.BrowserSecretStore)),
  "modelmesh.encrypted-file.v1": () => import("../secrets/encrypted-file-secrets.js").then((module) => as(module.EncryptedFileSecretStore)),
  "modelmesh.memory.v1": () => import("../storage/memory.js").then((module) => as(module.MemoryStorage)),
  "modelmesh.localstorage.v1": () => import("../storage/localstorage.js").then((module) => as(module.LocalStorageStorage)),
  "modelmesh.sessionstorage.v1": () => import("../storage/sessionstorage.js").then((module) => as(module.SessionStorageStorage)),
  "modelmesh.indexeddb.v1": () => import("../storage/indexeddb.js").then((module) => as(module.IndexedDBStorage)),
  "modelmesh.null.v1": () => import("../observability/null.js").then((module) => as(module.NullObservability)),
  "modelmesh.console.v1": () => import("../observability/console.js").then((module) => as(module.ConsoleObservability)),
  "modelmesh.json-log.v1": () => import("../observability/json-log.js").then((module) => as(module.JsonLogObservability)),
  "modelmesh.callback.v1": () => import("../observability/callback.js").then((module) => as(module.CallbackObservability)),
  "modelmesh.prometheus.v1": () => import("../observability/prometheus.js").then((module) => as(module.PrometheusObservability)),
  "modelmesh.webhook.v1": () => import("../observability/webhook.js").then((module) => as(module.WebhookObservability)),
  "modelmesh.auto-discovery.v1": () => import("../discovery/auto-discovery.js").then((module) => as(module.AutoDiscovery)),
  "modelmesh.health-monitor.v1": () => import("../discovery/health-monitor.js").then((module) => as(module.HealthMonitor)),
};

let registered = false;

/**
 * Loads one built-in connector's class by id (its own chunk).
 * @example
 * const OpenAIProvider = await loadBuiltin("openai.llm.v1");
 */
export function loadBuiltin(id: BuiltinConnectorId): Promise<ConnectorClass> {
  return LOADERS[id]();
}

/**
 * Makes every built-in connector nameable from configuration without loading any of them: each one's module is
 * fetched the first time a configuration names it. Idempotent; `create()` and `ModelMesh.start()` of the
 * `modelmesh` entry call it, never an import (the package has no side effects).
 * @example
 * registerBuiltins();
 * await loadConnector("provider", "openai", "providers[0]"); // fetches the OpenAI provider's chunk
 */
export function registerBuiltins(): void {
  if (registered) return;
  registered = true;
  for (const description of BUILTIN_CONNECTORS) {
    // A user's registerConnector() of the same id wins over the built-in.
    if (isRegistered(description.id)) continue;
    registerConnectorLoader(description, LOADERS[description.id]);
  }
  registerNodeConnectorLoaders();
}
