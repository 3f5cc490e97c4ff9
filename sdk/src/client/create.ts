import type { CreateOptions } from "../core/options.js";
import { validateOptions } from "../core/build.js";
import { registerBuiltins } from "../core/builtins.js";
import { MeshClient, type MeshSetup } from "./mesh-client.js";

// The mesh's code (router, pools, retry, connectors) is its own chunk: a page that calls create() downloads it
// while the client starts, not before the page runs. Connectors load when a configuration names them.
/** The `modelmesh` entry's setup: every built-in nameable, loaded on first use; YAML parsed on demand. */
export const BUILTIN_MESH_SETUP: MeshSetup = {
  validate(options) {
    registerBuiltins();
    return validateOptions(options);
  },
  async start(options, validated) {
    const { ModelMesh } = await import("../core/builtin-mesh.js");
    return ModelMesh.start(options, validated);
  },
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
 */
export function create(capability?: string, options?: CreateOptions): MeshClient;
export function create(options: CreateOptions): MeshClient;
export function create(capabilityOrOptions?: string | CreateOptions, options: CreateOptions = {}): MeshClient {
  if (typeof capabilityOrOptions === "object" && capabilityOrOptions !== null) return new MeshClient(undefined, capabilityOrOptions, BUILTIN_MESH_SETUP);
  return new MeshClient(capabilityOrOptions, options, BUILTIN_MESH_SETUP);
}
