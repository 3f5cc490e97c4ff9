// Shared by config.ts and config-outline.ts (which reads configuration before config.ts has loaded in modelmesh/lazy).

// What configSource reads of a MeshConfig (this file does not import config.ts, which imports it).
type MeshConfigLike = { readonly raw: Record<string, unknown>; readonly resolved: unknown };

/** Marks a `MeshConfig` (see `configSource`). */
export const MESH_CONFIG_BRAND = "__modelmeshConfig";

/**
 * The configuration object a `MeshConfig` holds, or the source unchanged.
 * @example
 * resolveConfig(configSource(options.config) ?? {});
 */
export function configSource<T>(source: T): Exclude<T, MeshConfigLike> | Record<string, unknown> {
  return isMeshConfig(source) ? source.raw : (source as Exclude<T, MeshConfigLike>);
}

const isMeshConfig = (value: unknown): value is MeshConfigLike => typeof value === "object" && value !== null && (value as Record<string, unknown>)[MESH_CONFIG_BRAND] === true;

/**
 * Options as given, or `{ config }` when given a `MeshConfig` itself (`create(new MeshConfig(raw))`,
 * `ModelMesh.start(await MeshConfig.fromYaml(text))`, as the FAQ's `mesh.initialize(MeshConfig(...))`).
 * @example
 * createOptions(new MeshConfig({ pools: {} })); // { config: MeshConfig {...} }
 */
export function createOptions<T extends object>(options: T | MeshConfigLike): T | { config: MeshConfigLike } {
  return isMeshConfig(options) ? { config: options } : options;
}

/**
 * `daily_limit` -> `dailyLimit`; ids such as `openai.llm.v1` and names such as `chat-fast` are untouched.
 * @example
 * toCamelCase("stream_failover"); // "streamFailover"
 */
export function toCamelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

