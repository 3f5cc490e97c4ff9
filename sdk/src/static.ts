// `modelmesh/static`: for bundles that must not use import() (an MV3 service worker forbids it). Everything the root
// entry exports, except that `create()` and `ModelMesh` link the mesh statically and know only the connectors the app
// registers with `registerConnectors([...])`, plus the defaults (stick-until-failure, env secrets, memory storage,
// null observability, auto-discovery). Configuration is an object or JSON text: no YAML parser and no file system.
import { createArguments, type CreateArguments } from "./client/create-arguments.js";
import { ConfigError } from "./wire/error-base.js";
import { ModelMesh } from "./core/mesh.js";
import type { ResolvedConfig } from "./core/config.js";
import { BUILTIN_CONNECTORS } from "./core/connector-ids.js";
import { registerConnectors as register, type ConnectorClass } from "./core/registry.js";
import { MeshClient, type ClientOptions, type MeshSetup } from "./client/mesh-client.js";

export * from "./surface.js";
export { ModelMesh };

const STATIC_MESH_SETUP: MeshSetup<ResolvedConfig> = {
  validate(options) {
    if (typeof options.config === "string" && !options.config.trim().startsWith("{")) {
      throw new ConfigError("", 'modelmesh/static reads configuration objects and JSON only; parse YAML first (import { parse } from "yaml"; create({ config: parse(text) })) or use the "modelmesh" entry');
    }
    return ModelMesh.validate(options);
  },
  start: (options, validated) => ModelMesh.start(options, validated),
};

/**
 * Makes connector classes nameable from configuration by their `connectorId` and short names, with static
 * imports only. Call it before `create()`.
 * @example
 * import { create, registerConnectors, OpenAIProvider, CostFirstPolicy } from "modelmesh/static";
 * registerConnectors([OpenAIProvider, CostFirstPolicy]);
 * const client = create("chat-completion", { providers: ["openai"], strategy: "cost-first" });
 */
export function registerConnectors(connectors: readonly ConnectorClass[]): void {
  register(connectors, BUILTIN_CONNECTORS);
}

/**
 * `create()` without `import()`: the mesh is linked statically and configuration may name the registered
 * connectors (see `registerConnectors`) and the defaults only. Same call shape as the root entry's `create()`.
 * @example
 * registerConnectors([OpenAIProvider]);
 * const client = create("chat-completion", { providers: [{ connector: "openai", config: { apiKey } }] });
 */
export function create(capabilityOrOptions?: string | ClientOptions, options?: ClientOptions): MeshClient;
export function create(...args: CreateArguments<ClientOptions>): MeshClient;
export function create(...args: unknown[]): MeshClient {
  const { capabilities, options } = createArguments<ClientOptions>(args);
  return new MeshClient(capabilities, options ?? {}, STATIC_MESH_SETUP);
}
