import type { ProviderOperation } from "../provider/provider.js";
import type { ModelMesh } from "../core/mesh.js";
import type { RequestLimits } from "./validate.js";

/** What every resource needs: the mesh once it has started, and the client's default target. */
export interface ClientContext {
  mesh(): Promise<ModelMesh>;
  defaultTarget(operation: ProviderOperation): string | undefined;
  /** What each request is checked against before routing. */
  limits: RequestLimits;
}
