/**
 * The proxy's settings, from three layers: the YAML's `proxy:` section (the FAQ's keys, snake_case or camelCase),
 * environment variables (for containers), and command-line flags. Later layers override earlier ones, key by key.
 */
import { ConfigError } from "modelmesh";
import type { CorsSettings } from "./cors.js";

/** Everything the server needs to start. */
export interface ProxySettings {
  host: string;
  port: number;
  /** Bearer tokens; any one of them is accepted. Required when `host` is not loopback. */
  tokens: string[];
  cors: CorsSettings;
  maxBodyBytes: number;
  /** Per token (or per client address without tokens); absent means unlimited. */
  rateLimit: { requestsPerMinute: number } | undefined;
  relay: { enabled: boolean; allowHosts: string[]; allowPrivate: string[]; timeoutMs?: number; idleTimeoutMs?: number };
}

/** A layer: any subset of the settings. */
export type ProxySettingsLayer = Partial<Omit<ProxySettings, "relay" | "cors">> & {
  cors?: Partial<CorsSettings>;
  relay?: Partial<ProxySettings["relay"]>;
};

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8787;
/** 25 MiB: OpenAI's own upload limit for audio transcription, and far above any chat request. */
export const DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024;

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/** Reads a mapping's keys in camelCase, rejecting unknown ones with their dotted path as written. */
function section(value: unknown, path: string, allowed: readonly string[]): Map<string, [unknown, string]> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(path, "must be a mapping");
  const entries = new Map<string, [unknown, string]>();
  for (const [key, item] of Object.entries(value)) {
    const name = camel(key);
    if (!allowed.includes(name)) throw new ConfigError(`${path}.${key}`, `unknown key (expected one of: ${allowed.join(", ")})`);
    entries.set(name, [item, `${path}.${key}`]);
  }
  return entries;
}

function text(entry: [unknown, string] | undefined): string | undefined {
  if (!entry || entry[0] === undefined || entry[0] === null) return undefined;
  if (typeof entry[0] !== "string" || entry[0] === "") throw new ConfigError(entry[1], "must be a non-empty string");
  return entry[0];
}

function integer(entry: [unknown, string] | undefined, minimum: number, maximum = Number.MAX_SAFE_INTEGER): number | undefined {
  if (!entry || entry[0] === undefined || entry[0] === null) return undefined;
  const value = typeof entry[0] === "string" && /^\d+$/.test(entry[0]) ? Number(entry[0]) : entry[0];
  if (typeof value !== "number" || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw new ConfigError(entry[1], `must be a whole number from ${minimum} to ${maximum}`);
  }
  return value;
}

function strings(entry: [unknown, string] | undefined): string[] | undefined {
  if (!entry || entry[0] === undefined || entry[0] === null) return undefined;
  if (!Array.isArray(entry[0]) || entry[0].some((item) => typeof item !== "string" || item === "")) throw new ConfigError(entry[1], "must be a list of non-empty strings");
  return entry[0] as string[];
}

function flag(entry: [unknown, string] | undefined): boolean | undefined {
  if (!entry || entry[0] === undefined || entry[0] === null) return undefined;
  if (typeof entry[0] !== "boolean") throw new ConfigError(entry[1], "must be true or false");
  return entry[0];
}

/**
 * The YAML's `proxy:` section as a settings layer.
 * @example
 * readProxySection({ port: 8080, host: "0.0.0.0", token: "my-proxy-token", cors: { enabled: true, allowed_origins: ["*"] } });
 */
export function readProxySection(value: unknown): ProxySettingsLayer {
  if (value === undefined || value === null) return {};
  const root = section(value, "proxy", ["port", "host", "token", "tokens", "cors", "maxBodyBytes", "rateLimit", "relay"]);
  const layer: ProxySettingsLayer = {};
  const host = text(root.get("host"));
  if (host) layer.host = host;
  const port = integer(root.get("port"), 0, 65_535);
  if (port !== undefined) layer.port = port;
  const tokens = [...(text(root.get("token")) ? [text(root.get("token"))!] : []), ...(strings(root.get("tokens")) ?? [])];
  if (tokens.length) layer.tokens = tokens;
  const maxBodyBytes = integer(root.get("maxBodyBytes"), 1);
  if (maxBodyBytes !== undefined) layer.maxBodyBytes = maxBodyBytes;
  const cors = root.get("cors");
  if (cors && cors[0] != null) {
    const entries = section(cors[0], cors[1], ["enabled", "allowedOrigins", "allowAnyOriginWithoutToken"]);
    const origins = strings(entries.get("allowedOrigins"));
    const anyWithoutToken = flag(entries.get("allowAnyOriginWithoutToken"));
    // Listing origins is a request to allow them; `enabled: false` still switches CORS off.
    layer.cors = {
      enabled: flag(entries.get("enabled")) ?? origins !== undefined,
      ...(origins ? { allowedOrigins: origins } : {}),
      ...(anyWithoutToken !== undefined ? { allowAnyOriginWithoutToken: anyWithoutToken } : {}),
    };
  }
  const rateLimit = root.get("rateLimit");
  if (rateLimit && rateLimit[0] != null) {
    const entries = section(rateLimit[0], rateLimit[1], ["requestsPerMinute"]);
    const perMinute = integer(entries.get("requestsPerMinute"), 1);
    if (perMinute !== undefined) layer.rateLimit = { requestsPerMinute: perMinute };
  }
  const relay = root.get("relay");
  if (relay && relay[0] != null) {
    const entries = section(relay[0], relay[1], ["enabled", "allowHosts", "allowPrivate", "timeoutMs", "idleTimeoutMs"]);
    layer.relay = {};
    const enabled = flag(entries.get("enabled"));
    if (enabled !== undefined) layer.relay.enabled = enabled;
    const allowHosts = strings(entries.get("allowHosts"));
    if (allowHosts) layer.relay.allowHosts = allowHosts;
    const allowPrivate = strings(entries.get("allowPrivate"));
    if (allowPrivate) layer.relay.allowPrivate = allowPrivate;
    const timeoutMs = integer(entries.get("timeoutMs"), 1);
    if (timeoutMs !== undefined) layer.relay.timeoutMs = timeoutMs;
    const idleTimeoutMs = integer(entries.get("idleTimeoutMs"), 1);
    if (idleTimeoutMs !== undefined) layer.relay.idleTimeoutMs = idleTimeoutMs;
  }
  return layer;
}

/**
 * `MODELMESH_PROXY_HOST`, `MODELMESH_PROXY_PORT` and `MODELMESH_PROXY_TOKEN` (comma-separated for several).
 * Prefixed names, because a bare `HOST` or `PORT` is often set by a shell or a platform for something else.
 * @example
 * readEnvironment({ MODELMESH_PROXY_TOKEN: "first,second" }); // { tokens: ["first", "second"] }
 */
export function readEnvironment(env: Record<string, string | undefined>): ProxySettingsLayer {
  const layer: ProxySettingsLayer = {};
  if (env.MODELMESH_PROXY_HOST) layer.host = env.MODELMESH_PROXY_HOST;
  const port = integer(env.MODELMESH_PROXY_PORT ? [env.MODELMESH_PROXY_PORT, "MODELMESH_PROXY_PORT"] : undefined, 0, 65_535);
  if (port !== undefined) layer.port = port;
  const tokens = (env.MODELMESH_PROXY_TOKEN ?? "").split(",").map((token) => token.trim()).filter(Boolean);
  if (tokens.length) layer.tokens = tokens;
  return layer;
}

/**
 * Merges layers, later ones winning key by key, over the defaults.
 * @example
 * mergeSettings(readProxySection(yaml.proxy), readEnvironment(process.env), flags);
 */
export function mergeSettings(...layers: ProxySettingsLayer[]): ProxySettings {
  const settings: ProxySettings = {
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    tokens: [],
    cors: { enabled: false, allowedOrigins: [] },
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    rateLimit: undefined,
    relay: { enabled: true, allowHosts: [], allowPrivate: [] },
  };
  for (const layer of layers) {
    if (layer.host !== undefined) settings.host = layer.host;
    if (layer.port !== undefined) settings.port = layer.port;
    if (layer.tokens !== undefined) settings.tokens = layer.tokens;
    if (layer.maxBodyBytes !== undefined) settings.maxBodyBytes = layer.maxBodyBytes;
    if (layer.rateLimit !== undefined) settings.rateLimit = layer.rateLimit;
    if (layer.cors) settings.cors = { ...settings.cors, ...layer.cors };
    if (layer.relay) settings.relay = { ...settings.relay, ...layer.relay };
  }
  return settings;
}
