import { ModelMesh as StaticModelMesh } from "./mesh.js";
import { loadConfig, type MeshConfigObject } from "./config.js";
import { registerBuiltins } from "./builtins.js";

/**
 * The mesh of the `modelmesh` entry: every built-in connector can be named from configuration and its code is
 * loaded the first time one is named; configuration may be YAML text or (Node) a file path, the YAML parser
 * loading only when YAML is given. `modelmesh/static` exports the base class instead (no `import()` at all).
 * @example
 * const mesh = await ModelMesh.start({ config: "modelmesh.yaml" });
 * const errors = await mesh.reconfigure(newYamlText); // [] when applied
 */
export class ModelMesh extends StaticModelMesh {
  protected static override prepare(): void {
    registerBuiltins();
    super.prepare();
  }

  protected static override readConfig(source: string | MeshConfigObject): Promise<MeshConfigObject> {
    return loadConfig(source);
  }
}
