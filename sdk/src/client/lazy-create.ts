import { createArguments, type CreateArguments } from "./create-arguments.js";
import { outlineOptions } from "../core/config-outline.js";
import { registerBuiltinNames } from "../core/builtin-names.js";
import { MeshClient, type ClientOptions, type MeshSetup } from "./mesh-client.js";

// The mesh's code (router, pools, retry) is its own chunk: a page that calls create() downloads it while the client
// starts, not before the page runs. Each connector is its own chunk too, fetched when a configuration names it.
const LAZY_MESH_SETUP: MeshSetup = {
  // Connector names are checked now; the rest of the configuration when the mesh starts (see config-outline.ts).
  validate(options) {
    registerBuiltinNames();
    return outlineOptions(options);
  },
  // The worker-specific error of the root entry (load-mesh.ts) is left out here: its text would ship in every page.
  async start(options) {
    const { LazyModelMesh } = await import("../core/lazy-mesh.js");
    return LazyModelMesh.start(options);
  },
};

/**
 * `create()` of `modelmesh/lazy`: same call shape as the root entry's, but only the client ships up front; the mesh
 * and the connectors its configuration names are fetched (`import()`) when it starts. An unknown connector name in an
 * object or JSON configuration (or in the options) throws ConfigError with its path at once, as in `modelmesh`; any
 * other configuration error (an unknown key, a bad number, malformed JSON) rejects `ready()` and every call with the
 * same ConfigError, because the full check loads with the mesh.
 * @example
 * import { create } from "modelmesh/lazy";
 * const client = create("chat-completion", { providers: [{ connector: "openai.llm.v1", config: { apiKey } }] });
 */
export function create(capabilityOrOptions?: string | ClientOptions, options?: ClientOptions): MeshClient;
export function create(...args: CreateArguments<ClientOptions>): MeshClient;
export function create(...args: unknown[]): MeshClient {
  const { capabilities, options } = createArguments<ClientOptions>(args);
  return new MeshClient(capabilities, options ?? {}, LAZY_MESH_SETUP);
}
