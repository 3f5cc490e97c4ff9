import { ConfigError } from "../wire/error-base.js";

/** `create()`'s arguments: capability names first (one or several), then at most one options object. */
export type CreateArguments<Options> = [] | [...capabilities: string[]] | [...capabilities: string[], options: Options];

/**
 * Splits `create()`'s arguments into the capabilities the client serves by default (the first of each kind answers a
 * request without `model`) and its options. Anything else is a ConfigError, never an option silently dropped
 * (`create("chat-completion", "text-embeddings", { strategy })` keeps its strategy).
 * @example
 * createArguments(["chat-completion", "text-embeddings", { strategy: "cost-first" }]); // { capabilities: [...2], options: { strategy } }
 */
export function createArguments<Options extends object>(args: readonly unknown[]): { capabilities: string[]; options: Options | undefined } {
  const capabilities: string[] = [];
  let options: Options | undefined;
  args.forEach((arg, index) => {
    // `create(undefined, options)` is an absent capability, as it always was.
    if (arg === undefined) return;
    if (typeof arg === "string" && options === undefined) capabilities.push(arg);
    else if (typeof arg === "object" && arg !== null && options === undefined && index === args.length - 1) options = arg as Options;
    else {
      throw new ConfigError("", `create(): argument ${index + 1} must be a capability name (a string) or, last, the options object; got ${arg === null ? "null" : typeof arg}`);
    }
  });
  return { capabilities, options };
}

/** Every key `create()`'s options may hold (`CreateOptions` and `mesh`). */
const OPTION_KEYS = ["config", "providers", "strategy", "middleware", "storage", "secrets", "observability", "fetch", "clock", "persistDelayMs", "limits", "mesh"];

/**
 * Refuses an options key `create()` does not take (`strategyConfig`, `stratgy`): it would otherwise be ignored and the
 * client run on defaults with no word of why. Pool settings such as `strategy_config` belong in `config`. Kept small:
 * this runs in every page's up-front bundle, so the only key it names as meant is one spelt in snake_case.
 * @example
 * checkOptionKeys({ persist_delay_ms: 5 }); // ConfigError: create(): unknown option "persist_delay_ms" (did you mean "persistDelayMs"? ...)
 */
export function checkOptionKeys(options: object): void {
  const plain = (key: string) => key.replace(/_/g, "").toLowerCase();
  for (const key of Object.keys(options)) {
    if (OPTION_KEYS.includes(key)) continue;
    const meant = OPTION_KEYS.find((known) => plain(known) === plain(key));
    throw new ConfigError(key, `create(): unknown option "${key}" (${meant ? `did you mean "${meant}"? ` : ""}expected one of: ${OPTION_KEYS.join(", ")}; pool settings such as strategy_config go in \`config\`)`);
  }
}
