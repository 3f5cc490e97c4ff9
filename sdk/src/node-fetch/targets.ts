/** What the Node transport reads of a request's URL, and the parsed URLs it keeps. */

/** What a request needs of its URL: read once from a parsed `URL`. */
export interface Target {
  href: string;
  origin: string;
  /** Path and query, as the request line carries them. */
  path: string;
  protocol: string;
}

/**
 * The parts of a parsed URL a request reads.
 * @example
 * targetOf(new URL("https://api.openai.com/v1/chat/completions?x=1")).path; // "/v1/chat/completions?x=1"
 */
export function targetOf(url: URL): Target {
  return { href: url.href, origin: url.origin, path: `${url.pathname}${url.search}`, protocol: url.protocol };
}

/** How many URL texts a cache keeps before it starts over. */
export const TARGET_CACHE_LIMIT = 128;

/**
 * Parsed URLs by their text. A provider calls the same few endpoints again and again, and `new URL()` plus the
 * getters a request reads (origin, path, href) cost several µs each time on Node 20. Bounded: a caller that varies
 * its URLs (query strings) only empties the cache now and then.
 * @example
 * const targets = new TargetCache();
 * targets.of("https://api.openai.com/v1/models") === targets.of("https://api.openai.com/v1/models"); // true
 */
export class TargetCache {
  readonly #targets = new Map<string, Target>();

  /** The URL texts kept now (at most `TARGET_CACHE_LIMIT`). */
  get size(): number {
    return this.#targets.size;
  }

  /** The target of `text`; throws as `new URL(text)` does for a text that is not an absolute URL. */
  of(text: string): Target {
    let target = this.#targets.get(text);
    if (target === undefined) {
      target = targetOf(new URL(text));
      if (this.#targets.size >= TARGET_CACHE_LIMIT) this.#targets.clear();
      this.#targets.set(text, target);
    }
    return target;
  }
}
