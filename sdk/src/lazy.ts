// `modelmesh/lazy`: create() for web apps. Nothing here imports a connector, so a bundler ships only the client and
// the connector-name check up front; the mesh (with the full configuration check) and each connector a configuration
// names are fetched with import() when create() starts. (The root entry loads them the same way but checks the whole
// configuration in create(), about 3 KB gzip more up front; with esbuild --splitting it also loads every connector's
// chunk up front, evanw/esbuild#3252.)

export { create } from "./client/lazy-create.js";
export type { MeshClient, MeshClientState, MeshDescription, MeshExplanation } from "./client/mesh-client.js";
export type { MeshStream } from "./client/mesh-stream.js";
export type { MeshPromise, WithResponse } from "./client/raw-response.js";
export type { ChatCompletions, ChatCompletionCreateParamsStreaming, ChatCompletionCreateParamsNonStreaming } from "./client/chat-completions.js";
export type { LazyModelMesh } from "./core/lazy-mesh.js";
export type { CreateOptions, ConnectorOption, CloseOptions } from "./core/options.js";
export type { MeshConfigObject, ResolvedConfig } from "./core/config.js";
export { capabilities, resolveCapability, capabilityCovers, type CapabilityNode } from "./wire/capabilities.js";
export { servedBy, servedHeaders, SERVED_BY, type ServedBy } from "./wire/served.js";
export { registerConnector, registerConnectorLoader, type ConnectorKind, type ConnectorClass, type ConnectorDescription, type ConnectorLoader } from "./core/registry.js";
export { Middleware, type MiddlewareContext, type MiddlewareLike } from "./core/middleware.js";
export type { RequestOptions } from "./core/router.js";
export type { UsageSummary, UsageEntry } from "./core/usage.js";
export type * from "./wire/types.js";
export {
  ModelMeshError,
  ConfigError,
  ProviderError,
  AuthenticationError,
  RateLimitError,
  TimeoutError,
  ConnectionError,
  BudgetExceededError,
  InvalidRequestError,
  NoCapableModelError,
  SecretNotFoundError,
  StorageError,
  StreamInterruptedError,
  AllProvidersExhaustedError,
  isModelMeshError,
  isSerializedError,
  type SerializedError,
  type Attempt,
} from "./wire/errors.js";
