import { ConfigError } from "../wire/errors.js";
import type { ModelMesh } from "../core/mesh.js";
import type { CreateOptions } from "../core/options.js";
import type { ResolvedConfig } from "../core/config.js";

/**
 * Starts the mesh of `modelmesh` and `modelmesh/lazy`, whose code (and each connector's) is loaded with `import()`.
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
  const message = error instanceof Error ? error.message : String(error);
  if (!inWorker && !/ServiceWorkerGlobalScope/.test(message)) return error;
  return new ConfigError(
    "",
    'this service worker cannot load ModelMesh with import() (Manifest V3 forbids it): bundle the worker without code splitting (esbuild without --splitting, Vite with build.rolldownOptions.output.codeSplitting: false) so the connectors are inlined, or import { create, registerConnectors } from "modelmesh/static" and register the connectors you name',
    { cause: error },
  );
}
