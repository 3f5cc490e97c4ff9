export { ModelMesh } from "../core/builtin-mesh.js";
