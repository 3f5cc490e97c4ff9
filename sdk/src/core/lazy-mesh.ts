import { ModelMesh as StaticModelMesh } from "./mesh.js";
import type { MeshConfigObject } from "./config.js";
import { loadConfig } from "./config-load.js";
import { registerBuiltins } from "./builtins.js";

/**
 * The mesh of `modelmesh/lazy`: every built-in connector can be named from configuration and its code is loaded
 * (its own chunk) the first time one is named; configuration may be YAML text or (Node) a file path, the YAML
 * parser loading only when YAML is given.
 * @example
 * const mesh = await LazyModelMesh.start({ config: yamlText });
 * const errors = await mesh.reconfigure(newYamlText); // [] when applied
 */
export class LazyModelMesh extends StaticModelMesh {
  protected static override prepare(): void {
    registerBuiltins();
    super.prepare();
  }

  protected static override readConfig(source: string | MeshConfigObject): Promise<MeshConfigObject> {
    return loadConfig(source);
  }
}
