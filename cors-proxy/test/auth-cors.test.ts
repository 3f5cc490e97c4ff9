import { describe, expect, it } from "vitest";
import { ConfigError } from "modelmesh";
import { bearerToken, isLoopbackHost, requireTokenBeyondLoopback, TokenSet } from "../src/auth.js";
import { CorsPolicy } from "../src/cors.js";

describe("CorsPolicy", () => {
  it("allows nothing unless enabled, even a listed origin or *", () => {
    expect(new CorsPolicy(undefined).allows("https://app.example")).toBe(false);
    expect(new CorsPolicy({ enabled: false, allowedOrigins: ["https://app.example", "*"] }).allows("https://app.example")).toBe(false);
  });

  it("allows listed origins whatever their case or trailing slash in the configuration, and no others", () => {
    const policy = new CorsPolicy({ enabled: true, allowedOrigins: ["HTTPS://App.Example/", "http://localhost:3000//"] });
    expect(policy.allows("https://app.example")).toBe(true);
    expect(policy.allows("https://APP.example")).toBe(true);
    expect(policy.allows("http://localhost:3000")).toBe(true);
    expect(policy.allows("https://app.example.evil")).toBe(false);
    expect(policy.allows("http://localhost:3001")).toBe(false);
  });

  it("echoes an allowed origin, or * when every origin is allowed, exposing every header", () => {
    const listed = new CorsPolicy({ enabled: true, allowedOrigins: ["https://app.example"] });
    expect(listed.responseHeaders("https://app.example")).toEqual([
      ["access-control-allow-origin", "https://app.example"],
      ["access-control-expose-headers", "*"],
      ["vary", "Origin"],
    ]);
    const any = new CorsPolicy({ enabled: true, allowedOrigins: ["*"] });
    expect(any.allows("https://anything.example")).toBe(true);
    expect(any.responseHeaders("https://anything.example")[0]).toEqual(["access-control-allow-origin", "*"]);
  });

  it("answers a preflight with 204, the methods, a ten-minute max-age and the requested headers only when asked", async () => {
    const policy = new CorsPolicy({ enabled: true, allowedOrigins: ["https://app.example"] });
    const asked = policy.preflight("https://app.example", "authorization, content-type");
    expect(asked.status).toBe(204);
    expect(Object.fromEntries(asked.headers)).toEqual({
      "access-control-allow-origin": "https://app.example",
      "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
      "access-control-max-age": "600",
      "access-control-allow-headers": "authorization, content-type",
      vary: "Origin, Access-Control-Request-Headers",
    });
    expect(await asked.text()).toBe("");
    const plain = policy.preflight("https://app.example", null);
    expect(plain.headers.has("access-control-allow-headers")).toBe(false);
    expect(new CorsPolicy({ enabled: true, allowedOrigins: ["*"] }).preflight("https://x.example", null).headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("proxy authentication", () => {
  it("counts only loopback names and 127.0.0.0/8 addresses as loopback", () => {
    for (const host of ["127.0.0.1", "127.10.20.30", "::1", "[::1]", "localhost", "LocalHost"]) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["0.0.0.0", "192.168.1.10", "::", "127.0.0.1.evil.example", "x127.0.0.1", "localhost.evil.example"]) expect(isLoopbackHost(host), host).toBe(false);
  });

  it("requires a token to listen beyond loopback, and refuses empty tokens anywhere", () => {
    expect(() => requireTokenBeyondLoopback("127.0.0.1", [])).not.toThrow();
    expect(() => requireTokenBeyondLoopback("0.0.0.0", ["a-long-enough-token"])).not.toThrow();
    expect(() => requireTokenBeyondLoopback("0.0.0.0", [])).toThrow(ConfigError);
    expect(() => requireTokenBeyondLoopback("0.0.0.0", [])).toThrow("proxy.token: listening on 0.0.0.0 makes the proxy reachable from other machines, so it needs a token");
    for (const tokens of [[""], ["  "], ["fine-token", ""], [42 as unknown as string]]) {
      expect(() => requireTokenBeyondLoopback("127.0.0.1", tokens), JSON.stringify(tokens)).toThrow("proxy.token: tokens must be non-empty strings");
    }
  });

  it("matches a presented token to the index of the configured one, -1 for any other", () => {
    const tokens = new TokenSet(["first-token", "second-token", "second-token"]);
    expect(tokens.size).toBe(3);
    expect(tokens.match("first-token")).toBe(0);
    expect(tokens.match("second-token")).toBe(1);
    expect(tokens.match("second-token ")).toBe(-1);
    expect(tokens.match("")).toBe(-1);
    expect(new TokenSet([]).match("first-token")).toBe(-1);
    // A token listed twice answers to its first place (callers are rate-limited by that index).
    expect(new TokenSet(["same-token", "same-token"]).match("same-token")).toBe(0);
  });

  it("reads a bearer token case-insensitively and nothing else", () => {
    expect(bearerToken("Bearer abc123")).toBe("abc123");
    expect(bearerToken("bearer   abc123  ")).toBe("abc123");
    expect(bearerToken("BEARER abc123")).toBe("abc123");
    expect(bearerToken("Basic abc123")).toBe("");
    expect(bearerToken("Bearerabc123")).toBe("");
    expect(bearerToken("abc123")).toBe("");
    expect(bearerToken("")).toBe("");
    expect(bearerToken(null)).toBe("");
  });
});
