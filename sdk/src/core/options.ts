import type { MeshConfigObject } from "./config.js";
import type { MeshConfig } from "./config-load.js";
import type { Middleware, MiddlewareLike } from "./middleware.js";
import type { Provider } from "../provider/provider.js";
import type { BaseRotationPolicy } from "../rotation/rotation.js";
import type { SecretStore } from "../secrets/secret-store.js";

// Types only, in their own file so `build.ts` and `mesh.ts` need not import each other.

/**
 * A connector named by id (with its options) or given as a ready instance.
 * @example
 * const sink: ConnectorOption = { connector: "console", config: { level: "info" } };
 */
export type ConnectorOption = { connector: string; config?: Record<string, unknown> } | { instance: unknown };

/**
 * Everything `create()` accepts besides the capability.
 * @example
 * const options: CreateOptions = { providers: ["openai"], strategy: "cost-first" };
 */
/** Options of `client.close()`. */
export interface CloseOptions {
  /**
   * How long to wait for requests still running before writing state and closing, in ms (default 10,000; 0 waits
   * for nothing). A request that ends in that time is in the saved usage and spend; one still running after it is not.
   */
  timeoutMs?: number;
}

/** How long `close()` waits for requests still running, unless told otherwise. */
export const CLOSE_WAIT_MS = 10_000;
/** The longest wait `close()` accepts (an hour). */
export const MAX_CLOSE_WAIT_MS = 3_600_000;

export interface CreateOptions {
  /** YAML or JSON text, a parsed object, a `MeshConfig`, or (Node only) a path ending .yaml/.yml/.json. */
  config?: string | MeshConfigObject | MeshConfig;
  providers?: Array<string | { connector?: string; name?: string; config?: Record<string, unknown>; instance?: Provider }>;
  /** Default strategy for pools that do not name one: id, short name, or an instance. */
  strategy?: string | BaseRotationPolicy;
  middleware?: Array<Middleware | MiddlewareLike>;
  storage?: ConnectorOption;
  secrets?: { store: string; config?: Record<string, unknown> } | { instance: SecretStore };
  observability?: ConnectorOption | ConnectorOption[];
  /** Transport for every provider (tests, proxies). */
  fetch?: typeof fetch;
  /** Clock, sleep and random source: injected in tests for determinism. */
  clock?: { now?: () => number; sleep?: (ms: number, signal?: AbortSignal) => Promise<void>; random?: () => number };
  /** How long model state may wait before it is written to storage (default 1000 ms). */
  persistDelayMs?: number;
  /** Limits every request is checked against before routing (depth, bytes, model name length); see `RequestLimits`. */
  limits?: Partial<RequestLimits>;
}

/** Limits on what a caller may send; every request is checked against them before routing. */
export interface RequestLimits {
  /**
   * Deepest nesting of objects and arrays in a request body, the body itself being level 1 (default 64).
   * The deepest legitimate shape in the OpenAI API is a JSON schema in `response_format` or `tools`, which OpenAI
   * caps at 10 schema levels (about 3 JSON levels each, plus 4 for the body around it); 64 leaves twice that, and
   * stays far below where recursive serialisers give up (V8's `JSON.stringify` overflows at a few thousand levels).
   */
  maxDepth: number;
  /**
   * Largest JSON request body, in UTF-8 bytes as it would be sent (default 32 MiB: Anthropic's documented request
   * limit, above the CORS proxy's 25 MB default, and room for several base64 images). File uploads (transcription)
   * are not JSON and are not counted.
   */
  maxBytes: number;
  /** Longest `model` name (default 256): real ids are under 100 characters, and a name is kept in logs and state. */
  maxModelLength: number;
}
