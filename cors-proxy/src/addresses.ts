/**
 * Which addresses a relay may reach. A relay that forwards to whatever host a browser names is an open door into
 * the network it runs in (cloud metadata at 169.254.169.254, admin consoles on 10.x, the machine's own services),
 * so every address that is not plainly public is refused unless the operator named it.
 */
import { ConfigError } from "modelmesh";

// IPv4 blocks that are not public unicast (RFC 6890 special-purpose registry, plus multicast and reserved).
const PRIVATE_IPV4: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 8], // 0.0.0.0/8 "this network", includes the unspecified address
  [0x0a000000, 8], // 10/8 private
  [0x64400000, 10], // 100.64/10 carrier-grade NAT
  [0x7f000000, 8], // 127/8 loopback
  [0xa9fe0000, 16], // 169.254/16 link-local (cloud metadata lives here)
  [0xac100000, 12], // 172.16/12 private
  [0xc0000000, 24], // 192.0.0/24 protocol assignments
  [0xc0000200, 24], // 192.0.2/24 documentation
  [0xc0586300, 24], // 192.88.99/24 6to4 relay anycast (RFC 7526: deprecated, may land anywhere)
  [0xc0a80000, 16], // 192.168/16 private
  [0xc6120000, 15], // 198.18/15 benchmarking (RFC 2544), routed inside labs and some clouds
  [0xc6336400, 24], // 198.51.100/24 documentation
  [0xcb007100, 24], // 203.0.113/24 documentation
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4 reserved, includes broadcast
];

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;
const DECIMAL = /^(0|[1-9]\d*)$/;
const OCTAL = /^0[0-7]+$/;
const HEX = /^0x[0-9a-f]*$/;

/** The 32-bit value of a dotted-quad IPv4 address, or undefined. */
export function parseIpv4(text: string): number | undefined {
  const match = IPV4_PATTERN.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (let index = 1; index <= 4; index++) {
    const octet = Number(match[index]);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

function ipv4Part(part: string): number | undefined {
  if (HEX.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (OCTAL.test(part)) return parseInt(part.slice(1), 8);
  if (DECIMAL.test(part)) return Number(part);
  return undefined;
}

/**
 * The 32-bit value of an IPv4 address in any spelling the WHATWG URL parser and `inet_aton` accept: one to four
 * parts, each decimal, octal (`0177`) or hex (`0x7f`), the last filling the remaining bytes (`127.1`, `2130706433`),
 * an optional trailing dot. Undefined when it is not one.
 * @example
 * parseIpv4Loose("0x7f.1"); // 2130706433 (127.0.0.1)
 */
export function parseIpv4Loose(text: string): number | undefined {
  const parts = text.toLowerCase().split(".");
  if (parts.length > 1 && parts.at(-1) === "") parts.pop();
  if (parts.length === 0 || parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    const value = ipv4Part(part);
    if (value === undefined || !Number.isFinite(value)) return undefined;
    numbers.push(value);
  }
  const last = numbers.pop()!;
  if (numbers.some((value) => value > 255) || last >= 256 ** (4 - numbers.length)) return undefined;
  let value = last;
  numbers.forEach((part, index) => (value += part * 256 ** (3 - index)));
  return value;
}

/** The eight 16-bit groups of an IPv6 address (brackets, a zone id and an embedded IPv4 tail allowed), or undefined. */
export function parseIpv6(text: string): number[] | undefined {
  let address = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = address.indexOf("%");
  if (zone >= 0) address = address.slice(0, zone);
  address = address.toLowerCase();
  if (!address.includes(":")) return undefined;
  const tail: number[] = [];
  const lastColon = address.lastIndexOf(":");
  const last = address.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = parseIpv4(last);
    if (v4 === undefined) return undefined;
    tail.push(v4 >>> 16, v4 & 0xffff);
    // Keep a "::" that ends right before the IPv4 part; otherwise drop the separating colon.
    address = address.slice(0, lastColon + 1);
    if (!address.endsWith("::")) address = address.slice(0, -1);
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if ([...head, ...rest].some((group) => !HEX_GROUP.test(group))) return undefined;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const zeros = new Array<number>(8 - given).fill(0);
  return [...head.map((group) => parseInt(group, 16)), ...(halves.length === 2 ? zeros : []), ...rest.map((group) => parseInt(group, 16)), ...tail];
}

function privateIpv4(value: number): boolean {
  return PRIVATE_IPV4.some(([network, bits]) => (value >>> (32 - bits)) === (network >>> (32 - bits)));
}

const v4Of = (high: number, low: number) => ((high << 16) | low) >>> 0;

/**
 * Public IPv6 unicast is 2000::/3 (RFC 4291 §2.4): everything outside it is refused, so a new special range cannot
 * slip through a list of exceptions. Inside it, the ranges that carry an IPv4 address are judged by that address.
 */
function privateIpv6(groups: number[]): boolean {
  const [first = 0, second = 0, third = 0, , fifth = 0, sixth = 0, seventh = 0, eighth = 0] = groups;
  if (groups.slice(0, 4).every((group) => group === 0)) {
    // ::ffff:a.b.c.d (IPv4-mapped, RFC 4291) is the IPv4 host itself; every other address in ::/64 (::, ::1,
    // IPv4-compatible ::a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d of RFC 2765) has no public use.
    return fifth === 0 && sixth === 0xffff ? privateIpv4(v4Of(seventh, eighth)) : true;
  }
  // 64:ff9b::/96 well-known NAT64 prefix (RFC 6052) reaches the embedded IPv4 host; 64:ff9b:1::/48 is local-use (RFC 8215).
  if (first === 0x64 && second === 0xff9b) return third === 0 && groups.slice(3, 6).every((group) => group === 0) ? privateIpv4(v4Of(seventh, eighth)) : true;
  if ((first & 0xe000) !== 0x2000) return true; // fc00::/7, fe80::/10, fec0::/10, ff00::/8, 100::/64, 5f00::/16, ...
  if (first === 0x2001 && second < 0x0200) return true; // 2001::/23 IETF protocol assignments, Teredo 2001::/32 among them
  if (first === 0x2001 && second === 0x0db8) return true; // 2001:db8::/32 documentation
  if (first === 0x3fff && second < 0x1000) return true; // 3fff::/20 documentation (RFC 9637)
  if (first === 0x2002) return privateIpv4(v4Of(second, third)); // 6to4 (RFC 3056) carries an IPv4 address
  return false;
}

/** True for an IP literal (IPv4 in any spelling, IPv6 bracketed or not). */
export function isIpLiteral(host: string): boolean {
  return parseIpv4Loose(host) !== undefined || parseIpv6(host) !== undefined;
}

/**
 * True when an IP address is loopback, private, link-local, unspecified or otherwise not public unicast, in any
 * spelling (`0x7f.1`, `[::ffff:7f00:1]`, `fe80::1%eth0`). Not an IP address at all: false.
 * @example
 * isPrivateAddress("169.254.169.254"); // true
 * isPrivateAddress("[::ffff:7f00:1]");  // true (IPv4-mapped 127.0.0.1)
 */
export function isPrivateAddress(address: string): boolean {
  const v4 = parseIpv4Loose(address);
  if (v4 !== undefined) return privateIpv4(v4);
  const v6 = parseIpv6(address);
  return v6 !== undefined && privateIpv6(v6);
}

/**
 * True only for an IP address that is public unicast; anything unparseable is not. For resolver answers, where
 * failing closed matters more than an odd spelling.
 * @example
 * isPublicAddress("8.8.8.8"); // true
 * isPublicAddress("not-an-address"); // false
 */
export function isPublicAddress(address: string): boolean {
  return isIpLiteral(address) && !isPrivateAddress(address);
}

// Names for this machine or the local network whatever DNS says: RFC 6761 (localhost), RFC 6762 (.local and the
// private names of its appendix G), RFC 8375 (.home.arpa), ICANN's reserved .internal, and the common localdomain.
const PRIVATE_SUFFIXES = ["localhost", "local", "internal", "home.arpa", "localdomain", "intranet", "private", "corp", "home", "lan"];

/** A host name in the form it is compared in: lower case, without trailing dots. */
export function normalizeHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/\.+$/, "");
}

/**
 * Names that always mean this machine or the local network, whatever DNS says: single-label names (`intranet`),
 * `localhost` and its subdomains, `.local`, `.internal`, `.home.arpa`, ... Case and a trailing dot do not matter.
 * @example
 * isPrivateHostname("Metadata.Google.Internal."); // true
 */
export function isPrivateHostname(hostname: string): boolean {
  const name = normalizeHostname(hostname);
  if (!name.includes(".")) return true;
  return PRIVATE_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}

/**
 * True when a host (a name or an IP literal in any spelling) is loopback, private or local.
 * @example
 * isPrivateHost("0x7f.1"); // true
 * isPrivateHost("api.openai.com"); // false
 */
export function isPrivateHost(host: string): boolean {
  return isIpLiteral(host) ? isPrivateAddress(host) : isPrivateHostname(host);
}

/** A host pattern from configuration: `api.openai.com`, `*.tts.speech.microsoft.com`, `host:8443`. */
export interface HostPattern {
  host: string;
  wildcard: boolean;
  port: string | undefined;
}

/** The canonical form of a host (punycode, IPv4 and IPv6 normalised) as the URL parser gives it, or undefined. */
function canonicalHost(host: string): string | undefined {
  try {
    const url = new URL(`http://${host}/`);
    return url.hostname === "" || url.port !== "" ? undefined : url.hostname;
  } catch {
    return undefined;
  }
}

/**
 * Parses `host`, `host:port`, `*.suffix`, `[v6]:port`; lower-cases, drops trailing dots and canonicalises the host
 * the way the URL parser does (so `API.OpenAI.com.` and `0x7f.1` compare as the URL would give them). Throws
 * ConfigError for what cannot be a host: a URL, a path, `*` alone, a wildcard over a single label (`*.com`) or a `*`
 * anywhere but the first label.
 * @example
 * parseHostPattern("*.Example.NET."); // { host: "example.net", wildcard: true, port: undefined }
 */
export function parseHostPattern(text: string, path = "proxy.relay.allow_hosts"): HostPattern {
  let rest = text.trim().toLowerCase();
  let port: string | undefined;
  const bracketPort = /^(\[[^\]]+\]):(\d+)$/.exec(rest);
  if (bracketPort) {
    rest = bracketPort[1]!;
    port = bracketPort[2];
  } else if (!rest.startsWith("[") && (rest.match(/:/g) ?? []).length === 1) {
    const [host, maybePort] = rest.split(":");
    if (maybePort && /^\d+$/.test(maybePort)) {
      rest = host!;
      port = maybePort;
    }
  }
  rest = rest.replace(/\.+$/, "");
  const wildcard = rest.startsWith("*.");
  const host = wildcard ? rest.slice(2) : rest;
  if (host.includes("*") || rest === "*") throw new ConfigError(path, `"${text}": a wildcard is allowed only as the whole first label ("*.example.com")`);
  if (/[/?#@\s]/.test(host)) throw new ConfigError(path, `"${text}" is not a host name: give the host alone (api.example.com or api.example.com:8443), not a URL`);
  const canonical = canonicalHost(host);
  if (!canonical) throw new ConfigError(path, `"${text}" is not a valid host name`);
  if (wildcard && !canonical.includes(".")) throw new ConfigError(path, `"${text}" would match every name under a top-level domain: name a domain ("*.example.com")`);
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) throw new ConfigError(path, `"${text}": the port must be from 1 to 65535`);
  return { host: canonical, wildcard, port };
}

/**
 * True when the pattern names the host: exactly, or for `*.suffix` any name ending in `.suffix` (on a label
 * boundary, so `*.x.com` matches `a.x.com` but never `evilx.com`, `x.com` itself or `x.com.evil.net`).
 */
function namesHost(pattern: HostPattern, hostname: string): boolean {
  const name = normalizeHostname(hostname);
  if (pattern.wildcard) return name.length > pattern.host.length + 1 && name.endsWith(`.${pattern.host}`);
  return name === pattern.host || (isIpLiteral(pattern.host) && sameAddress(pattern.host, name));
}

/**
 * True when `hostname` and `port` ("" for the scheme's default) match; case and a trailing dot do not matter.
 * @example
 * matchesHost(parseHostPattern("*.x.com"), "evilx.com", ""); // false
 */
export function matchesHost(pattern: HostPattern, hostname: string, port: string): boolean {
  if (pattern.port !== undefined ? pattern.port !== port : port !== "") return false;
  return namesHost(pattern, hostname);
}

/** Same as `matchesHost`, but a pattern without a port accepts any port (for explicitly allowed private hosts). */
export function matchesHostAnyPort(pattern: HostPattern, hostname: string, port: string): boolean {
  if (pattern.port !== undefined && pattern.port !== port) return false;
  return namesHost(pattern, hostname);
}

function sameAddress(left: string, right: string): boolean {
  const a = parseIpv6(left);
  const b = parseIpv6(right);
  if (a && b) return a.every((group, index) => group === b[index]);
  const v4 = parseIpv4Loose(left);
  return v4 !== undefined && v4 === parseIpv4Loose(right);
}
