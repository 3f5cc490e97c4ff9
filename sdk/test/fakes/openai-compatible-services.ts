import type { IncomingMessage, ServerResponse } from "node:http";
import { startLocalServer } from "./http.js";
import {
  clientGone,
  estimateTokens,
  flattenHeaders,
  isRecord,
  ModeQueue,
  parseJson,
  pieces,
  randomToken,
  readBody,
  sleep,
  writeFrames,
  type FakeControls,
  type ReceivedRequest,
  type WireFakeMode,
} from "./fake-kit.js";
import { RequestQuota } from "./quota.js";

// Fakes of OpenAI-compatible services, each with the quirks its recorded traffic shows (vercel/ai __fixtures__ for
// Groq, Mistral and DeepSeek; pydantic-ai cassettes for OpenRouter):
// - groq: base /openai/v1; usage also in `x_groq.usage` on the last chunk; first delta `content: null`;
//   x-ratelimit-* with Go durations; 429 with retry-after (console.groq.com/docs/rate-limits).
// - mistral: closed request schema (unknown keys → 422 with pydantic details), stream tool calls without
//   `index`/`type` and finished in the same chunk, `tool_calls: null` in answers, 401 `{detail}`; embeddings.
// - deepseek: `reasoning_content` in answers and deltas for deepseek-reasoner; 400 when an input message carries
//   `reasoning_content` (api-docs.deepseek.com/guides/reasoning_model); `usage: null` on every chunk until the finish
//   chunk, which carries the usage (no `choices: []` chunk after it, as recorded).
// - openrouter: base /api/v1; `: OPENROUTER PROCESSING` comments; usage on a trailing chunk whose choice is empty;
//   errors `{error:{code,message,metadata}}`, mid-stream errors as a chunk with `error`.
// - together: base /v1; images at /images/generations answer `{id, model, object: "list", data}` without `created`;
//   401 `{id, error: {message, type, param, code: "invalid_api_key"}}`.
// - xai: base /v1; a wrong key is a 400 `{code, error}` with a plain-string `error` (users' reports of that body).
// - perplexity: no version segment (/chat/completions); `citations` and `search_results` at the top level of answers
//   and of every stream chunk; a wrong key is a 401 HTML page (nginx), not JSON.
// - ollama, lmstudio, vllm, localai: local servers, base /v1, no key needed (one is checked when `apiKeys` is
//   given, as vLLM's --api-key does); `GET /models` lists what is loaded; vLLM errors are
//   `{object: "error", message, type, param, code: <number>}`; Ollama's 404 says "try pulling it first"; LocalAI
//   also serves /audio/speech (WAV bytes) and /images/generations.

export type ServiceProfile = "groq" | "mistral" | "deepseek" | "openrouter" | "together" | "xai" | "perplexity" | "ollama" | "lmstudio" | "vllm" | "localai";

const LOCAL = new Set<ServiceProfile>(["ollama", "lmstudio", "vllm", "localai"]);

export interface FakeServiceOptions {
  models?: string[];
  apiKeys?: string[];
  /** The request quota the rate-limit headers report (Groq and Mistral; default 1000 a minute), used one per answer. */
  rateLimit?: { requests?: number; windowMs?: number };
}

export type FakeService = FakeControls;

const PREFIX: Record<ServiceProfile, string> = { groq: "/openai/v1", mistral: "/v1", deepseek: "/v1", openrouter: "/api/v1", together: "/v1", xai: "/v1", perplexity: "", ollama: "/v1", lmstudio: "/v1", vllm: "/v1", localai: "/v1" };
const MODELS: Record<ServiceProfile, string[]> = {
  groq: ["llama-3.3-70b-versatile", "whisper-large-v3"],
  mistral: ["mistral-small-latest", "mistral-embed"],
  deepseek: ["deepseek-chat", "deepseek-reasoner"],
  openrouter: ["openai/gpt-4o-mini", "google/gemini-2.5-flash"],
  together: ["meta-llama/Llama-3.3-70B-Instruct-Turbo", "BAAI/bge-large-en-v1.5", "black-forest-labs/FLUX.1-schnell"],
  xai: ["grok-3-mini", "grok-4"],
  perplexity: ["sonar", "sonar-pro"],
  ollama: ["llama3.2:latest", "nomic-embed-text:latest"],
  lmstudio: ["qwen2.5-7b-instruct", "text-embedding-nomic-embed-text-v1.5"],
  vllm: ["meta-llama/Llama-3.1-8B-Instruct"],
  localai: ["gpt-4", "text-embedding-ada-002", "tts-1", "whisper-1", "stablediffusion"],
};
const MISTRAL_KEYS = new Set([
  "model", "temperature", "top_p", "max_tokens", "stream", "stop", "random_seed", "metadata", "messages", "response_format", "tools",
  "tool_choice", "presence_penalty", "frequency_penalty", "n", "prediction", "parallel_tool_calls", "prompt_mode", "reasoning_effort",
  "guardrails", "prompt_cache_key", "safe_prompt",
]);

/**
 * Starts a fake of one OpenAI-compatible service on 127.0.0.1; `url` includes the service's path prefix.
 * @example
 * const fake = await startFakeService("groq");
 * const groq = new GroqProvider({ baseUrl: fake.url, apiKey: "gsk_test" });
 */
export async function startFakeService(profile: ServiceProfile, options: FakeServiceOptions = {}): Promise<FakeService> {
  const modes = new ModeQueue();
  const requests: ReceivedRequest[] = [];
  const quota = new RequestQuota(options.rateLimit?.requests ?? 1000, options.rateLimit?.windowMs ?? 60_000);
  const local = await startLocalServer((request, response) => handle(request, response, profile, options, modes, requests, quota));
  return {
    url: `${local.url}${PREFIX[profile]}`,
    origin: local.url,
    requests,
    exchanges: local.exchanges,
    enqueue: (mode) => modes.enqueue(mode),
    setMode: (mode) => modes.set(mode),
    reset() {
      modes.reset();
      requests.length = 0;
      quota.reset();
    },
    close: () => local.close(),
  };
}

interface WireError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function openAIError(status: number, message: string, type: string, code: string | null = null): WireError {
  return { status, body: { error: { message, type, param: null, code } } };
}

/** Each service's error body for a status. */
function errorFor(profile: ServiceProfile, status: number, model: string): WireError {
  if (profile === "xai" && status === 401) return { status: 400, body: { code: "Client specified an invalid argument", error: "Incorrect API key provided: xa***TS. You can obtain an API key from https://console.x.ai." } };
  if (profile === "perplexity" && status === 401) {
    return { status, body: "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>openresty/1.27.4.1</center>\r\n</body>\r\n</html>\r\n", headers: { "content-type": "text/html" } };
  }
  if (profile === "together" && status === 401) return { status, body: { id: randomToken(16), error: { message: "Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys.", type: "invalid_request_error", param: null, code: "invalid_api_key" } } };
  if (profile === "vllm") {
    const type = status === 404 ? "NotFoundError" : status === 401 ? "Unauthorized" : status >= 500 ? "InternalServerError" : "BadRequestError";
    const message = status === 404 ? `The model \`${model}\` does not exist.` : status === 401 ? "Unauthorized" : status >= 500 ? "Internal server error" : "Bad request";
    return { status, body: status === 401 ? { error: "Unauthorized" } : { object: "error", message, type, param: null, code: status } };
  }
  if (profile === "ollama" && status === 404) return { status, body: { error: { message: `model "${model}" not found, try pulling it first`, type: "api_error", param: null, code: null } } };
  if (profile === "mistral") {
    if (status === 401) return { status, body: { detail: "Unauthorized" } };
    const message = status === 429 ? "Requests rate limit exceeded" : status === 404 ? `Invalid model: ${model}` : status >= 500 ? "Service unavailable." : "Bad request";
    return { status, body: { object: "error", message, type: status === 429 ? "rate_limited" : status >= 500 ? "service_unavailable" : "invalid_request_error", param: null, code: String(status) } };
  }
  if (profile === "openrouter") {
    const message = status === 401 ? "No auth credentials found" : status === 429 ? "Provider returned error" : status === 404 ? `No endpoints found for ${model}.` : status >= 500 ? "Internal Server Error" : "Bad request";
    return { status, body: { error: { code: status, message, ...(status === 429 ? { metadata: { provider_name: "Google", raw: `${model} is temporarily rate-limited upstream. Please retry shortly.` } } : {}) } } };
  }
  if (status === 401) return openAIError(401, profile === "groq" ? "Invalid API Key" : "Authentication Fails, Your api key: ****abcd is invalid", profile === "groq" ? "invalid_request_error" : "authentication_error", "invalid_api_key");
  if (status === 404) return openAIError(404, `The model \`${model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found");
  // DeepSeek's 429 (api-docs.deepseek.com/quick_start/error_codes: "Rate Limit Reached"): no rate-limit headers, since
  // DeepSeek sets no rate limit of its own (quick_start/rate_limit).
  if (status === 429 && profile === "deepseek") return openAIError(429, "Rate Limit Reached", "rate_limit_reached_error", "rate_limit_reached");
  if (status === 429) {
    const error = openAIError(429, `Rate limit reached for model \`${model}\` on requests per minute (RPM): Limit 30, Used 30, Requested 1. Please try again in 2s.`, "requests", "rate_limit_exceeded");
    return { ...error, headers: { "retry-after": "2", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2s" } };
  }
  if (status >= 500) return openAIError(status, "Service Unavailable", "internal_server_error");
  return openAIError(status, "Invalid request", "invalid_request_error");
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** Go's time.Duration text for a wait, as Groq writes its resets ("1m26.4s", "500ms"). */
function goDuration(milliseconds: number): string {
  if (milliseconds < 1_000) return `${Math.max(0, Math.round(milliseconds))}ms`;
  const minutes = Math.floor(milliseconds / 60_000);
  const seconds = Number(((milliseconds % 60_000) / 1_000).toFixed(2));
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

function quotaHeaders(profile: ServiceProfile, quota?: RequestQuota): Record<string, string> {
  const limit = String(quota?.limit ?? 1000);
  const remaining = String(quota?.remaining() ?? 999);
  if (profile === "groq") {
    const reset = quota ? goDuration(quota.resetAt() - Date.now()) : "1m26.4s";
    return { "x-ratelimit-limit-requests": limit, "x-ratelimit-remaining-requests": remaining, "x-ratelimit-reset-requests": reset, "x-ratelimit-limit-tokens": "12000", "x-ratelimit-remaining-tokens": "11900", "x-ratelimit-reset-tokens": "500ms" };
  }
  // Mistral's per-minute quotas, without reset headers (as a curl of api.mistral.ai shows them in mistralai/client-ts#169).
  if (profile === "mistral") {
    return { "x-ratelimit-limit-req-minute": limit, "x-ratelimit-remaining-req-minute": remaining, "x-ratelimit-limit-tokens-minute": "500000", "x-ratelimit-remaining-tokens-minute": "499911", "x-ratelimit-tokens-query-cost": "89" };
  }
  if (profile === "openrouter") return { "x-ratelimit-limit": "20", "x-ratelimit-remaining": "19", "x-ratelimit-reset": String(Date.now() + 60_000) };
  // Together's serverless limits are per second: requests in x-ratelimit-*, tokens in x-tokenlimit-*.
  if (profile === "together") return { "x-ratelimit-limit": limit, "x-ratelimit-remaining": remaining, "x-ratelimit-reset": String(quota ? Math.max(0, Math.ceil((quota.resetAt() - Date.now()) / 1_000)) : 1), "x-tokenlimit-limit": "200000", "x-tokenlimit-remaining": "199950" };
  return {};
}

async function handle(request: IncomingMessage, response: ServerResponse, profile: ServiceProfile, options: FakeServiceOptions, modes: ModeQueue, requests: ReceivedRequest[], quota: RequestQuota): Promise<void> {
  const text = await readBody(request);
  const url = request.url ?? "/";
  const path = url.split("?")[0] ?? "/";
  const body = request.headers["content-type"]?.startsWith("multipart/") ? { multipart: true } : parseJson(text);
  const record: ReceivedRequest = { method: request.method ?? "GET", url, path, headers: flattenHeaders(request.headers), body: body ?? text, eventsSent: 0, eventsPlanned: 0 };
  requests.push(record);
  const signal = clientGone(response);
  const key = /^Bearer\s+(.+)$/i.exec(record.headers.authorization ?? "")?.[1] ?? "";
  const model = isRecord(body) && typeof body.model === "string" ? body.model : "";
  if ((key === "" && !(LOCAL.has(profile) && !options.apiKeys)) || (options.apiKeys && !options.apiKeys.includes(key))) {
    const error = errorFor(profile, 401, model);
    return sendJson(response, error.status, error.body, error.headers);
  }
  // DeepSeek serves prefix completion on its beta path only.
  const beta = profile === "deepseek" && path.startsWith("/beta/");
  const prefix = beta ? "/beta" : PREFIX[profile];
  const route = path.slice(prefix.length);
  if (!path.startsWith(prefix) || !["/chat/completions", "/embeddings", "/audio/transcriptions", "/audio/speech", "/images/generations", "/models", ...(profile === "perplexity" ? ["/search"] : [])].includes(route)) {
    return sendJson(response, 404, { error: { message: `Unknown request URL: ${request.method} ${path}`, type: "invalid_request_error" } });
  }
  if (route === "/models") return sendJson(response, 200, { object: "list", data: (options.models ?? MODELS[profile]).map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: profile })) });
  const mode = modes.take();
  if (mode.kind === "error") {
    const error = errorFor(profile, mode.status, model);
    return sendJson(response, mode.status, mode.body ?? error.body, { ...error.headers, ...mode.headers });
  }
  if (mode.kind === "hang") return void (await sleep(600_000, signal));
  if (mode.kind === "slow" && !(await sleep(mode.delayMs, signal))) return;
  if (route === "/search" && isRecord(body) && typeof body.query === "string") {
    // Perplexity's Search API: ranked pages with snippets.
    const count = typeof body.max_results === "number" ? body.max_results : 10;
    const results = GROUNDING.search_results.slice(0, count).map((result, index) => ({ ...result, snippet: `Snippet ${index + 1} about ${String(body.query)}`, last_updated: "2026-11-30" }));
    return sendJson(response, 200, { id: randomToken(16), results });
  }
  // Each answer uses one request of the quota its headers report.
  const served = (): Record<string, string> => {
    quota.take();
    return quotaHeaders(profile, quota);
  };
  if (route === "/audio/transcriptions") {
    return sendJson(response, 200, { text: "Transcript by the fake.", x_groq: { id: `req_${randomToken(26)}` } }, served());
  }
  if (!isRecord(body)) return sendJson(response, 400, openAIError(400, "We could not parse the JSON body of your request.", "invalid_request_error").body);
  if (!(options.models ?? MODELS[profile]).includes(model)) {
    const error = errorFor(profile, 404, model);
    return sendJson(response, error.status, error.body);
  }
  if (route === "/embeddings") return embeddings(response, body, model, served());
  if (route === "/images/generations") return images(response, profile, body, model);
  if (route === "/audio/speech") {
    response.writeHead(200, { "content-type": "audio/wav" });
    return void response.end(Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WAVEfmt "), Buffer.alloc(32)]));
  }
  const invalid = validate(profile, body);
  if (invalid) return sendJson(response, invalid.status, invalid.body);
  const plan = planChat(profile, body, beta);
  if (body.stream === true) {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...served() });
    return writeFrames(response, streamFrames(profile, plan, body, mode), mode, record, signal);
  }
  if (mode.kind === "malformed") {
    response.writeHead(200, { "content-type": "application/json" });
    return void response.end(JSON.stringify(completion(profile, plan)).slice(0, 40));
  }
  sendJson(response, 200, completion(profile, plan), served());
}

function validate(profile: ServiceProfile, body: Record<string, any>): WireError | undefined {
  if (!Array.isArray(body.messages) || body.messages.length === 0) return openAIError(400, "messages: field required", "invalid_request_error");
  if (profile === "mistral") {
    const extra = Object.keys(body).filter((key) => !MISTRAL_KEYS.has(key));
    if (extra.length > 0) {
      const detail = extra.map((key) => ({ type: "extra_forbidden", loc: ["body", key], msg: "Extra inputs are not permitted", input: body[key] }));
      return { status: 422, body: { object: "error", message: { detail }, type: "invalid_request_message_error", param: null, code: null } };
    }
  }
  if (profile === "deepseek" && body.messages.some((message: unknown) => isRecord(message) && "reasoning_content" in message)) {
    return openAIError(400, "The reasoning_content is an intermediate result for display purposes only and will not be included in the context for inference. Please remove the reasoning_content from your message to reduce network traffic.", "invalid_request_error");
  }
  return undefined;
}

interface ChatPlan {
  id: string;
  created: number;
  model: string;
  text: string;
  reasoning?: string;
  call?: { id: string; name: string; arguments: string };
  promptTokens: number;
  completionTokens: number;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  return Array.isArray(content) ? content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("") : "";
}

function planChat(profile: ServiceProfile, body: Record<string, any>, beta = false): ChatPlan {
  const last = body.messages.at(-1) as Record<string, unknown>;
  const promptTokens = estimateTokens(JSON.stringify(body.messages));
  const id = profile === "openrouter" ? `gen-${Math.floor(Date.now() / 1000)}-${randomToken(20)}` : profile === "groq" ? `chatcmpl-${randomToken(8)}-${randomToken(4)}` : randomToken(32).toLowerCase();
  const base = { id, created: Math.floor(Date.now() / 1000), model: body.model as string, promptTokens };
  if (Array.isArray(body.tools) && body.tools.length > 0 && last.role !== "tool" && body.tool_choice !== "none") {
    const name = String(body.tools[0].function.name);
    return { ...base, text: "", call: { id: profile === "mistral" ? randomToken(9) : `call_${randomToken(24)}`, name, arguments: '{"location":"Paris"}' }, completionTokens: 15 };
  }
  // Mistral's (and DeepSeek's, on /beta) prefix completion: a trailing assistant message with `prefix: true` is
  // continued, and the answer holds only the new text (what follows the prefix in the reply the conversation would have had).
  if ((profile === "mistral" || (profile === "deepseek" && beta)) && last.role === "assistant" && last.prefix === true) {
    const asked = [...body.messages].reverse().find((message: Record<string, unknown>) => message.role === "user") as Record<string, unknown> | undefined;
    const whole = `Hello from ${body.model}: ${contentText(asked?.content)}`;
    const prefix = contentText(last.content);
    const rest = whole.startsWith(prefix) ? whole.slice(prefix.length) : ` (continued by ${body.model})`;
    return { ...base, text: rest, completionTokens: estimateTokens(rest) };
  }
  const text = last.role === "tool" ? `The tool said: ${contentText(last.content)}` : `Hello from ${body.model}: ${contentText(last.content)}`;
  const reasoning = profile === "deepseek" && body.model === "deepseek-reasoner" ? `The user wrote "${contentText(last.content)}". I should greet them.` : undefined;
  return { ...base, text, ...(reasoning ? { reasoning } : {}), completionTokens: estimateTokens(text) + estimateTokens(reasoning ?? "") };
}

function usage(plan: ChatPlan): Record<string, number> {
  return { prompt_tokens: plan.promptTokens, completion_tokens: plan.completionTokens, total_tokens: plan.promptTokens + plan.completionTokens };
}

function completion(profile: ServiceProfile, plan: ChatPlan): Record<string, unknown> {
  const message: Record<string, unknown> = { role: "assistant", content: plan.call ? (profile === "mistral" ? "" : null) : plan.text };
  if (plan.reasoning) message.reasoning_content = plan.reasoning;
  // Mistral's recorded answers name no `type` on their tool calls.
  if (plan.call) message.tool_calls = [{ id: plan.call.id, ...(profile === "mistral" ? {} : { type: "function" }), function: { name: plan.call.name, arguments: plan.call.arguments } }];
  else if (profile === "mistral") message.tool_calls = null;
  return {
    id: plan.id,
    object: "chat.completion",
    created: plan.created,
    model: plan.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: plan.call ? "tool_calls" : "stop" }],
    usage: usage(plan),
    ...(profile === "groq" ? { system_fingerprint: "fp_f8b414701e", service_tier: "on_demand", x_groq: { id: `req_${randomToken(26)}` } } : {}),
    ...(profile === "openrouter" ? { provider: "OpenAI" } : {}),
    ...(profile === "perplexity" ? GROUNDING : {}),
  };
}

/** What Perplexity adds to answers and to every stream chunk. */
const GROUNDING = {
  citations: ["https://example.org/source-1", "https://example.org/source-2"],
  search_results: [{ title: "Source one", url: "https://example.org/source-1", date: "2026-11-30" }, { title: "Source two", url: "https://example.org/source-2", date: null }],
};

function streamFrames(profile: ServiceProfile, plan: ChatPlan, body: Record<string, any>, mode: WireFakeMode): string[] {
  const wantsUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  const head = { id: plan.id, object: "chat.completion.chunk", created: plan.created, model: plan.model, ...(profile === "openrouter" ? { provider: "OpenAI" } : {}), ...(profile === "perplexity" ? GROUNDING : {}) };
  const perChunk = profile === "deepseek" && wantsUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...perChunk, ...extra })}\n\n`;
  const frames: string[] = [];
  if (profile === "openrouter") frames.push(": OPENROUTER PROCESSING\n\n", ": OPENROUTER PROCESSING\n\n");
  frames.push(chunk({ role: "assistant", content: profile === "groq" ? null : "" }, null));
  // DeepSeek keeps a busy stream open with SSE comments (api-docs.deepseek.com/quick_start/rate_limit: ": keep-alive").
  if (profile === "deepseek") frames.push(": keep-alive\n\n");
  for (const part of plan.reasoning ? pieces(plan.reasoning) : []) frames.push(chunk({ content: null, reasoning_content: part }, null));
  const finalUsage = usage(plan);
  if (plan.call) {
    const call = profile === "mistral" ? { id: plan.call.id, function: { name: plan.call.name, arguments: plan.call.arguments } } : { index: 0, id: plan.call.id, type: "function", function: { name: plan.call.name, arguments: plan.call.arguments } };
    if (profile === "mistral") frames.push(chunk({ content: null, tool_calls: [call] }, "tool_calls", { usage: finalUsage }));
    else frames.push(chunk({ tool_calls: [call] }, null));
  } else {
    for (const part of pieces(plan.text)) frames.push(chunk({ content: part }, null));
  }
  const finish = plan.call ? "tool_calls" : "stop";
  if (profile === "groq") frames.push(chunk({}, finish, { x_groq: { id: `req_${randomToken(26)}`, usage: { queue_time: 0.04, ...finalUsage } }, ...(wantsUsage ? { usage: finalUsage } : {}) }));
  else if (profile === "mistral") {
    if (!plan.call) frames.push(chunk({ content: "" }, finish, { usage: finalUsage }));
  } else if (profile === "deepseek" && wantsUsage) {
    // As recorded (fixtures deepseek/stream-*.sse): the usage rides on the finish chunk; no `choices: []` chunk follows.
    frames.push(chunk({}, finish, { usage: finalUsage }));
  } else frames.push(chunk({}, finish));
  if (profile === "openrouter") frames.push(chunk({ role: "assistant", content: "" }, null, { usage: { ...finalUsage, cost: 0.0000123, is_byok: false } }));
  if (!["deepseek", "groq", "mistral", "openrouter"].includes(profile) && wantsUsage) frames.push(`data: ${JSON.stringify({ ...head, choices: [], usage: finalUsage })}\n\n`);
  if (mode.kind === "in-band-error") {
    // OpenRouter's error event reports what the broken generation used (recorded: openrouter/stream-error.sse).
    const used = profile === "openrouter" ? { usage: { prompt_tokens: plan.promptTokens, completion_tokens: 7, total_tokens: plan.promptTokens + 7 } } : {};
    const error = `data: ${JSON.stringify({ ...head, error: { code: 502, message: "Provider disconnected" }, choices: [{ index: 0, delta: { content: "" }, finish_reason: null }], ...used })}\n\n`;
    return [...frames.slice(0, mode.afterEvents), error, "data: [DONE]\n\n"];
  }
  if (mode.kind === "malformed") return [...frames.slice(0, 2), 'data: {"id":"x","choices":[{"delta":{"con\n\n'];
  return [...frames, "data: [DONE]\n\n"];
}

function embeddings(response: ServerResponse, body: Record<string, any>, model: string, headers: Record<string, string> = {}): void {
  const inputs: string[] = typeof body.input === "string" ? [body.input] : Array.isArray(body.input) ? body.input : [];
  const data = inputs.map((text, index) => ({ object: "embedding", embedding: Array.from({ length: 8 }, (_, position) => Number(Math.cos(text.length + position).toFixed(6))), index }));
  const tokens = inputs.reduce((total, text) => total + estimateTokens(text), 0);
  sendJson(response, 200, { id: randomToken(32).toLowerCase(), object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0 } }, headers);
}

function images(response: ServerResponse, profile: ServiceProfile, body: Record<string, any>, model: string): void {
  const count = typeof body.n === "number" ? body.n : 1;
  const asBase64 = body.response_format === "b64_json" || body.response_format === "base64";
  const data = Array.from({ length: count }, (_, index) => ({ index, ...(asBase64 ? { b64_json: Buffer.from(`image ${index} of ${String(body.prompt)}`).toString("base64") } : { url: `https://images.example.org/${randomToken(12)}.png` }) }));
  // Together answers without `created`; LocalAI with it, as OpenAI does.
  if (profile === "together") return sendJson(response, 200, { id: randomToken(16), model, object: "list", data: data.map((item) => ({ ...item, timings: { inference: 0.41 } })) });
  sendJson(response, 200, { created: Math.floor(Date.now() / 1000), data: data.map(({ index: _index, ...item }) => item) });
}
