// The `fetch` a provider uses when nobody gave it one. In browsers, workers and extensions: the global `fetch`. In
// Node, with the `modelmesh` and `modelmesh/lazy` entries: `modelmesh/node-fetch` (undici's dispatcher), loaded on
// the first request (`modelmesh/static` uses no import(), so it keeps the global fetch). Node's own `fetch` builds a
// Request, a Response, web streams and an AbortSignal follower for every call: at 50 requests in flight ModelMesh on
// it reached 0.77–0.84 of a bare `fetch`'s throughput, on the dispatcher 1.95–2.37 (README, "The transport in Node").
//
// The global `fetch` stays in charge whenever someone has a say in it: a test or an interceptor that replaced it
// (vi.stubGlobal, MSW, nock), a dispatcher set for every fetch (undici's setGlobalDispatcher with a ProxyAgent or a
// MockAgent), NODE_USE_ENV_PROXY (Node's fetch then honours HTTP(S)_PROXY), or an app bundled for Node where the
// entry cannot be found: each falls back to `globalThis.fetch`, checked on every request.

import { nodeFetchLoader, type Fetch } from "./node-fetch-loader.js";

// Where undici (Node's bundled copy and the npm package alike) keeps the dispatcher every `fetch` uses.
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

/** What the transport's choice reads of Node's `process`. */
export interface NodeProcess {
  versions?: { node?: string; bun?: string; deno?: string };
  env?: Record<string, string | undefined>;
}

/** The global `fetch` when this module loaded: later replacements (stubs, interceptors) are seen by comparing. */
const startupFetch: Fetch | undefined = typeof globalThis.fetch === "function" ? globalThis.fetch : undefined;
/** undefined: not decided yet; null: the global fetch is used; otherwise the Node transport once loaded. */
let transport: Fetch | null | undefined;
let loading: Promise<Fetch | null> | undefined;

/**
 * Whether the Node transport may stand in for `fetch`: Node itself (not Bun or Deno, whose fetch is not undici), no
 * env proxy asked for, and `fetch` Node's own (a small function that loads its bundled undici; anything else is
 * someone's replacement).
 * @example
 * nodeTransportFits(process, fetch); // true in plain Node
 */
export function nodeTransportFits(node: NodeProcess | undefined, fetchFunction: Fetch | undefined): boolean {
  const versions = node?.versions;
  if (typeof versions?.node !== "string" || versions.bun !== undefined || versions.deno !== undefined) return false;
  if (node?.env?.NODE_USE_ENV_PROXY) return false;
  return fetchFunction !== undefined && Function.prototype.toString.call(fetchFunction).includes("undici");
}

/**
 * True when the dispatcher of every fetch is undici's own default: none yet, or an `Agent` (named `Agent2`,
 * `Agent3`... when a bundler renamed the class, as esbuild does on a clash). A ProxyAgent, an EnvHttpProxyAgent, a
 * MockAgent or any class of one's own means someone routes fetches on purpose.
 * @example
 * isDefaultDispatcher(globalThis[Symbol.for("undici.globalDispatcher.1")]);
 */
export function isDefaultDispatcher(dispatcher: { constructor?: { name?: string } } | undefined): boolean {
  return dispatcher === undefined || /^Agent\d*$/.test(dispatcher.constructor?.name ?? "");
}

const globalDispatcher = () => (globalThis as Record<symbol, { constructor?: { name?: string } } | undefined>)[GLOBAL_DISPATCHER];

async function loadTransport(): Promise<Fetch | null> {
  try {
    transport = await nodeFetchLoader()!();
  } catch {
    // An app bundled for Node without the package's files beside it: Node's fetch does the job.
    transport = null;
  }
  return transport;
}

/**
 * Sends a request with the platform's best `fetch` (see the top of this file).
 * @example
 * const response = await platformFetch("https://api.openai.com/v1/models", { headers: { authorization: "Bearer sk-..." } });
 */
export function platformFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  if (transport === undefined) {
    // Not decided while no entry has set the loader (a provider built and called before any create()): one may yet.
    if (nodeFetchLoader() === undefined) return globalThis.fetch(input, init);
    if (!nodeTransportFits((globalThis as { process?: NodeProcess }).process, startupFetch)) transport = null;
  }
  if (transport === null || globalThis.fetch !== startupFetch || !isDefaultDispatcher(globalDispatcher())) return globalThis.fetch(input, init);
  if (transport) return transport(input, init);
  return (loading ??= loadTransport()).then((loaded) => (loaded && globalThis.fetch === startupFetch ? loaded(input, init) : globalThis.fetch(input, init)));
}
