export { MeshConfig } from "../core/config-load.js";
