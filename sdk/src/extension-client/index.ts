// `modelmesh/extension`: what a web page needs to use the ModelMesh browser extension. Kept apart from the root
// entry so a page that only talks to the extension ships none of the routing core (budget: 3 KB gzip).
export * from "./protocol.js";
export { connectExtension, type ConnectExtensionOptions, type ExtensionClient, type ExtensionRequestOptions, type ExtensionStream } from "./connect.js";
