// The public surface that `modelmesh` and `modelmesh/static` share: everything but `create` and `ModelMesh`, which
// each entry provides its own way (the root loads the mesh and connectors with import(), static links them).
// Named exports only; nothing here runs on import.

// Client
export { MeshClient, type MeshClientState, type MeshDescription, type MeshExplanation } from "./client/mesh-client.js";
export { MeshStream } from "./client/mesh-stream.js";
export type { MeshPromise, WithResponse } from "./client/raw-response.js";
export type { ChatCompletions, ChatCompletionCreateParamsStreaming, ChatCompletionCreateParamsNonStreaming } from "./client/chat-completions.js";
export type { Embeddings } from "./client/embeddings.js";
export type { Speech } from "./client/audio-speech.js";
export type { Rerank, Retrieval, Scrape, Search } from "./client/retrieval.js";
export type { RerankCreateParams, RerankResponse, RerankResult, ScrapeCreateParams, ScrapeResponse, SearchCreateParams, SearchResponse, SearchResult } from "./wire/retrieval.js";
export type { Transcriptions } from "./client/audio-transcriptions.js";
export type { Images } from "./client/images.js";
export type { Models, ModelsPagePromise } from "./client/models.js";
export type { ModelsPage } from "./core/model-list.js";
export { DEFAULT_REQUEST_LIMITS, type RequestLimits } from "./core/request-limits.js";

// The mesh and its configuration
export type { CreateOptions, ConnectorOption, CloseOptions } from "./core/options.js";
export {
  MeshConfig,
  DEFAULT_POOL_SETTINGS,
  type MeshConfigObject,
  type ResolvedConfig,
  type PoolSpec,
  type PoolSettings,
  type ProviderSpec,
  type ConnectorSpec,
  type RetrySettings,
  type DeactivationSettings,
  type RecoverySettings,
  type StreamFailoverMode,
} from "./core/config.js";
export { servedBy, servedHeaders, SERVED_BY, type ServedBy } from "./wire/served.js";
export { capabilities, resolveCapability, capabilityCovers, type CapabilityNode } from "./wire/capabilities.js";
export { registerConnector, registerConnectorLoader, type ConnectorKind, type ConnectorClass, type ConnectorDescription, type ConnectorLoader } from "./core/registry.js";
export { Middleware, type MiddlewareContext, type MiddlewareLike } from "./core/middleware.js";
export type { RequestOptions } from "./core/router.js";
export type { ModelState, ModelStatus } from "./wire/model-state.js";
export type { UsageSummary, UsageEntry } from "./core/usage.js";
export type { MeshEvent, MeshEventType, EventSink, Severity, Component, UsageCounts } from "./wire/events.js";
export type * from "./wire/types.js";

// Errors
export {
  ModelMeshError,
  ConfigError,
  ProviderError,
  AuthenticationError,
  RateLimitError,
  TimeoutError,
  ConnectionError,
  BudgetExceededError,
  InvalidRequestError,
  NoCapableModelError,
  SecretNotFoundError,
  StorageError,
  StreamInterruptedError,
  AllProvidersExhaustedError,
  isModelMeshError,
  isModelMeshErrorOf,
  exhaustedError,
  isSerializedError,
  type SerializedError,
  type Attempt,
} from "./wire/errors.js";
export { fromResponse } from "./provider/error-factory.js";

// Providers (CDK and built-ins)
export type { Provider, ModelInfo, ModelFeatures, ModelPricing, RateLimitSnapshot, ProviderCallOptions, ProviderResult, ProviderOperation } from "./provider/provider.js";
export { BaseProvider, createBaseProviderConfig, type BaseProviderConfig, type BaseProviderConfigInput } from "./provider/base-provider.js";
export { OpenAICompatibleProvider, createOpenAICompatibleConfig, type OpenAICompatibleConfig, type OpenAICompatibleConfigInput } from "./provider/openai-compatible.js";
export { OpenAIProvider } from "./provider/openai.js";
export { BrowserBaseProvider, createBrowserProviderConfig, type BrowserProviderConfigInput } from "./provider/browser.js";
// Providers for other services (one file or folder each)
export { ANTHROPIC_MODELS } from "./provider/anthropic/models.js";
export { AnthropicProvider, ANTHROPIC_VERSION, type AnthropicConfigInput } from "./provider/anthropic/provider.js";
export { DEEPSEEK_MODELS, DeepSeekProvider } from "./provider/deepseek.js";
export { GEMINI_MODELS } from "./provider/gemini/models.js";
export { GeminiProvider } from "./provider/gemini/provider.js";
export { GROQ_MODELS, GroqProvider } from "./provider/groq.js";
export { MISTRAL_MODELS, MistralProvider } from "./provider/mistral.js";
export { OPENROUTER_MODELS, OpenRouterProvider, type OpenRouterConfigInput } from "./provider/openrouter.js";
export { COHERE_MODELS } from "./provider/cohere/models.js";
export { CohereProvider } from "./provider/cohere/provider.js";
export { TAVILY_MODELS, TavilyProvider } from "./provider/tavily.js";
export { SERPER_MODELS, SerperProvider } from "./provider/serper.js";
export { FIRECRAWL_MODELS, FirecrawlProvider } from "./provider/firecrawl.js";
export { JINA_MODELS, JinaProvider, type JinaConfigInput } from "./provider/jina/provider.js";
export { ELEVENLABS_MODELS, ElevenLabsProvider, type ElevenLabsConfigInput } from "./provider/elevenlabs.js";
export { AZURE_SPEECH_MODELS, AzureSpeechProvider, type AzureSpeechConfigInput } from "./provider/azure-speech.js";
export { ASSEMBLYAI_MODELS, AssemblyAIProvider, type AssemblyAIConfigInput } from "./provider/assemblyai.js";
export { TOGETHER_MODELS, TogetherProvider } from "./provider/together.js";
export { XAI_MODELS, XAIProvider } from "./provider/xai.js";
export { PERPLEXITY_MODELS, PerplexityProvider } from "./provider/perplexity.js";
export { OllamaProvider } from "./provider/ollama.js";
export { LMStudioProvider } from "./provider/lmstudio.js";
export { VLLMProvider } from "./provider/vllm.js";
export { LocalAIProvider } from "./provider/localai.js";
export { LocalServerProvider } from "./provider/local-server.js";

// Rotation (CDK and built-ins)
export { BaseRotationPolicy, BaseSelectionStrategy, type RotationConfig, type SelectionContext } from "./rotation/rotation.js";
export { StickUntilFailurePolicy } from "./rotation/stick-until-failure.js";
export { CostFirstPolicy } from "./rotation/cost-first.js";
export { LatencyFirstPolicy, type LatencyFirstConfig } from "./rotation/latency-first.js";
export { RoundRobinPolicy } from "./rotation/round-robin.js";
export { PrioritySelectionPolicy, type PrioritySelectionConfig } from "./rotation/priority-selection.js";
export { SessionStickinessPolicy, type SessionStickinessConfig } from "./rotation/session-stickiness.js";
export { RateLimitAwarePolicy, type RateLimitAwareConfig } from "./rotation/rate-limit-aware.js";
export { LoadBalancedPolicy, type LoadBalancedConfig } from "./rotation/load-balanced.js";

// Secret stores
export { BaseSecretStore, type SecretStore, type BaseSecretStoreConfig } from "./secrets/secret-store.js";
export { EnvSecretStore, type EnvSecretStoreConfig } from "./secrets/env.js";
export { MemorySecretStore, type MemorySecretStoreConfig } from "./secrets/memory-secrets.js";
export { JsonSecretStore, type JsonSecretStoreConfig } from "./secrets/json-secrets.js";
export { BrowserSecretStore, type BrowserSecretStoreConfig } from "./secrets/browser-secrets.js";
export { SecretStoreError, type SecretStoreFailure } from "./secrets/secret-store-error.js";
export { encryptSecrets, decryptSecrets, MIN_PBKDF2_ITERATIONS, type EncryptedSecretsFile, type EncryptSecretsOptions } from "./secrets/encrypted-secrets.js";

// Storage
export { BaseStorage, type StorageEntry, type BaseStorageConfig } from "./storage/storage.js";
export { MemoryStorage } from "./storage/memory.js";
export { LocalStorageStorage } from "./storage/localstorage.js";
export { SessionStorageStorage } from "./storage/sessionstorage.js";
export { IndexedDBStorage, type IndexedDBStorageConfig } from "./storage/indexeddb.js";

// Observability
export { BaseObservability, type BaseObservabilityConfig, type LogLevel } from "./observability/sink.js";
export { NullObservability } from "./observability/null.js";
export { ConsoleObservability, type ConsoleObservabilityConfig } from "./observability/console.js";
export { JsonLogObservability, type JsonLogObservabilityConfig } from "./observability/json-log.js";
export { CallbackObservability, type CallbackObservabilityConfig } from "./observability/callback.js";
export { MultiSink } from "./observability/multi.js";
export { WebhookObservability, type WebhookObservabilityConfig } from "./observability/webhook.js";
export type { MeshStats, BudgetStats, PoolCounts } from "./wire/events.js";
export type { StatsSource } from "./observability/sink.js";
export { REDACTED } from "./wire/redact.js";
export { createRedactor } from "./internal/event-redactor.js";

// Discovery
export { BaseDiscovery, type DiscoveryConfig } from "./discovery/discovery.js";
export { AutoDiscovery } from "./discovery/auto-discovery.js";
export { HealthMonitor, type HealthMonitorConfig, type HealthTarget, type HealthReport } from "./discovery/health-monitor.js";

// Proxy support
export { formatSseEvent, formatSseComment, SSE_DONE } from "./wire/sse.js";
export { PrometheusObservability, DEFAULT_LATENCY_BUCKETS, type PrometheusObservabilityConfig } from "./observability/prometheus.js";
