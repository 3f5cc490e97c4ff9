import type { ModelMesh } from "../core/mesh.js";
import type { RequestLimits } from "../core/options.js";

/** What every resource needs: the mesh once it has started, and the limits requests are checked against. */
export interface ClientContext {
  mesh(): Promise<ModelMesh>;
  /** The mesh once it has started, without waiting (undefined while starting): a call then skips one await. */
  started?(): ModelMesh | undefined;
  /** What each request is checked against before routing. */
  limits: RequestLimits;
}
