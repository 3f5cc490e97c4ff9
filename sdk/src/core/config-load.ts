// What only a started mesh (or a caller holding a MeshConfig) needs: reading YAML and files, and the `${secrets:…}`
// references. Apart from `config.ts` (what create() checks synchronously), so bundlers that split by module (Vite's
// Rolldown) keep this code out of a page's first load.
import { ConfigError } from "../wire/error-base.js";
import { MESH_CONFIG_BRAND } from "./config-source.js";
import { isPlainObject, loadConfigSync, resolveConfig, type MeshConfigObject, type ResolvedConfig } from "./config.js";

/** True when a string is configuration text rather than a file path. */
function looksLikeText(value: string): boolean {
  return value.includes("\n") || /^\s*[{[]/.test(value) || /^\s*[\w-]+\s*:/.test(value);
}

/**
 * Parses configuration text: JSON, or YAML through the `yaml` package, which is loaded only when
 * YAML is given so browser bundles that pass objects never carry it.
 */
export async function parseConfigText(text: string, origin = "configuration"): Promise<MeshConfigObject> {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      return JSON.parse(trimmed) as MeshConfigObject;
    } catch (error) {
      throw new ConfigError("", `${origin} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const { parse } = await import("yaml");
  try {
    const value: unknown = parse(text);
    return (value ?? {}) as MeshConfigObject;
  } catch (error) {
    throw new ConfigError("", `${origin} is not valid YAML: ${(error as Error).message}`);
  }
}

/** Loads configuration from YAML/JSON text, an object, or (Node only) a file path ending .yaml/.yml/.json. */
export async function loadConfig(source: string | MeshConfigObject): Promise<MeshConfigObject> {
  if (typeof source !== "string") return source;
  if (looksLikeText(source) || !/\.(ya?ml|json)$/i.test(source.trim())) return parseConfigText(source);
  return parseConfigText(await readConfigFile(source), source);
}

/** A configuration file's text (Node only); ConfigError naming the file when it cannot be read. */
async function readConfigFile(path: string): Promise<string> {
  // process.getBuiltinModule (Node >= 20.16), not import(): minifiers fold a constant specifier back into
  // `import("node:fs/promises")`, which then sits in every browser bundle (Vite 8 and esbuild both do).
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const fs = runtime?.getBuiltinModule?.("node:fs/promises") as { readFile(path: string, encoding: "utf8"): Promise<string> } | undefined;
    if (!fs) throw new Error("files can be read only in Node (20.16 or later); in a browser, pass the configuration's YAML text or object");
    return await fs.readFile(path.trim(), "utf8");
  } catch (error) {
    throw new ConfigError("", `cannot read configuration file ${path}: ${(error as Error).message}`);
  }
}

/**
 * `MeshConfig.fromYaml`'s argument, YAML text or (as the FAQ's `MeshConfig.from_yaml("modelmesh.yaml")`) a file's
 * path: text that parses to a mapping is the configuration; a single line that parses to a plain string cannot be
 * one, so it is read as a path, whatever its ending (`C:\mesh.yaml` too, whose `C:` looks like a key).
 */
async function yamlOrFile(source: string): Promise<MeshConfigObject> {
  const parsed: unknown = await parseConfigText(source);
  if (typeof parsed !== "string" || source.trim().includes("\n")) return parsed as MeshConfigObject;
  return parseConfigText(await readConfigFile(source), source);
}

const SECRET_REFERENCE = /\$\{secrets:([^}]+)\}/g;

/** Every `${secrets:NAME}` in the configuration's strings. */
export function secretReferences(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === "string") for (const match of value.matchAll(SECRET_REFERENCE)) found.add(match[1]!.trim());
  else if (Array.isArray(value)) value.forEach((item) => secretReferences(item, found));
  else if (isPlainObject(value)) Object.values(value).forEach((item) => secretReferences(item, found));
  return found;
}

/** A copy with every `${secrets:NAME}` replaced from `values` (class instances are left untouched). */
export function interpolateSecrets<T>(value: T, values: ReadonlyMap<string, string>): T {
  if (typeof value === "string") return value.replace(SECRET_REFERENCE, (_, name: string) => values.get(name.trim()) ?? "") as T;
  if (Array.isArray(value)) return value.map((item) => interpolateSecrets(item, values)) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateSecrets(item, values)])) as T;
  return value;
}

/**
 * A validated configuration.
 * @example
 * const config = await MeshConfig.fromYaml("modelmesh.yaml"); // YAML text works too
 * const client = create(config);
 * const same = new MeshConfig({ raw: config.raw }); // the FAQ's MeshConfig(raw={...})
 */
export class MeshConfig {
  readonly raw: MeshConfigObject;
  readonly resolved: ResolvedConfig;
  /** `raw` is the configuration object, or it wrapped as `{ raw }` (the FAQ's Python `MeshConfig(raw={...})`). */
  constructor(raw: MeshConfigObject | { raw: MeshConfigObject }) {
    // `raw` is no configuration key, so an object of only `raw` can only be the FAQ's keyword argument.
    const keys = isPlainObject(raw) ? Object.keys(raw) : [];
    const config = keys.length === 1 && keys[0] === "raw" && isPlainObject(raw.raw) ? raw.raw : raw;
    this.raw = config;
    this.resolved = resolveConfig(config);
    // A brand instead of `instanceof` at the call sites: importing the class there would keep its YAML and file
    // loaders in bundles that never parse YAML (modelmesh/static), and would fail across two copies of the package.
    Object.defineProperty(this, MESH_CONFIG_BRAND, { value: true });
  }
  /**
   * From YAML (or JSON) text, or in Node from a file's path (`MeshConfig.fromYaml("modelmesh.yaml")`, as the FAQ);
   * in a browser a path is a ConfigError saying that files are read in Node only.
   */
  static async fromYaml(textOrPath: string): Promise<MeshConfig> {
    return new MeshConfig(await yamlOrFile(textOrPath));
  }
  static fromJson(text: string): MeshConfig {
    return new MeshConfig(loadConfigSync(text));
  }
  /** Node only. */
  static async fromFile(path: string): Promise<MeshConfig> {
    return new MeshConfig(await loadConfig(path));
  }
}
