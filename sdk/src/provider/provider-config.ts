/** Provider configuration: what a provider accepts (camelCase or snake_case), normalised once. */
import { ConfigError } from "../wire/error-base.js";
import { rememberSecrets } from "../wire/redact.js";
import type { ChatCompletionCreateParams } from "../wire/types.js";
import type { ModelFeatures, ModelInfo, ModelPricing } from "./provider.js";

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

/** True for a plain object (not null, not an array). */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
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

// Header names whose values are credentials (`X-Corp-Token`, `api-key`, `Authorization`, `Ocp-Apim-Subscription-Key`).
const SECRET_HEADER = /auth|key|token|secret|cookie|password|credential|session|signature/i;
// An auth scheme before the credential (`Bearer abc`): the credential alone is what a service may echo.
const AUTH_SCHEME = /^(?:bearer|basic|token|apikey|key)\s+/i;

/**
 * Every credential a provider's configuration holds, trimmed: the API key and the values of credential headers
 * (`headers: { "X-Corp-Token": "..." }`), with and without their auth scheme. Errors and logs scrub these.
 * @example
 * configSecrets(createBaseProviderConfig({ api_key: "k1-abcdef", headers: { "X-Corp-Token": "Bearer t0k3n-xyz" } }));
 * // ["k1-abcdef", "Bearer t0k3n-xyz", "t0k3n-xyz"]
 */
export function configSecrets(config: BaseProviderConfig): string[] {
  const values = new Set<string>();
  if (config.apiKey) values.add(config.apiKey.trim());
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (typeof value !== "string" || !SECRET_HEADER.test(name)) continue;
    const trimmed = value.trim();
    if (trimmed) values.add(trimmed);
    const credential = trimmed.replace(AUTH_SCHEME, "");
    if (credential && credential !== trimmed) values.add(credential);
  }
  return [...values];
}

/**
 * Normalises provider configuration: snake_case keys become camelCase, defaults are applied, models are normalised.
 * Keys it does not know are kept (subclasses read them). The API key and header values are trimmed: a key read
 * from a file or an environment variable often ends in a newline, which would otherwise be sent (or rejected by
 * `fetch`) and would make the same key look like a different one.
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
  const headers: Record<string, string> = {};
  if (isRecord(camel.headers)) {
    for (const [name, value] of Object.entries(camel.headers)) {
      if (value === undefined || value === null) continue;
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") throw new ConfigError(`headers.${name}`, "must be a string");
      headers[name] = String(value).trim();
    }
  }
  const config: BaseProviderConfig = {
    ...camel,
    baseUrl: typeof camel.baseUrl === "string" ? camel.baseUrl.trim() : "",
    apiKey: typeof camel.apiKey === "string" ? camel.apiKey.trim() : "",
    timeoutMs,
    headers,
    models: models.map((model) => normalizeModelInfo(model)),
  };
  // Every error and log line in this process scrubs them from now on, wherever it is built.
  rememberSecrets(configSecrets(config));
  return config;
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
  // Called for every request with a few small records: parallel arrays searched by index (a handful of names), not a
  // Map and entry arrays per call. A name keeps the position it was first given; removing it and setting it again
  // moves it to the end.
  const names: string[] = [];
  const lowerNames: string[] = [];
  const values: string[] = [];
  for (const record of records) {
    if (!record) continue;
    for (const name of Object.keys(record)) {
      const value = record[name] as string | undefined | null;
      const lower = name.toLowerCase();
      const index = lowerNames.indexOf(lower);
      if (value === undefined || value === null) {
        if (index >= 0) {
          names.splice(index, 1);
          lowerNames.splice(index, 1);
          values.splice(index, 1);
        }
      } else if (index >= 0) {
        names[index] = name;
        values[index] = String(value);
      } else {
        names.push(name);
        lowerNames.push(lower);
        values.push(String(value));
      }
    }
  }
  const merged: Record<string, string> = {};
  for (let index = 0; index < names.length; index += 1) merged[names[index]!] = values[index]!;
  return merged;
}
