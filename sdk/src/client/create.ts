import type { CreateOptions } from "../core/options.js";
import type { MeshConfig, ResolvedConfig } from "../core/config.js";
import { ModelMesh } from "../core/builtin-mesh.js";
import { MeshClient, type MeshSetup } from "./mesh-client.js";

/** The `modelmesh` entry's setup: every built-in linked and nameable; YAML parsed on demand. */
export const BUILTIN_MESH_SETUP: MeshSetup<ResolvedConfig> = {
  validate: (options) => ModelMesh.validate(options),
  start: (options, validated) => ModelMesh.start(options, validated),
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
 * const fromConfig = create(new MeshConfig({ providers: { openai: { connector: "openai.llm.v1" } } }));
 */
export function create(capability?: string, options?: CreateOptions): MeshClient;
export function create(options: CreateOptions | MeshConfig): MeshClient;
export function create(capabilityOrOptions?: string | CreateOptions | MeshConfig, options: CreateOptions = {}): MeshClient {
  // A MeshConfig is `{ config: it }` (MeshClient's constructor unwraps it).
  if (typeof capabilityOrOptions === "object" && capabilityOrOptions !== null) return new MeshClient(undefined, capabilityOrOptions as CreateOptions, BUILTIN_MESH_SETUP);
  return new MeshClient(capabilityOrOptions, options, BUILTIN_MESH_SETUP);
}
