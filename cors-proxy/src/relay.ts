/**
 * Relay mode: `/proxy/<full target URL>`, the form the SDK's `proxyUrl` produces. The browser holds the provider
 * key and sends it in its own headers; the proxy only moves bytes, to an allow-list of hosts, streaming both ways.
 */
import { errorResponse, payloadTooLarge, type ErrorReply } from "./errors.js";
import { isIpLiteral, isPrivateAddress, isPrivateHostname, matchesHost, matchesHostAnyPort, parseHostPattern, type HostPattern } from "./addresses.js";
import { knownRequestBody } from "./responses.js";

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
 * `content-encoding` stays true); fetch-based transports decode, so those headers must go.
 */
export interface RelayTransport {
  (target: URL, request: RelayRequest): Promise<Response>;
  passesEncodedBodies?: boolean;
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
  /** Resolves a name before a fetch-based transport is used, so names pointing at private addresses are refused. */
  resolve?: (hostname: string) => Promise<string[]>;
}

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
]);

const SCHEME_REPAIR = /^(https?):\/(?!\/)/i;
const ENCODED_SCHEME = /^https?%3a/i;

function connectionListed(headers: Headers): Set<string> {
  const listed = new Set<string>();
  const value = headers.get("connection");
  if (value) for (const name of value.split(",")) listed.add(name.trim().toLowerCase());
  return listed;
}

function refusal(status: number, message: string, code: string): ErrorReply {
  return { status, message, type: "invalid_request_error", param: null, code };
}

/** The relay: validates a target against the allow-list and address rules, then streams the exchange. */
export class Relay {
  readonly #allowHosts: HostPattern[];
  readonly #extraHosts: () => readonly string[] | undefined;
  #extraPatterns: HostPattern[] | undefined;
  readonly #allowPrivate: HostPattern[];
  readonly #transport: RelayTransport;
  readonly #resolve: ((hostname: string) => Promise<string[]>) | undefined;
  readonly #maxBodyBytes: number;

  /** `extraHosts`: more allowed hosts (the mesh's providers), asked for until it answers (undefined = not known yet). */
  constructor(options: RelayOptions, maxBodyBytes: number, extraHosts: () => readonly string[] | undefined = () => []) {
    this.#allowHosts = [...BUILTIN_RELAY_HOSTS, ...(options.allowHosts ?? [])].map(parseHostPattern);
    this.#extraHosts = extraHosts;
    this.#allowPrivate = (options.allowPrivate ?? []).map(parseHostPattern);
    this.#transport = options.transport ?? fetchTransport;
    this.#resolve = options.resolve;
    this.#maxBodyBytes = maxBodyBytes;
  }

  /**
   * Checks a target URL: https only (http for explicitly allowed private hosts), no credentials, an allow-listed
   * host on its default port, no loopback/private/link-local address unless named in `allowPrivate`.
   */
  check(target: URL): { allowPrivateAddresses: boolean } | ErrorReply {
    if (target.username || target.password) return refusal(400, "the target URL must not carry credentials", "invalid_target");
    const hostname = target.hostname.toLowerCase().replace(/\.$/, "");
    const port = target.port;
    const privateAllowed = this.#allowPrivate.some((pattern) => matchesHostAnyPort(pattern, hostname, port));
    if (target.protocol !== "https:" && !(target.protocol === "http:" && privateAllowed)) {
      return refusal(403, `the relay forwards only https URLs (got ${target.protocol})`, "target_not_allowed");
    }
    if (privateAllowed) return { allowPrivateAddresses: true };
    if (isIpLiteral(hostname) ? isPrivateAddress(hostname) : isPrivateHostname(hostname)) {
      return refusal(403, `the relay does not forward to loopback, private or link-local hosts (${hostname})`, "target_not_allowed");
    }
    this.#extraPatterns ??= this.#extraHosts()?.map(parseHostPattern);
    const allowed = (pattern: HostPattern) => matchesHost(pattern, hostname, port);
    if (!this.#allowHosts.some(allowed) && !this.#extraPatterns?.some(allowed)) {
      return refusal(403, `${target.host} is not on this relay's allow-list`, "target_not_allowed");
    }
    return { allowPrivateAddresses: false };
  }

  /** Relays `request` to `targetText` (everything after `/proxy/`, query included). */
  async handle(request: Request, targetText: string, signal: AbortSignal = request.signal): Promise<Response> {
    if (request.method !== "GET" && request.method !== "POST") {
      return errorResponse(refusal(405, `the relay forwards GET and POST only (got ${request.method})`, "method_not_allowed"));
    }
    const target = parseTarget(targetText);
    if (!target) return errorResponse(refusal(400, "after /proxy/ give a full https URL, e.g. /proxy/https://api.openai.com/v1/models", "invalid_target"));
    const verdict = this.check(target);
    if ("status" in verdict) return errorResponse(verdict);
    if (!verdict.allowPrivateAddresses && this.#resolve && !isIpLiteral(target.hostname)) {
      const blocked = (await this.#resolve(target.hostname).catch(() => [])).find(isPrivateAddress);
      if (blocked) return errorResponse(refusal(403, new BlockedAddressError(target.hostname, blocked).message, "target_not_allowed"));
    }
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > this.#maxBodyBytes) return errorResponse(payloadTooLarge(this.#maxBodyBytes).reply);
    // A body the adapter already read whole was bounded by its declared length (checked above): no counting stream.
    const known = knownRequestBody(request);
    const limited = !known && request.body ? limitBody(request.body, this.#maxBodyBytes) : undefined;
    let upstream: Response;
    try {
      upstream = await this.#transport(target, {
        method: request.method,
        headers: this.forwardHeaders(request.headers),
        body: known ?? limited?.body ?? null,
        signal,
        allowPrivateAddresses: verdict.allowPrivateAddresses,
      });
    } catch (error) {
      if (limited?.exceeded()) return errorResponse(payloadTooLarge(this.#maxBodyBytes).reply);
      if (error instanceof BlockedAddressError || (error as { cause?: unknown })?.cause instanceof BlockedAddressError) {
        const blocked = error instanceof BlockedAddressError ? error : ((error as { cause: BlockedAddressError }).cause);
        return errorResponse(refusal(403, blocked.message, "target_not_allowed"));
      }
      return errorResponse({ status: 502, message: `the relay could not reach ${target.host}`, type: "server_error", param: null, code: "upstream_unreachable" });
    }
    return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: this.returnHeaders(upstream.headers) });
  }

  private forwardHeaders(incoming: Headers): Array<[string, string]> {
    const listed = connectionListed(incoming);
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
    const listed = connectionListed(upstream);
    const decodes = !this.#transport.passesEncodedBodies;
    const headers = new Headers();
    for (const [name, value] of upstream) {
      if (RESPONSE_DROP.has(name) || listed.has(name) || name.startsWith("proxy-") || name.startsWith("access-control-")) continue;
      if (decodes && (name === "content-encoding" || name === "content-length")) continue;
      // The proxy's own x-request-id names this exchange; the provider's stays available under another name.
      headers.append(name === "x-request-id" ? "x-upstream-request-id" : name, value);
    }
    return headers;
  }
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
