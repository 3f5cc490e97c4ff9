/**
 * `BaseProvider`: the CDK base class for HTTP JSON services. It owns the transport (injected `fetch`, timeouts,
 * abort signals, proxy rewriting, status → error mapping, SSE streaming) and normalises every answer to the OpenAI
 * wire shape; a subclass only translates through the hooks (`_getCompletionEndpoint`, `_buildHeaders`,
 * `_buildRequestPayload`, `_parseResponse`, `_parseSseChunk`, `_parseRateLimitHeaders`). The default hooks speak
 * the OpenAI wire format, so an OpenAI-compatible service needs none of them.
 */
import { ConnectionError, ModelMeshError } from "../wire/errors.js";
import { ConfigError } from "../wire/error-base.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, CompletionResponse } from "../wire/types.js";
import { isDoneSentinel, SseReader } from "../wire/sse.js";
import type { SseEvent } from "../wire/sse.js";
import { fromResponse, malformedResponse } from "./error-factory.js";
import type { ModelInfo, Provider, ProviderCallOptions, ProviderOperation, ProviderResult, RateLimitSnapshot } from "./provider.js";
import { configSecrets, createBaseProviderConfig, fingerprint, isRecord, joinUrl, mergeHeaders, mergeModels, withProxy, type BaseProviderConfig, type BaseProviderConfigInput, type ChatCompletionDraft, type ChunkDraftResult, type StreamContext } from "./provider-config.js";
import { completionToChunks, normalizeChatCompletion, normalizeChatCompletionChunk, randomId, requestMessages } from "./normalize.js";
import { parseOpenAIRateLimitHeaders } from "./rate-limit-headers.js";
import { Transfer, type TransferControl } from "./transfer.js";
import { streamedBody } from "./body-reader.js";
import { KEEP_RAW_CHUNKS, RAW_CHUNK, RAW_JSON } from "../wire/raw-text.js";
import { READY_CHUNK, type ChunkIterator } from "../wire/chunk-batches.js";
import { platformFetch } from "../internal/platform-fetch.js";
import { ABORT_SOURCE } from "../internal/abort.js";

export * from "./provider-config.js";
export * from "./normalize.js";
export * from "./rate-limit-headers.js";
export * from "./multipart.js";
export * from "./transfer.js";


/**
 * The service's id for the exchange (`x-request-id`, Anthropic's `request-id`) as `_request_id` on a JSON answer, as
 * the official client sets it: not enumerable, so it is never serialised or compared, but there for a support ticket.
 */
function addRequestId(body: unknown, headers: Headers): void {
  // A text answer (a transcript as plain text) has no properties to carry it; null when the service sent no id.
  if (typeof body !== "object" || body === null) return;
  Object.defineProperty(body, "_request_id", { value: headers.get("x-request-id") ?? headers.get("request-id"), configurable: true });
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
  /** A streamed answer: the headers get `connectTimeoutMs` and the total limit applies only when one was given. */
  stream?: boolean;
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
    const messages = Array.isArray(request.messages) ? requestMessages(request.messages) : request.messages;
    const body = messages === request.messages ? request : { ...request, messages: messages as ChatCompletionCreateParams["messages"] };
    if (body.stream === true) return { ...body };
    const { stream_options: _streamOptions, ...payload } = body;
    return payload;
  }

  /**
   * Translates a 2xx JSON body into a chat completion: OpenAI's snake_case draft, or the FAQ's camelCase
   * `CompletionResponse` (`finishReason`, `usage.promptTokens`). Either way missing OpenAI fields are filled in and
   * camelCase names become the wire's snake_case before any caller sees the answer.
   */
  protected _parseResponse(data: Record<string, unknown>): ChatCompletionDraft | CompletionResponse {
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

  /**
   * Marks the trailing assistant message as a prefix to extend (`ProviderCallOptions.continueAssistant`). The default
   * is DeepSeek's and Mistral's `prefix: true`; a service that continues a trailing assistant message by itself
   * overrides this to return the payload unchanged.
   */
  protected _markAssistantPrefix(payload: Record<string, unknown>): Record<string, unknown> {
    const messages = payload.messages;
    if (!Array.isArray(messages) || messages.length === 0) return payload;
    const last = messages[messages.length - 1] as Record<string, unknown>;
    if (last?.role !== "assistant") return payload;
    return { ...payload, messages: [...messages.slice(0, -1), { ...last, prefix: true }] };
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
    return configSecrets(this._config);
  }

  #hosts: Map<string, string> | undefined;
  #targets: Map<string, string> | undefined;

  /**
   * `_resolveUrl(url)`, remembered per URL while the hook is the base class's own (it depends only on the configured
   * base and proxy URLs): two regular-expression rewrites per request saved. An overridden hook runs every time.
   */
  #targetOf(url: string): string {
    if (this._resolveUrl !== BaseProvider.prototype._resolveUrl) return this._resolveUrl(url);
    this.#targets ??= new Map();
    let target = this.#targets.get(url);
    if (target === undefined) {
      target = this._resolveUrl(url);
      if (this.#targets.size >= 64) this.#targets.clear();
      this.#targets.set(url, target);
    }
    return target;
  }

  /** The host (with port) of `target`, remembered per URL (a few per provider; bounded all the same). */
  #hostOf(target: string): string {
    this.#hosts ??= new Map();
    let host = this.#hosts.get(target);
    if (host === undefined) {
      host = new URL(target).host;
      if (this.#hosts.size >= 64) this.#hosts.clear();
      this.#hosts.set(target, host);
    }
    return host;
  }

  /**
   * Sends one request. Resolves once a 2xx status and headers arrived; a non-2xx is read and thrown through
   * `fromResponse`. The timeout runs until the headers arrive; `read()` re-arms it while the body is read.
   */
  protected async _send(options: SendOptions): Promise<SentRequest> {
    const target = this.#targetOf(options.url);
    // With a proxy, a refused connection is the proxy's: name the host really dialled. A provider calls a handful of
    // URLs, so each is parsed once rather than per request.
    const host = this.#hostOf(target);
    const modelField = options.modelId === undefined ? {} : { modelId: options.modelId };
    const call = options.call;
    // A plain answer's headers arrive with the answer, so one total limit covers it; a stream's headers come before
    // generation starts, so they get their own (short) limit and the stream's length is bounded by its phases.
    const limits = options.stream
      ? { headersMs: call?.connectTimeoutMs ?? this._config.timeoutMs, ...(call?.timeoutMs === undefined ? {} : { totalMs: call.timeoutMs }) }
      : { totalMs: call?.timeoutMs ?? this._config.timeoutMs };
    // The secrets matter only when a failure is reported: a function, so a request that succeeds never collects them.
    // A stream's controller is followed as it is (`ABORT_SOURCE`): reading `call.signal` would build its AbortSignal.
    const stop = call?.[ABORT_SOURCE] ?? call?.signal;
    const transfer = new Transfer(stop, limits, { providerId: this.id, host, secrets: () => this._secrets(), ...modelField });
    const headers = mergeHeaders({ Accept: options.accept ?? "application/json" }, this._buildHeaders(), this._config.headers, options.call?.headers);
    if (typeof FormData !== "undefined" && options.body instanceof FormData) {
      // multipart needs fetch's own Content-Type, which carries the boundary.
      for (const name of Object.keys(headers)) if (name.toLowerCase() === "content-type") delete headers[name];
    }
    const fetchImplementation = this._config.fetch ?? platformFetch;
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
    transfer.headersReceived(response);
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
        // The status alone still says what happened, unless the caller gave up (`read` made that the caller's reason).
        if (stop?.aborted) throw error;
      }
      throw fromResponse(response.status, body, response.headers, { providerId: this.id, ...modelField, secrets: this._secrets() });
    }
    return { response, read, transfer };
  }

  /** POSTs JSON and parses the JSON answer; a non-JSON 2xx body is a retryable `malformed_response`. */
  protected async _requestJson(url: string, payload: unknown, call: ProviderCallOptions | undefined, modelId?: string, method = "POST"): Promise<{ data: unknown; headers: Headers; text: string }> {
    const sent = await this._send({
      url,
      method,
      call,
      ...(modelId === undefined ? {} : { modelId }),
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const text = await sent.read((response) => response.text());
    try {
      return { data: JSON.parse(text), headers: sent.response.headers, text };
    } catch (error) {
      throw malformedResponse(this.id, modelId, "the body is not JSON", text, error, this._secrets());
    }
  }

  /** Runs a parsing step; anything it throws that is not a ModelMesh error means the body had the wrong shape. */
  protected _parse<T>(modelId: string | undefined, body: unknown, parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      throw this.#parseFailure(error, modelId, body);
    }
  }

  /** What a parsing step's failure becomes: a ModelMesh error as it is, anything else `malformed_response`. */
  #parseFailure(error: unknown, modelId: string | undefined, body: unknown): unknown {
    if (error instanceof ModelMeshError) return error;
    return malformedResponse(this.id, modelId, error instanceof Error ? error.message : String(error), body, error, this._secrets());
  }

  /** Wraps a parsed body with what the response headers said about quota. */
  protected _result<T>(body: T, headers: Headers): ProviderResult<T> {
    addRequestId(body, headers);
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
    const built = this._buildRequestPayload(chatRequest);
    const payload = options?.continueAssistant ? this._markAssistantPrefix(built) : built;
    const { data, headers, text } = await this._requestJson(this._getCompletionEndpoint(chatRequest), payload, options, request.model);
    const completion = this._parse(request.model, data, () => {
      if (!isRecord(data)) throw new TypeError("the body is not a JSON object");
      if (data.error !== undefined && data.error !== null && !Array.isArray(data.choices)) throw this._errorFromBody(data, request.model);
      return normalizeChatCompletion(this._parseResponse(data), request.model);
    });
    // The service's answer used as it came (no hook rewrote it, nothing to fill in): it carries the service's text for
    // it, which the proxy writes instead of serialising the completion again. Whoever changes it must drop the text.
    if (completion === data && this._parseResponse === BaseProvider.prototype._parseResponse) Object.defineProperty(completion, RAW_JSON, { value: text, configurable: true });
    return this._result(completion, headers);
  }

  async chatStream(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<AsyncIterable<ChatCompletionChunk>>> {
    const streamRequest: ChatCompletionCreateParams = { ...request, stream: true };
    const built = this._buildRequestPayload(streamRequest);
    const payload = options?.continueAssistant ? this._markAssistantPrefix(built) : built;
    const sent = await this._send({
      url: this._getCompletionEndpoint(streamRequest),
      body: JSON.stringify(payload),
      call: options,
      modelId: request.model,
      accept: "text/event-stream",
      stream: true,
    });
    const { response, transfer } = sent;
    const contentType = response.headers.get("content-type") ?? "";
    // The injected fetch may offer the body without web streams (the proxy's Node fetch does): same bytes.
    const body = contentType.includes("application/json") ? null : streamedBody(response);
    if (!body) {
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
    transfer.beginStream(options?.firstTokenTimeoutMs ?? this._config.timeoutMs, options?.stallTimeoutMs ?? this._config.timeoutMs);
    return this._result(this._iterate(body, transfer, context, options?.[KEEP_RAW_CHUNKS] === true), response.headers);
  }

  /**
   * Chunks as they arrive. The first-token and stall windows count only time spent waiting on the network, and only
   * content (text, tool calls, refusal, a finish) restarts the stall window: keep-alive comments and empty role
   * chunks do not, so a service that holds the connection open without answering still times out, while a slow
   * consumer never does. Leaving early aborts the request; a body that ends with no finish reason and no end marker
   * is a truncated stream (`ConnectionError`).
   */
  private _iterate(body: ReadableStream<Uint8Array>, transfer: TransferControl, context: StreamContext, keepRaw: boolean): AsyncIterableIterator<ChatCompletionChunk> & ChunkIterator<ChatCompletionChunk> {
    // The fallback id is drawn only if a chunk comes without one (a UUID per stream otherwise, mostly unused).
    const stream = new StreamIdentity(Math.floor(Date.now() / 1000), context.modelId);
    let identified = false;
    // Only the default parser's drafts are the event's JSON as it came (a subclass may build them from another format);
    // and only a caller that writes chunks out again asked for the text.
    const rawParser = keepRaw && this._parseSseChunk === BaseProvider.prototype._parseSseChunk;
    const sse = new SseReader(body, { onWait: (waiting) => transfer.waiting(waiting) });
    // The events of the last network read, parsed one per `next()` (not all at once when the read arrives): a read
    // of a burst can hold tens of events (up to 16 KiB from the Node transport, more from a `fetch` that reads
    // bigger), and parsing them all first held the first chunk back by all the others' parsing (3–6 µs each). A
    // chunk still costs one resolved promise, not a step of an async generator per layer (SSE reader, this loop).
    let events: SseEvent[] = [];
    let parsed = 0;
    /** Further chunks of one event (a parser may return several), handed out before the next event is parsed. */
    let queue: ChatCompletionChunk[] = [];
    let served = 0;
    /** A failure met among a read's events: thrown once the chunks before it are handed out. */
    let failure: { error: unknown } | undefined;
    /** A finish reason was read: a body that ends now (even without the end marker) is complete, not truncated. */
    let finished = false;
    /** Nothing more to read: the end marker came or the body ended. */
    let ended = false;
    /** The exchange is over (finished, failed or left): timers stopped, body let go. */
    let closed = false;
    const accept = (draft: ChatCompletionDraft, result: ChunkDraftResult, event: SseEvent): ChatCompletionChunk | undefined => {
      let chunk: ChatCompletionChunk;
      try {
        chunk = normalizeChatCompletionChunk(draft, stream);
      } catch (error) {
        failure = { error: this.#parseFailure(error, context.modelId, event.data) };
        return undefined;
      }
      // The service's own JSON text, when the chunk is exactly what it sent (the OpenAI parser, no normalisation,
      // one line): a server re-sending the chunk as SSE (the proxy) can write it without JSON.stringify.
      if (chunk === result && rawParser && !event.data.includes("\n") && !event.data.includes("\r")) Object.defineProperty(chunk, RAW_CHUNK, { value: event.data, configurable: true });
      if (!identified) {
        // The first chunk's id and created are the stream's; later chunks that omit them inherit these.
        stream.id = chunk.id;
        stream.created = chunk.created;
        identified = true;
      }
      if (chunk.choices.some(hasFinished)) finished = true;
      if (finished || chunk.choices.some(carriesContent)) transfer.progress();
      return chunk;
    };
    /** The next chunk among the read's events not parsed yet; undefined when they are used up (or on the end or a failure). */
    const parseNext = (): ChatCompletionChunk | undefined => {
      while (parsed < events.length && failure === undefined && !ended) {
        const event = events[parsed++]!;
        // As `_parse`, written out: no closure and no one-element array per event, on streams of thousands.
        let result: ChunkDraftResult;
        try {
          result = this._parseSseChunk(event, context);
        } catch (error) {
          failure = { error: this.#parseFailure(error, context.modelId, event.data) };
          return undefined;
        }
        // The end marker: the answer is complete, and what follows it in the same read does not count.
        if (result === "done") ended = true;
        else if (result === null || result === undefined) continue;
        else if (!Array.isArray(result)) {
          const chunk = accept(result as ChatCompletionDraft, result, event);
          if (chunk) return chunk;
        } else {
          const drafts = result as ChatCompletionDraft[];
          queue = [];
          served = 0;
          for (const draft of drafts) {
            const chunk = accept(draft, result, event);
            if (!chunk) break;
            queue.push(chunk);
          }
          if (served < queue.length) return queue[served++]!;
        }
      }
      return undefined;
    };
    const fail = async (error: unknown): Promise<never> => {
      closed = true;
      const classified = transfer.classify(error, "streaming");
      await sse.close(false);
      transfer.stop();
      throw classified;
    };
    const iterator: AsyncIterableIterator<ChatCompletionChunk> & ChunkIterator<ChatCompletionChunk> = {
      // What the last read already holds, without a promise: a failure or the end among its events is left for
      // `next()` to report, after the chunks before it. (Asked only between `next()` calls, never after the end.)
      [READY_CHUNK]: () => {
        if (served < queue.length) return queue[served++]!;
        return parseNext();
      },
      next: async () => {
        // Closed only once every chunk before the end or the failure was handed out, or when the consumer left.
        if (closed) return { done: true, value: undefined };
        if (served < queue.length) return { done: false, value: queue[served++]! };
        try {
          for (;;) {
            const chunk = parseNext();
            if (chunk) return { done: false, value: chunk };
            if (failure) throw failure.error;
            if (ended) break;
            const read = await sse.read();
            if (closed) return { done: true, value: undefined };
            if (read === undefined) {
              ended = true;
              if (!finished) {
                throw new ConnectionError(
                  `${this.id}: the stream from ${context.modelId} ended before the service finished it`,
                  { providerId: this.id, modelId: context.modelId },
                  { code: "stream_truncated" },
                );
              }
            } else {
              events = read;
              parsed = 0;
            }
          }
        } catch (error) {
          // Left (`return()`) while this read waited: the read's failure is the leaving, not news.
          if (closed) return { done: true, value: undefined };
          return fail(error);
        }
        // The answer is complete: once finished, the rest of the body is read instead of the connection closed.
        closed = true;
        await sse.close(true);
        transfer.finish();
        return { done: true, value: undefined };
      },
      return: async (value?: unknown) => {
        // Leaving early (also before the first chunk) aborts the request and closes the connection.
        if (!closed) {
          closed = true;
          transfer.stop();
          await sse.close(false);
        }
        return { done: true, value: value as undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return iterator;
  }
}

/** True when a chunk's choice carries its finish reason. */
function hasFinished(choice: ChatCompletionChunk["choices"][number]): boolean {
  return choice.finish_reason !== null;
}

/** A stream's id, created time and model, for chunks that omit them; the id is made up only when one is needed. */
class StreamIdentity {
  #id: string | undefined;

  constructor(
    public created: number,
    public model: string,
  ) {}

  get id(): string {
    this.#id ??= `chatcmpl-${randomId()}`;
    return this.#id;
  }

  set id(value: string) {
    this.#id = value;
  }
}

/**
 * True when a chunk's choice carries something generated (not only a role): text, tool calls, a refusal, or the
 * reasoning text that DeepSeek (`reasoning_content`) and OpenRouter (`reasoning`) stream before the answer.
 */
function carriesContent(choice: ChatCompletionChunk["choices"][number]): boolean {
  const delta = choice.delta as Record<string, unknown>;
  if ((choice.delta.tool_calls?.length ?? 0) > 0) return true;
  for (const field of ["content", "refusal", "reasoning_content", "reasoning"]) {
    const value = delta[field];
    if (typeof value === "string" && value !== "") return true;
  }
  return false;
}
