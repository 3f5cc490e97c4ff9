/**
 * Relay mode: `/proxy/<full target URL>`, the form the SDK's `proxyUrl` produces. The browser holds the provider
 * key and sends it in its own headers; the proxy only moves bytes, to an allow-list of hosts, streaming both ways.
 */
import { ConfigError } from "modelmesh";
import { errorResponse, payloadTooLarge, quoteName, type ErrorReply } from "./errors.js";
import { isIpLiteral, isPrivateHost, isPublicAddress, matchesHost, matchesHostAnyPort, normalizeHostname, parseHostPattern, type HostPattern } from "./addresses.js";
import { guardIdle } from "./idle-guard.js";
import { DIRECT_EXCHANGE, type DirectExchange, type DirectRequest, type DirectTransport, type DirectUpstream } from "./relay-direct.js";
import { BufferedRequest, knownRequestBody, NodeBodyReply, ReplyHeaders, type Reply } from "./responses.js";

/**
 * The methods relayed: what the providers' REST APIs use (GET and POST, DELETE for files, batches and stored
 * responses, PUT and PATCH for updates, HEAD). Others (TRACE, CONNECT, WebDAV's) are refused with 405.
 */
const RELAYED_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);

/**
 * Hosts of the built-in providers and tools: what a browser may reach through the relay without configuration.
 * @example
 * createProxy({ relay: { allowHosts: [...BUILTIN_RELAY_HOSTS, "llm.corp.example"] } });
 */
export const BUILTIN_RELAY_HOSTS: readonly string[] = [
  "api.openai.com",
  "api.anthropic.com",
  "generativelanguage.googleapis.com",
  "api.groq.com",
  "api.mistral.ai",
  "api.deepseek.com",
  "api.together.xyz",
  "openrouter.ai",
  "api.x.ai",
  "api.cohere.com",
  "api.perplexity.ai",
  "api.elevenlabs.io",
  "*.tts.speech.microsoft.com",
  "api.assemblyai.com",
  "api.tavily.com",
  "google.serper.dev",
  "r.jina.ai",
  "s.jina.ai",
  "api.jina.ai",
  "api.firecrawl.dev",
];

/** The header that carries the proxy's own token in relay mode (`Authorization` belongs to the provider). */
export const RELAY_TOKEN_HEADER = "x-modelmesh-proxy-token";

/** What the relay hands its transport. */
export interface RelayRequest {
  method: string;
  headers: Array<[string, string]>;
  /** Bytes when the server adapter already read a small body whole (no stream needed), else a stream or null. */
  body: ReadableStream<Uint8Array> | Uint8Array | null;
  signal: AbortSignal;
  /** The operator named this host as an allowed private destination: do not check its addresses. */
  allowPrivateAddresses: boolean;
}

/**
 * Sends one relayed request. `passesEncodedBodies`: the transport hands compressed bytes through untouched (so
 * `content-encoding` stays true); fetch-based transports decode, so those headers must go. `checksAddresses`: the
 * transport refuses, at connect time, every resolved address that is not public (unless `allowPrivateAddresses`),
 * throwing BlockedAddressError; without it the relay must check names itself or refuse them.
 */
export interface RelayTransport {
  (target: URL, request: RelayRequest): Promise<Response>;
  passesEncodedBodies?: boolean;
  checksAddresses?: boolean;
  /** The same exchange without a `Response` (the Node transport offers it); the relay prefers it when present. */
  [DIRECT_EXCHANGE]?: DirectTransport;
}

/** Thrown by a transport (or the resolver check) when a name resolves to an address the relay must not reach. */
export class BlockedAddressError extends Error {
  override name = "BlockedAddressError" as const;
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`${hostname} resolves to ${address}, a loopback, private or link-local address`);
  }
}

/** Relay options (YAML `proxy.relay`). */
export interface RelayOptions {
  /** Default true when the proxy runs. */
  enabled?: boolean;
  /** Extra hosts (`llm.corp.example`, `*.example.net`, `host:8443`); the built-in ones are always included. */
  allowHosts?: string[];
  /** Explicit exceptions to the private-address rule, `host[:port]` (e.g. `127.0.0.1:11434` for a local Ollama). */
  allowPrivate?: string[];
  /** Default: `fetch` (decoding, no DNS check); the node adapter installs one that checks every resolved address. */
  transport?: RelayTransport;
  /**
   * Resolves a name before a transport that does not check addresses is used, so names pointing at private
   * addresses are refused (a check before the connection, not at it: prefer a transport with `checksAddresses`).
   */
  resolve?: (hostname: string) => Promise<string[]>;
  /**
   * Relay to names whose addresses nobody checks (a transport without `checksAddresses` and no `resolve`). Only for
   * runtimes whose own fetch cannot reach private networks (e.g. an edge worker). Default false: such targets get 503.
   */
  allowUncheckedAddresses?: boolean;
  /** Milliseconds the upstream has to send its response headers (connection and DNS included). Default 300 000. */
  timeoutMs?: number;
  /** Milliseconds the upstream may stay silent while sending its body; the stream is then cut. Default 120 000. */
  idleTimeoutMs?: number;
}

/** Five minutes: a non-streamed answer of a reasoning model can take minutes before its headers. */
export const DEFAULT_RELAY_TIMEOUT_MS = 300_000;
/** Two minutes of silence inside a body: streams of slow models pause, but not that long. */
export const DEFAULT_RELAY_IDLE_TIMEOUT_MS = 120_000;

// Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, never the next one.
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

// Plus what must not cross upward: the browser's cookies and identity, the proxy's own token, and forwarding
// headers a client could use to impersonate someone else upstream.
const REQUEST_DROP = new Set([
  ...HOP_BY_HOP,
  "host",
  "cookie",
  "cookie2",
  "origin",
  "referer",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
  RELAY_TOKEN_HEADER,
]);

const RESPONSE_DROP = new Set([
  ...HOP_BY_HOP,
  "set-cookie",
  "set-cookie2",
  "alt-svc",
  // The proxy's origin is not the provider's: its HSTS, Clear-Site-Data or reporting rules must not apply here.
  "strict-transport-security",
  "clear-site-data",
  "report-to",
  "nel",
]);

// Relayed bytes are the provider's, served from the proxy's origin: a browser must not sniff them into HTML or
// script, and a page opened from a relayed URL gets no script, plugins or same-origin access at all.
const RESPONSE_SAFETY: ReadonlyArray<readonly [string, string]> = [
  ["x-content-type-options", "nosniff"],
  ["content-security-policy", "default-src 'none'; sandbox"],
];

/** Why the relay stopped waiting for its upstream. */
class UpstreamTimeout extends Error {
  override name = "UpstreamTimeout" as const;
}

// The signal of a request that came without one (an adapter's BufferedRequest given no context signal).
const NEVER_ABORTED = new AbortController().signal;

const SCHEME_REPAIR = /^(https?):\/(?!\/)/i;
const ENCODED_SCHEME = /^https?%3a/i;

const NOTHING_LISTED: ReadonlySet<string> = new Set();

function connectionListed(value: string | null | undefined): ReadonlySet<string> {
  if (!value) return NOTHING_LISTED;
  // The usual value names no other header: no set to build.
  if (!value.includes(",")) {
    const name = value.trim().toLowerCase();
    return name === "keep-alive" || name === "close" ? NOTHING_LISTED : new Set([name]);
  }
  const listed = new Set<string>();
  for (const name of value.split(",")) listed.add(name.trim().toLowerCase());
  return listed;
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function refusal(status: number, message: string, code: string): ErrorReply {
  return { status, message, type: "invalid_request_error", param: null, code };
}

/** The relay: validates a target against the allow-list and address rules, then streams the exchange. */
export class Relay {
  readonly #allowHosts: HostPattern[];
  readonly #extraHosts: () => readonly string[] | undefined;
  #extraSource: readonly string[] | undefined;
  #extraPatterns: HostPattern[] = [];
  readonly #allowPrivate: HostPattern[];
  readonly #transport: RelayTransport;
  readonly #resolve: ((hostname: string) => Promise<string[]>) | undefined;
  readonly #allowUnchecked: boolean;
  readonly #maxBodyBytes: number;
  readonly #timeoutMs: number;
  readonly #idleTimeoutMs: number;

  /**
   * `extraHosts`: more allowed hosts (the mesh's providers), asked for on every request (undefined = not known yet);
   * a new array (the mesh was reconfigured) is parsed again, the same array is not.
   */
  constructor(options: RelayOptions, maxBodyBytes: number, extraHosts: () => readonly string[] | undefined = () => []) {
    this.#allowHosts = [...BUILTIN_RELAY_HOSTS.map((host) => parseHostPattern(host)), ...(options.allowHosts ?? []).map((host) => parseHostPattern(host, "proxy.relay.allow_hosts"))];
    this.#extraHosts = extraHosts;
    this.#allowPrivate = (options.allowPrivate ?? []).map((host) => parseHostPattern(host, "proxy.relay.allow_private"));
    this.#transport = options.transport ?? fetchTransport;
    this.#resolve = options.resolve;
    this.#allowUnchecked = options.allowUncheckedAddresses === true;
    this.#maxBodyBytes = maxBodyBytes;
    this.#timeoutMs = positive(options.timeoutMs, DEFAULT_RELAY_TIMEOUT_MS, "proxy.relay.timeout_ms");
    this.#idleTimeoutMs = positive(options.idleTimeoutMs, DEFAULT_RELAY_IDLE_TIMEOUT_MS, "proxy.relay.idle_timeout_ms");
  }

  #currentExtraPatterns(): HostPattern[] {
    const hosts = this.#extraHosts();
    if (hosts !== this.#extraSource) {
      this.#extraSource = hosts;
      // A provider URL the mesh accepted but that names no usable host adds nothing rather than failing the relay.
      this.#extraPatterns = (hosts ?? []).flatMap((host) => {
        try {
          return [parseHostPattern(host)];
        } catch {
          return [];
        }
      });
    }
    return this.#extraPatterns;
  }

  /**
   * Checks a target URL: https only (http for explicitly allowed private hosts), no credentials, an allow-listed
   * host on its default port, no loopback/private/link-local address unless named in `allowPrivate`.
   */
  check(target: URL): { allowPrivateAddresses: boolean } | ErrorReply {
    if (target.username || target.password) return refusal(400, "the target URL must not carry credentials", "invalid_target");
    const hostname = normalizeHostname(target.hostname);
    const port = target.port;
    const privateAllowed = this.#allowPrivate.some((pattern) => matchesHostAnyPort(pattern, hostname, port));
    if (target.protocol !== "https:" && !(target.protocol === "http:" && privateAllowed)) {
      return refusal(403, `the relay forwards only https URLs (got ${target.protocol})`, "target_not_allowed");
    }
    if (privateAllowed) return { allowPrivateAddresses: true };
    if (isPrivateHost(hostname)) {
      return refusal(403, `the relay does not forward to loopback, private or link-local hosts (${hostname})`, "target_not_allowed");
    }
    const allowed = (pattern: HostPattern) => matchesHost(pattern, hostname, port);
    if (!this.#allowHosts.some(allowed) && !this.#currentExtraPatterns().some(allowed)) {
      return refusal(403, `${target.host} is not on this relay's allow-list`, "target_not_allowed");
    }
    return { allowPrivateAddresses: false };
  }

  /**
   * For a name (not an IP literal, already checked) whose addresses the transport will not check: resolve it and
   * refuse unless every answer is public; with no resolver, refuse unless the operator accepted unchecked names.
   */
  async #checkAddresses(hostname: string): Promise<ErrorReply | undefined> {
    if (this.#resolve) {
      let addresses: string[];
      try {
        addresses = await this.#resolve(hostname);
      } catch {
        return { status: 502, message: `the relay could not resolve ${hostname}`, type: "server_error", param: null, code: "upstream_unreachable" };
      }
      if (addresses.length === 0) return { status: 502, message: `the relay could not resolve ${hostname}`, type: "server_error", param: null, code: "upstream_unreachable" };
      const blocked = addresses.find((address) => !isPublicAddress(address));
      return blocked === undefined ? undefined : refusal(403, new BlockedAddressError(hostname, blocked).message, "target_not_allowed");
    }
    if (this.#allowUnchecked) return undefined;
    return {
      status: 503,
      message: "this relay cannot check where names resolve in this runtime, so it refuses them: use the Node server (startProxyServer), or pass relay.transport with checksAddresses, or relay.resolve",
      type: "server_error",
      param: null,
      code: "relay_address_check_unavailable",
    };
  }

  /** Relays `request` to `targetText` (everything after `/proxy/`, query included). */
  async handle(request: Request | BufferedRequest, targetText: string, signal: AbortSignal = request instanceof BufferedRequest ? NEVER_ABORTED : request.signal): Promise<Reply> {
    if (!RELAYED_METHODS.has(request.method)) {
      return errorResponse(refusal(405, `the relay forwards ${[...RELAYED_METHODS].join(", ")} (got ${quoteName(request.method, 40)})`, "method_not_allowed"));
    }
    const target = parseTarget(targetText);
    if (!target) return errorResponse(refusal(400, "after /proxy/ give a full https URL, e.g. /proxy/https://api.openai.com/v1/models", "invalid_target"));
    const verdict = this.check(target);
    if ("status" in verdict) return errorResponse(verdict);
    if (!verdict.allowPrivateAddresses && !this.#transport.checksAddresses && !isIpLiteral(target.hostname)) {
      const refused = await this.#checkAddresses(target.hostname);
      if (refused) return errorResponse(refused);
    }
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > this.#maxBodyBytes) return errorResponse(payloadTooLarge(this.#maxBodyBytes).reply);
    // A body the adapter already read whole was bounded by its declared length (checked above): no counting stream.
    const known = knownRequestBody(request);
    const streamed = !known && request.body instanceof ReadableStream ? request.body : undefined;
    const limited = streamed ? limitBody(streamed, this.#maxBodyBytes) : undefined;
    const headers = request instanceof BufferedRequest ? this.forwardHeaders(request.headerEntries(), request.headers.get("connection")) : this.forwardHeaders(request.headers, request.headers.get("connection"));
    const direct = this.#transport[DIRECT_EXCHANGE];
    if (direct) {
      const sent: DirectRequest = { method: request.method, headers, body: known ?? limited?.body ?? null, allowPrivateAddresses: verdict.allowPrivateAddresses };
      return this.#relayDirect(direct, target, sent, signal, limited);
    }
    // One controller for the upstream exchange: the client leaving, or the upstream being too slow, ends it.
    const upstreamAbort = new AbortController();
    const onClientAbort = () => upstreamAbort.abort(signal.reason);
    if (signal.aborted) onClientAbort();
    else signal.addEventListener("abort", onClientAbort, { once: true });
    const headersTimer = setTimeout(() => upstreamAbort.abort(new UpstreamTimeout(`${target.host} sent no response headers within ${this.#timeoutMs / 1000} s`)), this.#timeoutMs);
    let upstream: Response;
    try {
      upstream = await this.#transport(target, {
        method: request.method,
        headers,
        body: known ?? limited?.body ?? null,
        signal: upstreamAbort.signal,
        allowPrivateAddresses: verdict.allowPrivateAddresses,
      });
    } catch (error) {
      signal.removeEventListener("abort", onClientAbort);
      return this.#failure(error, target, signal, upstreamAbort.signal.reason, limited);
    } finally {
      clearTimeout(headersTimer);
    }
    const done = () => signal.removeEventListener("abort", onClientAbort);
    const body = upstream.body ? idleGuard(upstream.body, this.#idleTimeoutMs, target.host, upstreamAbort, done) : null;
    if (!body) done();
    const returned = this.returnHeaders(upstream.headers);
    let response: Response;
    try {
      response = new Response(body, { status: upstream.status, statusText: upstream.statusText, headers: returned });
    } catch {
      // A status a Response cannot carry with a body (a 204 or 304 that sent one anyway): drop the body.
      await body?.cancel().catch(() => {});
      response = new Response(null, { status: upstream.status, headers: returned });
    }
    return response;
  }

  /**
   * The exchange over a direct transport: no Response, Headers or AbortController. The client's signal and the
   * two timers cut the exchange themselves; the body goes back as the upstream's Node stream, watched for silence.
   */
  async #relayDirect(direct: DirectTransport, target: URL, request: DirectRequest, signal: AbortSignal, limited: { exceeded: () => boolean } | undefined): Promise<Reply> {
    // A client already gone gets nothing sent on its behalf.
    if (signal.aborted) return new Response(null, { status: 499 });
    let exchange: DirectExchange;
    try {
      exchange = direct(target, request);
    } catch (error) {
      // node:http refuses some requests before sending anything (it throws): the same answer as a failed send.
      return this.#failure(error, target, signal, undefined, limited);
    }
    const cutter = new Cutter(exchange, signal, target.host);
    signal.addEventListener("abort", cutter.onClientAbort);
    const headersTimer = setTimeout(headersTimedOut, this.#timeoutMs, cutter, this.#timeoutMs);
    let upstream: DirectUpstream;
    try {
      upstream = await cutter.exchange.response;
    } catch (error) {
      cutter.release();
      return this.#failure(error, target, signal, cutter.reason, limited);
    } finally {
      clearTimeout(headersTimer);
    }
    const headers = this.replyHeaders(upstream.rawHeaders);
    const body = upstream.body;
    if (!body) {
      cutter.release();
      return new NodeBodyReply(upstream.status, upstream.statusText, headers, null);
    }
    // The client may leave until the body is over (the adapter also destroys the body when its socket closes).
    body.on("close", cutter.release);
    guardIdle(body, this.#idleTimeoutMs, cutter.onSilence(this.#idleTimeoutMs));
    return new NodeBodyReply(upstream.status, upstream.statusText, headers, body, cutter.why);
  }

  /** The answer for an exchange that failed before the upstream's headers: `cutReason` is why the relay cut it. */
  #failure(error: unknown, target: URL, signal: AbortSignal, cutReason: unknown, limited: { exceeded: () => boolean } | undefined): Reply {
    if (limited?.exceeded()) return errorResponse(payloadTooLarge(this.#maxBodyBytes).reply);
    // 499 (nginx's "client closed request"): nobody reads this answer, but metrics should not call it a failure.
    if (signal.aborted) return new Response(null, { status: 499 });
    if (cutReason instanceof UpstreamTimeout) return errorResponse({ status: 504, message: `the relay timed out: ${cutReason.message}`, type: "server_error", param: null, code: "timeout" });
    if (error instanceof BlockedAddressError || (error as { cause?: unknown })?.cause instanceof BlockedAddressError) {
      const blocked = error instanceof BlockedAddressError ? error : ((error as { cause: BlockedAddressError }).cause);
      return errorResponse(refusal(403, blocked.message, "target_not_allowed"));
    }
    return errorResponse({ status: 502, message: `the relay could not reach ${target.host}`, type: "server_error", param: null, code: "upstream_unreachable" });
  }

  /** Request headers (`Headers` semantics: lower-case names, repeated values joined) minus what must not go up. */
  private forwardHeaders(incoming: Iterable<[string, string]>, connection: string | null): Array<[string, string]> {
    const listed = connectionListed(connection);
    const decodes = !this.#transport.passesEncodedBodies;
    const headers: Array<[string, string]> = [];
    for (const [name, value] of incoming) {
      if (REQUEST_DROP.has(name) || listed.has(name) || name.startsWith("proxy-")) continue;
      // A decoding transport negotiates its own encodings; passing the browser's list could ask for one it cannot undo.
      if (decodes && name === "accept-encoding") continue;
      headers.push([name, value]);
    }
    return headers;
  }

  private returnHeaders(upstream: Headers): Headers {
    const listed = connectionListed(upstream.get("connection"));
    const headers = new Headers();
    for (const [name, value] of upstream) {
      // The proxy's own x-request-id names this exchange; the provider's stays available under another name.
      if (this.#returns(name, listed)) headers.append(name === "x-request-id" ? "x-upstream-request-id" : name, value);
    }
    for (const [name, value] of RESPONSE_SAFETY) headers.set(name, value);
    return headers;
  }

  /** `returnHeaders` over the wire's raw pairs, into the proxy's own `ReplyHeaders` (joined as `Headers` joins). */
  private replyHeaders(raw: readonly string[]): ReplyHeaders {
    const names: string[] = [];
    let connection: string | undefined;
    for (let index = 0; index + 1 < raw.length; index += 2) {
      const name = raw[index]!.toLowerCase();
      names.push(name);
      if (name === "connection") connection = connection === undefined ? raw[index + 1]! : `${connection}, ${raw[index + 1]!}`;
    }
    const listed = connectionListed(connection);
    const headers = new ReplyHeaders();
    // No value check here: node:http's parser (strict, as the transport leaves it) already refused any response
    // whose header names or values hold bytes that node:http could not write back.
    for (let index = 0; index < names.length; index++) {
      const name = names[index]!;
      if (this.#returns(name, listed)) headers.append(name === "x-request-id" ? "x-upstream-request-id" : name, raw[index * 2 + 1]!);
    }
    for (const [name, value] of RESPONSE_SAFETY) headers.set(name, value);
    return headers;
  }

  /** Whether a response header (lower-case name) goes back to the client. */
  #returns(name: string, listed: ReadonlySet<string>): boolean {
    if (RESPONSE_DROP.has(name) || listed.has(name) || name.startsWith("proxy-") || name.startsWith("access-control-")) return false;
    // A decoding transport hands back decoded bytes: the upstream's encoding and length no longer describe them.
    return this.#transport.passesEncodedBodies === true || (name !== "content-encoding" && name !== "content-length");
  }
}

function positive(value: number | undefined, fallback: number, path: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new ConfigError(path, "must be a positive number of milliseconds");
  return value;
}

/**
 * The upstream body, cut when the upstream stays silent for `idleMs` while the client waits for more: the stream
 * errors (the server adapter then aborts the client's connection, since the status line is already sent) and the
 * upstream request is aborted. Only time spent waiting on the upstream counts, not a slow client's backpressure.
 */
function idleGuard(body: ReadableStream<Uint8Array>, idleMs: number, host: string, upstream: AbortController, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const silence = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new UpstreamTimeout(`${host} sent nothing for ${idleMs / 1000} s`)), idleMs);
        });
        try {
          const { value, done: finished } = await Promise.race([reader.read(), silence]);
          if (finished) {
            done();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          done();
          upstream.abort(error);
          reader.cancel(error).catch(() => {});
          controller.error(error);
        } finally {
          clearTimeout(timer);
        }
      },
      async cancel(reason) {
        done();
        upstream.abort(reason);
        await reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * One exchange over a direct transport and what may cut it: the client leaving, or either timer. The first reason
 * wins and is kept: the 504 and the body's error name it.
 */
class Cutter {
  reason: Error | undefined;

  constructor(
    readonly exchange: DirectExchange,
    readonly signal: AbortSignal,
    readonly host: string,
  ) {}

  cut(reason: Error): void {
    this.reason ??= reason;
    this.exchange.cut(reason);
  }

  readonly onClientAbort = (): void => this.cut(asError(this.signal.reason));

  /** Stops listening to the client: the exchange is over. */
  readonly release = (): void => this.signal.removeEventListener("abort", this.onClientAbort);

  readonly why = (): unknown => this.reason;

  onSilence(idleMs: number): () => void {
    return () => this.cut(new UpstreamTimeout(`${this.host} sent nothing for ${idleMs / 1000} s`));
  }
}

function headersTimedOut(cutter: Cutter, timeoutMs: number): void {
  cutter.cut(new UpstreamTimeout(`${cutter.host} sent no response headers within ${timeoutMs / 1000} s`));
}

/** The target URL after `/proxy/`: raw, with `https:/` (a collapsed double slash) repaired, or percent-encoded. */
function parseTarget(text: string): URL | undefined {
  let candidate = ENCODED_SCHEME.test(text) ? safeDecode(text) : text;
  candidate = candidate.replace(SCHEME_REPAIR, "$1://");
  try {
    return new URL(candidate);
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Counts bytes as they pass and fails the stream past `limit`, so chunked uploads are bounded without buffering. */
function limitBody(body: ReadableStream<Uint8Array>, limit: number): { body: ReadableStream<Uint8Array>; exceeded: () => boolean } {
  let total = 0;
  let over = false;
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > limit) {
          over = true;
          controller.error(payloadTooLarge(limit));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  return { body: counted, exceeded: () => over };
}

/** The default transport: Web `fetch`, streaming the request body, never following redirects to other hosts. */
export const fetchTransport: RelayTransport = (target, request) =>
  fetch(target, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: request.signal,
    redirect: "manual",
    ...(request.body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
