import type { CreateOptions } from "../core/mesh.js";
import { MeshClient } from "./mesh-client.js";

/**
 * Creates a client for a capability ("chat-completion"), a pool name, or a whole configuration.
 * With no configuration and no providers, providers are discovered from the secret store
 * (environment variables in Node: OPENAI_API_KEY, ...).
 * @example
 * const client = create("chat-completion");
 * const yamlClient = create({ config: yamlText });
 * const custom = create("chat-completion", { providers: ["openai"], strategy: "cost-first" });
 */
export function create(capability?: string, options?: CreateOptions): MeshClient;
export function create(options: CreateOptions): MeshClient;
export function create(capabilityOrOptions?: string | CreateOptions, options: CreateOptions = {}): MeshClient {
  if (typeof capabilityOrOptions === "object" && capabilityOrOptions !== null) return new MeshClient(undefined, capabilityOrOptions);
  return new MeshClient(capabilityOrOptions, options);
}
