import { createArguments, type CreateArguments } from "./create-arguments.js";
import type { CreateOptions } from "../core/options.js";
import type { ResolvedConfig } from "../core/config.js";
import type { MeshConfig } from "../core/config-load.js";
import { validateOptions } from "../core/check-options.js";
import { registerBuiltinNames } from "../core/builtin-names.js";
import { MeshClient, type ClientOptions, type MeshSetup } from "./mesh-client.js";
import { startLazyMesh } from "./load-mesh.js";

/**
 * The `modelmesh` entry's setup: the whole configuration is checked in `create()` (a typo throws there), and the mesh
 * and each connector the configuration names are loaded with `import()` when the client starts. A bundler that splits
 * code correctly (Vite, Rollup, Rolldown) then ships `create` and the configuration check up front and every
 * connector as its own chunk, fetched only when named; a bundler that does not split (the proxy's CLI, an MV3 worker
 * built with esbuild without --splitting or Vite with code splitting off) inlines them (see load-mesh.ts for a worker
 * built with splitting). esbuild with `--splitting` still imports every chunk the root re-exports
 * (evanw/esbuild#3252): there `modelmesh/lazy` is the entry that stays small.
 */
export const BUILTIN_MESH_SETUP: MeshSetup<ResolvedConfig> = {
  validate(options) {
    registerBuiltinNames();
    return validateOptions(options);
  },
  start: (options, validated) => startLazyMesh(options, validated),
};

/**
 * Creates a client for a capability ("chat-completion"), a pool name, or a whole configuration.
 * With no configuration and no providers, providers are discovered from the secret store
 * (environment variables in Node: OPENAI_API_KEY, ...).
 * An object or JSON configuration is checked at once: a bad key or an unknown connector throws ConfigError here.
 * @example
 * const client = create("chat-completion");
 * const yamlClient = create({ config: yamlText });
 * const custom = create("chat-completion", { providers: ["openai"], strategy: "cost-first" });
 * const both = create("chat-completion", "text-embeddings", { strategy: "cost-first" }); // each kind's default
 * const fromConfig = create(new MeshConfig({ providers: { openai: { connector: "openai.llm.v1" } } }));
 * const overMesh = create({ mesh }); // a ModelMesh made with new ModelMesh() and initialize(config)
 */
export function create(capabilityOrOptions?: string | ClientOptions | MeshConfig, options?: ClientOptions): MeshClient;
export function create(...args: CreateArguments<ClientOptions | MeshConfig>): MeshClient;
export function create(...args: unknown[]): MeshClient {
  // A MeshConfig is `{ config: it }` (MeshClient's constructor unwraps it).
  const { capabilities, options } = createArguments<CreateOptions>(args);
  return new MeshClient(capabilities, options ?? {}, BUILTIN_MESH_SETUP);
}
