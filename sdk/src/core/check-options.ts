// What create() of the `modelmesh` and `modelmesh/static` entries checks synchronously: the whole configuration
// (resolveConfig) and the code-level options, and that every connector they name is registered.
import { loadConfigSync, resolveConfig, type ResolvedConfig } from "./config.js";
import { applyOptions, checkNamedConnectors } from "./config-outline.js";
import { configSource } from "./config-source.js";
import type { CreateOptions } from "./options.js";

export { applyOptions, namedConnectors } from "./config-outline.js";

/**
 * Checks what can be checked without I/O: an object or JSON configuration, the code-level options, and that every
 * connector they name is registered (a static table: nothing is loaded). Throws ConfigError with the path at once;
 * returns undefined when the configuration is YAML text or a file path (checked when it has been read).
 * @example
 * validateOptions({ providers: ["openai"] }); // the resolved configuration
 */
export function validateOptions(options: CreateOptions): ResolvedConfig | undefined {
  const source = configSource(options.config);
  let config: ResolvedConfig;
  if (source === undefined || typeof source === "object") config = applyOptions(resolveConfig(source ?? {}), options);
  else if (source.trim().startsWith("{")) config = applyOptions(resolveConfig(loadConfigSync(source)), options);
  else return undefined;
  checkNamedConnectors(config);
  return config;
}
