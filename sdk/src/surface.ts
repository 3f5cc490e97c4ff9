// The public surface that `modelmesh` and `modelmesh/static` share: everything but `create` and `ModelMesh`, which
// each entry provides its own way (the root loads the mesh and connectors with import(), static links them).
// Named exports only; nothing here runs on import. Values only as `export *` of a one-module barrel under exports/
// (why: see index.ts).

// Client
export * from "./exports/mesh-client.js";
export * from "./exports/mesh-stream.js";
export type { MeshPromise, WithResponse } from "./client/raw-response.js";
export type { ChatCompletions, ChatCompletionCreateParamsStreaming, ChatCompletionCreateParamsNonStreaming } from "./client/chat-completions.js";
export type { ChatCompletionStream } from "./client/chat-completion-stream.js";
export type { ChatCompletionRunner } from "./client/chat-completion-runner.js";
export type { ChatCompletionStreamingRunner } from "./client/chat-completion-streaming-runner.js";
export type { ChatCompletionSnapshot } from "./core/chat-stream-snapshot.js";
export type { Embeddings } from "./client/embeddings.js";
export type { Speech } from "./client/audio-speech.js";
export type { Rerank, Retrieval, Scrape, Search } from "./client/retrieval.js";
export type { RerankCreateParams, RerankResponse, RerankResult, ScrapeCreateParams, ScrapeResponse, SearchCreateParams, SearchResponse, SearchResult } from "./wire/retrieval.js";
export type { Transcriptions } from "./client/audio-transcriptions.js";
export type { Images } from "./client/images.js";
export type { Models, ModelsPagePromise } from "./client/models.js";
export type { ModelsPage } from "./core/model-list.js";
export * from "./exports/request-limits.js";

// The mesh and its configuration
export type { CreateOptions, ConnectorOption, CloseOptions } from "./core/options.js";
export * from "./exports/config.js";
export * from "./exports/config-load.js";
export * from "./exports/served.js";
export * from "./exports/capabilities.js";
export * from "./exports/registry.js";
export * from "./exports/middleware.js";
export type { RequestOptions } from "./core/router.js";
export type { ModelState, ModelStatus } from "./wire/model-state.js";
export type { UsageSummary, UsageEntry } from "./core/usage.js";
export type { MeshEvent, MeshEventType, EventSink, Severity, Component, UsageCounts } from "./wire/events.js";
export type * from "./wire/types.js";

// Errors
// ConfigError and InvalidRequestError from the module that ships with create(): an app that catches them loads no
// other error class (wire/errors.ts, with the provider errors and their redaction, loads with the mesh).
export * from "./exports/error-base.js";
export * from "./exports/errors.js";
export * from "./exports/error-factory.js";

// Providers (CDK and built-ins)
export type { Provider, ModelInfo, ModelFeatures, ModelPricing, RateLimitSnapshot, ProviderCallOptions, ProviderResult, ProviderOperation } from "./provider/provider.js";
export * from "./exports/base-provider.js";
export * from "./exports/openai-compatible.js";
export * from "./exports/openai.js";
export * from "./exports/browser.js";
// Providers for other services (one file or folder each)
export * from "./exports/anthropic-models.js";
export * from "./exports/anthropic-provider.js";
export * from "./exports/deepseek.js";
export * from "./exports/gemini-models.js";
export * from "./exports/gemini-provider.js";
export * from "./exports/groq.js";
export * from "./exports/mistral.js";
export * from "./exports/openrouter.js";
export * from "./exports/cohere-models.js";
export * from "./exports/cohere-provider.js";
export * from "./exports/tavily.js";
export * from "./exports/serper.js";
export * from "./exports/firecrawl.js";
export * from "./exports/jina-provider.js";
export * from "./exports/elevenlabs.js";
export * from "./exports/azure-speech.js";
export * from "./exports/assemblyai.js";
export * from "./exports/together.js";
export * from "./exports/xai.js";
export * from "./exports/perplexity.js";
export * from "./exports/ollama.js";
export * from "./exports/lmstudio.js";
export * from "./exports/vllm.js";
export * from "./exports/localai.js";
export * from "./exports/local-server.js";

// Rotation (CDK and built-ins)
export * from "./exports/rotation.js";
export * from "./exports/stick-until-failure.js";
export * from "./exports/cost-first.js";
export * from "./exports/latency-first.js";
export * from "./exports/round-robin.js";
export * from "./exports/priority-selection.js";
export * from "./exports/session-stickiness.js";
export * from "./exports/rate-limit-aware.js";
export * from "./exports/load-balanced.js";

// Secret stores
export * from "./exports/secret-store.js";
export * from "./exports/env.js";
export * from "./exports/memory-secrets.js";
export * from "./exports/json-secrets.js";
export * from "./exports/browser-secrets.js";
export * from "./exports/encrypted-file-secrets.js";
export * from "./exports/secret-store-error.js";
export * from "./exports/encrypted-secrets.js";

// Storage
export * from "./exports/storage.js";
export * from "./exports/memory.js";
export * from "./exports/localstorage.js";
export * from "./exports/sessionstorage.js";
export * from "./exports/indexeddb.js";

// Observability
export * from "./exports/sink.js";
export * from "./exports/null.js";
export * from "./exports/console.js";
export * from "./exports/json-log.js";
export * from "./exports/callback.js";
export * from "./exports/multi.js";
export * from "./exports/webhook.js";
export type { MeshStats, BudgetStats, PoolCounts } from "./wire/events.js";
export type { StatsSource } from "./observability/sink.js";
export * from "./exports/redact.js";
export * from "./exports/event-redactor.js";

// Discovery
export * from "./exports/discovery.js";
export * from "./exports/auto-discovery.js";
export * from "./exports/health-monitor.js";

// Proxy support
export * from "./exports/sse.js";
export * from "./exports/prometheus.js";
