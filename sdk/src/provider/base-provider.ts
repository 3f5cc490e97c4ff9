/**
 * `BaseProvider`: the CDK base class for HTTP JSON services. It owns the transport (injected `fetch`, timeouts,
 * abort signals, proxy rewriting, status → error mapping, SSE streaming) and normalises every answer to the OpenAI
 * wire shape; a subclass only translates through the hooks (`_getCompletionEndpoint`, `_buildHeaders`,
 * `_buildRequestPayload`, `_parseResponse`, `_parseSseChunk`, `_parseRateLimitHeaders`). The default hooks speak
 * the OpenAI wire format, so an OpenAI-compatible service needs none of them.
 */
import { ConfigError, ConnectionError, ModelMeshError, TimeoutError } from "../core/errors.js";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  CompletionUsage,
  CreateEmbeddingResponse,
  FinishReason,
  ImagesResponse,
} from "../core/types.js";
import { isDoneSentinel, parseSse } from "../core/sse.js";
import type { SseEvent } from "../core/sse.js";
import { readHeader, resetTime } from "../core/retry.js";
import { combineSignals, InternalAbortReason } from "../internal/abort.js";
import type { CombinedSignal } from "../internal/abort.js";
import { fromResponse, malformedResponse, redactSecrets } from "./error-factory.js";
import type {
  ModelFeatures,
  ModelInfo,
  ModelPricing,
  Provider,
  ProviderCallOptions,
  ProviderOperation,
  ProviderResult,
  RateLimitSnapshot,
} from "./provider.js";

/** A model as configuration may give it: camelCase or snake_case, capabilities optional. */
export interface ModelInfoInput {
  id: string;
  name?: string;
  capabilities?: string[];
  contextWindow?: number;
  context_window?: number;
  maxOutputTokens?: number;
  max_output_tokens?: number;
  features?: ModelFeatures & { json_mode?: boolean };
  pricing?: ModelPricing & { per_character?: number; per_request?: number; per_second?: number; per_image?: number; read_at?: string };
}

/** What a provider accepts, camelCase or snake_case (`base_url`, `api_key`, `timeout_ms`, `proxy_url`). */
export interface BaseProviderConfigInput {
  /** The provider's name in the mesh; defaults to the class's short name. */
  id?: string;
  connectorId?: string;
  baseUrl?: string;
  apiKey?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Overrides (same id) or extends the built-in model list. */
  models?: ModelInfoInput[];
  fetch?: typeof fetch;
  /** A CORS proxy taking the full target URL after it: `${proxyUrl}${targetUrl}`. */
  proxyUrl?: string;
  [key: string]: unknown;
}

/** The normalised configuration a provider keeps as `this._config`. */
export interface BaseProviderConfig {
  id?: string;
  connectorId?: string;
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  headers: Record<string, string>;
  models: ModelInfo[];
  fetch?: typeof fetch;
  proxyUrl?: string;
  [key: string]: unknown;
}

/** Per-stream context handed to `_parseSseChunk`; `state` is the hook's own scratch space (providers are shared). */
export interface StreamContext {
  request: ChatCompletionCreateParams;
  /** The concrete model id requested, used when a chunk names none. */
  modelId: string;
  state: Record<string, unknown>;
}

/** What `_parseResponse` may return: anything chat-completion-like; missing fields are filled in. */
export interface ChatCompletionDraft {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: unknown[];
  usage?: unknown;
  [key: string]: unknown;
}

/** What `_parseSseChunk` may return for one event: chunk(s), nothing (skip it), or the end of the stream. */
export type ChunkDraftResult = ChatCompletionDraft | ChatCompletionDraft[] | null | undefined | "done";

/**
 * `timeoutMs` when the configuration gives none: the wait for a whole answer, or for each chunk of a stream.
 * @example
 * createBaseProviderConfig({}).timeoutMs === DEFAULT_TIMEOUT_MS; // true
 */
export const DEFAULT_TIMEOUT_MS = 60_000;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const camelCase = (key: string) => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * Normalises one model entry (snake_case accepted); a model given without capabilities is a chat model.
 * @example
 * normalizeModelInfo({ id: "corp-llm", context_window: 32000 });
 * // { id: "corp-llm", capabilities: ["generation.text-generation.chat-completion"], contextWindow: 32000 }
 */
export function normalizeModelInfo(input: ModelInfoInput, fallbackCapabilities = ["generation.text-generation.chat-completion"]): ModelInfo {
  const model: ModelInfo = { id: input.id, capabilities: input.capabilities ?? fallbackCapabilities };
  if (input.name !== undefined) model.name = input.name;
  const contextWindow = input.contextWindow ?? input.context_window;
  if (contextWindow !== undefined) model.contextWindow = contextWindow;
  const maxOutputTokens = input.maxOutputTokens ?? input.max_output_tokens;
  if (maxOutputTokens !== undefined) model.maxOutputTokens = maxOutputTokens;
  if (input.features) model.features = Object.fromEntries(Object.entries(input.features).map(([key, value]) => [camelCase(key), value])) as ModelFeatures;
  if (input.pricing) model.pricing = Object.fromEntries(Object.entries(input.pricing).map(([key, value]) => [camelCase(key), value])) as ModelPricing;
  return model;
}

/**
 * The built-in list with configured models applied: same id → fields overridden (features/pricing merged), new id → added.
 * @example
 * mergeModels(OPENAI_MODELS, [{ id: "gpt-4o", contextWindow: 64000 }, { id: "ft:gpt-4o:corp" }]);
 */
export function mergeModels(builtIn: readonly ModelInfo[], overrides: readonly ModelInfoInput[] = []): ModelInfo[] {
  const merged = new Map(builtIn.map((model) => [model.id, model]));
  for (const input of overrides) {
    const existing = merged.get(input.id);
    const override = normalizeModelInfo(input, existing?.capabilities);
    merged.set(
      input.id,
      existing
        ? { ...existing, ...override, features: { ...existing.features, ...override.features }, pricing: { ...existing.pricing, ...override.pricing } }
        : override,
    );
  }
  return [...merged.values()];
}

/**
 * Normalises provider configuration: snake_case keys become camelCase, defaults are applied, models are normalised.
 * Keys it does not know are kept (subclasses read them).
 * @example
 * const config = createBaseProviderConfig({ base_url: "https://llm.corp/v1", api_key: key, timeout_ms: 30000 });
 * config.baseUrl; // "https://llm.corp/v1"
 */
export function createBaseProviderConfig(input: BaseProviderConfigInput = {}): BaseProviderConfig {
  const camel: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (value !== undefined) camel[key.includes("_") ? camelCase(key) : key] = value;
  const timeoutMs = camel.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) throw new ConfigError("timeout_ms", "must be a positive number of milliseconds");
  if (camel.fetch !== undefined && typeof camel.fetch !== "function") throw new ConfigError("fetch", "must be a fetch function");
  const models = Array.isArray(camel.models) ? (camel.models as ModelInfoInput[]) : [];
  return {
    ...camel,
    baseUrl: typeof camel.baseUrl === "string" ? camel.baseUrl : "",
    apiKey: typeof camel.apiKey === "string" ? camel.apiKey : "",
    timeoutMs,
    headers: isRecord(camel.headers) ? (camel.headers as Record<string, string>) : {},
    models: models.map((model) => normalizeModelInfo(model)),
  };
}

/**
 * FNV-1a (32-bit) as 8 hex digits: a short, non-reversible fingerprint used as `keyId`, never the key itself.
 * @example
 * fingerprint("https://api.openai.com/v1\u0000sk-..."); // "9a3c41f0"
 */
export function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * Joins a base URL and a path without doubling or dropping slashes; an absolute URL is returned as is.
 * @example
 * joinUrl("https://api.openai.com/v1/", "/chat/completions"); // "https://api.openai.com/v1/chat/completions"
 */
export function joinUrl(baseUrl: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${baseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/**
 * Rewrites a target URL for a cors-anywhere style proxy: `${proxyUrl}${targetUrl}`; a slash is added after the proxy
 * URL unless it already ends in `/`, `=` or `?` (query-style proxies).
 * @example
 * withProxy("http://localhost:8787/proxy", "https://api.openai.com/v1/models");
 * // "http://localhost:8787/proxy/https://api.openai.com/v1/models"
 */
export function withProxy(proxyUrl: string | undefined, targetUrl: string): string {
  if (!proxyUrl) return targetUrl;
  return /[/=?]$/.test(proxyUrl) ? `${proxyUrl}${targetUrl}` : `${proxyUrl}/${targetUrl}`;
}

/**
 * Merges header records case-insensitively; later records win (keeping the later spelling).
 * @example
 * mergeHeaders({ Accept: "application/json" }, { accept: "text/event-stream" }); // { accept: "text/event-stream" }
 */
export function mergeHeaders(...records: Array<Record<string, string> | undefined>): Record<string, string> {
  const byLowerName = new Map<string, [string, string]>();
  for (const record of records) {
    for (const [name, value] of Object.entries(record ?? {})) {
      if (value === undefined || value === null) byLowerName.delete(name.toLowerCase());
      else byLowerName.set(name.toLowerCase(), [name, String(value)]);
    }
  }
  return Object.fromEntries(byLowerName.values());
}

function randomId(): string {
  const crypto = globalThis.crypto as Crypto | undefined;
  if (crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID().replace(/-/g, "").slice(0, 24);
  return Math.random().toString(36).slice(2, 14) + Math.random().toString(36).slice(2, 14);
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  content_filter: "content_filter",
  function_call: "function_call",
  // Names other wire formats use for the same outcomes.
  end_turn: "stop",
  stop_sequence: "stop",
  eos: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  safety: "content_filter",
};

/**
 * Maps any provider's finish reason onto OpenAI's enum; an unknown reason counts as a normal stop.
 * @example
 * normalizeFinishReason("end_turn"); // "stop"
 * normalizeFinishReason("MAX_TOKENS"); // "length"
 */
export function normalizeFinishReason(value: unknown): FinishReason | null {
  if (typeof value !== "string" || value === "") return null;
  return FINISH_REASONS[value.toLowerCase()] ?? "stop";
}

/**
 * Usage with OpenAI's snake_case names (the FAQ's camelCase `promptTokens` accepted); `total_tokens` computed when missing.
 * @example
 * normalizeUsage({ promptTokens: 3, completionTokens: 4 }); // { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }
 */
export function normalizeUsage(value: unknown): CompletionUsage | undefined {
  if (!isRecord(value)) return undefined;
  const { promptTokens, completionTokens, totalTokens, ...rest } = value;
  const count = (snake: unknown, camel: unknown) => (typeof snake === "number" ? snake : typeof camel === "number" ? camel : 0);
  const prompt = count(value.prompt_tokens, promptTokens);
  const completion = count(value.completion_tokens, completionTokens);
  const total = typeof value.total_tokens === "number" ? value.total_tokens : typeof totalTokens === "number" ? totalTokens : prompt + completion;
  return { ...rest, prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
}

function normalizeContent(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part === "string" ? part : isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
  }
  return null;
}

/**
 * Fills what OpenAI's schema requires and a provider may omit: `id`, `object`, `created`, `model` (falls back to the
 * requested model), `choices[].index`, `message.role`, `message.content` (null), `message.refusal` (null),
 * `logprobs` (null), `finish_reason`; camelCase `finishReason`/`promptTokens` are renamed.
 * @throws TypeError when there is no `choices` array (the transport turns it into `malformed_response`)
 * @example
 * normalizeChatCompletion({ choices: [{ message: { content: "Hi" } }] }, "corp-llm").choices[0]?.finish_reason; // "stop"
 */
export function normalizeChatCompletion(draft: unknown, modelId: string): ChatCompletion {
  if (!isRecord(draft) || !Array.isArray(draft.choices)) throw new TypeError("the body has no choices array");
  const { usage, ...rest } = draft;
  const choices = draft.choices.map((value, index) => {
    const choice = isRecord(value) ? value : {};
    const { finishReason, ...choiceRest } = choice;
    const message = isRecord(choice.message) ? choice.message : {};
    const toolCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    return {
      ...choiceRest,
      index: typeof choice.index === "number" ? choice.index : index,
      message: { ...message, role: "assistant" as const, content: normalizeContent(message.content), refusal: typeof message.refusal === "string" ? message.refusal : null },
      finish_reason: normalizeFinishReason(choice.finish_reason ?? finishReason) ?? (toolCalls ? "tool_calls" : "stop"),
      logprobs: isRecord(choice.logprobs) ? (choice.logprobs as ChatCompletion["choices"][number]["logprobs"]) : null,
    };
  });
  const completion: ChatCompletion = {
    ...rest,
    id: typeof draft.id === "string" && draft.id !== "" ? draft.id : `chatcmpl-${randomId()}`,
    object: "chat.completion",
    created: typeof draft.created === "number" ? Math.floor(draft.created) : Math.floor(Date.now() / 1000),
    model: typeof draft.model === "string" && draft.model !== "" ? draft.model : modelId,
    choices,
  };
  const normalizedUsage = normalizeUsage(usage);
  if (normalizedUsage) completion.usage = normalizedUsage;
  return completion;
}

/**
 * Fills a stream chunk's required fields; `stream` carries the id/created/model of the stream so every chunk agrees.
 * @example
 * normalizeChatCompletionChunk({ choices: [{ delta: { content: "Hi" } }] }, { id: "chatcmpl-1", created: 1, model: "m" });
 */
export function normalizeChatCompletionChunk(draft: unknown, stream: { id: string; created: number; model: string }): ChatCompletionChunk {
  if (!isRecord(draft)) throw new TypeError("the chunk is not an object");
  const { usage, ...rest } = draft;
  const choices = (Array.isArray(draft.choices) ? draft.choices : []).map((value, index) => {
    const choice = isRecord(value) ? value : {};
    const { finishReason, ...choiceRest } = choice;
    return {
      ...choiceRest,
      index: typeof choice.index === "number" ? choice.index : index,
      delta: isRecord(choice.delta) ? choice.delta : {},
      finish_reason: normalizeFinishReason(choice.finish_reason ?? finishReason),
    };
  });
  const chunk: ChatCompletionChunk = {
    ...rest,
    id: typeof draft.id === "string" && draft.id !== "" ? draft.id : stream.id,
    object: "chat.completion.chunk",
    created: typeof draft.created === "number" ? Math.floor(draft.created) : stream.created,
    model: typeof draft.model === "string" && draft.model !== "" ? draft.model : stream.model,
    choices,
  };
  if (usage !== undefined) chunk.usage = normalizeUsage(usage) ?? null;
  return chunk;
}

/**
 * Fills `CreateEmbeddingResponse`'s required fields (`object`, `data[].object`/`index`, `model`, `usage`).
 * @throws TypeError when there is no `data` array
 * @example
 * normalizeEmbeddingResponse({ data: [{ embedding: [0.1] }] }, "text-embedding-3-small").data[0]?.index; // 0
 */
export function normalizeEmbeddingResponse(draft: unknown, modelId: string): CreateEmbeddingResponse {
  if (!isRecord(draft) || !Array.isArray(draft.data)) throw new TypeError("the body has no data array");
  const data = draft.data.map((value, index) => {
    const item = isRecord(value) ? value : {};
    if (!Array.isArray(item.embedding) && typeof item.embedding !== "string") throw new TypeError(`data[${index}] has no embedding`);
    return { ...item, object: "embedding" as const, index: typeof item.index === "number" ? item.index : index, embedding: item.embedding as number[] | string };
  });
  const usage = isRecord(draft.usage) ? draft.usage : {};
  const promptTokens = typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : 0;
  return {
    ...draft,
    object: "list",
    data,
    model: typeof draft.model === "string" && draft.model !== "" ? draft.model : modelId,
    usage: { ...usage, prompt_tokens: promptTokens, total_tokens: typeof usage.total_tokens === "number" ? usage.total_tokens : promptTokens },
  };
}

/**
 * Fills `ImagesResponse`'s required fields (`created`, `data`).
 * @throws TypeError when there is no `data` array
 * @example
 * normalizeImagesResponse({ data: [{ url: "https://..." }] }).created; // now, in seconds
 */
export function normalizeImagesResponse(draft: unknown): ImagesResponse {
  if (!isRecord(draft) || !Array.isArray(draft.data)) throw new TypeError("the body has no data array");
  return { ...draft, created: typeof draft.created === "number" ? draft.created : Math.floor(Date.now() / 1000), data: draft.data as ImagesResponse["data"] };
}

/**
 * Reads OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets are durations like "6m0s", turned
 * into epoch ms) and the single-window `x-ratelimit-{limit,remaining,reset}` of OpenRouter-style gateways (requests).
 * Negative values (Azure sends -1 for "not reported") are ignored.
 * @example
 * parseOpenAIRateLimitHeaders(response.headers, Date.now()); // { limitRequests: 5000, remainingRequests: 4999, resetRequestsAt: ... }
 */
export function parseOpenAIRateLimitHeaders(headers: Headers | Record<string, string>, now = Date.now()): RateLimitSnapshot | undefined {
  const count = (...names: string[]) => {
    for (const name of names) {
      const value = Number(readHeader(headers, name) ?? Number.NaN);
      if (Number.isFinite(value) && value >= 0) return value;
    }
    return undefined;
  };
  const reset = (...names: string[]) => {
    for (const name of names) {
      const text = readHeader(headers, name);
      const at = text === undefined ? undefined : resetTime(text, now);
      if (at !== undefined) return at;
    }
    return undefined;
  };
  const snapshot: RateLimitSnapshot = {
    limitRequests: count("x-ratelimit-limit-requests", "x-ratelimit-limit"),
    remainingRequests: count("x-ratelimit-remaining-requests", "x-ratelimit-remaining"),
    resetRequestsAt: reset("x-ratelimit-reset-requests", "x-ratelimit-reset"),
    limitTokens: count("x-ratelimit-limit-tokens"),
    remainingTokens: count("x-ratelimit-remaining-tokens"),
    resetTokensAt: reset("x-ratelimit-reset-tokens"),
  };
  const present = Object.entries(snapshot).filter(([, value]) => value !== undefined);
  return present.length > 0 ? (Object.fromEntries(present) as RateLimitSnapshot) : undefined;
}

const AUDIO_EXTENSIONS: Record<string, string> = { mpeg: "mp3", mp3: "mp3", wav: "wav", "x-wav": "wav", webm: "webm", ogg: "ogg", flac: "flac", mp4: "m4a", m4a: "m4a", "x-m4a": "m4a" };

/**
 * A request object as multipart form data (OpenAI's upload endpoints): `file` keeps its name, or gets one from its
 * type (the service infers the format from the extension); arrays become `key[]` fields; objects are JSON.
 * @example
 * toMultipartForm({ model: "whisper-1", file: new Blob([bytes], { type: "audio/wav" }) }); // file named audio.wav
 */
export function toMultipartForm(request: object): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || value === null) continue;
    if (key === "file" && value instanceof Blob) {
      const name = typeof (value as File).name === "string" && (value as File).name ? (value as File).name : `audio.${AUDIO_EXTENSIONS[value.type.split("/")[1] ?? ""] ?? "mp3"}`;
      form.append("file", value, name);
    } else if (Array.isArray(value)) for (const item of value) form.append(`${key}[]`, String(item));
    else form.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  return form;
}

/**
 * Turns a whole completion into the chunks a stream would have carried (for services that ignore `stream: true`).
 * @example
 * for (const chunk of completionToChunks(completion)) yield chunk;
 */
export function completionToChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = { id: completion.id, object: "chat.completion.chunk" as const, created: completion.created, model: completion.model };
  const chunks: ChatCompletionChunk[] = [
    {
      ...base,
      choices: completion.choices.map((choice) => {
        const { role, content, refusal, tool_calls, ...extra } = choice.message;
        const delta: ChatCompletionChunk["choices"][number]["delta"] = { ...extra, role, content };
        if (refusal !== null) delta.refusal = refusal;
        if (tool_calls) delta.tool_calls = tool_calls.map((call, index) => ({ index, ...call }));
        return { index: choice.index, delta, finish_reason: choice.finish_reason };
      }),
    },
  ];
  if (completion.usage) chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}

/** Control over one exchange's timer and signals (see `SentRequest.transfer`). */
export interface TransferControl {
  readonly signal: AbortSignal;
  /** (Re)starts the timeout window. */
  arm(): void;
  disarm(): void;
  /** Done normally: stop the timer and let go of the caller's signal. */
  finish(): void;
  /** Done early: abort the request (closes the connection) and let go. */
  stop(): void;
  /** Maps a failure to the caller's abort reason, a `TimeoutError` or a `ConnectionError`. */
  classify(error: unknown, phase: string): unknown;
}

/**
 * One HTTP exchange's signals and timer. The caller's signal, a timeout and our own stop are combined; which one
 * fired decides the error: the caller's abort is rethrown as the caller's reason (never made retryable), a timeout
 * becomes `TimeoutError`, anything else from the network becomes `ConnectionError`.
 */
class Transfer implements TransferControl {
  private readonly controller = new AbortController();
  private readonly combined: CombinedSignal;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly callerSignal: AbortSignal | undefined,
    readonly timeoutMs: number,
    private readonly where: { providerId: string; modelId?: string; host: string; secrets: string[] },
  ) {
    this.combined = combineSignals([callerSignal, this.controller.signal]);
  }

  get signal(): AbortSignal {
    return this.combined.signal;
  }

  arm(): void {
    this.disarm();
    this.timer = globalThis.setTimeout(() => this.controller.abort(new InternalAbortReason("timeout")), this.timeoutMs);
  }

  disarm(): void {
    if (this.timer !== undefined) globalThis.clearTimeout(this.timer);
    this.timer = undefined;
  }

  finish(): void {
    this.disarm();
    this.combined.dispose();
  }

  stop(): void {
    this.disarm();
    if (!this.controller.signal.aborted) this.controller.abort(new InternalAbortReason("stopped"));
    this.combined.dispose();
  }

  classify(error: unknown, phase: string): unknown {
    if (error instanceof ModelMeshError) return error;
    if (this.callerSignal?.aborted) return this.callerSignal.reason ?? error;
    const fields = { providerId: this.where.providerId, ...(this.where.modelId === undefined ? {} : { modelId: this.where.modelId }) };
    const reason: unknown = this.controller.signal.reason;
    if (reason instanceof InternalAbortReason && reason.kind === "timeout") {
      return new TimeoutError(`${this.where.providerId} did not answer within ${this.timeoutMs} ms (${phase})`, { ...fields, timeoutMs: this.timeoutMs }, { cause: error });
    }
    const detail = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
    const message = redactSecrets(`${this.where.providerId}: connection to ${this.where.host} failed (${phase}): ${detail}`, this.where.secrets);
    return new ConnectionError(message, fields, { cause: error });
  }
}

/** What `_send` needs to make one HTTP request. */
export interface SendOptions {
  /** A path joined to `baseUrl`, or an absolute URL. */
  url: string;
  method?: string;
  body?: BodyInit;
  headers?: Record<string, string>;
  call?: ProviderCallOptions;
  modelId?: string;
  accept?: string;
}

/** A successful (2xx) exchange whose body is not read yet; the timeout keeps running until it is. */
export interface SentRequest {
  response: Response;
  /** Reads the whole body within the same deadline, so a timeout, abort or reset becomes the right error. */
  read<T>(reader: (response: Response) => Promise<T>): Promise<T>;
  /** For bodies handed on unread (streams, audio): the caller takes over the timer and must `finish` or `stop`. */
  transfer: TransferControl;
}

/**
 * Base class for HTTP providers (the CDK's `BaseProvider`). Override only what differs from the OpenAI wire format.
 * @example
 * class CorpLLMProvider extends BaseProvider {
 *   protected override _getCompletionEndpoint() { return `${this._config.baseUrl.replace(/\/$/, "")}/api/generate` }
 *   protected override _buildHeaders() { return { "Content-Type": "application/json", "X-Corp-Token": this._config.apiKey } }
 *   protected override _buildRequestPayload(request: ChatCompletionCreateParams) { return { prompt: request.messages.at(-1)?.content, model_name: request.model } }
 *   protected override _parseResponse(data: Record<string, unknown>) { return { id: String(data.request_id), choices: [{ message: { content: data.output } }] } }
 * }
 * const provider = new CorpLLMProvider(createBaseProviderConfig({ baseUrl: "https://llm.corp", apiKey: key, models: [{ id: "corp-llm" }] }));
 */
export abstract class BaseProvider implements Provider {
  /** Registry id, e.g. `openai.llm.v1`. */
  static connectorId?: string;
  /** Short name resolving to `connectorId`, e.g. `openai`. */
  static shortName?: string;
  /** Used when the configuration gives no `baseUrl`. */
  static defaultBaseUrl?: string;
  /** Environment variables (or secret names) auto-discovery reads the key from. */
  static envVars?: readonly string[];
  /** Environment variable that may override the base URL. */
  static baseUrlEnvVar?: string;
  /** False for services that need no key (local servers); a provider with `envVars` needs one unless this says otherwise. */
  static requiresApiKey?: boolean;

  readonly id: string;
  readonly connectorId: string;
  readonly keyId: string;
  protected declare readonly _config: BaseProviderConfig;
  private models: ModelInfo[] | undefined;

  constructor(config: BaseProviderConfigInput = {}) {
    const statics = new.target as unknown as typeof BaseProvider;
    const normalized = createBaseProviderConfig(config);
    if (!normalized.baseUrl) normalized.baseUrl = statics.defaultBaseUrl ?? "";
    if (!/^https?:\/\//i.test(normalized.baseUrl)) throw new ConfigError("base_url", `must be an http(s) URL${normalized.baseUrl ? "" : " (none given)"}`);
    if (normalized.proxyUrl !== undefined && !/^https?:\/\//i.test(normalized.proxyUrl)) throw new ConfigError("proxy_url", "must be an http(s) URL");
    // Neither the config nor the key is enumerable, so logging or serialising a provider never prints the key.
    Object.defineProperty(normalized, "apiKey", { value: normalized.apiKey, enumerable: false, writable: true, configurable: true });
    Object.defineProperty(this, "_config", { value: normalized, enumerable: false, writable: false, configurable: true });
    this.connectorId = normalized.connectorId ?? statics.connectorId ?? "custom.provider.v1";
    this.id = normalized.id ?? statics.shortName ?? this.connectorId;
    this.keyId = fingerprint(`${normalized.baseUrl}\u0000${normalized.apiKey}`);
  }

  /** What serialising a provider shows: identity and endpoint, never the key. */
  toJSON(): { id: string; connectorId: string; keyId: string; baseUrl: string; proxyUrl?: string } {
    return { id: this.id, connectorId: this.connectorId, keyId: this.keyId, baseUrl: this._config.baseUrl, ...(this._config.proxyUrl ? { proxyUrl: this._config.proxyUrl } : {}) };
  }

  /** The provider's built-in model list; configuration `models` is applied on top by `listModels`. */
  protected defaultModels(): ModelInfo[] {
    return [];
  }

  listModels(): ModelInfo[] {
    this.models ??= mergeModels(this.defaultModels(), this._config.models);
    return this.models.map((model) => ({ ...model, capabilities: [...model.capabilities] }));
  }

  supports(operation: ProviderOperation): boolean {
    return typeof (this as unknown as Record<string, unknown>)[operation] === "function";
  }

  // ---- CDK hooks: defaults speak the OpenAI wire format ----

  /** The chat URL (absolute, or a path joined to `baseUrl`). `request.stream` tells a streaming call apart. */
  protected _getCompletionEndpoint(_request?: ChatCompletionCreateParams): string {
    return joinUrl(this._config.baseUrl, "/chat/completions");
  }

  /** Headers for every request (auth, content type). `config.headers` and per-call headers are merged over them. */
  protected _buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (this._config.apiKey) headers.Authorization = `Bearer ${this._config.apiKey}`;
    return headers;
  }

  /**
   * The JSON body for a chat request; `request.model` is already the concrete model id and `request.stream` says
   * which call this is. The default sends the OpenAI body as is, minus `stream_options` on a non-streaming call.
   */
  protected _buildRequestPayload(request: ChatCompletionCreateParams): Record<string, unknown> {
    if (request.stream === true) return { ...request };
    const { stream_options: _streamOptions, ...payload } = request;
    return payload;
  }

  /** Translates a 2xx JSON body into a chat completion (missing OpenAI fields are filled in afterwards). */
  protected _parseResponse(data: Record<string, unknown>): ChatCompletionDraft {
    return data;
  }

  /** Translates one SSE event into chunk(s); `null` skips it, `"done"` ends the stream. Throw to fail the stream. */
  protected _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
    if (isDoneSentinel(event.data)) return "done";
    if (event.data.trim() === "") return null;
    const data: unknown = JSON.parse(event.data);
    // OpenAI and OpenRouter report a failure after the 200 as an event carrying `error`.
    if (isRecord(data) && data.error !== undefined && data.error !== null) throw this._errorFromBody(data, context.modelId);
    if (event.event === "error") throw this._errorFromBody({ error: data }, context.modelId);
    return data as ChatCompletionDraft;
  }

  /** Reads quota headers into a snapshot (default: the `x-ratelimit-*` family); `undefined` when there are none. */
  protected _parseRateLimitHeaders(headers: Headers): RateLimitSnapshot | undefined {
    return parseOpenAIRateLimitHeaders(headers);
  }

  /**
   * Public face of `_parseRateLimitHeaders`, for the router to read a failed response's headers (kept on the error).
   * @example
   * provider.parseRateLimit(rateLimitError.headers);
   */
  parseRateLimit(headers: Headers | Record<string, string>): RateLimitSnapshot | undefined {
    return this._parseRateLimitHeaders(headers instanceof Headers ? headers : new Headers(headers));
  }

  // ---- transport ----

  /** Absolute URL for a path, rewritten through `proxyUrl` when one is set. */
  protected _resolveUrl(pathOrUrl: string): string {
    return withProxy(this._config.proxyUrl, joinUrl(this._config.baseUrl, pathOrUrl));
  }

  /** The error for a failure reported inside a 2xx body (a stream event, or a gateway that answers 200). */
  protected _errorFromBody(body: Record<string, unknown>, modelId?: string): ModelMeshError {
    const error = isRecord(body.error) ? body.error : {};
    const code = typeof error.code === "number" ? error.code : Number(error.code);
    const status = Number.isInteger(code) && code >= 400 && code < 600 ? code : 500;
    return fromResponse(status, body, {}, { providerId: this.id, ...(modelId === undefined ? {} : { modelId }), secrets: this._secrets() });
  }

  /** Values that must never leave in an error. */
  protected _secrets(): string[] {
    return this._config.apiKey ? [this._config.apiKey] : [];
  }

  /**
   * Sends one request. Resolves once a 2xx status and headers arrived; a non-2xx is read and thrown through
   * `fromResponse`. The timeout runs until the headers arrive; `read()` re-arms it while the body is read.
   */
  protected async _send(options: SendOptions): Promise<SentRequest> {
    const target = this._resolveUrl(options.url);
    // With a proxy, a refused connection is the proxy's: name the host really dialled.
    const host = new URL(target).host;
    const modelField = options.modelId === undefined ? {} : { modelId: options.modelId };
    const transfer = new Transfer(options.call?.signal, options.call?.timeoutMs ?? this._config.timeoutMs, { providerId: this.id, host, secrets: this._secrets(), ...modelField });
    const headers = mergeHeaders({ Accept: options.accept ?? "application/json" }, this._buildHeaders(), this._config.headers, options.call?.headers);
    if (typeof FormData !== "undefined" && options.body instanceof FormData) {
      // multipart needs fetch's own Content-Type, which carries the boundary.
      for (const name of Object.keys(headers)) if (name.toLowerCase() === "content-type") delete headers[name];
    }
    const fetchImplementation = this._config.fetch ?? globalThis.fetch.bind(globalThis);
    transfer.arm();
    let response: Response;
    try {
      response = await fetchImplementation(target, {
        method: options.method ?? "POST",
        headers,
        signal: transfer.signal,
        ...(options.body === undefined ? {} : { body: options.body }),
      });
    } catch (error) {
      const classified = transfer.classify(error, "connecting");
      transfer.stop();
      throw classified;
    }
    const read = async <T>(reader: (response: Response) => Promise<T>): Promise<T> => {
      try {
        const result = await reader(response);
        transfer.finish();
        return result;
      } catch (error) {
        const classified = transfer.classify(error, "reading the body");
        transfer.stop();
        throw classified;
      }
    };
    if (!response.ok) {
      let body: unknown = "";
      try {
        const text = await read((failed) => failed.text());
        body = text;
        if (text.trim() !== "") body = JSON.parse(text);
      } catch (error) {
        // The status alone still says what happened, unless the caller gave up.
        if (options.call?.signal?.aborted) throw options.call.signal.reason ?? error;
      }
      throw fromResponse(response.status, body, response.headers, { providerId: this.id, ...modelField, secrets: this._secrets() });
    }
    return { response, read, transfer };
  }

  /** POSTs JSON and parses the JSON answer; a non-JSON 2xx body is a retryable `malformed_response`. */
  protected async _requestJson(url: string, payload: unknown, call: ProviderCallOptions | undefined, modelId?: string, method = "POST"): Promise<{ data: unknown; headers: Headers }> {
    const sent = await this._send({
      url,
      method,
      call,
      ...(modelId === undefined ? {} : { modelId }),
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const text = await sent.read((response) => response.text());
    try {
      return { data: JSON.parse(text), headers: sent.response.headers };
    } catch (error) {
      throw malformedResponse(this.id, modelId, "the body is not JSON", text, error);
    }
  }

  /** Runs a parsing step; anything it throws that is not a ModelMesh error means the body had the wrong shape. */
  protected _parse<T>(modelId: string | undefined, body: unknown, parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      if (error instanceof ModelMeshError) throw error;
      throw malformedResponse(this.id, modelId, error instanceof Error ? error.message : String(error), body, error);
    }
  }

  /** Wraps a parsed body with what the response headers said about quota. */
  protected _result<T>(body: T, headers: Headers): ProviderResult<T> {
    const rateLimit = this._parseRateLimitHeaders(headers);
    return rateLimit ? { body, rateLimit } : { body };
  }

  /**
   * Hands a body on unread (audio): the deadline covered the wait for the headers only; reading failures still become
   * ModelMesh errors, and cancelling the returned body closes the connection.
   */
  protected _handOver(sent: SentRequest): Response {
    const { response, transfer } = sent;
    transfer.disarm();
    if (!response.body) {
      transfer.finish();
      return response;
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            transfer.finish();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          const classified = transfer.classify(error, "reading the body");
          transfer.stop();
          controller.error(classified);
        }
      },
      async cancel(reason) {
        await reader.cancel(reason).catch(() => {});
        transfer.stop();
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  async chat(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<ChatCompletion>> {
    const chatRequest = request.stream ? { ...request, stream: false } : request;
    const payload = this._buildRequestPayload(chatRequest);
    const { data, headers } = await this._requestJson(this._getCompletionEndpoint(chatRequest), payload, options, request.model);
    const completion = this._parse(request.model, data, () => {
      if (!isRecord(data)) throw new TypeError("the body is not a JSON object");
      if (data.error !== undefined && data.error !== null && !Array.isArray(data.choices)) throw this._errorFromBody(data, request.model);
      return normalizeChatCompletion(this._parseResponse(data), request.model);
    });
    return this._result(completion, headers);
  }

  async chatStream(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<AsyncIterable<ChatCompletionChunk>>> {
    const streamRequest: ChatCompletionCreateParams = { ...request, stream: true };
    const payload = this._buildRequestPayload(streamRequest);
    const sent = await this._send({
      url: this._getCompletionEndpoint(streamRequest),
      body: JSON.stringify(payload),
      call: options,
      modelId: request.model,
      accept: "text/event-stream",
    });
    const { response, transfer } = sent;
    const contentType = response.headers.get("content-type") ?? "";
    if (contentType.includes("application/json") || !response.body) {
      // Some servers ignore `stream: true` and answer with one JSON completion; replay it as chunks.
      const text = await sent.read((whole) => whole.text());
      const chunks = this._parse(request.model, text, () => {
        const data: unknown = JSON.parse(text);
        if (isRecord(data) && data.error !== undefined && data.error !== null && !Array.isArray(data.choices)) throw this._errorFromBody(data, request.model);
        return completionToChunks(normalizeChatCompletion(isRecord(data) ? this._parseResponse(data) : data, request.model));
      });
      return this._result(
        (async function* replay() {
          yield* chunks;
        })(),
        response.headers,
      );
    }
    const context: StreamContext = { request: streamRequest, modelId: request.model, state: {} };
    return this._result(this._iterate(response.body, transfer, context), response.headers);
  }

  /**
   * Chunks as they arrive. The timer runs only while waiting on the network (and from the headers until the consumer
   * first asks), so a stalled stream fails with `TimeoutError` but a slow consumer never does. Leaving early aborts
   * the request; a body that ends with no finish reason and no end marker is a truncated stream (`ConnectionError`).
   */
  private _iterate(body: ReadableStream<Uint8Array>, transfer: TransferControl, context: StreamContext): AsyncIterableIterator<ChatCompletionChunk> {
    const stream = { id: `chatcmpl-${randomId()}`, created: Math.floor(Date.now() / 1000), model: context.modelId };
    let identified = false;
    transfer.arm();
    const generate = async function* (this: BaseProvider): AsyncGenerator<ChatCompletionChunk, void, undefined> {
      let completed = false;
      let finished = false;
      try {
        for await (const event of parseSse(body, { onWait: (waiting) => (waiting ? transfer.arm() : transfer.disarm()) })) {
          const result = this._parse(context.modelId, event.data, () => this._parseSseChunk(event, context));
          if (result === "done") {
            finished = true;
            break;
          }
          if (result === null || result === undefined) continue;
          for (const draft of Array.isArray(result) ? result : [result]) {
            const chunk = this._parse(context.modelId, event.data, () => normalizeChatCompletionChunk(draft, stream));
            if (!identified) {
              // The first chunk's id and created are the stream's; later chunks that omit them inherit these.
              stream.id = chunk.id;
              stream.created = chunk.created;
              identified = true;
            }
            if (chunk.choices.some((choice) => choice.finish_reason !== null)) finished = true;
            yield chunk;
          }
        }
        if (!finished) {
          throw new ConnectionError(
            `${this.id}: the stream from ${context.modelId} ended before the service finished it`,
            { providerId: this.id, modelId: context.modelId },
            { code: "stream_truncated" },
          );
        }
        completed = true;
      } catch (error) {
        throw transfer.classify(error, "streaming");
      } finally {
        if (completed) transfer.finish();
        else transfer.stop();
      }
    }.call(this);
    return {
      next: () => generate.next(),
      return: async (value?: unknown) => {
        // Also covers a consumer that gives up before the first chunk, when the generator has not started yet.
        transfer.stop();
        await body.cancel().catch(() => {});
        return generate.return(value as undefined);
      },
      throw: (error?: unknown) => generate.throw(error),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
