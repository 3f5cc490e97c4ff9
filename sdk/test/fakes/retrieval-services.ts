import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { clientGone, estimateTokens, flattenHeaders, isRecord, ModeQueue, parseJson, readBody, sleep, startWireFake, type FakeControls, type ReceivedRequest } from "./fake-kit.js";

// Fakes of the search and scraping services, from each one's public API reference:
// - tavily: POST /search, `Authorization: Bearer tvly-...`; `{query, answer?, results[]{title, url, content, score,
//   raw_content}, response_time, request_id}`; errors `{detail: {error}}` (401 missing/invalid key, 429, 432 plan limit).
// - serper: POST /search, `X-API-KEY`; `{searchParameters, answerBox?, organic[]{title, link, snippet, position,
//   date?}, credits}`; a wrong key is 403 `{message: "Unauthorized.", statusCode: 403}`.
// - firecrawl: POST /v1/scrape, Bearer; `{success: true, data: {markdown, metadata: {title, sourceURL, url,
//   statusCode}}}`; failures `{success: false, error}` (401, 402 when credits are spent, 429).
// - jina: POST /v1/embeddings (OpenAI's shape), POST /v1/rerank (`results[]{index, relevance_score, document}` and
//   `usage.total_tokens`), the reader at /reader/ and the search at /search/ answering JSON for `Accept:
//   application/json` with `{code, status, data, meta: {usage: {tokens}}}`; a wrong key is 401 with the same envelope.
// Where the references give no byte-exact body the comment above says what the shape follows.

export type RetrievalProfile = "tavily" | "serper" | "firecrawl" | "jina";

/**
 * Starts one fake on 127.0.0.1; `url` is what the provider's `baseUrl` takes.
 * @example
 * const fake = await startFakeRetrieval("tavily");
 * new TavilyProvider({ baseUrl: fake.url, apiKey: key });
 */
export async function startFakeRetrieval(profile: RetrievalProfile, options: { apiKeys?: string[] } = {}): Promise<FakeControls> {
  return startWireFake(profile === "firecrawl" || profile === "jina" ? "/v1" : "", (request, response, modes, requests) => handle(request, response, profile, options, modes, requests));
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

function errorBody(profile: RetrievalProfile, status: number): unknown {
  const message = status === 401 || status === 403 ? "Unauthorized: missing or invalid API key." : status === 429 ? "Rate limit exceeded. Please slow down." : status === 402 || status === 432 ? "Insufficient credits." : status >= 500 ? "Internal server error" : "Bad request";
  if (profile === "tavily") return { detail: { error: message } };
  if (profile === "serper") return { message: status === 403 ? "Unauthorized." : message, statusCode: status };
  if (profile === "firecrawl") return { success: false, error: message };
  return { data: null, code: status, name: status === 401 ? "AuthenticationRequiredError" : "ServiceError", status: status * 100 + 3, message, readableMessage: message };
}

function keyOf(profile: RetrievalProfile, headers: Record<string, string>): string {
  if (profile === "serper") return headers["x-api-key"] ?? "";
  return /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1] ?? "";
}

async function handle(request: IncomingMessage, response: ServerResponse, profile: RetrievalProfile, options: { apiKeys?: string[] }, modes: ModeQueue, requests: ReceivedRequest[]): Promise<void> {
  const text = await readBody(request);
  const url = request.url ?? "/";
  const path = url.split("?")[0] ?? "/";
  const body = parseJson(text);
  const record: ReceivedRequest = { method: request.method ?? "GET", url, path, headers: flattenHeaders(request.headers), body: body ?? text, eventsSent: 0, eventsPlanned: 0 };
  requests.push(record);
  const signal = clientGone(response);
  const key = keyOf(profile, record.headers);
  if (key === "" || (options.apiKeys && !options.apiKeys.includes(key))) return send(response, profile === "serper" ? 403 : 401, errorBody(profile, profile === "serper" ? 403 : 401));
  const mode = modes.take();
  if (mode.kind === "error") return send(response, mode.status, mode.body ?? errorBody(profile, mode.status), mode.headers);
  if (mode.kind === "hang") return void (await sleep(600_000, signal));
  if (mode.kind === "slow" && !(await sleep(mode.delayMs, signal))) return;
  if (mode.kind === "malformed") {
    response.writeHead(200, { "content-type": "application/json" });
    return void response.end('{"results": [');
  }
  if (!isRecord(body)) return send(response, 400, errorBody(profile, 400));
  if (profile === "tavily" && path === "/search") return tavily(response, body);
  if (profile === "serper" && path === "/search") return serper(response, body);
  if (profile === "firecrawl" && path === "/v1/scrape") return firecrawl(response, body);
  if (profile === "jina") {
    const json = record.headers.accept === "application/json";
    if (path === "/v1/embeddings") return jinaEmbeddings(response, body);
    if (path === "/v1/rerank") return jinaRerank(response, body);
    if (path === "/reader/" && json) return jinaReader(response, body);
    if (path === "/search/" && json) return jinaSearch(response, body);
  }
  send(response, 404, errorBody(profile, 404));
}

const PAGES = [
  { title: "ModelMesh: route AI requests", url: "https://example.org/modelmesh", content: "ModelMesh routes OpenAI-shaped requests across providers." },
  { title: "Capability pools", url: "https://example.org/pools", content: "A pool groups every model that can serve a capability." },
  { title: "Failover", url: "https://example.org/failover", content: "When a provider fails, the next model answers." },
];

function tavily(response: ServerResponse, body: Record<string, any>): void {
  const count = typeof body.max_results === "number" ? body.max_results : 5;
  const results = PAGES.slice(0, count).map((page, index) => ({ ...page, score: Number((0.9 - index * 0.1).toFixed(2)), raw_content: null }));
  send(response, 200, { query: body.query, follow_up_questions: null, ...(body.include_answer ? { answer: `About ${String(body.query)}: ${PAGES[0]!.content}` } : { answer: null }), images: [], results, response_time: 0.42, request_id: randomUUID() });
}

function serper(response: ServerResponse, body: Record<string, any>): void {
  const count = typeof body.num === "number" ? body.num : 10;
  send(response, 200, {
    searchParameters: { q: body.q, type: "search", engine: "google" },
    answerBox: { title: PAGES[0]!.title, answer: "It routes AI requests." },
    organic: PAGES.slice(0, count).map((page, index) => ({ title: page.title, link: page.url, snippet: page.content, position: index + 1, ...(index === 0 ? { date: "Nov 30, 2026" } : {}) })),
    credits: 1,
  });
}

function firecrawl(response: ServerResponse, body: Record<string, any>): void {
  const url = String(body.url);
  send(response, 200, { success: true, data: { markdown: `# Page at ${url}\n\nThis is the main content.`, metadata: { title: `Title of ${url}`, language: "en", sourceURL: url, url, statusCode: 200 } } });
}

function jinaEmbeddings(response: ServerResponse, body: Record<string, any>): void {
  const inputs: string[] = typeof body.input === "string" ? [body.input] : Array.isArray(body.input) ? body.input : [];
  const tokens = inputs.reduce((total, text) => total + estimateTokens(text), 0);
  send(response, 200, { model: body.model, object: "list", usage: { total_tokens: tokens, prompt_tokens: tokens }, data: inputs.map((text, index) => ({ object: "embedding", index, embedding: [text.length / 100, 0.5, -0.25] })) });
}

function jinaRerank(response: ServerResponse, body: Record<string, any>): void {
  const documents: string[] = Array.isArray(body.documents) ? body.documents : [];
  const words = new Set(String(body.query).toLowerCase().split(/\W+/).filter(Boolean));
  const results = documents
    .map((text, index) => ({ index, document: { text }, relevance_score: text.toLowerCase().split(/\W+/).filter((word) => words.has(word)).length / (words.size || 1) }))
    .sort((left, right) => right.relevance_score - left.relevance_score)
    .slice(0, typeof body.top_n === "number" ? body.top_n : documents.length);
  send(response, 200, { model: body.model, usage: { total_tokens: estimateTokens(String(body.query) + documents.join(" ")) }, results });
}

function jinaReader(response: ServerResponse, body: Record<string, any>): void {
  const url = String(body.url);
  const content = `Title: Example\n\nMarkdown content of ${url}.`;
  const usage = { tokens: estimateTokens(content) };
  send(response, 200, { code: 200, status: 20000, data: { title: "Example", description: "", url, content, usage }, meta: { usage } });
}

function jinaSearch(response: ServerResponse, body: Record<string, any>): void {
  const count = typeof body.num === "number" ? body.num : 5;
  const data = PAGES.slice(0, count).map((page) => ({ title: page.title, url: page.url, description: page.content, content: `${page.content} (full text)`, usage: { tokens: estimateTokens(page.content) } }));
  send(response, 200, { code: 200, status: 20000, data, meta: { usage: { tokens: data.reduce((total, item) => total + item.usage.tokens, 0) } } });
}
