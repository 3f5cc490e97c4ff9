// The whole public surface of `modelmesh`. Named exports only; nothing here runs on import.
// `create()` checks the configuration at once and loads the mesh and the connectors it names with import() (see
// client/create.ts); `ModelMesh` links every built-in statically, for code that starts a mesh itself.
export { create } from "./client/create.js";
export { ModelMesh } from "./core/builtin-mesh.js";
export * from "./surface.js";
