import { describe, expect, it } from "vitest";
import { isPrivateAddress, matchesHost, parseHostPattern, parseIpv6 } from "../src/addresses.js";
import { readEnvironment, readProxySection, mergeSettings } from "../src/config.js";
import { ConfigError } from "modelmesh";

describe("address classification", () => {
  it.each([
    "127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254", "0.0.0.0", "100.64.0.1",
    "224.0.0.1", "255.255.255.255", "::", "::1", "[::1]", "fc00::1", "fd12:3456::1", "fe80::1%eth0", "::ffff:127.0.0.1", "::ffff:7f00:1",
    "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1", "ff02::1", "2001:db8::1",
  ])("%s is not public", (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(["8.8.8.8", "104.18.6.192", "172.32.0.1", "192.169.0.1", "2606:4700::6812:6c0", "::ffff:8.8.8.8", "2a00:1450:4001:82f::200e"])("%s is public", (address) =>
    expect(isPrivateAddress(address)).toBe(false),
  );

  it("parses IPv6 with and without compression and with an IPv4 tail", () => {
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIpv6("::1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0, 0x0102, 0x0304]);
    expect(parseIpv6("1::")).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIpv6("1:2")).toBeUndefined();
    expect(parseIpv6("1::2::3")).toBeUndefined();
    expect(parseIpv6("api.openai.com")).toBeUndefined();
  });

  it("matches host patterns on their default port unless a port is named", () => {
    expect(matchesHost(parseHostPattern("api.openai.com"), "api.openai.com", "")).toBe(true);
    expect(matchesHost(parseHostPattern("api.openai.com"), "api.openai.com", "8443")).toBe(false);
    expect(matchesHost(parseHostPattern("llm.corp:8443"), "llm.corp", "8443")).toBe(true);
    expect(matchesHost(parseHostPattern("*.tts.speech.microsoft.com"), "westeurope.tts.speech.microsoft.com", "")).toBe(true);
    expect(matchesHost(parseHostPattern("*.tts.speech.microsoft.com"), "tts.speech.microsoft.com.evil.example", "")).toBe(false);
    expect(matchesHost(parseHostPattern("API.OpenAI.com."), "api.openai.com", "")).toBe(true);
  });
});

describe("proxy settings", () => {
  it("reads the FAQ's proxy section, snake_case or camelCase", () => {
    const layer = readProxySection({ port: 8080, host: "0.0.0.0", token: "my-proxy-token", cors: { enabled: true, allowed_origins: ["*"] }, rate_limit: { requests_per_minute: 60 }, relay: { allow_private: ["127.0.0.1:11434"] }, maxBodyBytes: 1000 });
    expect(layer).toEqual({ port: 8080, host: "0.0.0.0", tokens: ["my-proxy-token"], cors: { enabled: true, allowedOrigins: ["*"] }, rateLimit: { requestsPerMinute: 60 }, relay: { allowPrivate: ["127.0.0.1:11434"] }, maxBodyBytes: 1000 });
  });

  it("names the bad key's path", () => {
    expect(() => readProxySection({ prot: 8080 })).toThrow(ConfigError);
    expect(() => readProxySection({ port: "eighty" })).toThrow(/proxy\.port/);
    expect(() => readProxySection({ cors: { allowed_origins: "*" } })).toThrow(/proxy\.cors\.allowed_origins/);
  });

  it("lets environment variables and then flags override the YAML", () => {
    const yaml = readProxySection({ port: 8080, host: "0.0.0.0", token: "yaml-token" });
    const env = readEnvironment({ MODELMESH_PROXY_PORT: "9090", MODELMESH_PROXY_TOKEN: "env-one, env-two" });
    expect(mergeSettings(yaml, env)).toMatchObject({ host: "0.0.0.0", port: 9090, tokens: ["env-one", "env-two"] });
    expect(mergeSettings(yaml, env, { port: 7070, host: "127.0.0.1" })).toMatchObject({ host: "127.0.0.1", port: 7070, tokens: ["env-one", "env-two"] });
    expect(mergeSettings()).toMatchObject({ host: "127.0.0.1", port: 8787, tokens: [], cors: { enabled: false }, relay: { enabled: true } });
  });
});
