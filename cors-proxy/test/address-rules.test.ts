// Table-driven: which addresses and names the relay refuses, in every spelling, and how host patterns match.
import { describe, expect, it } from "vitest";
import { ConfigError } from "modelmesh";
import { isIpLiteral, isPrivateAddress, isPrivateHost, isPublicAddress, matchesHost, parseHostPattern, parseIpv4Loose } from "../src/addresses.js";
import { createProxy } from "../src/handler.js";
import type { RelayTransport } from "../src/relay.js";

const PRIVATE_IPV4 = [
  // loopback, in the spellings inet_aton and the URL parser accept
  "127.0.0.1", "127.1", "127.0.1", "0x7f.1", "0x7F.0.0.1", "0x7f000001", "2130706433", "017700000001", "0177.0.0.01", "127.0.0.1.",
  // private, link-local (metadata), CGNAT, benchmarking, 6to4 relay, this-network, multicast, reserved
  "10.0.0.1", "0xa.0.0.1", "167772161", "172.16.0.1", "172.31.255.255", "192.168.1.1", "0xc0.0xa8.1.1",
  "169.254.169.254", "0xa9fea9fe", "2852039166", "0251.0376.0251.0376", "100.64.0.1", "100.127.255.255",
  "198.18.0.1", "198.19.255.255", "192.88.99.1", "192.0.0.8", "192.0.2.1", "198.51.100.1", "203.0.113.9",
  "0.0.0.0", "0", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
];

const PRIVATE_IPV6 = [
  // loopback and unspecified
  "::", "::1", "[::1]", "0:0:0:0:0:0:0:1", "0000:0000:0000:0000:0000:0000:0000:0001", "[0:0:0:0:0:0:0:1]", "::0:1",
  // IPv4-mapped in every spelling
  "::ffff:127.0.0.1", "::FFFF:127.0.0.1", "[::ffff:127.0.0.1]", "::ffff:7f00:1", "::ffff:7F00:0001", "0:0:0:0:0:ffff:7f00:1",
  "0000:0000:0000:0000:0000:ffff:7f00:0001", "0:0:0:0:0:ffff:127.0.0.1", "::ffff:a9fe:a9fe", "::ffff:169.254.169.254",
  "::ffff:10.0.0.1", "::ffff:192.168.1.1", "[::ffff:c0a8:101]", "::ffff:0.0.0.0",
  // IPv4-translated (RFC 2765) and IPv4-compatible
  "::ffff:0:127.0.0.1", "::ffff:0:7f00:1", "0:0:0:0:ffff:0:a00:1", "[::ffff:0:a9fe:a9fe]", "::ffff:0:8.8.8.8", "::127.0.0.1", "::7f00:1", "::10.0.0.1",
  // NAT64: the well-known prefix with a private IPv4, and the local-use prefix (RFC 8215) whatever it embeds
  "64:ff9b::127.0.0.1", "64:ff9b::7f00:1", "64:FF9B::A9FE:A9FE", "64:ff9b::10.0.0.1", "0064:ff9b:0000:0000:0000:0000:c0a8:0101",
  "64:ff9b:1::1", "64:ff9b:1:abcd::8.8.8.8", "64:ff9b:1::808:808", "[64:ff9b:1::a00:1]",
  // Teredo and the rest of 2001::/23 (benchmarking, ORCHID)
  "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:0:a00:1::", "2001:0000:0a00:0001:0000:0000:f5ff:fffe", "[2001:0:c0a8:101::1]", "2001:2::1", "2001:10::1", "2001:1ff::1",
  // 6to4 carrying a private IPv4
  "2002:7f00:1::", "2002:7f00:0001::1", "2002:a00:1::1", "2002:c0a8:101::1", "2002:a9fe:a9fe::", "2002:6440:1::", "2002:c612:1::",
  // unique local, link-local with zone ids, site-local, multicast, documentation, discard, SRv6
  "fd00::1", "FC00::1", "fe80::1", "fe80::1%eth0", "[fe80::1%25eth0]", "FE80::ABCD%en0", "fec0::1", "ff02::1", "ff05::1:3", "2001:db8::1", "3fff::1", "3fff:fff::1", "100::1", "5f00::1",
];

const PUBLIC_ADDRESSES = [
  "8.8.8.8", "1.1.1.1", "104.18.6.192", "172.32.0.1", "192.169.0.1", "198.17.255.255", "198.20.0.1", "100.128.0.1", "0x8080808",
  "::ffff:8.8.8.8", "[::ffff:808:808]", "64:ff9b::8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "2606:4700::6812:6c0",
  "2a00:1450:4001:82f::200e", "[2a00:1450:4001:82f::200e]", "2001:200::1", "2001:4860:4860::8888",
];

const PRIVATE_NAMES = [
  "localhost", "LOCALHOST", "localhost.", "api.localhost", "a.b.Localhost.", "intranet", "printer", "INTRANET.", "router.local", "nas.home.arpa",
  "metadata.google.internal", "Metadata.Google.Internal.", "host.localdomain", "db.lan", "wiki.corp", "box.home", "svc.private", "portal.intranet",
];

const PUBLIC_NAMES = ["api.openai.com", "API.OpenAI.com.", "localhost.example.com", "local.example.com", "internal.example.com", "home.arpa.example.com", "corp.example.net"];

describe("5. private address ranges", () => {
  it.each([...PRIVATE_IPV4, ...PRIVATE_IPV6])("%s is not public", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
    expect(isPrivateHost(address)).toBe(true);
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(PUBLIC_ADDRESSES)("%s is public", (address) => {
    expect(isPrivateAddress(address)).toBe(false);
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each(PRIVATE_NAMES)("the name %s is private whatever DNS says", (name) => expect(isPrivateHost(name)).toBe(true));
  it.each(PUBLIC_NAMES)("the name %s is not private by itself", (name) => expect(isPrivateHost(name)).toBe(false));

  it("parses IPv4 the way the URL parser does, and nothing else", () => {
    expect(parseIpv4Loose("0x7f.1")).toBe(0x7f000001);
    expect(parseIpv4Loose("127.0.0.1.")).toBe(0x7f000001);
    expect(parseIpv4Loose("0x")).toBe(0);
    for (const text of ["1.2.3.4.5", "256.1.1.1", "0x100.1.1.1", "1.2.65536", "4294967296", "", "1..1", "08.1.1.1", "0x1g.1", "api.openai.com", "1.2.3.com", "-1"]) {
      expect(parseIpv4Loose(text), text).toBeUndefined();
    }
    // Odd answers from a resolver are never taken for public ones.
    for (const answer of ["not-an-address", "", "::ffff:127.1", "1:2:3"]) {
      expect(isIpLiteral(answer) && isPublicAddress(answer), answer).toBe(false);
      expect(isPublicAddress(answer), answer).toBe(false);
    }
  });

  it("the relay refuses every private spelling a URL can carry, before any transport is called", async () => {
    const targets: string[] = [];
    const transport: RelayTransport = Object.assign(async (target: URL) => {
      targets.push(target.href);
      return new Response("{}");
    }, { checksAddresses: true });
    // Every one of these is allow-listed: only the private-address rule stands between it and the transport.
    const hosts = [
      "127.1", "0x7f.1", "2130706433", "017700000001", "0xa9fea9fe", "198.18.0.1", "192.88.99.1", "[::ffff:7f00:1]", "[::FFFF:127.0.0.1]",
      "[::ffff:0:127.0.0.1]", "[64:ff9b::a9fe:a9fe]", "[64:ff9b:1::1]", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "[2002:a9fe:a9fe::1]",
      "[0:0:0:0:0:0:0:1]", "[fd00::1]", "intranet", "nas.home.arpa", "printer.local", "metadata.google.internal", "api.localhost", "localhost.",
    ];
    const proxy = createProxy({ listening: { host: "127.0.0.1" }, relay: { transport, allowHosts: hosts.filter((host) => !host.endsWith(".")) } });
    for (const host of hosts) {
      const response = await proxy.handle(new Request(`http://localhost/proxy/https://${host}/latest/meta-data/`));
      expect(response.status, host).toBe(403);
      expect((await response.json()).error.message, host).toMatch(/loopback, private or link-local/);
    }
    expect(targets).toEqual([]);
  });
});

describe("6. host patterns match on label boundaries", () => {
  const cases: Array<[pattern: string, host: string, matches: boolean]> = [
    ["*.x.com", "a.x.com", true],
    ["*.x.com", "A.X.COM", true],
    ["*.x.com", "a.x.com.", true],
    ["*.x.com", "deep.a.x.com", true],
    ["*.X.COM.", "a.x.com", true],
    ["*.x.com", "x.com", false],
    ["*.x.com", "evilx.com", false],
    ["*.x.com", "ax.com", false],
    ["*.x.com", "x.com.evil.net", false],
    ["*.x.com", "a.x.com.evil.net", false],
    ["*.x.com", "a.x.co", false],
    ["*.x.com", ".x.com", false],
    ["x.com", "X.COM.", true],
    ["x.com", "a.x.com", false],
    ["x.com", "evilx.com", false],
    ["x.com", "x.com.evil.net", false],
    ["*.bücher.example", "api.xn--bcher-kva.example", true],
    ["127.1", "127.0.0.1", true],
  ];
  it.each(cases)("%s against %s: %s", (pattern, host, matches) => expect(matchesHost(parseHostPattern(pattern), host, "")).toBe(matches));

  it.each(["*", "*.com", "*.", "a.*.x.com", "*x.com", "x*.com", "https://x.com", "x.com/v1", "user@x.com", "x.com:0", "x.com:99999", "exa mple.com", ""])(
    "refuses the pattern %j at start-up",
    (pattern) => {
      expect(() => parseHostPattern(pattern)).toThrow(ConfigError);
      expect(() => createProxy({ listening: { host: "127.0.0.1" }, relay: { allowHosts: [pattern] } })).toThrow(/proxy\.relay\.allow_hosts/);
    },
  );

  it("the relay applies the same rule: lookalikes are refused, case and a trailing dot are not", async () => {
    const targets: string[] = [];
    const transport: RelayTransport = Object.assign(async (target: URL) => {
      targets.push(target.hostname);
      return new Response("{}");
    }, { checksAddresses: true });
    const proxy = createProxy({ listening: { host: "127.0.0.1" }, relay: { transport, allowHosts: ["*.x-provider.com"] } });
    const status = async (host: string) => (await proxy.handle(new Request(`http://localhost/proxy/https://${host}/v1/models`))).status;
    expect(await status("evilx-provider.com")).toBe(403);
    expect(await status("x-provider.com.evil.net")).toBe(403);
    expect(await status("x-provider.com")).toBe(403);
    expect(await status("api.openai.com.evil.net")).toBe(403);
    expect(await status("a.X-Provider.COM.")).toBe(200);
    expect(await status("API.OPENAI.COM")).toBe(200);
    expect(targets).toEqual(["a.x-provider.com.", "api.openai.com"]);
  });
});
