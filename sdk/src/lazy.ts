// `modelmesh/lazy`: create() for web apps. Nothing here imports a connector, so a bundler ships only the client and
// the connector-name check up front; the mesh (with the full configuration check) and each connector a configuration
// names are fetched with import() when create() starts. (The root entry loads them the same way but checks the whole
// configuration in create(), about 3 KB gzip more up front.)
// Values only through `export *` and one-module barrels (exports/), as in index.ts: a barrel reached only through
// `export *` stays out of a bundle unless one of its names is used (evanw/esbuild#3252).

export * from "./exports/lazy-create.js";
export type { ClientOptions, MeshClient, MeshClientState, MeshDescription, MeshExplanation } from "./client/mesh-client.js";
export type { MeshStream } from "./wire/mesh-stream.js";
export type { MeshPromise, WithResponse } from "./client/raw-response.js";
export type { ChatCompletions, ChatCompletionCreateParamsStreaming, ChatCompletionCreateParamsNonStreaming } from "./client/chat-completions.js";
export type { ChatCompletionStream } from "./client/chat-completion-stream.js";
export type { ChatCompletionRunner } from "./client/chat-completion-runner.js";
export type { ChatCompletionStreamingRunner } from "./client/chat-completion-streaming-runner.js";
export type { ChatCompletionSnapshot } from "./core/chat-stream-snapshot.js";
export type { LazyModelMesh } from "./core/lazy-mesh.js";
export type { CreateOptions, ConnectorOption, CloseOptions } from "./core/options.js";
export type { MeshConfigObject, ResolvedConfig } from "./core/config.js";
export * from "./exports/capabilities.js";
export * from "./exports/served.js";
export * from "./exports/registry.js";
export * from "./exports/middleware.js";
export type { RequestOptions } from "./core/router.js";
export type { UsageSummary, UsageEntry } from "./core/usage.js";
export type * from "./wire/types.js";
export * from "./exports/error-base.js";
export * from "./exports/errors.js";
