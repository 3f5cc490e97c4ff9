/**
 * CORS for configured origins only. Credentials are never allowed (the proxy strips cookies anyway), so `*` is a
 * usable setting: it lets any page read responses, which is what a public relay wants and nothing more.
 */

import { ConfigError } from "modelmesh";

/** `proxy.cors` as the proxy uses it. */
export interface CorsSettings {
  enabled: boolean;
  /** Exact origins (`https://app.example.com`) or `*`. */
  allowedOrigins: string[];
  /**
   * Accept `*` (or `null`) on a proxy without a token. Off by default: the proxy refuses to start, because every
   * page open in a browser on this machine could then call it and spend its provider keys.
   */
  allowAnyOriginWithoutToken?: boolean;
}

/**
 * Refuses CORS for any origin on a proxy without a token (ConfigError), unless explicitly accepted, then warns.
 * `null` counts as any origin: every site can send it from a sandboxed iframe.
 * @example
 * requireTokenForAnyOrigin({ enabled: true, allowedOrigins: ["*"] }, [], console.warn); // throws ConfigError
 */
export function requireTokenForAnyOrigin(settings: CorsSettings | undefined, tokens: readonly string[], warn: (line: string) => void): void {
  if (!settings?.enabled || tokens.length > 0) return;
  const any = (settings.allowedOrigins ?? []).find((origin) => origin.trim() === "*" || origin.trim().toLowerCase() === "null");
  if (any === undefined) return;
  if (settings.allowAnyOriginWithoutToken !== true) {
    throw new ConfigError(
      "proxy.cors.allowed_origins",
      `"${any}" without a token lets every web page open in a browser on this machine call the proxy and spend its provider keys: set proxy.token (or MODELMESH_PROXY_TOKEN, --token), list exact origins, or, if that is really wanted, set proxy.cors.allow_any_origin_without_token: true`,
    );
  }
  warn(`WARNING: proxy.cors.allow_any_origin_without_token is set: ANY web page open in a browser on this machine can call this proxy and use its provider keys ("${any}" allowed, no token). Set proxy.token to close it.`);
}

// The relay forwards these (see RELAYED_METHODS in relay.ts); the mesh routes answer GET and POST.
const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
// Browsers may read every response header (non-credentialed requests honour `*`): retry-after, x-ratelimit-*, ids.
const EXPOSED_HEADERS = "*";
const PREFLIGHT_MAX_AGE = "600";

/** Decides, per request, whether an origin may use the proxy and which headers say so. */
export class CorsPolicy {
  readonly #enabled: boolean;
  readonly #any: boolean;
  readonly #origins: ReadonlySet<string>;

  constructor(settings: CorsSettings | undefined) {
    this.#enabled = settings?.enabled === true;
    this.#any = this.#enabled && (settings?.allowedOrigins.includes("*") ?? false);
    this.#origins = new Set((settings?.allowedOrigins ?? []).map((origin) => origin.replace(/\/+$/, "").toLowerCase()));
  }

  /** True when a request carrying this `Origin` may be served. */
  allows(origin: string): boolean {
    return this.#enabled && (this.#any || this.#origins.has(origin.toLowerCase()));
  }

  /** Headers for an actual (non-preflight) response to an allowed origin. */
  responseHeaders(origin: string): Array<[string, string]> {
    return [
      ["access-control-allow-origin", this.#any ? "*" : origin],
      ["access-control-expose-headers", EXPOSED_HEADERS],
      ["vary", "Origin"],
    ];
  }

  /** The 204 answer to an allowed preflight: the method and the headers the page asked for. */
  preflight(origin: string, requestedHeaders: string | null): Response {
    const headers: Array<[string, string]> = [
      ["access-control-allow-origin", this.#any ? "*" : origin],
      ["access-control-allow-methods", ALLOWED_METHODS],
      ["access-control-max-age", PREFLIGHT_MAX_AGE],
      ["vary", "Origin, Access-Control-Request-Headers"],
    ];
    if (requestedHeaders) headers.push(["access-control-allow-headers", requestedHeaders]);
    return new Response(null, { status: 204, headers });
  }
}
