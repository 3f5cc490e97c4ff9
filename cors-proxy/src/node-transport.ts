/**
 * The relay's transport on Node: node:http(s) with a DNS lookup that refuses private addresses at connect time.
 * Checking a name and then letting fetch resolve it again leaves a window for DNS rebinding (a name that answers
 * a public address to the check and 127.0.0.1 to the connection); here the address checked is the address used.
 * Bodies stream both ways and pass through still compressed.
 */
import { lookup as dnsLookup } from "node:dns";
import { once } from "node:events";
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { isPrivateAddress } from "./addresses.js";
import { nodeBodyStream } from "./node-body.js";
import { BlockedAddressError, type RelayRequest, type RelayTransport } from "./relay.js";
import { DIRECT_EXCHANGE, type DirectExchange, type DirectRequest, type DirectUpstream } from "./relay-direct.js";

/** One resolved address, as `dns.lookup(name, { all: true })` gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Options of `createNodeTransport`. */
export interface NodeTransportOptions {
  /** Name resolution (default: the system resolver); tests inject one to stage a rebinding attack. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function systemResolve(hostname: string): Promise<ResolvedAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}

function guardedLookup(resolve: (hostname: string) => Promise<ResolvedAddress[]>, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = typeof options.family === "number" && options.family !== 0 ? options.family : undefined;
        const addresses = family ? found.filter((entry) => entry.family === family) : found;
        const blocked = allowPrivate ? undefined : addresses.find((entry) => isPrivateAddress(entry.address));
        if (blocked) return callback(new BlockedAddressError(hostname, blocked.address), "", 0);
        const first = addresses[0];
        if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "", 0);
        if (options.all) return (callback as unknown as (error: null, addresses: ResolvedAddress[]) => void)(null, addresses);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
}

function responseHeaders(incoming: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    try {
      headers.append(raw[index]!, raw[index + 1]!);
    } catch {
      // A header Headers cannot hold (invalid bytes) is dropped rather than failing the whole response.
    }
  }
  return headers;
}

async function sendBody(body: ReadableStream<Uint8Array>, outgoing: ClientRequest): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!outgoing.write(value)) await once(outgoing, "drain");
    }
    outgoing.end();
  } catch (error) {
    outgoing.destroy(error as Error);
    await reader.cancel().catch(() => {});
  }
}

/**
 * A relay transport over node:http(s) with keep-alive, checking every resolved address against the private ranges
 * (unless the operator allowed the host), never following redirects, and passing compressed bodies through.
 * @example
 * const proxy = createProxy({ relay: { transport: createNodeTransport() }, listening: { host: "127.0.0.1" } });
 */
export function createNodeTransport(options: NodeTransportOptions = {}): RelayTransport {
  const resolveName = options.resolve ?? systemResolve;
  const lookups = { checked: guardedLookup(resolveName, false), unchecked: guardedLookup(resolveName, true) };
  // A finite socket timeout lets the agent honour the server's `Keep-Alive: timeout=N` hint (it closes idle sockets
  // a second before the server would), so a request is never sent on a socket the server is closing.
  const agents = { http: new HttpAgent({ keepAlive: true, timeout: 60_000 }), https: new HttpsAgent({ keepAlive: true, timeout: 60_000 }) };
  const open = (target: URL, request: DirectRequest, signal?: AbortSignal): ClientRequest => {
    const secure = target.protocol === "https:";
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) headers[name] = value;
    return (secure ? httpsRequest : httpRequest)({
      hostname: target.hostname.replace(/^\[|\]$/g, ""),
      port: target.port || (secure ? 443 : 80),
      path: `${target.pathname}${target.search}`,
      method: request.method,
      headers,
      agent: secure ? agents.https : agents.http,
      ...(signal ? { signal } : {}),
      lookup: request.allowPrivateAddresses ? lookups.unchecked : lookups.checked,
    });
  };
  const transport: RelayTransport = (target: URL, request: RelayRequest) =>
    new Promise<Response>((resolve, reject) => {
      const outgoing = open(target, request, request.signal);
      outgoing.on("error", reject);
      outgoing.on("response", (incoming) => {
        const status = answerStatus(incoming, request.method);
        if (status instanceof Error) return reject(status);
        // Lazy: the node adapter pipes `incoming` itself when nobody read the stream (no web stream per chunk).
        const body = status.empty ? null : nodeBodyStream(incoming, () => (request.signal.aborted ? request.signal.reason : undefined));
        resolve(new Response(body, { status: status.code, statusText: incoming.statusMessage ?? "", headers: responseHeaders(incoming) }));
      });
      send(request.body, outgoing);
    });
  // The relay's own path: the same request, answered with the IncomingMessage itself and cut by a call, not a signal.
  transport[DIRECT_EXCHANGE] = (target: URL, request: DirectRequest): DirectExchange => {
    const outgoing = open(target, request);
    let incoming: IncomingMessage | undefined;
    const response = new Promise<DirectUpstream>((resolve, reject) => {
      // Stays attached for the whole exchange: a late socket error must not crash the process (it rejects nothing).
      outgoing.on("error", reject);
      // Every exchange closes; only one that closes unanswered needs an Error (whose stack costs microseconds).
      outgoing.once("close", () => {
        if (!incoming) reject(new Error("the upstream connection closed before the answer"));
      });
      outgoing.once("response", (message) => {
        incoming = message;
        const status = answerStatus(message, request.method);
        if (status instanceof Error) return reject(status);
        resolve({ status: status.code, statusText: message.statusMessage ?? "", rawHeaders: message.rawHeaders, body: status.empty ? null : message });
      });
    });
    send(request.body, outgoing);
    return {
      response,
      cut: (reason) => {
        incoming?.destroy(reason);
        outgoing.destroy(reason);
      },
    };
  };
  transport.passesEncodedBodies = true;
  transport.checksAddresses = true;
  return transport;
}

/** The answer's status, or why it is refused; a bodyless answer is drained so its socket goes back to the pool. */
function answerStatus(incoming: IncomingMessage, method: string): { code: number; empty: boolean } | Error {
  const code = incoming.statusCode ?? 502;
  if (code < 200 || code > 599) {
    incoming.destroy();
    return new Error(`upstream answered with status ${code}`);
  }
  const empty = NULL_BODY_STATUSES.has(code) || method === "HEAD";
  if (empty) incoming.resume();
  return { code, empty };
}

function send(body: DirectRequest["body"], outgoing: ClientRequest): void {
  if (body instanceof Uint8Array) outgoing.end(body);
  else if (body) void sendBody(body, outgoing);
  else outgoing.end();
}
