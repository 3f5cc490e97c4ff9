/**
 * Which addresses a relay may reach. A relay that forwards to whatever host a browser names is an open door into
 * the network it runs in (cloud metadata at 169.254.169.254, admin consoles on 10.x, the machine's own services),
 * so every address that is not plainly public is refused unless the operator named it.
 */

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
  [0xc0a80000, 16], // 192.168/16 private
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xc6336400, 24], // 198.51.100/24 documentation
  [0xcb007100, 24], // 203.0.113/24 documentation
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4 reserved, includes broadcast
];

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;

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

function privateIpv6(groups: number[]): boolean {
  const [first = 0, second = 0, , , , sixth = 0, seventh = 0, eighth = 0] = groups;
  const embedded = ((seventh << 16) | eighth) >>> 0;
  const leadingZeros = groups.slice(0, 5).every((group) => group === 0);
  if (leadingZeros && sixth === 0) return true; // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
  if (leadingZeros && sixth === 0xffff) return privateIpv4(embedded); // IPv4-mapped ::ffff:a.b.c.d
  if (first === 0x64 && second === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) return privateIpv4(embedded); // NAT64
  if (first === 0x2002) return privateIpv4(((second << 16) | (groups[2] ?? 0)) >>> 0); // 6to4 carries an IPv4 address
  if ((first & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0) return true; // fe80::/10 link-local, fec0::/10 site-local
  if ((first & 0xff00) === 0xff00) return true; // multicast
  if (first === 0x2001 && second === 0x0db8) return true; // documentation
  if (first === 0x0100 && groups.slice(1, 4).every((group) => group === 0)) return true; // discard-only
  return false;
}

/** True for an IP literal (IPv4 dotted quad or IPv6, bracketed or not). */
export function isIpLiteral(host: string): boolean {
  return parseIpv4(host) !== undefined || parseIpv6(host) !== undefined;
}

/**
 * True when an IP address is loopback, private, link-local, unspecified or otherwise not public unicast.
 * Not an IP address at all: false.
 * @example
 * isPrivateAddress("169.254.169.254"); // true
 * isPrivateAddress("[::ffff:7f00:1]");  // true (IPv4-mapped 127.0.0.1)
 */
export function isPrivateAddress(address: string): boolean {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return privateIpv4(v4);
  const v6 = parseIpv6(address);
  return v6 !== undefined && privateIpv6(v6);
}

/** Names that always mean this machine or the local network, whatever DNS says. */
export function isPrivateHostname(hostname: string): boolean {
  return (
    hostname === "localhost" ||
    hostname.endsWith(".localhost") ||
    hostname.endsWith(".local") ||
    hostname.endsWith(".internal") ||
    hostname.endsWith(".home.arpa") ||
    !hostname.includes(".")
  );
}

/** A host pattern from configuration: `api.openai.com`, `*.tts.speech.microsoft.com`, `host:8443`. */
export interface HostPattern {
  host: string;
  wildcard: boolean;
  port: string | undefined;
}

/** Parses `host`, `host:port`, `*.suffix`, `[v6]:port`; lower-cases and drops a trailing dot. */
export function parseHostPattern(text: string): HostPattern {
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
  if (rest.endsWith(".")) rest = rest.slice(0, -1);
  const wildcard = rest.startsWith("*.");
  return { host: wildcard ? rest.slice(2) : rest, wildcard, port };
}

/** True when `hostname` (lower-case, no trailing dot, IPv6 bracketed) and `port` ("" for the default) match. */
export function matchesHost(pattern: HostPattern, hostname: string, port: string): boolean {
  if (pattern.port !== undefined ? pattern.port !== port : port !== "") return false;
  if (pattern.wildcard) return hostname.endsWith(`.${pattern.host}`);
  return hostname === pattern.host;
}

/** Same as `matchesHost`, but a pattern without a port accepts any port (for explicitly allowed private hosts). */
export function matchesHostAnyPort(pattern: HostPattern, hostname: string, port: string): boolean {
  if (pattern.port !== undefined && pattern.port !== port) return false;
  if (pattern.wildcard) return hostname.endsWith(`.${pattern.host}`);
  return hostname === pattern.host || (isIpLiteral(pattern.host) && sameAddress(pattern.host, hostname));
}

function sameAddress(left: string, right: string): boolean {
  const a = parseIpv6(left);
  const b = parseIpv6(right);
  if (a && b) return a.every((group, index) => group === b[index]);
  return parseIpv4(left) !== undefined && parseIpv4(left) === parseIpv4(right);
}
