import { ConfigError } from "../wire/error-base.js";
import type { ModelMesh } from "../core/mesh.js";
import type { CreateOptions } from "../core/options.js";
import type { ResolvedConfig } from "../core/config.js";

/**
 * Starts the mesh of the `modelmesh` entry, whose code (and each connector's) is loaded with `import()`.
 * A Manifest V3 service worker forbids `import()` ("import() is disallowed on ServiceWorkerGlobalScope"): there the
 * failure becomes a ConfigError that says how to bundle a worker instead of a bare TypeError.
 * @example
 * const mesh = await startLazyMesh(options, validated);
 */
export async function startLazyMesh(options: CreateOptions, validated: ResolvedConfig | undefined, load: () => Promise<LazyMeshModule> = loadLazyMesh): Promise<ModelMesh> {
  let loaded: LazyMeshModule;
  try {
    loaded = await load();
  } catch (error) {
    throw importFailure(error);
  }
  return loaded.LazyModelMesh.start(options, validated);
}

type LazyMeshModule = typeof import("../core/lazy-mesh.js");

const loadLazyMesh = (): Promise<LazyMeshModule> => import("../core/lazy-mesh.js");

/** A failed `import()` in a service worker as the ConfigError that names the way out; anything else unchanged. */
export function importFailure(error: unknown): unknown {
  const scope = globalThis as { ServiceWorkerGlobalScope?: abstract new () => unknown };
  const inWorker = typeof scope.ServiceWorkerGlobalScope === "function" && globalThis instanceof scope.ServiceWorkerGlobalScope;
  if (!inWorker && !/ServiceWorkerGlobalScope/.test(String((error as Error | undefined)?.message))) return error;
  // Kept short: this text ships up front in every web page (README, "Bundling ModelMesh for browsers", says more).
  return new ConfigError("", 'a service worker cannot import() ModelMesh: bundle it without code splitting, or use "modelmesh/static"', { cause: error });
}
