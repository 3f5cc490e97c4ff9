// The address rules' edges one by one (found by mutation testing: each test fails when its rule is changed).
import { describe, expect, it } from "vitest";
import { ConfigError } from "modelmesh";
import { isPrivateAddress, isPrivateHost, isPublicAddress, matchesHost, matchesHostAnyPort, parseHostPattern, parseIpv4Loose, parseIpv6 } from "../src/addresses.js";

describe("IPv4 parsing edges", () => {
  it("takes each part's full range and refuses one past it", () => {
    expect(parseIpv4Loose("255.255.255.255")).toBe(0xffffffff);
    expect(parseIpv4Loose("255.1")).toBe(0xff000001);
    expect(parseIpv4Loose("1.16777215")).toBe(0x01ffffff);
    expect(parseIpv4Loose("1.16777216")).toBeUndefined();
    expect(parseIpv4Loose("1.2.65535")).toBe(0x0102ffff);
    expect(parseIpv4Loose("4294967295")).toBe(0xffffffff);
  });

  it("reads hex, octal and decimal parts", () => {
    expect(parseIpv4Loose("0x10.010.10.0")).toBe((16 << 24) + (8 << 16) + (10 << 8));
    expect(parseIpv4Loose("0x.0x.0x.0x1")).toBe(1);
    expect(parseIpv4Loose("0.0.0.0")).toBe(0);
    expect(parseIpv4Loose("1.2.3.4..")).toBeUndefined();
    expect(parseIpv4Loose("1.2.3.4.0")).toBeUndefined();
    expect(parseIpv4Loose("0.0.0.0.0")).toBeUndefined();
    expect(parseIpv4Loose("0x" + "f".repeat(300))).toBeUndefined();
  });

  it("an IPv4 tail inside IPv6 takes octets up to 255 and no more", () => {
    expect(parseIpv6("::ffff:255.255.255.255")).toEqual([0, 0, 0, 0, 0, 0xffff, 0xffff, 0xffff]);
    expect(parseIpv6("::ffff:1.2.3.256")).toBeUndefined();
    expect(parseIpv6("::ffff:1.2.3")).toBeUndefined();
    expect(parseIpv6("1:2:3:4:5:6:1.2.3.4")).toEqual([1, 2, 3, 4, 5, 6, 0x0102, 0x0304]);
    expect(parseIpv6("1::1.2.3.4")).toEqual([1, 0, 0, 0, 0, 0, 0x0102, 0x0304]);
    expect(parseIpv6("1:2:3:4:5:6:7:1.2.3.4")).toBeUndefined();
    expect(parseIpv6("1:1.2.3.4")).toBeUndefined();
  });
});

describe("IPv6 parsing edges", () => {
  it("strips brackets only when both are there", () => {
    expect(parseIpv6("[::1]")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6("[::1")).toBeUndefined();
    expect(parseIpv6("::1]")).toBeUndefined();
    expect(parseIpv6("1::]")).toBeUndefined();
  });

  it("drops a zone id and reads upper case", () => {
    expect(parseIpv6("FE80::AB%eth0")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 0xab]);
    expect(parseIpv6("%eth0")).toBeUndefined();
  });

  it("counts the groups: eight without '::', at most seven with it, each one to four hex digits", () => {
    expect(parseIpv6("1:2:3:4::5:6:7")).toEqual([1, 2, 3, 4, 0, 5, 6, 7]);
    expect(parseIpv6("1:2:3:4::5:6:7:8")).toBeUndefined();
    expect(parseIpv6("1:2:3:4:5:6:7")).toBeUndefined();
    expect(parseIpv6("1:2:3:4:5:6:7:8:9")).toBeUndefined();
    expect(parseIpv6("12345::1")).toBeUndefined();
    expect(parseIpv6("g::1")).toBeUndefined();
    expect(parseIpv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIpv6("ffff::fffe")).toEqual([0xffff, 0, 0, 0, 0, 0, 0, 0xfffe]);
  });
});

describe("IPv6 classification edges", () => {
  it.each([
    "::1:ffff:808:808", // ::/64 but not the IPv4-mapped form
    "::8.8.8.8", // IPv4-compatible (deprecated) is not judged by its IPv4 address, even a public one
    "::808:808",
    "64:1::808:808", // 64::/16 outside the NAT64 prefix
    "64:ff9b:0:1::808:808", // NAT64 with a non-zero fourth group is not the well-known prefix
    "64:ff9b::1:808:808", // nor with a non-zero sixth group
    "4000::1", // outside 2000::/3
    "1fff::1",
    "2001:1ff:ffff::1", // end of 2001::/23
    "3fff:fff:ffff::1", // end of 3fff::/20
    "2002:a00:1::1",
    "2002:ac10:1::",
  ])("%s is not public", (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each([
    "2000::1", // start of 2000::/3
    "3fff:1000::1", // just past the documentation block
    "2001:200::1", // just past 2001::/23
    "2001:db9::1", // just past 2001:db8::/32
    "2600:1::1", // a low second group is special only under 2001 and 3fff
    "2600:db8::1", // so is db8
    "2600:ff9b::a00:1", // the NAT64 prefix is 64:ff9b, not any first group with ff9b
    "2002:808:808::1",
    "::ffff:808:808",
    "64:ff9b::808:808",
  ])("%s is public", (address) => {
    expect(isPrivateAddress(address)).toBe(false);
    expect(isPublicAddress(address)).toBe(true);
  });

  it("a name is not an address: neither private nor public as one", () => {
    expect(isPrivateAddress("api.openai.com")).toBe(false);
    expect(isPublicAddress("api.openai.com")).toBe(false);
    expect(isPrivateAddress("")).toBe(false);
  });
});

describe("host names", () => {
  it("a reserved suffix matches only on a label boundary, and as the whole name", () => {
    expect(isPrivateHost("home.arpa")).toBe(true);
    expect(isPrivateHost("router.local..")).toBe(true);
    expect(isPrivateHost("api.notlocal")).toBe(false);
    expect(isPrivateHost("shop.nonprivate")).toBe(false);
    expect(isPrivateHost("local.api.example")).toBe(false);
  });
});

describe("host patterns", () => {
  it("parses a port, with or without brackets, and trims", () => {
    expect(parseHostPattern("  LLM.Example.com:8443 ")).toEqual({ host: "llm.example.com", wildcard: false, port: "8443" });
    expect(parseHostPattern("[::1]:11434")).toEqual({ host: "[::1]", wildcard: false, port: "11434" });
    expect(parseHostPattern("[::1]")).toEqual({ host: "[::1]", wildcard: false, port: undefined });
    expect(parseHostPattern("x.com:1").port).toBe("1");
    expect(parseHostPattern("x.com:65535").port).toBe("65535");
    expect(parseHostPattern("*.co.uk")).toEqual({ host: "co.uk", wildcard: true, port: undefined });
    expect(parseHostPattern("x.com..")).toEqual({ host: "x.com", wildcard: false, port: undefined });
  });

  it.each([
    ["x.com:65536", /the port must be from 1 to 65535/],
    ["x.com:0", /the port must be from 1 to 65535/],
    ["x.com:abc", /is not a valid host name/],
    ["x.com:8a", /is not a valid host name/],
    ["x.com:a8", /is not a valid host name/],
    ["x.com:1:2", /is not a valid host name/],
    ["x.com:8443.", /is not a valid host name/],
    ["x[::1]:80", /is not a valid host name/],
    ["[::1]:80x", /is not a valid host name/],
    ["x.com/v1", /not a URL/],
    ["x.com?a=1", /not a URL/],
    ["x.com#top", /not a URL/],
    ["user@x.com", /not a URL/],
    ["*", /a wildcard is allowed only as the whole first label/],
    ["a.*.com", /a wildcard is allowed only as the whole first label/],
    ["*.com", /would match every name under a top-level domain/],
  ])("refuses %j with a message that says why", (pattern, message) => {
    let thrown: unknown;
    try {
      parseHostPattern(pattern, "proxy.relay.allow_private");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).path).toBe("proxy.relay.allow_private");
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).toContain(`"${pattern}"`);
  });

  it("names the allow_hosts setting by default", () => {
    expect(() => parseHostPattern("*.com")).toThrow(/^proxy\.relay\.allow_hosts: /);
  });
});

describe("matching a host against a pattern", () => {
  it("compares IP patterns as addresses, not as text", () => {
    expect(matchesHost(parseHostPattern("[::1]"), "[0:0:0:0:0:0:0:1]", "")).toBe(true);
    expect(matchesHost(parseHostPattern("[::1]"), "[::2]", "")).toBe(false);
    expect(matchesHost(parseHostPattern("[::1]"), "127.0.0.1", "")).toBe(false);
    expect(matchesHost(parseHostPattern("[::1]"), "localhost", "")).toBe(false);
    expect(matchesHost(parseHostPattern("127.0.0.1"), "0x7f.1", "")).toBe(true);
    expect(matchesHost(parseHostPattern("127.0.0.1"), "127.0.0.2", "")).toBe(false);
    expect(matchesHost(parseHostPattern("127.0.0.1"), "localhost", "")).toBe(false);
  });

  it("a wildcard never matches the bare suffix with an empty first label", () => {
    expect(matchesHost(parseHostPattern("*.x.com"), ".x.com", "")).toBe(false);
    expect(matchesHost(parseHostPattern("*.x.com"), "a.x.com", "")).toBe(true);
  });

  it("without a port, matchesHost takes only the default port and matchesHostAnyPort takes any", () => {
    const pattern = parseHostPattern("127.0.0.1");
    expect(matchesHost(pattern, "127.0.0.1", "11434")).toBe(false);
    expect(matchesHostAnyPort(pattern, "127.0.0.1", "11434")).toBe(true);
    expect(matchesHostAnyPort(pattern, "127.0.0.1", "")).toBe(true);
    expect(matchesHostAnyPort(pattern, "127.0.0.2", "11434")).toBe(false);
  });

  it("with a port, both take that port only", () => {
    const pattern = parseHostPattern("127.0.0.1:11434");
    expect(matchesHost(pattern, "127.0.0.1", "11434")).toBe(true);
    expect(matchesHost(pattern, "127.0.0.1", "")).toBe(false);
    expect(matchesHostAnyPort(pattern, "127.0.0.1", "11434")).toBe(true);
    expect(matchesHostAnyPort(pattern, "127.0.0.1", "8080")).toBe(false);
    expect(matchesHostAnyPort(pattern, "127.0.0.1", "")).toBe(false);
  });
});
