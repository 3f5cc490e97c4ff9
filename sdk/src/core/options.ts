import type { MeshConfig, MeshConfigObject } from "./config.js";
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
}
