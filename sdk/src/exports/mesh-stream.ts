export { MeshStream } from "../wire/mesh-stream.js";
