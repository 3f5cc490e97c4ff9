export {
  MeshClient,
  type ClientOptions,
  type MeshClientState,
  type MeshDescription,
  type MeshExplanation,
} from "../client/mesh-client.js";
