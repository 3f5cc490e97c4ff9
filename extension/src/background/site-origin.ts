/** Longest origin kept: "site:" + origin must fit the mesh's 256-character scope limit (real origins are far shorter). */
const MAX_ORIGIN_LENGTH = 250;

/** The budget scope of a site: what `create(body, { scope })` counts the site's spend under. */
export const siteScopeOf = (origin: string): string => `site:${origin}`;

/**
 * True for an origin a page can have (`http(s)://host[:port]`, as Chrome reports it in `port.sender.origin`).
 * @example
 * isWebOrigin("http://127.0.0.1:5173"); // true
 * isWebOrigin("chrome-extension://abc"); // false
 */
export function isWebOrigin(origin: unknown): origin is string {
  if (typeof origin !== "string" || origin.length > MAX_ORIGIN_LENGTH) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === origin;
  } catch {
    return false;
  }
}
