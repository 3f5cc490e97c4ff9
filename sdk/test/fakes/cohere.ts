import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { RequestQuota } from "./quota.js";
import { clientGone, estimateTokens, flattenHeaders, fragments, isRecord, ModeQueue, parseJson, pieces, readBody, sleep, startWireFake, writeFrames, type FakeControls, type ReceivedRequest } from "./fake-kit.js";

// A fake api.cohere.com v2, from the recorded traffic in ../shared/wire/fixtures/cohere (vercel/ai fixtures) and
// Cohere's OpenAPI spec (cohere-ai/cohere-developer-experience):
// - POST /v2/chat and /v2/embed, `Authorization: Bearer <key>`; errors are `{id, message}` with the status;
//   a top-level key the spec does not define is a 400 ("invalid request: unknown field ...").
// - answers: `message.content[{type:"text", text}]`, `message.tool_plan` + `tool_calls` for tools,
//   `finish_reason` COMPLETE | MAX_TOKENS | TOOL_CALL | ERROR, usage as `billed_units` and `tokens`.
// - streams: every event named (`event: <type>`), `message-start`, `content-start`, `content-delta`...,
//   `tool-plan-delta`, `tool-call-start` / `-delta` / `-end`, `message-end` with finish_reason and usage;
//   no `[DONE]`: the body ends. A failure after the 200 is `message-end` with finish_reason ERROR.

const CHAT_KEYS = new Set(["stream", "model", "messages", "tools", "strict_tools", "documents", "citation_options", "response_format", "safety_mode", "max_tokens", "stop_sequences", "temperature", "seed", "frequency_penalty", "presence_penalty", "k", "p", "logprobs", "tool_choice", "thinking", "priority"]);
const RERANK_KEYS = new Set(["model", "query", "documents", "top_n", "max_tokens_per_doc", "priority"]);
const EMBED_KEYS = new Set(["texts", "images", "model", "input_type", "inputs", "max_tokens", "output_dimension", "embedding_types", "truncate", "priority"]);
const MODELS = /^(command-|embed-|rerank-)/;
// Cohere's own preamble counts in `tokens` but is not billed.
const PREAMBLE_TOKENS = 495;

/**
 * Starts the fake on 127.0.0.1; `url` ends with /v2.
 * @example
 * const fake = await startFakeCohere();
 * const cohere = new CohereProvider({ baseUrl: fake.url, apiKey: key });
 */
export async function startFakeCohere(options: { apiKeys?: string[]; rateLimit?: { requests?: number; windowMs?: number } } = {}): Promise<FakeControls> {
  // A trial key: 20 chat calls a minute and 1,000 calls a month (docs.cohere.com rate limits).
  const quota = new RequestQuota(options.rateLimit?.requests ?? 20, options.rateLimit?.windowMs ?? 60_000);
  return startWireFake("/v2", (request, response, modes, requests) => handle(request, response, options, modes, requests, quota), () => quota.reset());
}

/** The headers a trial key's answers carry (as users see them: cohere-ai/cohere-typescript#222). */
function trialHeaders(quota: RequestQuota): Record<string, string> {
  quota.take();
  return { "x-endpoint-monthly-call-limit": "1000", "x-trial-endpoint-call-limit": String(quota.limit), "x-trial-endpoint-call-remaining": String(quota.remaining()) };
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  response.writeHead(status, { "content-type": "application/json", "x-api-warning": "", ...headers });
  response.end(JSON.stringify(body));
}

function errorBody(status: number, model: string): { body: unknown; headers?: Record<string, string> } {
  const id = randomUUID();
  if (status === 401) return { body: { id, message: "invalid api token" } };
  if (status === 429) return { body: { id, message: "You are using a Trial key, which is limited to 20 API calls / minute. You can continue to use the Trial key for free or upgrade to a Production key with higher rate limits at 'https://dashboard.cohere.com/api-keys'. Contact us on 'https://discord.gg/XW44jPfYJu' or email us at support@cohere.com with any questions" } };
  if (status === 404) return { body: { id, message: `model '${model}' not found, make sure the correct model ID was used and that you have access to the model.` } };
  if (status >= 500) return { body: { id, message: "internal server error, this has been reported to our developers. id " + id } };
  return { body: { id, message: "invalid request: message must be at least 1 token long or tool results must be specified." } };
}

async function handle(request: IncomingMessage, response: ServerResponse, options: { apiKeys?: string[] }, modes: ModeQueue, requests: ReceivedRequest[], quota: RequestQuota): Promise<void> {
  const text = await readBody(request);
  const url = request.url ?? "/";
  const path = url.split("?")[0] ?? "/";
  const body = parseJson(text);
  const record: ReceivedRequest = { method: request.method ?? "GET", url, path, headers: flattenHeaders(request.headers), body: body ?? text, eventsSent: 0, eventsPlanned: 0 };
  requests.push(record);
  const signal = clientGone(response);
  const key = /^Bearer\s+(.+)$/i.exec(record.headers.authorization ?? "")?.[1] ?? "";
  const model = isRecord(body) && typeof body.model === "string" ? body.model : "";
  if (key === "" || (options.apiKeys && !options.apiKeys.includes(key))) return send(response, 401, errorBody(401, model).body);
  if (path !== "/v2/chat" && path !== "/v2/embed" && path !== "/v2/rerank") return send(response, 404, { id: randomUUID(), message: `path ${path} not found` });
  const mode = modes.take();
  if (mode.kind === "error") {
    const error = errorBody(mode.status, model);
    return send(response, mode.status, mode.body ?? error.body, { ...error.headers, ...mode.headers });
  }
  if (mode.kind === "hang") return void (await sleep(600_000, signal));
  if (mode.kind === "slow" && !(await sleep(mode.delayMs, signal))) return;
  if (!isRecord(body)) return send(response, 400, { id: randomUUID(), message: "invalid request: could not parse the body as JSON" });
  const allowed = path === "/v2/chat" ? CHAT_KEYS : path === "/v2/rerank" ? RERANK_KEYS : EMBED_KEYS;
  const unknown = Object.keys(body).find((name) => !allowed.has(name));
  if (unknown) return send(response, 400, { id: randomUUID(), message: `invalid request: unknown field: parameter ${unknown} is not a valid field` });
  if (!MODELS.test(model)) return send(response, 404, errorBody(404, model).body);
  if (mode.kind === "malformed" && body.stream !== true) {
    response.writeHead(200, { "content-type": "application/json" });
    return void response.end('{"id":"x","message":{"role":"assi');
  }
  const quotaHeaders = trialHeaders(quota);
  if (path === "/v2/embed") return embed(response, body, quotaHeaders);
  if (path === "/v2/rerank") return rerank(response, body, quotaHeaders);
  const plan = planChat(body);
  if (body.stream === true) {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...quotaHeaders });
    const frames = streamFrames(plan);
    const cut = mode.kind === "in-band-error" ? [...frames.slice(0, mode.afterEvents), frame({ type: "message-end", delta: { finish_reason: "ERROR", error: "internal server error", usage: plan.usage } })] : frames;
    return writeFrames(response, cut, mode, record, signal);
  }
  const message: Record<string, unknown> = plan.call
    ? { role: "assistant", tool_plan: plan.toolPlan, tool_calls: [{ id: plan.call.id, type: "function", function: { name: plan.call.name, arguments: plan.call.arguments } }] }
    : { role: "assistant", content: [{ type: "text", text: plan.text }] };
  send(response, 200, { id: plan.id, message, finish_reason: plan.call ? "TOOL_CALL" : "COMPLETE", usage: plan.usage }, quotaHeaders);
}

interface ChatPlan {
  id: string;
  text: string;
  toolPlan: string;
  call?: { id: string; name: string; arguments: string };
  usage: Record<string, unknown>;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  return Array.isArray(content) ? content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("") : "";
}

function planChat(body: Record<string, any>): ChatPlan {
  const messages: Array<Record<string, unknown>> = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.at(-1) ?? {};
  const input = estimateTokens(JSON.stringify(messages));
  const id = randomUUID();
  if (Array.isArray(body.tools) && body.tools.length > 0 && last.role !== "tool" && body.tool_choice !== "NONE") {
    const name = String(body.tools[0]?.function?.name ?? "tool");
    const toolPlan = `I will use the ${name} tool.`;
    const call = { id: `${name}_${id.slice(0, 12)}`, name, arguments: '{"location":"Paris"}' };
    const output = estimateTokens(toolPlan + call.arguments);
    return { id, text: "", toolPlan, call, usage: usageOf(input, output) };
  }
  const text = last.role === "tool" ? `The tool said: ${contentText(last.content)}` : `Hello from ${String(body.model)}: ${contentText(last.content)}`;
  return { id, text, toolPlan: "", usage: usageOf(input, estimateTokens(text)) };
}

function usageOf(input: number, output: number): Record<string, unknown> {
  return { billed_units: { input_tokens: input, output_tokens: output }, tokens: { input_tokens: input + PREAMBLE_TOKENS, output_tokens: output + 3 } };
}

function frame(data: Record<string, unknown>): string {
  return `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;
}

function streamFrames(plan: ChatPlan): string[] {
  const frames = [frame({ id: plan.id, type: "message-start", delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] } } })];
  if (plan.call) {
    for (const part of pieces(plan.toolPlan)) frames.push(frame({ type: "tool-plan-delta", delta: { message: { tool_plan: part } } }));
    frames.push(frame({ type: "tool-call-start", index: 0, delta: { message: { tool_calls: { id: plan.call.id, type: "function", function: { name: plan.call.name, arguments: "" } } } } }));
    for (const part of fragments(plan.call.arguments, 5)) frames.push(frame({ type: "tool-call-delta", index: 0, delta: { message: { tool_calls: { function: { arguments: part } } } } }));
    frames.push(frame({ type: "tool-call-end", index: 0 }));
  } else {
    frames.push(frame({ type: "content-start", index: 0, delta: { message: { content: { type: "text", text: "" } } } }));
    for (const part of pieces(plan.text)) frames.push(frame({ type: "content-delta", index: 0, delta: { message: { content: { text: part } } } }));
    frames.push(frame({ type: "content-end", index: 0 }));
  }
  frames.push(frame({ type: "message-end", delta: { finish_reason: plan.call ? "TOOL_CALL" : "COMPLETE", usage: plan.usage } }));
  return frames;
}

function embed(response: ServerResponse, body: Record<string, any>, headers: Record<string, string> = {}): void {
  const texts: string[] = Array.isArray(body.texts) ? body.texts : [];
  if (typeof body.input_type !== "string") return send(response, 400, { id: randomUUID(), message: "invalid request: valid input_type must be provided with the provided model" });
  const vectors = texts.map((text) => Array.from({ length: 5 }, (_, position) => Number(Math.sin(text.length + position).toFixed(6))));
  send(response, 200, { id: randomUUID(), texts, embeddings: { float: vectors }, meta: { api_version: { version: "2" }, billed_units: { input_tokens: texts.reduce((total, text) => total + estimateTokens(text), 0) } }, response_type: "embeddings_by_type" }, headers);
}

/** Scores by shared words with the query (deterministic), best first, as the recorded answer orders them. */
function rerank(response: ServerResponse, body: Record<string, any>, headers: Record<string, string> = {}): void {
  const documents: string[] = Array.isArray(body.documents) ? body.documents : [];
  const words = new Set(String(body.query).toLowerCase().split(/\W+/).filter(Boolean));
  const scored = documents.map((document, index) => ({ index, relevance_score: Number((document.toLowerCase().split(/\W+/).filter((word) => words.has(word)).length / (words.size || 1)).toFixed(8)) }));
  scored.sort((left, right) => right.relevance_score - left.relevance_score);
  const results = typeof body.top_n === "number" ? scored.slice(0, body.top_n) : scored;
  send(response, 200, { id: randomUUID(), results, meta: { api_version: { version: "2" }, billed_units: { search_units: 1 } } }, headers);
}
