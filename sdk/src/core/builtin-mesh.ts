import { ModelMesh as StaticModelMesh } from "./mesh.js";
import type { MeshConfigObject } from "./config.js";
import { loadConfig } from "./config-load.js";
import { isRegistered, registerConnectors, type ConnectorClass } from "./registry.js";
import { BUILTIN_CONNECTORS } from "./connector-ids.js";
import { OpenAIProvider } from "../provider/openai.js";
import { AnthropicProvider } from "../provider/anthropic/provider.js";
import { GeminiProvider } from "../provider/gemini/provider.js";
import { GroqProvider } from "../provider/groq.js";
import { MistralProvider } from "../provider/mistral.js";
import { DeepSeekProvider } from "../provider/deepseek.js";
import { OpenRouterProvider } from "../provider/openrouter.js";
import { CohereProvider } from "../provider/cohere/provider.js";
import { TavilyProvider } from "../provider/tavily.js";
import { SerperProvider } from "../provider/serper.js";
import { FirecrawlProvider } from "../provider/firecrawl.js";
import { JinaProvider } from "../provider/jina/provider.js";
import { ElevenLabsProvider } from "../provider/elevenlabs.js";
import { AzureSpeechProvider } from "../provider/azure-speech.js";
import { AssemblyAIProvider } from "../provider/assemblyai.js";
import { TogetherProvider } from "../provider/together.js";
import { XAIProvider } from "../provider/xai.js";
import { PerplexityProvider } from "../provider/perplexity.js";
import { OllamaProvider } from "../provider/ollama.js";
import { LMStudioProvider } from "../provider/lmstudio.js";
import { VLLMProvider } from "../provider/vllm.js";
import { LocalAIProvider } from "../provider/localai.js";
import { OpenAICompatibleProvider } from "../provider/openai-compatible.js";
import { BrowserBaseProvider } from "../provider/browser.js";
import { StickUntilFailurePolicy } from "../rotation/stick-until-failure.js";
import { CostFirstPolicy } from "../rotation/cost-first.js";
import { LatencyFirstPolicy } from "../rotation/latency-first.js";
import { RoundRobinPolicy } from "../rotation/round-robin.js";
import { PrioritySelectionPolicy } from "../rotation/priority-selection.js";
import { SessionStickinessPolicy } from "../rotation/session-stickiness.js";
import { RateLimitAwarePolicy } from "../rotation/rate-limit-aware.js";
import { LoadBalancedPolicy } from "../rotation/load-balanced.js";
import { EnvSecretStore } from "../secrets/env.js";
import { MemorySecretStore } from "../secrets/memory-secrets.js";
import { JsonSecretStore } from "../secrets/json-secrets.js";
import { BrowserSecretStore } from "../secrets/browser-secrets.js";
import { EncryptedFileSecretStore } from "../secrets/encrypted-file-secrets.js";
import { MemoryStorage } from "../storage/memory.js";
import { LocalStorageStorage } from "../storage/localstorage.js";
import { SessionStorageStorage } from "../storage/sessionstorage.js";
import { IndexedDBStorage } from "../storage/indexeddb.js";
import { registerNodeConnectorLoaders } from "./node-connectors.js";
import { NullObservability } from "../observability/null.js";
import { ConsoleObservability } from "../observability/console.js";
import { JsonLogObservability } from "../observability/json-log.js";
import { CallbackObservability } from "../observability/callback.js";
import { PrometheusObservability } from "../observability/prometheus.js";
import { WebhookObservability } from "../observability/webhook.js";
import { AutoDiscovery } from "../discovery/auto-discovery.js";
import { HealthMonitor } from "../discovery/health-monitor.js";

/**
 * Every built-in connector class, linked statically, for the root's `ModelMesh` (code that starts a mesh itself,
 * without a bundler's chunks). The root's `create()` and `modelmesh/lazy` load them one by one instead (`builtins.ts`).
 * @example
 * BUILTIN_CLASSES.includes(OpenAIProvider); // true
 */
export const BUILTIN_CLASSES: readonly ConnectorClass[] = [
  OpenAIProvider,
  AnthropicProvider,
  GeminiProvider,
  GroqProvider,
  MistralProvider,
  DeepSeekProvider,
  OpenRouterProvider,
  CohereProvider,
  TavilyProvider,
  SerperProvider,
  FirecrawlProvider,
  JinaProvider,
  ElevenLabsProvider,
  AzureSpeechProvider,
  AssemblyAIProvider,
  TogetherProvider,
  XAIProvider,
  PerplexityProvider,
  OllamaProvider,
  LMStudioProvider,
  VLLMProvider,
  LocalAIProvider,
  OpenAICompatibleProvider,
  BrowserBaseProvider,
  StickUntilFailurePolicy,
  CostFirstPolicy,
  LatencyFirstPolicy,
  RoundRobinPolicy,
  PrioritySelectionPolicy,
  SessionStickinessPolicy,
  RateLimitAwarePolicy,
  LoadBalancedPolicy,
  EnvSecretStore,
  MemorySecretStore,
  JsonSecretStore,
  BrowserSecretStore,
  EncryptedFileSecretStore,
  MemoryStorage,
  LocalStorageStorage,
  SessionStorageStorage,
  IndexedDBStorage,
  NullObservability,
  ConsoleObservability,
  JsonLogObservability,
  CallbackObservability,
  PrometheusObservability,
  WebhookObservability,
  AutoDiscovery,
  HealthMonitor,
] as unknown as readonly ConnectorClass[];

/**
 * The mesh of the `modelmesh` entry: every built-in connector can be named from configuration; configuration may be
 * YAML text or (Node) a file path, the YAML parser loading only when YAML is given.
 * @example
 * const mesh = await ModelMesh.start({ config: "modelmesh.yaml" });
 * const errors = await mesh.reconfigure(newYamlText); // [] when applied
 */
export class ModelMesh extends StaticModelMesh {
  /**
   * Every running mesh is a `ModelMesh` to `instanceof`, whichever entry made it: `create()` starts its mesh from
   * the lazily loaded code (`LazyModelMesh`, a sibling of this class), and `client.mesh` is typed `ModelMesh`.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof StaticModelMesh;
  }

  protected static override prepare(): void {
    // A user's registerConnector() of the same id wins over the built-in.
    for (const connector of BUILTIN_CLASSES) {
      const id = (connector as unknown as { connectorId: string }).connectorId;
      if (!isRegistered(id)) registerConnectors([connector], BUILTIN_CONNECTORS);
    }
    registerNodeConnectorLoaders();
    super.prepare();
  }

  protected static override readConfig(source: string | MeshConfigObject): Promise<MeshConfigObject> {
    return loadConfig(source);
  }
}
