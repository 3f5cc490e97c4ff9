import type { IncomingMessage, ServerResponse } from "node:http";
import {
  clientGone,
  estimateTokens,
  flattenHeaders,
  isRecord,
  ModeQueue,
  parseJson,
  randomToken,
  readBody,
  sleep,
  startWireFake,
  writeFrames,
  type FakeControls,
  type ReceivedRequest,
  type WireFakeMode,
} from "./fake-kit.js";

// A fake Gemini API (generativelanguage.googleapis.com/v1beta). Shapes follow recorded real traffic: bodies and
// streams from googleapis/js-genai's test/system/recordings and vercel/ai's google __fixtures__ (`data:` events
// separated by CRLF CRLF, no terminator, cumulative usageMetadata, finishReason on the last event, function calls
// whole in one event). Error bodies: the recorded 429 RESOURCE_EXHAUSTED with RetryInfo and 404 NOT_FOUND; the
// invalid-key 400 and 503 as documented at ai.google.dev/gemini-api/docs/troubleshooting.

export interface FakeGeminiOptions {
  models?: string[];
  /** Accepted keys; undefined = any non-empty key. */
  apiKeys?: string[];
  /** Arguments of the function call the fake makes when tools are offered (default `{ "location": "Paris" }`). */
  toolArgs?: Record<string, unknown>;
}

export type FakeGemini = FakeControls;

const DEFAULT_MODELS = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001"];
const TOP_LEVEL = new Set(["contents", "systemInstruction", "generationConfig", "tools", "toolConfig", "safetySettings", "cachedContent", "labels"]);
const SCHEMA_KEYS = new Set(["type", "format", "description", "nullable", "enum", "maxItems", "minItems", "properties", "required", "items", "minimum", "maximum", "anyOf", "propertyOrdering", "title", "minLength", "maxLength", "pattern", "default", "example", "minProperties", "maxProperties"]);

function googleError(code: number, status: string, message: string, details?: unknown[]): Record<string, unknown> {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

/** Error bodies by status, as the service sends them. */
function errorFor(status: number, model: string): Record<string, unknown> {
  switch (status) {
    case 400:
      return googleError(400, "INVALID_ARGUMENT", "Request contains an invalid argument.");
    case 401:
      return googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    case 403:
      return googleError(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
    case 404:
      return googleError(404, "NOT_FOUND", `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`);
    case 429:
      return googleError(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan.", [
        { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier" }] },
        { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "34.4s" },
      ]);
    case 503:
      return googleError(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
    default:
      return googleError(status, status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting");
  }
}

function invalidKey(): Record<string, unknown> {
  return googleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
    { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com", metadata: { service: "generativelanguage.googleapis.com" } },
    { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message: "API key not valid. Please pass a valid API key." },
  ]);
}

/**
 * Starts a fake Gemini API on 127.0.0.1.
 * @example
 * const fake = await startFakeGemini();
 * const provider = new GeminiProvider({ baseUrl: fake.url, apiKey: "AIza-test" });
 */
export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  return startWireFake("/v1beta", (request, response, modes, requests) => handle(request, response, options, modes, requests));
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  response.writeHead(status, { "content-type": "application/json; charset=UTF-8", vary: "Origin, X-Origin, Referer", ...headers });
  response.end(JSON.stringify(body, null, 2));
}

async function handle(request: IncomingMessage, response: ServerResponse, options: FakeGeminiOptions, modes: ModeQueue, requests: ReceivedRequest[]): Promise<void> {
  const text = await readBody(request);
  const url = request.url ?? "/";
  const parsedUrl = new URL(url, "http://fake");
  const path = parsedUrl.pathname;
  const body = parseJson(text);
  const record: ReceivedRequest = { method: request.method ?? "GET", url, path, headers: flattenHeaders(request.headers), body: body ?? text, eventsSent: 0, eventsPlanned: 0 };
  requests.push(record);
  const signal = clientGone(response);
  if (request.method === "GET" && path === "/v1beta/models") {
    if (!(record.headers["x-goog-api-key"] ?? parsedUrl.searchParams.get("key"))) return sendJson(response, 403, errorFor(403, ""));
    const models = (options.models ?? DEFAULT_MODELS).map((id) =>
      id.includes("embedding")
        ? { name: `models/${id}`, version: "001", displayName: id, inputTokenLimit: 2048, outputTokenLimit: 1, supportedGenerationMethods: ["embedContent", "countTextTokens", "countTokens"] }
        : { name: `models/${id}`, version: "001", displayName: id, inputTokenLimit: 1_048_576, outputTokenLimit: 65_536, supportedGenerationMethods: ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"] },
    );
    return sendJson(response, 200, { models: [...models, { name: "models/aqa", displayName: "Model that performs Attributed Question Answering.", supportedGenerationMethods: ["generateAnswer"] }] });
  }
  const route = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(path);
  if (request.method !== "POST" || !route) return sendJson(response, 404, googleError(404, "NOT_FOUND", `Requested entity was not found.`));
  const model = decodeURIComponent(route[1] ?? "");
  const method = route[2] ?? "";
  // The service also takes ?key=, which is how keys end up in logs; the fake accepts it so tests can prove it is not used.
  const key = record.headers["x-goog-api-key"] ?? parsedUrl.searchParams.get("key") ?? "";
  if (key === "") return sendJson(response, 403, errorFor(403, model));
  if (options.apiKeys && !options.apiKeys.includes(key)) return sendJson(response, 400, invalidKey());
  const mode = modes.take();
  if (mode.kind === "error") return sendJson(response, mode.status, mode.body ?? errorFor(mode.status, model), mode.headers);
  if (mode.kind === "hang") return void (await sleep(600_000, signal));
  if (mode.kind === "slow" && !(await sleep(mode.delayMs, signal))) return;
  if (!(options.models ?? DEFAULT_MODELS).includes(model)) return sendJson(response, 404, errorFor(404, model));
  if (method === "batchEmbedContents") return embed(response, body, model);
  const invalid = validate(body);
  if (invalid) return sendJson(response, 400, googleError(400, "INVALID_ARGUMENT", invalid));
  const answer = plan(body as Record<string, any>, model, options);
  if (method === "streamGenerateContent") {
    if (parsedUrl.searchParams.get("alt") !== "sse") return sendJson(response, 400, googleError(400, "INVALID_ARGUMENT", "The fake streams only with alt=sse."));
    response.writeHead(200, { "content-type": "text/event-stream", "x-content-type-options": "nosniff" });
    return writeFrames(response, streamFrames(answer, mode), mode, record, signal);
  }
  if (mode.kind === "malformed") {
    response.writeHead(200, { "content-type": "application/json; charset=UTF-8" });
    return void response.end(JSON.stringify(answer).slice(0, 30));
  }
  sendJson(response, 200, answer);
}

function unknownKeys(schema: unknown, where: string): string | undefined {
  if (!isRecord(schema)) return undefined;
  for (const [key, value] of Object.entries(schema)) {
    if (!SCHEMA_KEYS.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at '${where}': Cannot find field.`;
    if (key === "properties" && isRecord(value)) {
      for (const [name, property] of Object.entries(value)) {
        const problem = unknownKeys(property, `${where}.properties[${name}].value`);
        if (problem) return problem;
      }
    }
    if (key === "items") {
      const problem = unknownKeys(value, `${where}.items`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function validate(body: unknown): string | undefined {
  if (!isRecord(body)) return "Invalid JSON payload received.";
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`;
  if (!Array.isArray(body.contents) || body.contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified\n";
  for (const [index, content] of body.contents.entries()) {
    if (!isRecord(content) || (content.role !== "user" && content.role !== "model")) return `Please use a valid role: user, model.`;
    if (!Array.isArray(content.parts) || content.parts.length === 0) return `* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.\n`;
  }
  for (const [index, tool] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
    for (const [position, declaration] of (isRecord(tool) && Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : []).entries()) {
      const problem = unknownKeys(declaration.parameters, `tools[${index}].function_declarations[${position}].parameters`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function partsText(parts: unknown): string {
  return (Array.isArray(parts) ? parts : []).map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
}

/** The answer: a function call when tools are offered and no function response came back yet, else text. */
function plan(body: Record<string, any>, model: string, options: FakeGeminiOptions): Record<string, unknown> {
  const last = body.contents.at(-1) as Record<string, any>;
  const response = (last.parts as unknown[]).find((part) => isRecord(part) && isRecord(part.functionResponse)) as Record<string, any> | undefined;
  const mode = body.toolConfig?.functionCallingConfig?.mode;
  const promptTokenCount = estimateTokens(JSON.stringify(body.contents) + JSON.stringify(body.systemInstruction ?? ""));
  const base = { modelVersion: model, responseId: randomToken(22) };
  if (Array.isArray(body.tools) && !response && mode !== "NONE") {
    const declaration = body.tools[0].functionDeclarations[0];
    const parts = [{ functionCall: { name: declaration.name, args: options.toolArgs ?? { location: "Paris" } }, thoughtSignature: `sig-${randomToken(16)}` }];
    return { ...base, candidates: [{ content: { parts, role: "model" }, finishReason: "STOP", index: 0 }], usageMetadata: usage(promptTokenCount, 15) };
  }
  const reply = response ? `The tool said: ${JSON.stringify(response.functionResponse.response)}` : `Hello from ${model}: ${partsText(last.parts)}`;
  const limit = body.generationConfig?.maxOutputTokens;
  const limited = typeof limit === "number" && limit < estimateTokens(reply);
  const textOut = limited ? reply.slice(0, limit * 4) : reply;
  return { ...base, candidates: [{ content: { parts: [{ text: textOut }], role: "model" }, finishReason: limited ? "MAX_TOKENS" : "STOP", index: 0 }], usageMetadata: usage(promptTokenCount, estimateTokens(textOut)) };
}

function usage(prompt: number, candidates: number): Record<string, unknown> {
  return { promptTokenCount: prompt, candidatesTokenCount: candidates, totalTokenCount: prompt + candidates, promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }] };
}

const frame = (payload: unknown): string => `data: ${JSON.stringify(payload)}\r\n\r\n`;

/** The answer in events of two words each, usage cumulative, finishReason only on the last. */
function streamFrames(answer: Record<string, any>, mode: WireFakeMode): string[] {
  const candidate = answer.candidates[0];
  const usageMetadata = answer.usageMetadata;
  const frames: string[] = [];
  const text = partsText(candidate.content.parts);
  if (text === "") {
    frames.push(frame({ ...answer, candidates: [{ content: candidate.content, index: 0 }] }));
    frames.push(frame({ ...answer, candidates: [{ content: { parts: [{ text: "" }], role: "model" }, finishReason: candidate.finishReason, index: 0 }] }));
  } else {
    const words = text.match(/\s*\S+/g) ?? [text];
    const groups: string[] = [];
    for (let index = 0; index < words.length; index += 2) groups.push(words.slice(index, index + 2).join(""));
    let sent = 0;
    groups.forEach((group, index) => {
      sent += group.length;
      const done = index === groups.length - 1;
      frames.push(
        frame({
          ...answer,
          candidates: [{ content: { parts: [{ text: group }], role: "model" }, ...(done ? { finishReason: candidate.finishReason } : {}), index: 0 }],
          usageMetadata: { ...usageMetadata, candidatesTokenCount: estimateTokens(text.slice(0, sent)), totalTokenCount: usageMetadata.promptTokenCount + estimateTokens(text.slice(0, sent)) },
        }),
      );
    });
  }
  if (mode.kind === "in-band-error") return [...frames.slice(0, mode.afterEvents), frame(googleError(500, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"))];
  if (mode.kind === "malformed") return [...frames.slice(0, 1), 'data: {"candidates":[{"content":{"parts":[{"te\r\n\r\n'];
  return frames;
}

function embed(response: ServerResponse, body: unknown, model: string): void {
  if (!isRecord(body) || !Array.isArray(body.requests) || body.requests.length === 0) return sendJson(response, 400, googleError(400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: requests is not specified\n"));
  const embeddings = body.requests.map((entry: unknown, index: number) => {
    if (!isRecord(entry) || entry.model !== `models/${model}`) throw new Error(`requests[${index}].model must be models/${model}`);
    const text = partsText(isRecord(entry.content) ? entry.content.parts : []);
    const size = typeof entry.outputDimensionality === "number" ? entry.outputDimensionality : 8;
    return { values: Array.from({ length: size }, (_, position) => Number(Math.sin(text.length + position).toFixed(6))) };
  });
  sendJson(response, 200, { embeddings });
}
