import type { IncomingMessage, ServerResponse } from "node:http";
import { startLocalServer } from "./http.js";
import {
  clientGone,
  estimateTokens,
  flattenHeaders,
  fragments,
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

// A fake api.anthropic.com (`POST /v1/messages`). Shapes follow recorded real traffic: response bodies as in
// vercel/ai's anthropic __fixtures__, streams as in anthropic-sdk-typescript's tests/lib/fixtures (named events,
// `ping` after the first block start, usage in message_start and cumulative in message_delta). Error bodies and
// rate-limit headers as documented at docs.anthropic.com/en/api/errors and /en/api/rate-limits (RFC 3339 resets).

export interface FakeAnthropicOptions {
  /** Model ids served; another model gets the real 404 not_found_error. */
  models?: string[];
  /** Accepted keys; undefined = any non-empty x-api-key. */
  apiKeys?: string[];
  /** Input of the tool call the fake makes when tools are offered (default `{ "location": "Paris" }`). */
  toolInput?: Record<string, unknown>;
  /**
   * The request quota reported in `anthropic-ratelimit-requests-*` (default 50 a minute): each answer uses one,
   * and the window restarts once its reset time has passed.
   */
  rateLimit?: { requests?: number; windowMs?: number };
}

export type FakeAnthropic = FakeControls;

const DEFAULT_MODELS = ["claude-haiku-4-5", "claude-sonnet-4-5"];
/** Models that answer a final assistant turn with a 400 (prefill removed from Claude 4.6 on). */
const NO_PREFILL = /^claude-(?:opus|sonnet|haiku)-(?:4-[6-9]|[5-9])/;
const TOP_LEVEL = new Set([
  "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream", "temperature", "top_p", "top_k",
  "tools", "tool_choice", "thinking", "service_tier", "container", "mcp_servers",
]);

/** Anthropic's error types and statuses (docs.anthropic.com/en/api/errors). */
const ERROR_TYPES: Record<number, [string, string]> = {
  400: ["invalid_request_error", "There was an issue with the format or content of your request."],
  401: ["authentication_error", "invalid x-api-key"],
  402: ["billing_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."],
  403: ["permission_error", "Your API key does not have permission to use the specified resource."],
  404: ["not_found_error", "The requested resource could not be found."],
  413: ["request_too_large", "Request exceeds the maximum allowed number of bytes."],
  429: ["rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit (https://docs.claude.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."],
  500: ["api_error", "Internal server error"],
  504: ["timeout_error", "Request timed out"],
  529: ["overloaded_error", "Overloaded"],
};

/**
 * Starts a fake Anthropic Messages API on 127.0.0.1.
 * @example
 * const fake = await startFakeAnthropic();
 * const provider = new AnthropicProvider({ baseUrl: fake.url, apiKey: "sk-ant-test" });
 * fake.enqueue({ kind: "error", status: 529 });
 */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const modes = new ModeQueue();
  const requests: ReceivedRequest[] = [];
  const limiter = { used: 0, limit: options.rateLimit?.requests ?? 50, windowMs: options.rateLimit?.windowMs ?? 60_000, windowStart: Date.now() };
  const local = await startLocalServer((request, response) => handle(request, response, { options, modes, requests, limiter }));
  return {
    url: `${local.url}/v1`,
    origin: local.url,
    requests,
    exchanges: local.exchanges,
    enqueue: (mode) => modes.enqueue(mode),
    setMode: (mode) => modes.set(mode),
    reset() {
      modes.reset();
      requests.length = 0;
      limiter.used = 0;
      limiter.windowStart = Date.now();
    },
    close: () => local.close(),
  };
}

interface FakeState {
  options: FakeAnthropicOptions;
  modes: ModeQueue;
  requests: ReceivedRequest[];
  limiter: { used: number; limit: number; windowMs: number; windowStart: number };
}

function errorBody(type: string, message: string): Record<string, unknown> {
  return { type: "error", error: { type, message }, request_id: `req_${randomToken(24)}` };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  response.writeHead(status, { "content-type": "application/json", "request-id": `req_${randomToken(24)}`, ...headers });
  response.end(JSON.stringify(body));
}

/** The quota headers every answer carries; resets are RFC 3339 dates (whole seconds) at the end of the window. */
function rateLimitHeaders(state: FakeState): Record<string, string> {
  const reset = new Date(Math.ceil((state.limiter.windowStart + state.limiter.windowMs) / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    "anthropic-ratelimit-requests-limit": String(state.limiter.limit),
    "anthropic-ratelimit-requests-remaining": String(Math.max(0, state.limiter.limit - state.limiter.used)),
    "anthropic-ratelimit-requests-reset": reset,
    "anthropic-ratelimit-tokens-limit": "80000",
    "anthropic-ratelimit-tokens-remaining": "79000",
    "anthropic-ratelimit-tokens-reset": reset,
    "anthropic-ratelimit-input-tokens-limit": "50000",
    "anthropic-ratelimit-input-tokens-remaining": "49000",
    "anthropic-ratelimit-input-tokens-reset": reset,
  };
}

function modeError(status: number, body: unknown, headers: Record<string, string> | undefined, state: FakeState): { body: unknown; headers: Record<string, string> } {
  const [type, message] = ERROR_TYPES[status] ?? (status >= 500 ? ["api_error", "Internal server error"] : ["invalid_request_error", "Bad request"]);
  const defaults: Record<string, string> = {};
  if (status === 429) Object.assign(defaults, rateLimitHeaders(state), { "retry-after": "12", "anthropic-ratelimit-requests-remaining": "0" });
  return { body: body ?? errorBody(type, message), headers: { ...defaults, ...headers } };
}

/** Headers a page may read from an answer (CORS). */
const EXPOSED = "request-id, retry-after, anthropic-ratelimit-requests-limit, anthropic-ratelimit-requests-remaining, anthropic-ratelimit-requests-reset, anthropic-ratelimit-tokens-remaining";

async function handle(request: IncomingMessage, response: ServerResponse, state: FakeState): Promise<void> {
  const text = await readBody(request);
  const url = request.url ?? "/";
  const path = url.split("?")[0] ?? "/";
  // Browsers: Anthropic answers CORS, and serves a page only when it sends
  // `anthropic-dangerous-direct-browser-access: true` (its direct browser access; the preflight itself is answered).
  const fromPage = typeof request.headers.origin === "string";
  if (fromPage) {
    response.setHeader("access-control-allow-origin", "*");
    response.setHeader("access-control-expose-headers", EXPOSED);
  }
  if (request.method === "OPTIONS") {
    response.writeHead(204, { "access-control-allow-methods": "GET, POST, OPTIONS", "access-control-allow-headers": String(request.headers["access-control-request-headers"] ?? "content-type"), "access-control-max-age": "600" });
    return void response.end();
  }
  const body = parseJson(text);
  const record: ReceivedRequest = { method: request.method ?? "GET", url, path, headers: flattenHeaders(request.headers), body: body ?? text, eventsSent: 0, eventsPlanned: 0 };
  state.requests.push(record);
  if (fromPage && record.headers["anthropic-dangerous-direct-browser-access"] !== "true") {
    return sendJson(response, 401, errorBody("authentication_error", "CORS requests must set 'anthropic-dangerous-direct-browser-access' header"));
  }
  const signal = clientGone(response);
  const listing = request.method === "GET" && path === "/v1/models";
  if (!listing && (request.method !== "POST" || path !== "/v1/messages")) return sendJson(response, 404, errorBody("not_found_error", "Not Found"));
  const key = record.headers["x-api-key"] ?? "";
  if (key === "") return sendJson(response, 401, errorBody("authentication_error", "x-api-key header is required"));
  if (state.options.apiKeys && !state.options.apiKeys.includes(key)) return sendJson(response, 401, errorBody("authentication_error", "invalid x-api-key"));
  if (!record.headers["anthropic-version"]) return sendJson(response, 400, errorBody("invalid_request_error", "anthropic-version: header is required"));
  if (listing) {
    const data = (state.options.models ?? DEFAULT_MODELS).map((id) => ({ type: "model", id, display_name: id, created_at: "2025-10-15T00:00:00Z" }));
    return sendJson(response, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  }
  const mode = state.modes.take();
  if (mode.kind === "error") {
    const error = modeError(mode.status, mode.body, mode.headers, state);
    return sendJson(response, mode.status, error.body, error.headers);
  }
  if (mode.kind === "hang") return void (await sleep(600_000, signal));
  if (mode.kind === "slow" && !(await sleep(mode.delayMs, signal))) return;
  const invalid = validate(body, state);
  if (invalid) return sendJson(response, invalid.status, errorBody(invalid.type, invalid.message));
  if (Date.now() >= Math.ceil((state.limiter.windowStart + state.limiter.windowMs) / 1000) * 1000) {
    state.limiter.used = 0;
    state.limiter.windowStart = Date.now();
  }
  state.limiter.used += 1;
  const message = plan(body as Record<string, any>, state);
  const headers = rateLimitHeaders(state);
  if ((body as Record<string, any>).stream === true) return stream(response, message, mode, record, signal, headers);
  if (mode.kind === "malformed") {
    response.writeHead(200, { "content-type": "application/json", ...headers });
    return void response.end(JSON.stringify(message).slice(0, 40));
  }
  sendJson(response, 200, message, headers);
}

function validate(body: unknown, state: FakeState): { status: number; type: string; message: string } | undefined {
  const bad = (message: string, status = 400, type = "invalid_request_error") => ({ status, type, message });
  if (!isRecord(body)) return bad("There was an issue with the format or content of your request. The request body is not valid JSON.");
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return bad(`${key}: Extra inputs are not permitted`);
  if (typeof body.model !== "string") return bad("model: Field required");
  if (typeof body.max_tokens !== "number") return bad("max_tokens: Field required");
  if (!Array.isArray(body.messages) || body.messages.length === 0) return bad("messages: Field required");
  let usesTools = false;
  for (const [index, message] of body.messages.entries()) {
    if (!isRecord(message) || (message.role !== "user" && message.role !== "assistant")) {
      return bad(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    }
    for (const block of Array.isArray(message.content) ? message.content : []) {
      if (isRecord(block) && (block.type === "tool_use" || block.type === "tool_result")) usesTools = true;
      if (isRecord(block) && block.type === "image" && !(isRecord(block.source) && (block.source.type === "base64" || block.source.type === "url"))) {
        return bad(`messages.${index}.content: image source must be base64 or url`);
      }
    }
  }
  if (usesTools && !Array.isArray(body.tools)) return bad("Requests which include `tool_use` or `tool_result` blocks must define tools.");
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    if (!isRecord(tool) || typeof tool.name !== "string" || !isRecord(tool.input_schema)) return bad("tools.0.custom.input_schema: Field required");
  }
  if (!(state.options.models ?? DEFAULT_MODELS).includes(body.model)) {
    return bad(`model: ${body.model}`, 404, "not_found_error");
  }
  const last = body.messages.at(-1) as Record<string, unknown>;
  if (last.role === "assistant") {
    // Prefill rules, with the service's messages (docs and users' reports of the 400 bodies).
    if (NO_PREFILL.test(body.model)) return bad("This model does not support assistant message prefill. The conversation must end with a user message.");
    const blocks = Array.isArray(last.content) ? last.content : [{ type: "text", text: last.content }];
    const thinking = isRecord(body.thinking) && body.thinking.type !== "disabled";
    if (thinking && !(isRecord(blocks[0]) && (blocks[0].type === "thinking" || blocks[0].type === "redacted_thinking"))) {
      const index = body.messages.length - 1;
      return bad(`messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(blocks[0]?.type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block. We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`);
    }
    const final = blocks.at(-1);
    if (isRecord(final) && final.type === "text" && typeof final.text === "string" && /\s$/.test(final.text)) return bad("messages: final assistant content cannot end with trailing whitespace");
  }
  return undefined;
}

function blockText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((block) => (isRecord(block) && typeof block.text === "string" ? block.text : isRecord(block) && block.type === "tool_result" ? blockText(block.content) : "")).join("");
}

/** What the fake answers: a tool call when tools are offered and no tool result came back yet, else text. */
function plan(body: Record<string, any>, state: FakeState): Record<string, unknown> {
  const last = body.messages.at(-1) as Record<string, unknown>;
  const lastBlocks = Array.isArray(last.content) ? last.content : [];
  const toolResult = lastBlocks.find((block: unknown) => isRecord(block) && block.type === "tool_result");
  const inputTokens = estimateTokens(JSON.stringify(body.messages) + (typeof body.system === "string" ? body.system : ""));
  const id = `msg_01${randomToken(22)}`;
  const base = { id, type: "message", role: "assistant", model: body.model, stop_sequence: null };
  if (Array.isArray(body.tools) && body.tools.length > 0 && !toolResult && body.tool_choice?.type !== "none") {
    const tool = isRecord(body.tool_choice) && body.tool_choice.type === "tool" ? body.tools.find((entry: any) => entry.name === body.tool_choice.name) : body.tools[0];
    const content = [
      { type: "text", text: "I'll check that for you." },
      { type: "tool_use", id: `toolu_01${randomToken(22)}`, name: tool.name, input: state.options.toolInput ?? { location: "Paris" } },
    ];
    return { ...base, content, stop_reason: "tool_use", usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 20, service_tier: "standard" } };
  }
  // A final assistant turn is a prefill: the answer is what follows it (the whole reply when it does not begin with it).
  const prefill = last.role === "assistant" ? blockText(last.content) : undefined;
  const asked = prefill === undefined ? last : ([...body.messages].reverse().find((message: Record<string, unknown>) => message.role === "user") ?? last);
  const whole = toolResult ? `The tool said: ${blockText([toolResult])}` : `Hello from ${body.model}: ${blockText(asked.content)}`;
  const reply = prefill === undefined ? whole : whole.startsWith(prefill) ? whole.slice(prefill.length) : whole;
  const limited = body.max_tokens < estimateTokens(reply);
  const textOut = limited ? reply.slice(0, body.max_tokens * 4) : reply;
  return {
    ...base,
    content: [{ type: "text", text: textOut }],
    stop_reason: limited ? "max_tokens" : "end_turn",
    usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: estimateTokens(textOut), service_tier: "standard" },
  };
}

const frame = (payload: Record<string, unknown>): string => `event: ${String(payload.type)}\ndata: ${JSON.stringify(payload)}\n\n`;

/** The message as the service streams it: named events, one block after another, usage at both ends. */
function streamFrames(message: Record<string, any>, mode: WireFakeMode): string[] {
  const { content, stop_reason: stopReason, usage, ...rest } = message;
  const frames = [frame({ type: "message_start", message: { ...rest, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } })];
  for (const [index, block] of (content as Array<Record<string, any>>).entries()) {
    if (block.type === "text") {
      frames.push(frame({ type: "content_block_start", index, content_block: { type: "text", text: "" } }));
      if (index === 0) frames.push(frame({ type: "ping" }));
      for (const text of pieces(block.text)) frames.push(frame({ type: "content_block_delta", index, delta: { type: "text_delta", text } }));
    } else {
      frames.push(frame({ type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } }));
      frames.push(frame({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: "" } }));
      for (const partial of fragments(JSON.stringify(block.input))) frames.push(frame({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: partial } }));
    }
    frames.push(frame({ type: "content_block_stop", index }));
  }
  frames.push(frame({ type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }));
  frames.push(frame({ type: "message_stop" }));
  if (mode.kind === "pings") return frames.flatMap((entry, index) => (index === 0 ? [entry] : [...Array.from({ length: mode.count }, () => frame({ type: "ping" })), entry]));
  if (mode.kind === "in-band-error") {
    const [type, text] = ERROR_TYPES[mode.errorType === undefined ? 529 : Number(Object.entries(ERROR_TYPES).find(([, [name]]) => name === mode.errorType)?.[0] ?? 529)] ?? ["overloaded_error", "Overloaded"];
    return [...frames.slice(0, mode.afterEvents), frame({ type: "error", error: { type, message: text } })];
  }
  if (mode.kind === "malformed") return [...frames.slice(0, 2), "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_de\n\n"];
  return frames;
}

async function stream(response: ServerResponse, message: Record<string, unknown>, mode: WireFakeMode, record: ReceivedRequest, signal: AbortSignal, headers: Record<string, string>): Promise<void> {
  response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "request-id": `req_${randomToken(24)}`, ...headers });
  await writeFrames(response, streamFrames(message, mode), mode, record, signal);
}
