/**
 * CORS for configured origins only. Credentials are never allowed (the proxy strips cookies anyway), so `*` is a
 * usable setting: it lets any page read responses, which is what a public relay wants and nothing more.
 */

/** `proxy.cors` as the proxy uses it. */
export interface CorsSettings {
  enabled: boolean;
  /** Exact origins (`https://app.example.com`) or `*`. */
  allowedOrigins: string[];
}

const ALLOWED_METHODS = "GET, POST, OPTIONS";
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
