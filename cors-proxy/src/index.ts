// The proxy's public surface: the Web-standard handler, the node:http adapter, the CLI pieces. Named exports only.
export { createProxy, type Proxy, type ProxyOptions, type RequestContext } from "./handler.js";
export { startProxyServer, createNodeListener, type ProxyServer, type ProxyServerOptions } from "./node-adapter.js";
export { createNodeTransport, type NodeTransportOptions, type ResolvedAddress } from "./node-transport.js";
export { BUILTIN_RELAY_HOSTS, RELAY_TOKEN_HEADER, BlockedAddressError, fetchTransport, type RelayOptions, type RelayTransport, type RelayRequest } from "./relay.js";
export { readProxySection, readEnvironment, mergeSettings, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_BODY_BYTES, type ProxySettings, type ProxySettingsLayer } from "./config.js";
export { runCli, serve, parseCliArguments, type RunningProxy } from "./cli.js";
export { isPrivateAddress } from "./addresses.js";
export type { CorsSettings } from "./cors.js";
