/**
 * The relay's transport on Node: undici's dispatcher (keep-alive pools per origin, about half node:http's client CPU
 * per exchange) with a DNS lookup that refuses private addresses at connect time.
 * Checking a name and then letting fetch resolve it again leaves a window for DNS rebinding (a name that answers
 * a public address to the check and 127.0.0.1 to the connection); here the address checked is the address used.
 * Bodies stream both ways and pass through still compressed.
 */
import { lookup as dnsLookup } from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent, type Dispatcher } from "undici";
import { isPrivateAddress } from "./addresses.js";
import { nodeBodyStream, UpstreamBody } from "modelmesh/node-fetch";
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

/** Request headers undici refuses or writes itself (the relay already dropped the hop-by-hop ones). */
const TRANSPORT_OWNED = new Set(["expect", "connection", "keep-alive", "transfer-encoding", "upgrade", "host"]);

function responseHeaders(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let index = 0; index + 1 < raw.length; index += 2) {
    try {
      headers.append(raw[index]!, raw[index + 1]!);
    } catch {
      // A header Headers cannot hold (invalid bytes) is dropped rather than failing the whole response.
    }
  }
  return headers;
}

/**
 * One exchange over `dispatcher`: the answer's head as the wire gave it, its body as a Node stream that pauses the
 * connection while its reader is behind; `cut` ends it at any stage.
 */
function exchange(dispatcher: Dispatcher, target: URL, request: DirectRequest): DirectExchange {
  const headers: string[] = [];
  for (const [name, value] of request.headers) if (!TRANSPORT_OWNED.has(name)) headers.push(name, value);
  let abort: ((reason: Error) => void) | undefined;
  let cutReason: Error | undefined;
  let body: UpstreamBody | undefined;
  let resumeBody = () => {};
  let answered = false;
  let resolve!: (upstream: DirectUpstream) => void;
  let reject!: (error: unknown) => void;
  const response = new Promise<DirectUpstream>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  const handler: Dispatcher.DispatchHandler = {
    onConnect(cancel) {
      abort = cancel;
      if (cutReason) cancel(cutReason);
    },
    onHeaders(status, raw, resume, statusText) {
      if (answered) return true;
      answered = true;
      if (status < 200 || status > 599) {
        const refused = new Error(`upstream answered with status ${status}`);
        reject(refused);
        abort?.(refused);
        return false;
      }
      resumeBody = resume;
      const rawHeaders = raw.map((part) => part.toString("latin1"));
      const empty = NULL_BODY_STATUSES.has(status) || request.method === "HEAD";
      if (!empty) body = new UpstreamBody(() => resumeBody(), (error) => abort?.(error));
      resolve({ status, statusText: statusText ?? "", rawHeaders, body: empty ? null : body! });
      return true;
    },
    onData(chunk) {
      return body ? body.push(chunk) : true;
    },
    onComplete() {
      if (!body) return;
      body.complete = true;
      body.push(null);
    },
    onError(error) {
      if (!answered) {
        answered = true;
        reject(error);
      } else if (body && !body.destroyed) body.destroy(error);
    },
  };
  dispatcher.dispatch({ origin: target.origin, path: `${target.pathname}${target.search}`, method: request.method as Dispatcher.HttpMethod, headers, body: request.body as Dispatcher.DispatchOptions["body"] }, handler);
  return {
    response,
    cut: (reason) => {
      cutReason = reason;
      abort?.(reason);
      if (body && !body.destroyed) body.destroy(reason);
    },
  };
}

/**
 * A relay transport over undici with keep-alive, checking every resolved address against the private ranges
 * (unless the operator allowed the host), never following redirects, and passing compressed bodies through.
 * @example
 * const proxy = createProxy({ relay: { transport: createNodeTransport() }, listening: { host: "127.0.0.1" } });
 */
export function createNodeTransport(options: NodeTransportOptions = {}): RelayTransport {
  const resolveName = options.resolve ?? systemResolve;
  // The relay times its exchanges itself (headers timeout, idle guard): no timeouts of undici's own.
  const pool = (lookup: LookupFunction) => new Agent({ connect: { lookup } as object, headersTimeout: 0, bodyTimeout: 0 });
  const agents = { checked: pool(guardedLookup(resolveName, false)), unchecked: pool(guardedLookup(resolveName, true)) };
  const direct = (target: URL, request: DirectRequest): DirectExchange => exchange(request.allowPrivateAddresses ? agents.unchecked : agents.checked, target, request);
  const transport: RelayTransport = (target: URL, request: RelayRequest) => {
    const { signal } = request;
    const sent = direct(target, { method: request.method, headers: request.headers, body: request.body, allowPrivateAddresses: request.allowPrivateAddresses });
    const onAbort = () => sent.cut(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    const release = () => signal.removeEventListener("abort", onAbort);
    return sent.response.then(
      (upstream) => {
        // Lazy: the node adapter pipes the Node stream itself when nobody read the web one (no web stream per chunk).
        const body = upstream.body ? nodeBodyStream(upstream.body, () => (signal.aborted ? signal.reason : undefined)) : null;
        if (upstream.body) upstream.body.once("close", release);
        else release();
        return new Response(body, { status: upstream.status, statusText: upstream.statusText, headers: responseHeaders(upstream.rawHeaders) });
      },
      (error: unknown) => {
        release();
        throw signal.aborted ? signal.reason : error;
      },
    );
  };
  // The relay's own path: the same exchange, answered with the Node stream itself and cut by a call, not a signal.
  transport[DIRECT_EXCHANGE] = direct;
  transport.passesEncodedBodies = true;
  transport.checksAddresses = true;
  return transport;
}
