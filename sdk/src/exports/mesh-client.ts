export {
  MeshClient,
  type MeshClientState,
  type MeshDescription,
  type MeshExplanation,
} from "../client/mesh-client.js";
