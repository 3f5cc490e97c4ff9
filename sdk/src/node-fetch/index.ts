// `modelmesh/node-fetch`: the `fetch` ModelMesh's providers use on Node, on undici's dispatcher. Node only (it
// imports node:stream, node:zlib and undici), so it is an entry of its own: no other module of the package imports
// it, and the `modelmesh` entry loads it in Node only through `import()` (src/internal/platform-fetch.ts).

export { createNodeFetch, nodeBodyReader, BODY_READER, RELEASES_SIGNAL, type NodeFetch, type NodeFetchOptions, type NodeBodyReader } from "./fetch.js";
export { nodeBodyStream, takeNodeBody } from "./node-body.js";
export { UpstreamBody } from "./upstream-body.js";
