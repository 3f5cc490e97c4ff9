import { createHash, timingSafeEqual } from "node:crypto";
import { ConfigError } from "modelmesh";

/** Hosts that only this machine can reach; listening anywhere else requires a token. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "[::1]", "localhost"]);

/**
 * True when a listen address is reachable only from this machine.
 * @example
 * isLoopbackHost("0.0.0.0"); // false: every interface
 */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Throws when a server would listen beyond this machine without a token.
 * @example
 * requireTokenBeyondLoopback("0.0.0.0", []); // throws ConfigError
 */
export function requireTokenBeyondLoopback(host: string, tokens: readonly string[]): void {
  if (tokens.some((token) => typeof token !== "string" || token.trim() === "")) throw new ConfigError("proxy.token", "tokens must be non-empty strings");
  if (!isLoopbackHost(host) && tokens.length === 0) {
    throw new ConfigError(
      "proxy.token",
      `listening on ${host} makes the proxy reachable from other machines, so it needs a token: set proxy.token in the YAML, MODELMESH_PROXY_TOKEN, or --token`,
    );
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Checks bearer tokens in constant time. Both sides are hashed first, so the comparison is over equal-length
 * digests (timingSafeEqual needs equal lengths, and comparing raw strings would leak the token's length), and
 * every configured token is compared, so the time does not tell which one matched.
 */
export class TokenSet {
  readonly size: number;
  readonly #digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest);
    this.size = tokens.length;
  }

  /**
   * The index of the matching token (a stable, non-secret id for rate limiting), or -1.
   * @example
   * new TokenSet(["a-long-random-token"]).match("a-long-random-token"); // 0
   */
  match(candidate: string): number {
    const given = digest(candidate);
    let found = -1;
    for (let index = 0; index < this.#digests.length; index++) {
      if (timingSafeEqual(given, this.#digests[index]!) && found < 0) found = index;
    }
    return found;
  }
}

/** The token of `Authorization: Bearer <token>`, or "" when there is none. */
export function bearerToken(header: string | null): string {
  if (!header) return "";
  const space = header.indexOf(" ");
  if (space < 0 || header.slice(0, space).toLowerCase() !== "bearer") return "";
  return header.slice(space + 1).trim();
}
