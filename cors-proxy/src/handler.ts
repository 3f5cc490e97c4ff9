/**
 * The proxy as one Web-standard function, `handle(request): Promise<Response>`: request id, host and origin checks,
 * CORS, auth, rate limit, then health/ready/metrics, the relay (`/proxy/...`) or the mesh (`/v1/...`).
 * Nothing here touches node:http; `node-adapter.ts` is the only file that does.
 */
import { createRedactor, type MeshClient } from "modelmesh";
import { bearerToken, requireTokenBeyondLoopback, TokenSet } from "./auth.js";
import { CorsPolicy, requireTokenForAnyOrigin, type CorsSettings } from "./cors.js";
import { errorReplyFor, errorResponse, quoteName, type ErrorReply } from "./errors.js";
import { createMeshRoutes, knownModelNames, MESH_ROUTE_NAMES, type RouteContext } from "./mesh-routes.js";
import { ProxyMetrics } from "./metrics.js";
import { RateLimiter, sharedRateLimitStoreOf } from "./rate-limit.js";
import { Relay, RELAY_TOKEN_HEADER, type RelayOptions } from "./relay.js";
import { DEFAULT_MAX_BODY_BYTES } from "./config.js";
import { BufferedRequest, jsonResponse, knownRequestBody, toResponse, type ProxyRequest, type Reply } from "./responses.js";

/** Options of `createProxy`. */
export interface ProxyOptions {
  /** The mesh behind `/v1/...`; without one only the relay, `/health` and `/ready` are served. */
  mesh?: MeshClient;
  /** Relay settings; `enabled: false` turns `/proxy/...` off. */
  relay?: RelayOptions;
  /** Accepted bearer tokens. Required when `listening.host` is beyond loopback. */
  tokens?: string[];
  cors?: CorsSettings;
  /** Largest request body accepted (default 25 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  rateLimit?: { requestsPerMinute: number };
  /** Where the server listens, so the proxy can refuse to run unprotected beyond this machine. */
  listening: { host: string };
  /** Mesh metrics appended to `/metrics` (a `PrometheusObservability` given to the mesh). */
  meshMetrics?: { render(): string };
  now?: () => number;
  /** Where start-up warnings go (default `console.warn`). */
  warn?: (line: string) => void;
}

/** Reads request headers by lower-case name: a `Headers`, or a server's own header map behind the same method. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** Per-request facts only the server knows. */
export interface RequestContext {
  remoteAddress?: string;
  /** Aborted when the client goes away; default `request.signal`. */
  signal?: AbortSignal;
}

/** A running proxy. */
export interface Proxy {
  handle(request: ProxyRequest, context?: RequestContext): Promise<Response>;
  /**
   * `handle` for server adapters: JSON answers the proxy wrote itself come back as a `JsonReply` (status, headers,
   * text) rather than a `Response`, so the adapter can write them without a Web `Response` in between.
   */
  respond(request: ProxyRequest, context?: RequestContext): Promise<Reply>;
  /**
   * False when a request with these headers would be refused for its token, so a server adapter must not read its
   * body first (it streams it instead, and `handle` refuses without reading it). True on a proxy without tokens.
   */
  admits(headers: HeaderSource, path: string): boolean;
  readonly metrics: ProxyMetrics;
  /** Marks the proxy closed: later requests get 503. The mesh is the caller's to close. */
  close(): Promise<void>;
}

// The signal of a request built by an adapter that passed none of its own: nothing ever aborts it.
const NEVER_ABORTED = new AbortController().signal;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// Ids must be unique, not secret: a random per-process prefix and a counter cost less than a UUID per request.
let idPrefix: string | undefined;
let idCounter = 0;

function newRequestId(): string {
  idPrefix ??= `mmp-${crypto.randomUUID().slice(0, 8)}`;
  idCounter = (idCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${idPrefix}-${idCounter.toString(36)}`;
}
const LOCAL_HOST_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);
// Provider keys in the environment, so messages quoting one are scrubbed even when it has no well-known shape.
const SECRET_ENV_NAME = /(_API_KEY|_KEY|_TOKEN|_SECRET)$/;

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1).toLowerCase();
  const colon = hostHeader.indexOf(":");
  return (colon < 0 ? hostHeader : hostHeader.slice(0, colon)).toLowerCase();
}

/** The authority of an absolute URL (`host:port`), for requests built without a Host header. */
function hostOfUrl(url: string): string {
  const start = url.indexOf("//") + 2;
  const end = url.indexOf("/", start);
  return url.slice(start, end < 0 ? undefined : end);
}

/** The path and query of a request URL, without parsing it again (`/proxy/https://...` must stay verbatim). */
function pathAndQuery(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  return start < 0 ? "/" : url.slice(start);
}

function deny(status: number, message: string, code: string | null, headers?: Record<string, string>): ErrorReply {
  return { status, message, type: "invalid_request_error", param: null, code, ...(headers ? { headers } : {}) };
}

/**
 * Builds the proxy. Throws ConfigError when it would listen beyond loopback without a token.
 * @example
 * const proxy = createProxy({ mesh: create({ config: "modelmesh.yaml" }), tokens: ["my-proxy-token"], listening: { host: "0.0.0.0" } });
 * const response = await proxy.handle(new Request("http://localhost:8787/health"));
 */
export function createProxy(options: ProxyOptions): Proxy {
  requireTokenBeyondLoopback(options.listening.host, options.tokens ?? []);
  requireTokenForAnyOrigin(options.cors, options.tokens ?? [], options.warn ?? console.warn);
  const tokens = new TokenSet(options.tokens ?? []);
  const now = options.now ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const cors = new CorsPolicy(options.cors);
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit.requestsPerMinute, now, () => sharedRateLimitStoreOf(options.mesh)) : undefined;
  const metrics = new ProxyMetrics();
  const mesh = options.mesh;
  const relay = options.relay?.enabled === false ? undefined : new Relay(options.relay ?? {}, maxBodyBytes, mesh ? providerHostsOf(mesh) : () => []);
  const routes = mesh ? createMeshRoutes(mesh, Math.floor(now() / 1000)) : undefined;
  const isKnownModel = mesh ? knownModelNames(mesh) : () => false;
  const localHosts = new Set([...LOCAL_HOST_NAMES, options.listening.host.toLowerCase()]);
  const redact = createRedactor(() => secretValues(mesh, options.tokens ?? []));
  const redactText = (text: string) => redact(text);
  let closed = false;

  async function route(request: ProxyRequest, path: string, context: RequestContext): Promise<{ route: string; response: Reply }> {
    if (closed) return { route: "closed", response: errorResponse({ status: 503, message: "the proxy is shutting down", type: "server_error", param: null, code: "shutting_down" }) };
    const query = path.indexOf("?");
    const pathname = query < 0 ? path : path.slice(0, query);
    if (pathname === "/health") return { route: "/health", response: health(mesh) };
    if (pathname === "/ready") return { route: "/ready", response: ready(mesh) };
    const isRelay = pathname.startsWith("/proxy/") || pathname === "/proxy";
    const isMesh = pathname.startsWith("/v1/");
    if (pathname !== "/metrics" && !isRelay && !isMesh) return { route: "not_found", response: errorResponse(deny(404, `Invalid URL (${quoteName(request.method)} ${redactText(quoteName(pathname, 200))})`, null)) };
    const routeName = isRelay ? "/proxy" : pathname === "/metrics" ? "/metrics" : pathname.startsWith("/v1/models") ? "/v1/models" : MESH_ROUTE_NAMES.has(pathname) ? pathname : "not_found";
    const presented = presentedToken(request.headers, isRelay);
    let caller = `address:${context.remoteAddress ?? "unknown"}`;
    if (tokens.size > 0) {
      const index = presented ? tokens.match(presented) : -1;
      if (index < 0) {
        const where = isRelay ? `the ${RELAY_TOKEN_HEADER} header` : "Authorization: Bearer <token>";
        const message = presented ? "the proxy token is not valid" : `this proxy requires a token in ${where}`;
        return { route: routeName, response: errorResponse(deny(401, message, "invalid_api_key", { "www-authenticate": 'Bearer realm="modelmesh-proxy"' })) };
      }
      caller = `token:${index}`;
    }
    if (pathname === "/metrics") return { route: routeName, response: metricsResponse(metrics, options.meshMetrics) };
    if (limiter) {
      const wait = await limiter.take(caller);
      if (wait > 0) {
        return { route: routeName, response: errorResponse({ status: 429, message: `rate limit of ${options.rateLimit!.requestsPerMinute} requests per minute reached; retry after ${wait}s`, type: "requests", param: null, code: "rate_limit_exceeded", headers: { "retry-after": String(wait) } }) };
      }
    }
    if (isRelay) {
      if (!relay) return { route: routeName, response: errorResponse(deny(404, "the relay is disabled on this proxy", "relay_disabled")) };
      // An adapter's BufferedRequest goes as it is (its headers and bytes are all the relay forwards): building a
      // Web Request for it would cost more than the rest of the relay's work on a small request.
      return { route: routeName, response: await relay.handle(request, path.slice("/proxy/".length), context.signal ?? (request instanceof BufferedRequest ? undefined : request.signal)) };
    }
    if (!routes) return { route: routeName, response: errorResponse(deny(404, "this proxy runs without a mesh (relay only)", "not_found")) };
    const signal = context.signal ?? (request instanceof BufferedRequest ? NEVER_ABORTED : request.signal);
    const routeContext: RouteContext = { signal, maxBodyBytes, redact: redactText };
    try {
      const response = await routes(request.method, pathname, request, routeContext);
      return { route: routeName, response: response ?? errorResponse(deny(404, `Invalid URL (${quoteName(request.method)} ${redactText(quoteName(pathname, 200))})`, null)) };
    } catch (error) {
      // 499 (nginx's "client closed request"): nobody reads this answer, but metrics should not call it a failure.
      if (signal.aborted) return { route: routeName, response: new Response(null, { status: 499 }) };
      return { route: routeName, response: errorResponse(errorReplyFor(error, redactText, isKnownModel)) };
    }
  }

  async function respond(request: ProxyRequest, context: RequestContext = {}): Promise<Reply> {
    const started = now();
    metrics.started();
    let name = "rejected";
    let response: Reply;
    try {
      ({ name, response } = await answer(request, context));
    } catch {
      // Whatever a route or a check threw: the caller gets a typed answer, never a dropped connection.
      name = "error";
      response = errorResponse({ status: 500, message: "the proxy failed while handling this request", type: "server_error", param: null, code: "internal_error" });
    }
    metrics.finished(name, response.status, (now() - started) / 1000);
    return response;
  }

  async function answer(request: ProxyRequest, context: RequestContext): Promise<{ name: string; response: Reply }> {
    const incomingId = request.headers.get("x-request-id");
    const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : newRequestId();
    const origin = request.headers.get("origin");
    let name = "rejected";
    let response: Reply;
    const host = request.headers.get("host") ?? hostOfUrl(request.url);
    if (tokens.size === 0 && host && !localHosts.has(hostnameOf(host))) {
      // Without a token the proxy is for this machine only; a foreign Host header is a DNS-rebinding page talking to it.
      response = errorResponse(deny(403, `requests for host ${quoteName(hostnameOf(host))} are refused: without a token this proxy serves localhost only`, "host_not_allowed"));
    } else if (request.method === "OPTIONS") {
      name = "preflight";
      response = origin && cors.allows(origin) && request.headers.has("access-control-request-method")
        ? cors.preflight(origin, request.headers.get("access-control-request-headers"))
        : errorResponse(deny(403, "CORS preflight refused: this origin is not allowed", "origin_not_allowed"));
    } else if (origin && !cors.allows(origin)) {
      // A page of an origin not on the list must not drive the proxy at all, not merely be unable to read the reply.
      response = errorResponse(deny(403, `origin ${quoteName(origin)} is not allowed to use this proxy`, "origin_not_allowed"));
    } else {
      const routed = await route(request, pathAndQuery(request.url), context);
      name = routed.route;
      response = routed.response;
    }
    response.headers.set("x-request-id", requestId);
    if (origin && cors.allows(origin) && request.method !== "OPTIONS") for (const [header, value] of cors.responseHeaders(origin)) response.headers.set(header, value);
    // Refused with its body unread (no token, too large, ...): close the connection after the answer, or the server
    // would go on reading and discarding whatever the client sends, for as long as it sends it.
    if (response.status >= 400 && request.body && !request.bodyUsed && !knownRequestBody(request)) response.headers.set("connection", "close");
    return { name, response };
  }

  function admits(headers: HeaderSource, path: string): boolean {
    if (tokens.size === 0) return true;
    const presented = presentedToken(headers, path.startsWith("/proxy/") || path === "/proxy" || path.startsWith("/proxy?"));
    return presented !== "" && tokens.match(presented) >= 0;
  }

  return {
    handle: async (request, context) => toResponse(await respond(request, context)),
    respond,
    admits,
    metrics,
    close: async () => {
      closed = true;
    },
  };
}

function health(mesh: MeshClient | undefined): Reply {
  let state = "none";
  if (mesh) {
    try {
      void mesh.mesh;
      state = "started";
    } catch (error) {
      state = (error as { code?: string }).code === "not_ready" ? "starting" : "failed";
    }
  }
  return jsonResponse({ status: "ok", mesh: state });
}

function ready(mesh: MeshClient | undefined): Reply {
  if (!mesh) return jsonResponse({ status: "ready" });
  // A starting client answers poolStatus() from its configuration (every pool empty): say "starting", not "unavailable".
  if (mesh.state === "starting") return jsonResponse({ status: "starting" }, 503);
  let pools: Record<string, { active: number; standby: number; total: number }>;
  try {
    pools = mesh.poolStatus();
  } catch {
    return jsonResponse({ status: "starting" }, 503);
  }
  const serving = Object.values(pools).some((pool) => pool.active > 0);
  return jsonResponse({ status: serving ? "ready" : "unavailable", pools }, serving ? 200 : 503);
}

function metricsResponse(metrics: ProxyMetrics, meshMetrics: { render(): string } | undefined): Response {
  const body = meshMetrics ? `${metrics.render()}${meshMetrics.render()}` : metrics.render();
  return new Response(body, { status: 200, headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
}

/**
 * The proxy token a request presents: in relay mode only `x-modelmesh-proxy-token` (Authorization belongs to the
 * provider); in mesh mode `Authorization: Bearer <token>` (RFC 6750 §2.1, scheme case-insensitive per RFC 7235
 * §2.1) or that header. Basic, Token or a bare value in Authorization never count.
 */
function presentedToken(headers: HeaderSource, isRelay: boolean): string {
  if (isRelay) return headers.get(RELAY_TOKEN_HEADER) ?? "";
  return bearerToken(headers.get("authorization")) || (headers.get(RELAY_TOKEN_HEADER) ?? "");
}

/**
 * Hosts of the mesh's providers, for the relay: the same array while the mesh keeps its configuration, a new one
 * after `reconfigure()` (providers added or removed change what is relayable). Undefined while the mesh is starting.
 */
function providerHostsOf(mesh: MeshClient): () => string[] | undefined {
  let seen: unknown;
  let hosts: string[] | undefined;
  return () => {
    let config;
    try {
      config = mesh.mesh.config;
    } catch {
      return undefined;
    }
    if (config !== seen) {
      seen = config;
      hosts = providerHosts(config.providers);
    }
    return hosts;
  };
}

/** Hosts of configured providers: the relay may reach them too (the private-address rule still applies). */
function providerHosts(providers: ReadonlyArray<{ config: Record<string, unknown> }>): string[] {
  const hosts: string[] = [];
  for (const provider of providers) {
    const base = provider.config.baseUrl ?? provider.config.base_url;
    try {
      if (typeof base === "string") hosts.push(new URL(base).host);
    } catch {
      // A provider without a parseable URL simply adds no host.
    }
  }
  return hosts;
}

/** Values to scrub from every message: the proxy's tokens, keys written in the configuration, keys in the environment. */
function secretValues(mesh: MeshClient | undefined, tokens: readonly string[]): string[] {
  const values: string[] = [...tokens];
  try {
    for (const provider of mesh?.mesh.config.providers ?? []) {
      for (const key of ["apiKey", "api_key"]) {
        const value = provider.config[key];
        if (typeof value === "string") values.push(value);
      }
    }
  } catch {
    // The mesh has not started: nothing configured to add yet.
  }
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  for (const [name, value] of Object.entries(env)) if (value && SECRET_ENV_NAME.test(name)) values.push(value);
  return values;
}
