import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  AnyEmbedding,
  CreateEmbeddingResponse,
  EmbeddingCreateParams,
  ImageGenerateParams,
  ImagesResponse,
  SpeechCreateParams,
  Transcription,
  TranscriptionCreateParams,
} from "../wire/types.js";

import type { ModelInfo, RateLimitSnapshot } from "../wire/models.js";
import type { KEEP_RAW_CHUNKS } from "../wire/raw-text.js";
import type { ABORT_SOURCE, LazyAbortController } from "../internal/abort.js";
import type { RerankCreateParams, RerankResponse, ScrapeCreateParams, ScrapeResponse, SearchCreateParams, SearchResponse } from "../wire/retrieval.js";

// The model types live in wire/ (every layer names a model); re-exported here, where connectors look for them.
export type { ModelFeatures, ModelInfo, ModelPricing, RateLimitSnapshot } from "../wire/models.js";

export interface ProviderCallOptions {
  signal?: AbortSignal;
  /** The whole exchange; overrides the provider's `timeoutMs` (for a stream, unset means no overall limit). */
  timeoutMs?: number;
  /** Streams: the wait for the response headers. */
  connectTimeoutMs?: number;
  /** Streams: from the headers to the first content (text, tool call, refusal); keep-alive comments do not count. */
  firstTokenTimeoutMs?: number;
  /** Streams: between content chunks, counting only time spent waiting on the network. */
  stallTimeoutMs?: number;
  /**
   * The last message is the assistant's partial reply, to be extended rather than answered (only sent to models whose
   * `features.assistantPrefix` is true). The provider marks it as its service expects (`prefix: true` by default).
   */
  continueAssistant?: boolean;
  /** Extra headers for this call only. */
  headers?: Record<string, string>;
  /** Streamed chunks passed on unchanged carry the service's text for them (`wire/raw-text.ts`); the proxy sets it. */
  [KEEP_RAW_CHUNKS]?: boolean;
  /** The stream's controller behind `signal`, for providers of this package to follow without building the signal. */
  [ABORT_SOURCE]?: LazyAbortController;
}

/** A provider's answer plus what its headers said about remaining quota. */
export interface ProviderResult<T> {
  body: T;
  rateLimit?: RateLimitSnapshot;
}

export type ProviderOperation = "chat" | "embeddings" | "speech" | "transcription" | "images" | "rerank" | "search" | "scrape";

/**
 * What the router needs from a provider connector. `BaseProvider` implements it for HTTP services;
 * anything else (a local model, a test double) can implement it directly.
 */
export interface Provider {
  /** The name this provider instance has in the mesh (`openai`, or its key under `providers:`). */
  readonly id: string;
  /** Connector id, e.g. `openai.llm.v1`. */
  readonly connectorId: string;
  /** Stable fingerprint of the credential in use (never the key itself). */
  readonly keyId: string;
  listModels(): ModelInfo[];
  supports(operation: ProviderOperation): boolean;
  /** `request.model` is the concrete model id; the body is otherwise the caller's, unchanged. */
  chat(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<ChatCompletion>>;
  /** Resolves once the service accepted the request (status 2xx); chunks then arrive as they are sent. */
  chatStream(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<AsyncIterable<ChatCompletionChunk>>>;
  embeddings?(request: EmbeddingCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<CreateEmbeddingResponse<AnyEmbedding>>>;
  /** Audio bytes as a streaming `Response` (content-type set), like the official client returns. */
  speech?(request: SpeechCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Response>>;
  transcription?(request: TranscriptionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<Transcription>>;
  images?(request: ImageGenerateParams, options?: ProviderCallOptions): Promise<ProviderResult<ImagesResponse>>;
  rerank?(request: RerankCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<RerankResponse>>;
  search?(request: SearchCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<SearchResponse>>;
  scrape?(request: ScrapeCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<ScrapeResponse>>;
  /** Fetches the models the service itself lists, once, before the mesh builds its pools (local servers). */
  loadModels?(): Promise<void>;
  close?(): Promise<void>;
}
