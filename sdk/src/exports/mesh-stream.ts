export { MeshStream } from "../client/mesh-stream.js";
