import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { crc32, deflateSync } from "node:zlib";
import { startLocalServer, type ExchangeRecord, type LocalTls } from "./http.js";

// A fake api.openai.com for tests, benchmarks and the offline demo. Everything it sends follows what the real
// service sends: recorded responses (vercel/ai __fixtures__), the official OpenAPI spec (openai/openai-openapi),
// openai-node's parsing, and error bodies quoted in public issue threads. Where no public record was found the
// comment says so.

export type FakeMode =
  | { kind: "ok" }
  /** `withoutHeaders`: default headers of that error left out (a 429 that names its wait only in `x-ratelimit-reset-*`). */
  | { kind: "error"; status: number; body?: unknown; headers?: Record<string, string>; code?: string; withoutHeaders?: string[] }
  | { kind: "slow"; delayMs: number }
  | { kind: "slow-stream"; chunkDelayMs: number }
  | { kind: "break-stream"; afterChunks: number }
  /**
   * A stream that reports a failure in band after `afterChunks` content chunks, as compatible services do once the
   * 200 is sent (OpenRouter's recorded `{"error":{"code":400,"message":"Token limit reached"}}` event): optionally a
   * chunk finishing with `finishReason` first (with usage when `usage` is true), then `data: {"error": ...}`, then
   * `data: [DONE]`.
   */
  | { kind: "stream-error"; afterChunks: number; finishReason?: string; usage?: boolean; error?: { message: string; type?: string | null; code?: string | number | null } }
  /** After the role chunk, `comments` SSE keep-alive comments (`: keep-alive`), `intervalMs` apart, then the answer. */
  | { kind: "keep-alive"; comments: number; intervalMs: number }
  | { kind: "malformed" }
  | { kind: "hang" }
  /** The whole stream, `[DONE]` included, then the response is left open (a server that never ends its body). */
  | { kind: "open-after-done" };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
  at: number;
  /** True once the client hung up before the response was complete (the fake's own break-stream does not count). */
  clientAborted: boolean;
  /** The `x-request-id` the fake sent back for this request. */
  requestId: string;
}

export interface FakeOpenAIOptions {
  port?: number;
  /** Serve HTTPS with this key and certificate (sdk/test/fakes/tls/). */
  tls?: LocalTls;
  /** model ids served (default ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "tts-1", "whisper-1", "dall-e-3"]); unknown model -> real 404 model_not_found body */
  models?: string[];
  /** accepted API keys; undefined = any non-empty bearer key is accepted */
  apiKeys?: string[];
  /** reply text for chat (default: `Hello from ${model}: ${last user text}`); a function gets the parsed request body */
  reply?: string | ((body: any) => string);
  /** quota reported in x-ratelimit-* headers (defaults like a tier-1 account); remaining counts go down per request */
  rateLimit?: { limitRequests?: number; limitTokens?: number };
  /** label used in model names / logs, e.g. "fake-a" */
  name?: string;
  /**
   * Usage on the chunk that finishes the stream, always sent, and no separate usage chunk (as Mistral and DeepSeek
   * stream it), instead of OpenAI's trailing `choices: []` chunk sent only for `stream_options.include_usage`.
   */
  usageOnFinish?: boolean;
  /**
   * Accept `prefix: true` on a trailing assistant message and continue it (DeepSeek's and Mistral's prefix
   * completion); the reply function sees the messages, prefix included.
   */
  assistantPrefix?: boolean;
}

export interface FakeOpenAI {
  /** base URL including /v1, e.g. http://127.0.0.1:PORT/v1 (what an OpenAI client's baseURL takes) */
  url: string;
  requests: RecordedRequest[];
  /** How each exchange ended on the server's side (completed, or closed by the client first), in arrival order. */
  exchanges: ExchangeRecord[];
  /** TCP connections accepted so far (a client that keeps its connection alive opens one for many requests). */
  readonly connections: number;
  /** one-shot, FIFO, consumed by the next matching request */
  enqueue(mode: FakeMode, match?: { model?: string; path?: string }): void;
  /** persistent until reset(); a model-specific mode wins over a global one */
  setMode(mode: FakeMode, match?: { model?: string }): void;
  /** clears modes, recorded requests and rate-limit usage */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_MODELS = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "tts-1", "whisper-1", "dall-e-3"];

// Real `created` / `owned_by` values from GET /v1/models; chat responses name the dated snapshot, not the alias.
const MODEL_CATALOGUE: Record<string, { created: number; ownedBy: string; snapshot?: string; dimensions?: number }> = {
  "gpt-4o-mini": { created: 1721172741, ownedBy: "system", snapshot: "gpt-4o-mini-2024-07-18" },
  "gpt-4o": { created: 1715367049, ownedBy: "system", snapshot: "gpt-4o-2024-08-06" },
  "gpt-4.1-nano": { created: 1744321707, ownedBy: "system", snapshot: "gpt-4.1-nano-2025-04-14" },
  "text-embedding-3-small": { created: 1705948997, ownedBy: "system", dimensions: 1536 },
  "text-embedding-3-large": { created: 1705953180, ownedBy: "system", dimensions: 3072 },
  "text-embedding-ada-002": { created: 1671217299, ownedBy: "openai-internal", dimensions: 1536 },
  "tts-1": { created: 1681940951, ownedBy: "openai-internal" },
  "whisper-1": { created: 1677532384, ownedBy: "openai-internal" },
  "dall-e-3": { created: 1698785189, ownedBy: "system" },
  "dall-e-2": { created: 1698798177, ownedBy: "system" },
};

/** Top-level keys of the official CreateChatCompletionRequest schema; anything else is "Unrecognized request argument". */
const CHAT_PARAMETERS = new Set([
  "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs", "max_completion_tokens",
  "max_tokens", "messages", "metadata", "modalities", "model", "moderation", "n", "parallel_tool_calls", "prediction",
  "presence_penalty", "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention", "reasoning_effort",
  "response_format", "safety_identifier", "seed", "service_tier", "stop", "store", "stream", "stream_options",
  "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity", "web_search_options",
]);

const MESSAGE_KEYS: Record<string, ReadonlySet<string>> = {
  developer: new Set(["role", "content", "name"]),
  system: new Set(["role", "content", "name"]),
  user: new Set(["role", "content", "name"]),
  assistant: new Set(["role", "content", "name", "tool_calls", "function_call", "refusal", "audio"]),
  tool: new Set(["role", "content", "tool_call_id"]),
  function: new Set(["role", "content", "name"]),
};

const EMBEDDING_PARAMETERS = new Set(["input", "model", "encoding_format", "dimensions", "user"]);
const SPEECH_PARAMETERS = new Set(["model", "input", "voice", "instructions", "response_format", "speed", "stream_format"]);
const IMAGE_PARAMETERS = new Set([
  "prompt", "model", "n", "quality", "response_format", "size", "style", "user", "background", "moderation",
  "output_compression", "output_format", "partial_images", "stream",
]);

const SPEECH_CONTENT_TYPES: Record<string, string> = {
  mp3: "audio/mpeg",
  opus: "audio/opus",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: "audio/pcm",
};

const INVALID_JSON_MESSAGE =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library " +
  "correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble " +
  "figuring out how to fix this, please contact us through our help center at help.openai.com.)";

const MISSING_KEY_MESSAGE =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
  "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API " +
  "from your browser and are prompted for a username and password. You can obtain an API key from " +
  "https://platform.openai.com/account/api-keys.";

// ---------------------------------------------------------------------------------------------------------------
// Public entry point
// ---------------------------------------------------------------------------------------------------------------

/**
 * Starts a fake OpenAI server on 127.0.0.1 that speaks the real wire format.
 *
 * @example
 * const fake = await startFakeOpenAI({ name: "fake-a" });
 * const client = new OpenAI({ apiKey: "sk-test", baseURL: fake.url, maxRetries: 0 });
 * fake.enqueue({ kind: "error", status: 429, headers: { "retry-after": "0" } });
 * await fake.close();
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const state = createState(options);
  const local = await startLocalServer((request, response) => handleRequest(state, request, response), {
    port: options.port,
    tls: options.tls,
  });
  state.origin = local.url;
  return {
    url: `${local.url}/v1`,
    requests: state.requests,
    exchanges: local.exchanges,
    get connections() {
      return local.connections;
    },
    enqueue(mode, match = {}) {
      state.queued.push({ mode, match });
    },
    setMode(mode, match = {}) {
      state.persistent = state.persistent.filter((entry) => entry.match.model !== match.model);
      state.persistent.push({ mode, match });
    },
    reset() {
      state.queued.length = 0;
      state.persistent = [];
      state.requests.length = 0;
      state.limiter.reset();
    },
    close: () => local.close(),
  };
}

/** The fake's token estimate for a text: ceil(characters / 4), so tests can predict `usage` exactly. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

// ---------------------------------------------------------------------------------------------------------------
// State, modes, rate limits
// ---------------------------------------------------------------------------------------------------------------

interface ModeEntry {
  mode: FakeMode;
  match: { model?: string; path?: string };
}

interface FakeState {
  options: FakeOpenAIOptions;
  models: string[];
  organization: string;
  requests: RecordedRequest[];
  queued: ModeEntry[];
  persistent: ModeEntry[];
  limiter: RateLimiter;
  origin: string;
}

function createState(options: FakeOpenAIOptions): FakeState {
  return {
    options,
    models: options.models ?? DEFAULT_MODELS,
    organization: options.name ?? "user-modelmesh-fake",
    requests: [],
    queued: [],
    persistent: [],
    limiter: new RateLimiter(options.rateLimit?.limitRequests ?? 500, options.rateLimit?.limitTokens ?? 200_000),
    origin: "",
  };
}

function takeMode(state: FakeState, path: string, model: string | undefined): FakeMode {
  const queuedIndex = state.queued.findIndex((entry) => matchesEntry(entry, path, model));
  if (queuedIndex >= 0) {
    const [entry] = state.queued.splice(queuedIndex, 1);
    if (entry) return entry.mode;
  }
  const forModel = state.persistent.find((entry) => entry.match.model !== undefined && entry.match.model === model);
  const global = state.persistent.find((entry) => entry.match.model === undefined);
  return (forModel ?? global)?.mode ?? { kind: "ok" };
}

function matchesEntry(entry: ModeEntry, path: string, model: string | undefined): boolean {
  if (entry.match.model !== undefined && entry.match.model !== model) return false;
  if (entry.match.path !== undefined && normalisePath(entry.match.path) !== path) return false;
  return true;
}

function normalisePath(path: string): string {
  const withSlash = path.startsWith("/") ? path : `/${path}`;
  return withSlash.startsWith("/v1/") ? withSlash : `/v1${withSlash}`;
}

/**
 * One-minute windows: usage adds up per request and clears when the window ends, so "remaining" goes down by
 * exactly one request (and its tokens) per call within a test, yet a long benchmark never runs dry. "reset" is the
 * time left in the window, formatted as OpenAI formats it.
 */
class RateLimiter {
  private usedRequests = 0;
  private usedTokens = 0;
  private windowStart = Date.now();

  constructor(
    readonly limitRequests: number,
    readonly limitTokens: number,
  ) {}

  reset(): void {
    this.usedRequests = 0;
    this.usedTokens = 0;
    this.windowStart = Date.now();
  }

  consume(tokens: number): Record<string, string> {
    this.rollWindow();
    this.usedRequests = Math.min(this.limitRequests, this.usedRequests + 1);
    this.usedTokens = Math.min(this.limitTokens, this.usedTokens + tokens);
    return this.headers();
  }

  /** Milliseconds until one more request fits at an even pace, for a 429's message and retry-after. */
  msUntilNextRequest(): number {
    return 60_000 / this.limitRequests;
  }

  private rollWindow(): void {
    const now = Date.now();
    if (now - this.windowStart < 60_000) return;
    this.usedRequests = 0;
    this.usedTokens = 0;
    this.windowStart = now;
  }

  private headers(): Record<string, string> {
    const left = Math.max(0, this.windowStart + 60_000 - Date.now());
    return {
      "x-ratelimit-limit-requests": String(this.limitRequests),
      "x-ratelimit-limit-tokens": String(this.limitTokens),
      "x-ratelimit-remaining-requests": String(this.limitRequests - this.usedRequests),
      "x-ratelimit-remaining-tokens": String(this.limitTokens - this.usedTokens),
      "x-ratelimit-reset-requests": formatDuration(this.usedRequests > 0 ? left : 0),
      "x-ratelimit-reset-tokens": formatDuration(this.usedTokens > 0 ? left : 0),
    };
  }
}

/** Formats like Go's time.Duration, which is what OpenAI's headers carry: "20ms", "8.64s", "6m0s", "1h2m3.5s". */
function formatDuration(milliseconds: number): string {
  if (milliseconds < 1) return "0s";
  if (milliseconds < 1000) return `${Math.round(milliseconds)}ms`;
  const totalSeconds = milliseconds / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Number((totalSeconds - hours * 3600 - minutes * 60).toFixed(3));
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

// ---------------------------------------------------------------------------------------------------------------
// One request/response exchange
// ---------------------------------------------------------------------------------------------------------------

type ParsedBody =
  | { kind: "empty" }
  | { kind: "json"; value: unknown }
  | { kind: "invalid-json"; text: string }
  | { kind: "form"; form: FormData; summary: Record<string, unknown> }
  | { kind: "invalid-form"; text: string };

interface Exchange {
  state: FakeState;
  request: IncomingMessage;
  response: ServerResponse;
  method: string;
  path: string;
  body: ParsedBody;
  requestId: string;
  startedAt: number;
  /** aborted when the client goes away before the response is complete */
  signal: AbortSignal;
  authenticated: boolean;
  /** tokens charged against x-ratelimit-*-tokens when the head is written */
  tokens: number;
}

interface WireError {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

type Route = (exchange: Exchange, mode: FakeMode) => Promise<void> | void;

async function handleRequest(state: FakeState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const exchange = await openExchange(state, request, response);
  const recorded: RecordedRequest = {
    method: exchange.method,
    path: exchange.path,
    headers: flattenHeaders(request.headers),
    body: recordedBody(exchange.body),
    at: exchange.startedAt,
    clientAborted: exchange.signal.aborted && !hungUp.has(response),
    requestId: exchange.requestId,
  };
  exchange.signal.addEventListener("abort", () => (recorded.clientAborted = !hungUp.has(response)), { once: true });
  state.requests.push(recorded);

  const imagePath = exchange.method === "GET" && /^\/fake-images\/[\w-]+\.png$/.test(exchange.path);
  if (imagePath) return serveImage(exchange);

  const route = findRoute(exchange.method, exchange.path);
  if (!route) return sendError(exchange, invalidUrl(exchange.method, exchange.path));

  const authError = checkAuthorization(state, request);
  if (authError) return sendError(exchange, authError);
  exchange.authenticated = true;

  const mode = takeMode(state, exchange.path, requestedModel(exchange));
  if (mode.kind === "hang") return;
  if (mode.kind === "error") return sendError(exchange, modeError(exchange, mode));
  if (mode.kind === "slow" && !(await sleep(mode.delayMs, exchange.signal))) return;
  await route(exchange, mode);
}

/** Responses the fake cut off on purpose (break-stream), so their close is not taken for the client leaving. */
const hungUp = new WeakSet<ServerResponse>();

function hangUp(response: ServerResponse): void {
  hungUp.add(response);
  response.destroy();
}

async function openExchange(state: FakeState, request: IncomingMessage, response: ServerResponse): Promise<Exchange> {
  const controller = new AbortController();
  // IncomingMessage "close" fires once the body is read; only the response tells us the client left early.
  response.on("close", () => {
    if (!response.writableFinished) controller.abort();
  });
  const startedAt = Date.now();
  const raw = await readBody(request);
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  return {
    state,
    request,
    response,
    method: request.method ?? "GET",
    path: url.pathname,
    body: await parseBody(request, url, raw),
    requestId: `req_${randomBytes(16).toString("hex")}`,
    startedAt,
    signal: controller.signal,
    authenticated: false,
    tokens: 0,
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => resolve(Buffer.concat(parts)));
    // A client that hangs up mid-body never sends "end"; settle anyway so the exchange can be dropped.
    request.on("close", () => resolve(Buffer.concat(parts)));
    request.on("error", reject);
  });
}

async function parseBody(request: IncomingMessage, url: URL, raw: Buffer): Promise<ParsedBody> {
  if (raw.length === 0) return { kind: "empty" };
  const contentType = request.headers["content-type"] ?? "";
  if (contentType.startsWith("multipart/form-data")) return parseForm(url, contentType, raw);
  const text = raw.toString("utf8");
  try {
    return { kind: "json", value: JSON.parse(text) as unknown };
  } catch {
    return { kind: "invalid-json", text };
  }
}

async function parseForm(url: URL, contentType: string, raw: Buffer): Promise<ParsedBody> {
  try {
    // undici's multipart parser, the same one fetch uses, so boundaries and filenames are read like a real server.
    const request = new Request(url, { method: "POST", headers: { "content-type": contentType }, body: new Uint8Array(raw) });
    const form = await request.formData();
    const summary: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      summary[key] = typeof value === "string" ? value : { filename: value.name, size: value.size, type: value.type };
    }
    return { kind: "form", form, summary };
  } catch {
    return { kind: "invalid-form", text: raw.toString("latin1") };
  }
}

function recordedBody(body: ParsedBody): unknown {
  switch (body.kind) {
    case "empty":
      return undefined;
    case "json":
      return body.value;
    case "form":
      return body.summary;
    case "invalid-json":
    case "invalid-form":
      return body.text;
  }
}

function flattenHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function requestedModel(exchange: Exchange): string | undefined {
  const modelPath = /^\/v1\/models\/(.+)$/.exec(exchange.path);
  if (modelPath?.[1]) return decodeURIComponent(modelPath[1]);
  if (exchange.body.kind === "json" && isRecord(exchange.body.value)) {
    const model = exchange.body.value["model"];
    return typeof model === "string" ? model : undefined;
  }
  if (exchange.body.kind === "form") {
    const model = exchange.body.form.get("model");
    return typeof model === "string" ? model : undefined;
  }
  return undefined;
}

function findRoute(method: string, path: string): Route | undefined {
  if (method === "GET" && path === "/v1/models") return listModels;
  if (method === "GET" && path.startsWith("/v1/models/") && path.length > "/v1/models/".length) return retrieveModel;
  if (method !== "POST") return undefined;
  const routes: Record<string, Route> = {
    "/v1/chat/completions": createChatCompletion,
    "/v1/embeddings": createEmbeddings,
    "/v1/audio/speech": createSpeech,
    "/v1/audio/transcriptions": createTranscription,
    "/v1/images/generations": createImages,
  };
  return routes[path];
}

function checkAuthorization(state: FakeState, request: IncomingMessage): WireError | undefined {
  const key = bearerKey(request);
  if (key === "") return openAIError(401, MISSING_KEY_MESSAGE, "invalid_request_error", null, null);
  const accepted = state.options.apiKeys;
  if (accepted !== undefined && !accepted.includes(key)) return incorrectKey(key);
  return undefined;
}

function incorrectKey(key: string): WireError {
  return openAIError(
    401,
    `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    "invalid_request_error",
    null,
    "invalid_api_key",
  );
}

/** OpenAI echoes the key with its middle starred out: prefix ("sk-", "sk-proj-") and last four characters stay. */
function maskKey(key: string): string {
  if (key.length <= 8) return "*".repeat(key.length);
  const prefix = /^(sk-(?:proj-|svcacct-|admin-)?)/.exec(key)?.[1] ?? key.slice(0, 3);
  return `${prefix}${"*".repeat(Math.max(4, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: bodies and headers as OpenAI sends them
// ---------------------------------------------------------------------------------------------------------------

function openAIError(
  status: number,
  message: string,
  type: string,
  param: string | null,
  code: string | number | null,
  headers: Record<string, string> = {},
): WireError {
  return { status, body: { error: { message, type, param, code } }, headers };
}

function invalidRequest(message: string, param: string | null = null, code: string | null = null): WireError {
  return openAIError(400, message, "invalid_request_error", param, code);
}

function invalidUrl(method: string, path: string): WireError {
  return openAIError(404, `Invalid URL (${method} ${path})`, "invalid_request_error", null, null);
}

function modelNotFound(model: string): WireError {
  return openAIError(
    404,
    `The model \`${model}\` does not exist or you do not have access to it.`,
    "invalid_request_error",
    null,
    "model_not_found",
  );
}

function unrecognizedArguments(body: Record<string, unknown>, known: ReadonlySet<string>): WireError | undefined {
  const unknown = Object.keys(body).filter((key) => !known.has(key));
  if (unknown.length === 0) return undefined;
  if (unknown.length === 1) return invalidRequest(`Unrecognized request argument supplied: ${unknown[0]}`);
  return invalidRequest(`Unrecognized request arguments supplied: ${unknown.join(", ")}`);
}

function missingParameter(name: string): WireError {
  return invalidRequest(`Missing required parameter: '${name}'.`, name, "missing_required_parameter");
}

function missingModel(): WireError {
  return invalidRequest("you must provide a model parameter");
}

function invalidType(name: string, expected: string, value: unknown): WireError {
  return invalidRequest(
    `Invalid type for '${name}': expected ${expected}, but got ${describeType(value)} instead.`,
    name,
    "invalid_type",
  );
}

function invalidValue(name: string, value: unknown, supported: readonly string[]): WireError {
  const quoted = supported.map((entry) => `'${entry}'`);
  const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(", ")}, and ${quoted.at(-1)}` : (quoted[0] ?? "");
  return invalidRequest(`Invalid value: '${String(value)}'. Supported values are: ${list}.`, name, "invalid_value");
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  return typeof value === "boolean" ? "a boolean" : "a string";
}

/** The body and headers OpenAI sends for a status, used when an error mode gives no body of its own. */
function defaultErrorFor(exchange: Exchange, status: number, code: string | undefined): WireError {
  const model = requestedModel(exchange) ?? "gpt-4o-mini";
  switch (status) {
    case 400:
      return defaultBadRequest(code);
    case 401:
      return code === undefined || code === "invalid_api_key"
        ? incorrectKey(bearerKey(exchange.request))
        : openAIError(401, "Your authentication token has been invalidated.", "invalid_request_error", null, code);
    case 403:
      return openAIError(
        403,
        "Country, region, or territory not supported",
        "request_forbidden",
        null,
        code ?? "unsupported_country_region_territory",
      );
    case 404:
      return modelNotFound(model);
    case 409:
      // No public record of a chat 409 body was found; this keeps the standard envelope and says what happened.
      return openAIError(
        409,
        "The request conflicted with another request in progress. Please retry.",
        "invalid_request_error",
        null,
        code ?? null,
      );
    case 429:
      return code === "insufficient_quota" ? insufficientQuota() : rateLimited(exchange, model);
    case 500:
      return openAIError(
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        null,
        code ?? null,
      );
    case 502:
      // Cloudflare's edge type; the code is null as in every other code-less OpenAI error (the schema wants a string or null).
      return openAIError(502, "Bad gateway.", "cf_bad_gateway", null, null);
    case 503:
      return openAIError(
        503,
        "That model is currently overloaded with other requests. You can retry your request, or contact us through our " +
          `help center at help.openai.com if the error persists. (Please include the request ID ${exchange.requestId} in your message.)`,
        "server_error",
        null,
        code ?? null,
      );
    case 504:
      return openAIError(504, "Gateway timeout.", "cf_gateway_timeout", null, null);
    default:
      // Statuses without a known OpenAI body still get the standard envelope.
      const type = status >= 500 ? "server_error" : "invalid_request_error";
      return openAIError(status, `Request failed with status ${status}.`, type, null, code ?? null);
  }
}

function defaultBadRequest(code: string | undefined): WireError {
  if (code === "context_length_exceeded") {
    return invalidRequest(
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. " +
        "Please reduce the length of the messages.",
      "messages",
      code,
    );
  }
  return invalidRequest(
    "Invalid 'messages[0].content': string too long. Expected a string with maximum length 10485760, but got a " +
      "string with length 10485761 instead.",
    "messages[0].content",
    code ?? "string_above_max_length",
  );
}

function insufficientQuota(): WireError {
  return openAIError(
    429,
    "You exceeded your current quota, please check your plan and billing details. For more information on this " +
      "error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
    "insufficient_quota",
    null,
    "insufficient_quota",
  );
}

function rateLimited(exchange: Exchange, model: string): WireError {
  const limiter = exchange.state.limiter;
  const waitMs = limiter.msUntilNextRequest();
  const message =
    `Rate limit reached for ${model} in organization ${exchange.state.organization} on requests per min (RPM): ` +
    `Limit ${limiter.limitRequests}, Used ${limiter.limitRequests}, Requested 1. Please try again in ` +
    `${formatDuration(waitMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`;
  return openAIError(429, message, "requests", null, "rate_limit_exceeded", {
    "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))),
    "x-ratelimit-remaining-requests": "0",
    "x-ratelimit-reset-requests": formatDuration(waitMs),
  });
}

function bearerKey(request: IncomingMessage): string {
  return /^Bearer\s+(.*)$/i.exec(request.headers["authorization"] ?? "")?.[1]?.trim() ?? "";
}

function modeError(exchange: Exchange, mode: Extract<FakeMode, { kind: "error" }>): WireError {
  const fallback = defaultErrorFor(exchange, mode.status, mode.code);
  return {
    status: mode.status,
    body: mode.body !== undefined ? mode.body : fallback.body,
    headers: Object.fromEntries(Object.entries({ ...fallback.headers, ...mode.headers }).filter(([name]) => !mode.withoutHeaders?.includes(name))),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Writing responses
// ---------------------------------------------------------------------------------------------------------------

function responseHeaders(exchange: Exchange, extra: Record<string, string>): Record<string, string> {
  const common: Record<string, string> = {
    "x-request-id": exchange.requestId,
    "openai-version": "2020-10-01",
    "openai-processing-ms": String(Date.now() - exchange.startedAt),
    "access-control-expose-headers": "X-Request-ID",
  };
  if (!exchange.authenticated) return { ...common, ...extra };
  return {
    ...common,
    "openai-organization": exchange.state.organization,
    "openai-project": `proj_${exchange.state.organization.replace(/[^A-Za-z0-9]/g, "")}`,
    ...exchange.state.limiter.consume(exchange.tokens),
    ...extra,
  };
}

function sendJson(exchange: Exchange, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  if (exchange.signal.aborted) return;
  const text = `${JSON.stringify(body, null, 2)}\n`;
  exchange.response.writeHead(status, responseHeaders(exchange, { "content-type": "application/json", ...extraHeaders }));
  exchange.response.end(text);
}

function sendError(exchange: Exchange, error: WireError): void {
  if (exchange.signal.aborted) return;
  if (typeof error.body === "string") {
    // A string body is sent verbatim, e.g. an HTML page as Cloudflare serves it on a bad gateway.
    exchange.response.writeHead(error.status, responseHeaders(exchange, { "content-type": "text/html; charset=UTF-8", ...error.headers }));
    exchange.response.end(error.body);
    return;
  }
  sendJson(exchange, error.status, error.body, error.headers);
}

/** Sends a JSON body under a mode: malformed truncates it, break-stream drops the socket half-way. */
async function sendJsonUnderMode(exchange: Exchange, body: unknown, mode: FakeMode): Promise<void> {
  if (mode.kind !== "malformed" && mode.kind !== "break-stream") return sendJson(exchange, 200, body);
  const text = `${JSON.stringify(body, null, 2)}\n`;
  const half = text.slice(0, Math.floor(text.length / 2));
  if (mode.kind === "malformed") {
    exchange.response.writeHead(200, responseHeaders(exchange, { "content-type": "application/json" }));
    exchange.response.end(half);
    return;
  }
  exchange.response.writeHead(
    200,
    responseHeaders(exchange, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) }),
  );
  await write(exchange.response, half);
  hangUp(exchange.response);
}

function write(response: ServerResponse, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    response.write(data, () => resolve());
  });
}

/** Resolves true after the delay, false as soon as the client goes away (or the fake closes). */
function sleep(milliseconds: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, milliseconds);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Waits before part `index` of a streamed body: the slow-stream delay, or one event-loop turn so every part leaves
 * as its own write and a client that hangs up is noticed. Resolves false once the client is gone.
 */
async function pauseBeforePart(mode: FakeMode, index: number, signal: AbortSignal): Promise<boolean> {
  if (mode.kind === "slow-stream" && index > 0) return sleep(mode.chunkDelayMs, signal);
  await new Promise((resolve) => setImmediate(resolve));
  return !signal.aborted;
}

// ---------------------------------------------------------------------------------------------------------------
// GET /v1/models
// ---------------------------------------------------------------------------------------------------------------

function modelObject(state: FakeState, id: string): Record<string, unknown> {
  const known = MODEL_CATALOGUE[id];
  return { id, object: "model", created: known?.created ?? 1700000000, owned_by: known?.ownedBy ?? state.organization };
}

function listModels(exchange: Exchange): void {
  const data = exchange.state.models.map((id) => modelObject(exchange.state, id));
  sendJson(exchange, 200, { object: "list", data });
}

function retrieveModel(exchange: Exchange): void {
  const id = decodeURIComponent(exchange.path.slice("/v1/models/".length));
  if (!exchange.state.models.includes(id)) {
    return sendError(exchange, openAIError(404, `The model '${id}' does not exist`, "invalid_request_error", "model", "model_not_found"));
  }
  sendJson(exchange, 200, modelObject(exchange.state, id));
}

// ---------------------------------------------------------------------------------------------------------------
// POST /v1/chat/completions
// ---------------------------------------------------------------------------------------------------------------

interface ToolCallPlan {
  id: string;
  name: string;
  arguments: string;
}

type ChoicePlan =
  | { kind: "text"; content: string; pieces: string[]; finishReason: "stop" | "length" }
  | { kind: "tool"; call: ToolCallPlan; pieces: string[]; finishReason: "tool_calls" };

interface ChatPlan {
  id: string;
  created: number;
  model: string;
  fingerprint: string;
  serviceTier: string;
  choices: ChoicePlan[];
  promptTokens: number;
  completionTokens: number;
  logprobs: boolean;
  topLogprobs: number;
}

async function createChatCompletion(exchange: Exchange, mode: FakeMode): Promise<void> {
  const body = jsonBody(exchange);
  if ("status" in body) return sendError(exchange, body);
  const prefixError = exchange.state.options.assistantPrefix ? checkAssistantPrefix(body.value) : undefined;
  if (prefixError) return sendError(exchange, prefixError);
  const invalid = validateChatRequest(exchange.state.options.assistantPrefix ? withoutPrefixFlag(body.value) : body.value);
  if (invalid) return sendError(exchange, invalid);
  const model = body.value["model"] as string;
  if (!exchange.state.models.includes(model)) return sendError(exchange, modelNotFound(model));

  const plan = planChat(exchange.state, body.value);
  exchange.tokens = plan.promptTokens + plan.completionTokens;
  if (body.value["stream"] === true) return streamChat(exchange, plan, body.value, mode);
  await sendJsonUnderMode(exchange, chatCompletionObject(plan), mode);
}

/** DeepSeek's rule for prefix completion: `prefix: true` only on the last message, which must be the assistant's. */
function checkAssistantPrefix(body: Record<string, unknown>): WireError | undefined {
  const messages = Array.isArray(body["messages"]) ? (body["messages"] as unknown[]) : [];
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message) || message["prefix"] === undefined) continue;
    if (message["prefix"] !== true || message["role"] !== "assistant" || index !== messages.length - 1) {
      return invalidRequest("The last message of deepseek-reasoner must be a user message, or an assistant message with prefix mode on", `messages[${index}].prefix`);
    }
  }
  return undefined;
}

function withoutPrefixFlag(body: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(body["messages"])) return body;
  const messages = (body["messages"] as unknown[]).map((message) => {
    if (!isRecord(message) || message["prefix"] === undefined) return message;
    const { prefix: _prefix, ...rest } = message;
    return rest;
  });
  return { ...body, messages };
}

function jsonBody(exchange: Exchange): { value: Record<string, unknown> } | WireError {
  const body = exchange.body;
  if (body.kind === "json" && isRecord(body.value)) return { value: body.value };
  if (body.kind === "json") return invalidRequest(`Invalid body: expected an object, but got ${describeType(body.value)} instead.`);
  return invalidRequest(INVALID_JSON_MESSAGE);
}

function validateChatRequest(body: Record<string, unknown>): WireError | undefined {
  return (
    unrecognizedArguments(body, CHAT_PARAMETERS) ??
    validateModelField(body) ??
    validateMessages(body["messages"]) ??
    validateChatOptions(body) ??
    validateTools(body)
  );
}

function validateModelField(body: Record<string, unknown>): WireError | undefined {
  if (body["model"] === undefined || body["model"] === null) return missingModel();
  if (typeof body["model"] !== "string") return invalidType("model", "a string", body["model"]);
  return undefined;
}

function validateMessages(messages: unknown): WireError | undefined {
  if (messages === undefined) return missingParameter("messages");
  if (!Array.isArray(messages)) return invalidType("messages", "an array of objects", messages);
  if (messages.length === 0) {
    return invalidRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      "messages",
      "empty_array",
    );
  }
  for (const [index, message] of messages.entries()) {
    const invalid = validateMessage(message, index);
    if (invalid) return invalid;
  }
  return validateToolPairing(messages as Record<string, unknown>[]);
}

function validateMessage(message: unknown, index: number): WireError | undefined {
  if (!isRecord(message)) return invalidType(`messages[${index}]`, "an object", message);
  const role = message["role"];
  if (role === undefined) return missingParameter(`messages[${index}].role`);
  const allowed = typeof role === "string" ? MESSAGE_KEYS[role] : undefined;
  if (!allowed) return invalidValue(`messages[${index}].role`, role, ["system", "assistant", "user", "function", "tool", "developer"]);
  const extra = Object.keys(message).find((key) => !allowed.has(key));
  // The message text for unknown message keys comes from OpenAI's JSON-schema validator, hence its different style.
  if (extra) return invalidRequest(`Additional properties are not allowed ('${extra}' was unexpected) - 'messages.${index}'`);
  const needsContent = role !== "assistant";
  if (needsContent && message["content"] === undefined) return missingParameter(`messages[${index}].content`);
  if (role === "tool" && typeof message["tool_call_id"] !== "string") return missingParameter(`messages[${index}].tool_call_id`);
  return undefined;
}

/** Tool results must answer the assistant tool_calls right before them, and every call must be answered. */
function validateToolPairing(messages: Record<string, unknown>[]): WireError | undefined {
  let open: { index: number; ids: Set<string> } | undefined;
  for (const [index, message] of messages.entries()) {
    if (message["role"] === "tool") {
      const id = String(message["tool_call_id"]);
      if (!open || !open.ids.has(id)) {
        return invalidRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${index}].role`,
        );
      }
      open.ids.delete(id);
      continue;
    }
    const unanswered = unansweredCalls(open);
    if (unanswered) return unanswered;
    open = assistantToolCalls(message, index);
  }
  return unansweredCalls(open);
}

function assistantToolCalls(message: Record<string, unknown>, index: number): { index: number; ids: Set<string> } | undefined {
  const calls = message["tool_calls"];
  if (message["role"] !== "assistant" || !Array.isArray(calls) || calls.length === 0) return undefined;
  const ids = calls.map((call) => (isRecord(call) ? String(call["id"]) : ""));
  return { index, ids: new Set(ids) };
}

function unansweredCalls(open: { index: number; ids: Set<string> } | undefined): WireError | undefined {
  if (!open || open.ids.size === 0) return undefined;
  return invalidRequest(
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
      `The following tool_call_ids did not have response messages: ${[...open.ids].join(", ")}`,
    `messages.[${open.index}].role`,
  );
}

function validateChatOptions(body: Record<string, unknown>): WireError | undefined {
  const stream = body["stream"];
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") return invalidType("stream", "a boolean", stream);
  if (body["stream_options"] !== undefined && body["stream_options"] !== null && stream !== true) {
    return invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options");
  }
  const streamOptions = body["stream_options"];
  if (streamOptions !== undefined && streamOptions !== null) {
    // The schema's `stream_options`: an object whose include_usage is a boolean.
    if (!isRecord(streamOptions)) return invalidType("stream_options", "an object", streamOptions);
    const includeUsage = streamOptions["include_usage"];
    if (includeUsage !== undefined && includeUsage !== null && typeof includeUsage !== "boolean") return invalidType("stream_options.include_usage", "a boolean", includeUsage);
  }
  if (body["top_logprobs"] !== undefined && body["top_logprobs"] !== null && body["logprobs"] !== true) {
    // Rule from the spec's description of top_logprobs; the exact production message was not found publicly.
    return invalidRequest(
      "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
      "top_logprobs",
      "invalid_value",
    );
  }
  return (
    validateInteger(body, "n", 1, 128) ??
    validateInteger(body, "max_tokens", 1, Number.MAX_SAFE_INTEGER) ??
    validateInteger(body, "max_completion_tokens", 1, Number.MAX_SAFE_INTEGER) ??
    validateInteger(body, "top_logprobs", 0, 20) ??
    validateDecimal(body, "temperature", 0, 2) ??
    validateDecimal(body, "top_p", 0, 1) ??
    validateResponseFormat(body)
  );
}

function validateInteger(body: Record<string, unknown>, name: string, minimum: number, maximum: number): WireError | undefined {
  return validateRange(body, name, minimum, maximum, "integer");
}

function validateDecimal(body: Record<string, unknown>, name: string, minimum: number, maximum: number): WireError | undefined {
  return validateRange(body, name, minimum, maximum, "decimal");
}

function validateRange(
  body: Record<string, unknown>,
  name: string,
  minimum: number,
  maximum: number,
  kind: "integer" | "decimal",
): WireError | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || (kind === "integer" && !Number.isInteger(value))) {
    return invalidType(name, kind === "integer" ? "an integer" : "a decimal", value);
  }
  const [side, bound, comparison] = value < minimum ? ["below_min", minimum, ">="] : value > maximum ? ["above_max", maximum, "<="] : [];
  if (side === undefined) return undefined;
  const words = side === "below_min" ? "below minimum" : "above maximum";
  return invalidRequest(
    `Invalid '${name}': ${kind} ${words} value. Expected a value ${comparison} ${bound}, but got ${value} instead.`,
    name,
    `${kind}_${side}_value`,
  );
}

function validateResponseFormat(body: Record<string, unknown>): WireError | undefined {
  const format = body["response_format"];
  if (format === undefined || format === null) return undefined;
  if (!isRecord(format)) return invalidType("response_format", "an object", format);
  const type = format["type"];
  if (type !== "text" && type !== "json_object" && type !== "json_schema") {
    return invalidValue("response_format.type", type, ["json_object", "json_schema", "text"]);
  }
  if (type === "json_schema" && !isRecord(format["json_schema"])) return missingParameter("response_format.json_schema");
  const messages = body["messages"] as unknown[];
  const mentionsJson = messages.some((message) => /json/i.test(messageText(message)));
  if (type === "json_object" && !mentionsJson) {
    return invalidRequest(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      "messages",
    );
  }
  return undefined;
}

function validateTools(body: Record<string, unknown>): WireError | undefined {
  const tools = body["tools"];
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) return invalidType("tools", "an array of objects", tools);
  for (const [index, tool] of tools.entries()) {
    if (!isRecord(tool) || !isRecord(tool["function"]) || typeof tool["function"]["name"] !== "string") {
      return missingParameter(`tools[${index}].function.name`);
    }
  }
  const named = namedToolChoice(body["tool_choice"]);
  if (named !== undefined && !toolNames(tools).includes(named)) {
    return invalidRequest(`Invalid value for 'tool_choice': tool choice '${named}' not found in 'tools' parameter.`, "tool_choice");
  }
  return undefined;
}

function namedToolChoice(choice: unknown): string | undefined {
  if (!isRecord(choice) || !isRecord(choice["function"])) return undefined;
  const name = choice["function"]["name"];
  return typeof name === "string" ? name : undefined;
}

function toolNames(tools: unknown[]): string[] {
  return tools.map((tool) => (isRecord(tool) && isRecord(tool["function"]) ? String(tool["function"]["name"]) : ""));
}

function planChat(state: FakeState, body: Record<string, unknown>): ChatPlan {
  const model = body["model"] as string;
  const messages = body["messages"] as unknown[];
  const count = typeof body["n"] === "number" ? body["n"] : 1;
  const choices = Array.from({ length: count }, () => planChoice(state, body));
  const completionTokens = choices.reduce((total, choice) => total + choiceTokens(choice), 0);
  const tier = body["service_tier"];
  return {
    id: `chatcmpl-${randomAlphanumeric(29)}`,
    created: Math.floor(Date.now() / 1000),
    model: MODEL_CATALOGUE[model]?.snapshot ?? model,
    fingerprint: `fp_${hashHex(model).slice(0, 10)}`,
    serviceTier: tier === "flex" || tier === "priority" || tier === "scale" ? tier : "default",
    choices,
    promptTokens: messages.reduce<number>((total, message) => total + estimateTokens(messageText(message)), 0),
    completionTokens,
    logprobs: body["logprobs"] === true,
    topLogprobs: typeof body["top_logprobs"] === "number" ? body["top_logprobs"] : 0,
  };
}

function choiceTokens(choice: ChoicePlan): number {
  return choice.kind === "text" ? estimateTokens(choice.content) : estimateTokens(choice.call.name + choice.call.arguments);
}

function planChoice(state: FakeState, body: Record<string, unknown>): ChoicePlan {
  const tool = chosenTool(body);
  if (tool) {
    const argumentsText = JSON.stringify(sampleFromSchema(tool.parameters, lastUserText(body)));
    const call = { id: `call_${randomAlphanumeric(24)}`, name: tool.name, arguments: argumentsText };
    return { kind: "tool", call, pieces: call.arguments.match(/[{}[\]":,]+|[^{}[\]":,]+/g) ?? [], finishReason: "tool_calls" };
  }
  const formatted = applyResponseFormat(replyText(state, body), body["response_format"], lastUserText(body));
  const stopped = applyStop(formatted, body["stop"]);
  const limit = firstNumber(body["max_completion_tokens"], body["max_tokens"]);
  const truncated = limit !== undefined && estimateTokens(stopped) > limit;
  const content = truncated ? stopped.slice(0, limit * 4) : stopped;
  return { kind: "text", content, pieces: content.match(/\s*\S+|\s+/g) ?? [], finishReason: truncated ? "length" : "stop" };
}

/** A tool call is made when tools are offered, tool_choice allows it and the conversation is not answering a call. */
function chosenTool(body: Record<string, unknown>): { name: string; parameters: unknown } | undefined {
  const tools = body["tools"];
  const choice = body["tool_choice"];
  if (!Array.isArray(tools) || tools.length === 0 || choice === "none") return undefined;
  const messages = body["messages"] as unknown[];
  const last = messages.at(-1);
  if (isRecord(last) && last["role"] === "tool") return undefined;
  const wanted = namedToolChoice(choice);
  const tool = tools.find(
    (candidate) => isRecord(candidate) && isRecord(candidate["function"]) && (wanted === undefined || candidate["function"]["name"] === wanted),
  );
  if (!isRecord(tool) || !isRecord(tool["function"])) return undefined;
  return { name: String(tool["function"]["name"]), parameters: tool["function"]["parameters"] };
}

function replyText(state: FakeState, body: Record<string, unknown>): string {
  const reply = state.options.reply;
  if (typeof reply === "string") return reply;
  if (typeof reply === "function") return reply(body);
  return `Hello from ${String(body["model"])}: ${lastUserText(body)}`;
}

function applyResponseFormat(text: string, format: unknown, userText: string): string {
  if (!isRecord(format) || (format["type"] !== "json_object" && format["type"] !== "json_schema")) return text;
  if (isJson(text)) return text;
  if (format["type"] === "json_object") return JSON.stringify({ reply: text });
  const schema = isRecord(format["json_schema"]) ? format["json_schema"]["schema"] : undefined;
  return JSON.stringify(sampleFromSchema(schema, userText || text));
}

function applyStop(text: string, stop: unknown): string {
  const list: unknown[] = typeof stop === "string" ? [stop] : Array.isArray(stop) ? stop : [];
  const sequences = list.filter((entry): entry is string => typeof entry === "string" && entry !== "");
  const positions = sequences.map((sequence) => text.indexOf(sequence)).filter((position) => position >= 0);
  return positions.length === 0 ? text : text.slice(0, Math.min(...positions));
}

/** A value shaped by a JSON schema: strings carry the user's text so tests can see it flow through. */
function sampleFromSchema(schema: unknown, text: string): unknown {
  if (!isRecord(schema)) return {};
  if (Array.isArray(schema["enum"]) && schema["enum"].length > 0) return schema["enum"][0];
  if ("const" in schema) return schema["const"];
  const type = Array.isArray(schema["type"]) ? schema["type"].find((entry) => entry !== "null") : schema["type"];
  switch (type) {
    case "string":
      return text;
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [sampleFromSchema(schema["items"], text)];
    case "null":
      return null;
    default:
      return sampleObject(schema, text);
  }
}

function sampleObject(schema: Record<string, unknown>, text: string): Record<string, unknown> {
  const properties = isRecord(schema["properties"]) ? schema["properties"] : {};
  const sample: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) sample[name] = sampleFromSchema(property, text);
  return sample;
}

function chatCompletionObject(plan: ChatPlan): Record<string, unknown> {
  return {
    id: plan.id,
    object: "chat.completion",
    created: plan.created,
    model: plan.model,
    choices: plan.choices.map((choice, index) => ({
      index,
      message: completionMessage(choice),
      logprobs: plan.logprobs ? choiceLogprobs(choice, plan.topLogprobs) : null,
      finish_reason: choice.finishReason,
    })),
    usage: usageObject(plan),
    service_tier: plan.serviceTier,
    system_fingerprint: plan.fingerprint,
  };
}

function completionMessage(choice: ChoicePlan): Record<string, unknown> {
  if (choice.kind === "text") return { role: "assistant", content: choice.content, refusal: null, annotations: [] };
  return {
    role: "assistant",
    content: null,
    tool_calls: [{ id: choice.call.id, type: "function", function: { name: choice.call.name, arguments: choice.call.arguments } }],
    refusal: null,
    annotations: [],
  };
}

function choiceLogprobs(choice: ChoicePlan, topLogprobs: number): Record<string, unknown> {
  if (choice.kind === "tool") return { content: null, refusal: null };
  return { content: choice.pieces.map((piece, position) => tokenLogprob(piece, position, topLogprobs)), refusal: null };
}

function tokenLogprob(token: string, position: number, topLogprobs: number): Record<string, unknown> {
  const logprob = -Number((0.0001 + (position % 7) * 0.0125).toFixed(6));
  const alternatives = Array.from({ length: topLogprobs }, (_, rank) => {
    const alternative = rank === 0 ? token : `${token}${rank}`;
    return { token: alternative, logprob: logprob - rank * 2.5, bytes: [...Buffer.from(alternative, "utf8")] };
  });
  return { token, logprob, bytes: [...Buffer.from(token, "utf8")], top_logprobs: alternatives };
}

function usageObject(plan: ChatPlan): Record<string, unknown> {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

// --- streaming -------------------------------------------------------------------------------------------------

interface StreamFrame {
  data: string;
  /** content (or tool-argument) frames are what break-stream counts */
  isContent: boolean;
}

async function streamChat(exchange: Exchange, plan: ChatPlan, body: Record<string, unknown>, mode: FakeMode): Promise<void> {
  const options: Record<string, unknown> = isRecord(body["stream_options"]) ? body["stream_options"] : {};
  const usageOnFinish = exchange.state.options.usageOnFinish === true;
  const frames = chatFrames(plan, options["include_usage"] === true && !usageOnFinish, options["include_obfuscation"] !== false, usageOnFinish);
  const sent = mode.kind === "malformed" ? malformedFrames(frames) : mode.kind === "stream-error" ? inBandErrorFrames(plan, frames, mode) : frames;
  const headers = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
  exchange.response.writeHead(200, responseHeaders(exchange, headers));
  exchange.response.flushHeaders();
  await writeFrames(exchange, sent, mode);
}

function chatFrames(plan: ChatPlan, includeUsage: boolean, includeObfuscation: boolean, usageOnFinish = false): StreamFrame[] {
  const chunk = (choices: unknown[], usage?: unknown): string => {
    const object: Record<string, unknown> = {
      id: plan.id,
      object: "chat.completion.chunk",
      created: plan.created,
      model: plan.model,
      service_tier: plan.serviceTier,
      system_fingerprint: plan.fingerprint,
      choices,
    };
    if (includeUsage) object["usage"] = usage ?? null;
    else if (usage !== undefined) object["usage"] = usage;
    // OpenAI pads each chunk with random characters so chunk sizes do not leak token lengths.
    if (includeObfuscation) object["obfuscation"] = obfuscation(JSON.stringify(choices));
    return JSON.stringify(object);
  };
  const frames: StreamFrame[] = [];
  for (const [index, choice] of plan.choices.entries()) {
    frames.push({ data: chunk([streamChoice(index, firstDelta(choice), null)]), isContent: false });
    for (const [position, piece] of choice.pieces.entries()) {
      const logprobs = plan.logprobs && choice.kind === "text" ? { content: [tokenLogprob(piece, position, plan.topLogprobs)], refusal: null } : null;
      frames.push({ data: chunk([streamChoice(index, pieceDelta(choice, piece), null, logprobs)]), isContent: true });
    }
    const last = index === plan.choices.length - 1;
    frames.push({ data: chunk([streamChoice(index, {}, choice.finishReason)], usageOnFinish && last ? usageObject(plan) : undefined), isContent: false });
  }
  if (includeUsage) frames.push({ data: chunk([], usageObject(plan)), isContent: false });
  return frames;
}

function streamChoice(index: number, delta: Record<string, unknown>, finishReason: string | null, logprobs: unknown = null): Record<string, unknown> {
  return { index, delta, logprobs, finish_reason: finishReason };
}

function firstDelta(choice: ChoicePlan): Record<string, unknown> {
  if (choice.kind === "text") return { role: "assistant", content: "", refusal: null };
  return {
    role: "assistant",
    content: null,
    tool_calls: [{ index: 0, id: choice.call.id, type: "function", function: { name: choice.call.name, arguments: "" } }],
    refusal: null,
  };
}

function pieceDelta(choice: ChoicePlan, piece: string): Record<string, unknown> {
  if (choice.kind === "text") return { content: piece };
  return { tool_calls: [{ index: 0, function: { arguments: piece } }] };
}

function obfuscation(payload: string): string {
  const length = Math.max(0, 16 - (payload.length % 17));
  return randomAlphanumeric(length);
}

/** The first `afterChunks` content frames (with the role frame), then an optional finishing chunk, then the error event. */
function inBandErrorFrames(plan: ChatPlan, frames: StreamFrame[], mode: Extract<FakeMode, { kind: "stream-error" }>): StreamFrame[] {
  const kept: StreamFrame[] = [];
  let content = 0;
  for (const frame of frames) {
    if (frame.isContent && content >= mode.afterChunks) break;
    if (frame.isContent) content += 1;
    kept.push(frame);
  }
  const base = { id: plan.id, object: "chat.completion.chunk", created: plan.created, model: plan.model, system_fingerprint: plan.fingerprint };
  if (mode.finishReason !== undefined) {
    const finishing: Record<string, unknown> = { ...base, choices: [streamChoice(0, { content: "" }, mode.finishReason)] };
    if (mode.usage) finishing["usage"] = usageObject(plan);
    kept.push({ data: JSON.stringify(finishing), isContent: false });
  }
  const error = { message: "The server had an error processing your request.", type: "server_error", code: null, ...mode.error };
  kept.push({ data: JSON.stringify({ error: { message: error.message, type: error.type ?? null, param: null, code: error.code ?? null } }), isContent: false });
  return kept;
}

/** Keeps the role chunk, then a data line cut mid-JSON; the stream still ends properly with [DONE]. */
function malformedFrames(frames: StreamFrame[]): StreamFrame[] {
  const [first, second] = frames;
  const broken = (second ?? first)?.data ?? "{}";
  return [...(first ? [first] : []), { data: broken.slice(0, Math.ceil(broken.length / 2)), isContent: true }];
}

async function writeFrames(exchange: Exchange, frames: StreamFrame[], mode: FakeMode): Promise<void> {
  const response = exchange.response;
  let contentSent = 0;
  for (const [index, frame] of frames.entries()) {
    if (!(await pauseBeforePart(mode, index, exchange.signal)) || response.destroyed) return;
    await write(response, `data: ${frame.data}\n\n`);
    if (index === 0 && mode.kind === "keep-alive") {
      for (let comment = 0; comment < mode.comments; comment++) {
        if (!(await sleep(mode.intervalMs, exchange.signal)) || response.destroyed) return;
        await write(response, ": keep-alive\n\n");
      }
    }
    if (frame.isContent) contentSent += 1;
    if (mode.kind === "break-stream" && contentSent >= mode.afterChunks) return void hangUp(response);
  }
  if (mode.kind === "break-stream") return void hangUp(response);
  if (exchange.signal.aborted || response.destroyed) return;
  if (mode.kind === "open-after-done") return void response.write("data: [DONE]\n\n");
  response.end("data: [DONE]\n\n");
}

// ---------------------------------------------------------------------------------------------------------------
// POST /v1/embeddings
// ---------------------------------------------------------------------------------------------------------------

async function createEmbeddings(exchange: Exchange, mode: FakeMode): Promise<void> {
  const parsed = jsonBody(exchange);
  if ("status" in parsed) return sendError(exchange, parsed);
  const body = parsed.value;
  const invalid = validateEmbeddingRequest(body);
  if (invalid) return sendError(exchange, invalid);
  const model = body["model"] as string;
  if (!exchange.state.models.includes(model)) return sendError(exchange, modelNotFound(model));
  const native = MODEL_CATALOGUE[model]?.dimensions ?? 1536;
  const dimensions = typeof body["dimensions"] === "number" ? body["dimensions"] : native;
  if (dimensions > native) {
    return sendError(exchange, invalidRequest(`This model does not support specifying dimensions greater than ${native}.`, "dimensions"));
  }

  const texts = embeddingInputs(body["input"]);
  const base64 = body["encoding_format"] === "base64";
  const data = texts.map((text, index) => {
    const vector = embeddingVector(text, dimensions);
    return { object: "embedding", index, embedding: base64 ? float32Base64(vector) : vector };
  });
  const promptTokens = texts.reduce((total, text) => total + estimateTokens(text), 0);
  exchange.tokens = promptTokens;
  await sendJsonUnderMode(exchange, { object: "list", data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }, mode);
}

function validateEmbeddingRequest(body: Record<string, unknown>): WireError | undefined {
  const unknown = unrecognizedArguments(body, EMBEDDING_PARAMETERS);
  if (unknown) return unknown;
  if (body["model"] === undefined || body["model"] === null) return missingModel();
  if (body["input"] === undefined) return missingParameter("input");
  const encoding = body["encoding_format"];
  if (encoding !== undefined && encoding !== "float" && encoding !== "base64") return invalidValue("encoding_format", encoding, ["float", "base64"]);
  const dimensions = validateInteger(body, "dimensions", 1, Number.MAX_SAFE_INTEGER);
  if (dimensions) return dimensions;
  const texts = embeddingInputs(body["input"]);
  if (texts.length === 0 || texts.length > 2048 || texts.some((text) => text === "")) {
    return invalidRequest("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
  }
  return undefined;
}

/** Strings, or token-id arrays (which the fake reads back as their digits, so they still embed deterministically). */
function embeddingInputs(input: unknown): string[] {
  if (typeof input === "string") return [input];
  if (!Array.isArray(input)) return [];
  if (input.every((entry) => typeof entry === "number")) return input.length > 0 ? [input.join(" ")] : [];
  return input.map((entry) => (Array.isArray(entry) ? entry.join(" ") : typeof entry === "string" ? entry : ""));
}

/** Same text, same unit vector; values are float32 so the float and base64 encodings decode identically. */
function embeddingVector(text: string, dimensions: number): number[] {
  const random = seededRandom(hash32(text));
  const raw = Array.from({ length: dimensions }, () => random() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((total, value) => total + value * value, 0)) || 1;
  return raw.map((value) => Math.fround(value / norm));
}

function float32Base64(vector: number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer.toString("base64");
}

// ---------------------------------------------------------------------------------------------------------------
// POST /v1/audio/speech
// ---------------------------------------------------------------------------------------------------------------

async function createSpeech(exchange: Exchange, mode: FakeMode): Promise<void> {
  const parsed = jsonBody(exchange);
  if ("status" in parsed) return sendError(exchange, parsed);
  const body = parsed.value;
  const invalid =
    unrecognizedArguments(body, SPEECH_PARAMETERS) ??
    (body["model"] === undefined ? missingModel() : undefined) ??
    (typeof body["input"] !== "string" ? missingParameter("input") : undefined) ??
    (typeof body["voice"] !== "string" && !isRecord(body["voice"]) ? missingParameter("voice") : undefined);
  if (invalid) return sendError(exchange, invalid);
  const model = String(body["model"]);
  if (!exchange.state.models.includes(model)) return sendError(exchange, modelNotFound(model));
  const format = typeof body["response_format"] === "string" ? body["response_format"] : "mp3";
  const contentType = SPEECH_CONTENT_TYPES[format];
  if (!contentType) return sendError(exchange, invalidValue("response_format", format, Object.keys(SPEECH_CONTENT_TYPES)));

  const input = body["input"] as string;
  exchange.tokens = estimateTokens(input);
  const audio = audioBytes(format, `${model}|${String(body["voice"])}|${input}`);
  if (mode.kind === "malformed") {
    exchange.response.writeHead(200, responseHeaders(exchange, { "content-type": contentType }));
    exchange.response.end();
    return;
  }
  exchange.response.writeHead(200, responseHeaders(exchange, { "content-type": contentType }));
  await writeBinaryInParts(exchange, audio, mode);
}

/** Streams in small parts (chunked transfer, like the real endpoint) so clients exercise incremental reads. */
async function writeBinaryInParts(exchange: Exchange, bytes: Buffer, mode: FakeMode): Promise<void> {
  const partSize = 512;
  const parts = Math.ceil(bytes.length / partSize);
  for (let part = 0; part < parts; part += 1) {
    if (!(await pauseBeforePart(mode, part, exchange.signal)) || exchange.response.destroyed) return;
    await write(exchange.response, bytes.subarray(part * partSize, (part + 1) * partSize));
    if (mode.kind === "break-stream" && part + 1 >= mode.afterChunks) return void hangUp(exchange.response);
  }
  exchange.response.end();
}

/** A recognisable header for each container, then deterministic bytes whose length grows with the text. */
function audioBytes(format: string, seed: string): Buffer {
  const random = seededRandom(hash32(seed));
  const payload = Buffer.from(Array.from({ length: 1024 + seed.length * 16 }, () => Math.floor(random() * 256)));
  switch (format) {
    case "mp3":
      // ID3v2.4 tag (empty) followed by an MPEG-1 Layer III frame header, 128 kbit/s, 44.1 kHz.
      return Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]), Buffer.from([0xff, 0xfb, 0x90, 0x64]), payload]);
    case "wav":
      return Buffer.concat([wavHeader(payload.length), payload]);
    case "opus":
      return Buffer.concat([Buffer.from("OggS", "latin1"), Buffer.from([0, 2]), payload]);
    case "aac":
      return Buffer.concat([Buffer.from([0xff, 0xf1, 0x50, 0x80]), payload]);
    case "flac":
      return Buffer.concat([Buffer.from("fLaC", "latin1"), payload]);
    default:
      return payload;
  }
}

function wavHeader(dataLength: number): Buffer {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(36 + dataLength, 4);
  header.write("WAVEfmt ", 8, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(24_000, 24); // OpenAI TTS sample rate
  header.writeUInt32LE(48_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(dataLength, 40);
  return header;
}

// ---------------------------------------------------------------------------------------------------------------
// POST /v1/audio/transcriptions
// ---------------------------------------------------------------------------------------------------------------

async function createTranscription(exchange: Exchange, mode: FakeMode): Promise<void> {
  if (exchange.body.kind !== "form") {
    const contentType = exchange.request.headers["content-type"] ?? "none";
    return sendError(exchange, invalidRequest(`Invalid Content-Type header (${contentType}), expected multipart/form-data.`));
  }
  const form = exchange.body.form;
  const file = form.get("file");
  const model = form.get("model");
  if (typeof model !== "string") return sendError(exchange, missingModel());
  if (file === null || typeof file === "string") return sendError(exchange, missingParameter("file"));
  if (!exchange.state.models.includes(model)) return sendError(exchange, modelNotFound(model));
  const format = form.get("response_format") ?? "json";
  const supported = ["json", "text", "srt", "verbose_json", "vtt"];
  if (typeof format !== "string" || !supported.includes(format)) return sendError(exchange, invalidValue("response_format", format, supported));

  const text = `Transcript of ${file.name} (${file.size} bytes) by ${model}.`;
  const seconds = Math.max(1, Math.ceil(file.size / 16_000));
  exchange.tokens = estimateTokens(text);
  if (format === "text" || format === "srt" || format === "vtt") {
    exchange.response.writeHead(200, responseHeaders(exchange, { "content-type": "text/plain; charset=utf-8" }));
    exchange.response.end(transcriptText(format, text, seconds));
    return;
  }
  const usage = { type: "duration", seconds };
  const body = format === "json" ? { text, usage } : verboseTranscript(text, seconds, usage);
  await sendJsonUnderMode(exchange, body, mode);
}

function transcriptText(format: string, text: string, seconds: number): string {
  const end = `00:00:${String(Math.min(seconds, 59)).padStart(2, "0")}`;
  if (format === "srt") return `1\n00:00:00,000 --> ${end},000\n${text}\n\n`;
  if (format === "vtt") return `WEBVTT\n\n00:00:00.000 --> ${end}.000\n${text}\n\n`;
  return `${text}\n`;
}

function verboseTranscript(text: string, seconds: number, usage: unknown): Record<string, unknown> {
  return {
    task: "transcribe",
    language: "english",
    duration: seconds,
    text,
    segments: [{ id: 0, seek: 0, start: 0, end: seconds, text, tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1, no_speech_prob: 0 }],
    usage,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// POST /v1/images/generations
// ---------------------------------------------------------------------------------------------------------------

async function createImages(exchange: Exchange, mode: FakeMode): Promise<void> {
  const parsed = jsonBody(exchange);
  if ("status" in parsed) return sendError(exchange, parsed);
  const body = parsed.value;
  const invalid = unrecognizedArguments(body, IMAGE_PARAMETERS) ?? (typeof body["prompt"] !== "string" ? missingParameter("prompt") : undefined);
  if (invalid) return sendError(exchange, invalid);
  // The API's documented default model when none is given.
  const model = typeof body["model"] === "string" ? body["model"] : "dall-e-2";
  if (!exchange.state.models.includes(model)) return sendError(exchange, modelNotFound(model));
  const count = typeof body["n"] === "number" ? body["n"] : 1;
  const imageError = validateImageOptions(model, count, body["size"]);
  if (imageError) return sendError(exchange, imageError);

  const prompt = body["prompt"] as string;
  const asUrl = body["response_format"] !== "b64_json" && model.startsWith("dall-e");
  const data = Array.from({ length: count }, (_, index) => imageEntry(exchange, model, `${prompt}#${index}`, prompt, asUrl));
  await sendJsonUnderMode(exchange, { created: Math.floor(Date.now() / 1000), data }, mode);
}

function validateImageOptions(model: string, count: number, size: unknown): WireError | undefined {
  if (model === "dall-e-3" && count !== 1) return invalidRequest("You must provide n=1 for this model.", "n");
  const sizes = model === "dall-e-3" ? ["1024x1024", "1024x1792", "1792x1024"] : ["256x256", "512x512", "1024x1024"];
  if (size !== undefined && size !== null && model.startsWith("dall-e") && !sizes.includes(String(size))) return invalidValue("size", size, sizes);
  return undefined;
}

function imageEntry(exchange: Exchange, model: string, seed: string, prompt: string, asUrl: boolean): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  if (model === "dall-e-3") entry["revised_prompt"] = `A detailed illustration of: ${prompt}`;
  if (asUrl) entry["url"] = `${exchange.state.origin}/fake-images/${hashHex(seed)}.png`;
  else entry["b64_json"] = tinyPng(seed).toString("base64");
  return entry;
}

function serveImage(exchange: Exchange): void {
  const name = exchange.path.slice("/fake-images/".length, -".png".length);
  exchange.response.writeHead(200, { "content-type": "image/png" });
  exchange.response.end(tinyPng(name));
}

/** A valid 2x2 RGB PNG whose colour comes from the seed. */
function tinyPng(seed: string): Buffer {
  const colour = hash32(seed);
  const pixel = [colour & 0xff, (colour >>> 8) & 0xff, (colour >>> 16) & 0xff];
  const row = [0, ...pixel, ...pixel]; // filter byte "none", then two pixels
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour, default compression/filter/interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(Buffer.from([...row, ...row]))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typeAndData) >>> 0);
  return Buffer.concat([length, typeAndData, checksum]);
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function firstNumber(...values: unknown[]): number | undefined {
  return values.find((value): value is number => typeof value === "number");
}

/** Text of a message as a model would read it: string content, text parts, and tool-call arguments. */
function messageText(message: unknown): string {
  if (!isRecord(message)) return "";
  const content = message["content"];
  const parts = typeof content === "string" ? [content] : Array.isArray(content) ? content.map(partText) : [];
  const calls = Array.isArray(message["tool_calls"]) ? message["tool_calls"].map(toolCallText) : [];
  return [...parts, ...calls].join("");
}

function partText(part: unknown): string {
  return isRecord(part) && typeof part["text"] === "string" ? part["text"] : "";
}

function toolCallText(call: unknown): string {
  if (!isRecord(call) || !isRecord(call["function"])) return "";
  return `${String(call["function"]["name"] ?? "")}${String(call["function"]["arguments"] ?? "")}`;
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body["messages"]) ? body["messages"] : [];
  const last = [...messages].reverse().find((message) => isRecord(message) && message["role"] === "user");
  return messageText(last);
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join("");
}

/** FNV-1a: a stable 32-bit hash so vectors, audio and images are the same on every run. */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function hashHex(text: string): string {
  const first = hash32(text).toString(16).padStart(8, "0");
  const second = hash32(`${text}\u0000`).toString(16).padStart(8, "0");
  return first + second;
}

/** mulberry32: tiny deterministic PRNG in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
