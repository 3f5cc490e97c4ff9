/**
 * The service's own JSON text, kept beside what was parsed from it, so a server that sends the answer on (the proxy's
 * `/v1` routes) writes it as it came instead of serialising it again. Global symbols: the proxy reads them by name,
 * without a public export. Each is non-enumerable where it is set, so copies, JSON.stringify and comparisons never
 * see it; whoever changes the value in place must delete it.
 */

/** On a completion passed on unchanged: the service's text for it (set once per answer). */
export const RAW_JSON: unique symbol = Symbol.for("modelmesh.raw-json");

/** On a streamed chunk passed on unchanged: the service's one-line text for it (only when `KEEP_RAW_CHUNKS` asked). */
export const RAW_CHUNK: unique symbol = Symbol.for("modelmesh.raw-chunk");

/**
 * A request option (and provider call option): streamed chunks carry `RAW_CHUNK`. Only a caller that writes the
 * chunks out again sets it (the proxy); attaching the text costs a property definition per chunk, which an app
 * reading the chunks has no use for.
 */
export const KEEP_RAW_CHUNKS: unique symbol = Symbol.for("modelmesh.keep-raw-chunks");
