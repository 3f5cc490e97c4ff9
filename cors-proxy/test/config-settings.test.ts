import { describe, expect, it } from "vitest";
import { ConfigError } from "modelmesh";
import { DEFAULT_MAX_BODY_BYTES, mergeSettings, readEnvironment, readProxySection } from "../src/config.js";

// The proxy's three settings layers, key by key: what each accepts, what it refuses (a ConfigError naming the key as
// the operator wrote it), and how later layers override earlier ones.

/** The ConfigError a call throws, for its message and path. */
function refusal(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("readProxySection", () => {
  it("is empty without a proxy section", () => {
    expect(readProxySection(undefined)).toEqual({});
    expect(readProxySection(null)).toEqual({});
    expect(readProxySection({})).toEqual({});
  });

  it("reads every key, snake_case or camelCase, into exactly the settings it names", () => {
    expect(
      readProxySection({
        host: "0.0.0.0",
        port: 0,
        token: "first-token",
        tokens: ["second-token", "third-token"],
        max_body_bytes: 1,
        cors: { enabled: true, allowed_origins: ["https://app.example"], allow_any_origin_without_token: false },
        rate_limit: { requests_per_minute: 1 },
        relay: { enabled: false, allow_hosts: ["api.example.com"], allow_private: ["127.0.0.1:11434"], timeout_ms: 1, idle_timeout_ms: 2 },
      }),
    ).toEqual({
      host: "0.0.0.0",
      port: 0,
      tokens: ["first-token", "second-token", "third-token"],
      maxBodyBytes: 1,
      cors: { enabled: true, allowedOrigins: ["https://app.example"], allowAnyOriginWithoutToken: false },
      rateLimit: { requestsPerMinute: 1 },
      relay: { enabled: false, allowHosts: ["api.example.com"], allowPrivate: ["127.0.0.1:11434"], timeoutMs: 1, idleTimeoutMs: 2 },
    });
    expect(readProxySection({ maxBodyBytes: 5, rateLimit: { requestsPerMinute: 7 }, cors: { allowAnyOriginWithoutToken: true } })).toEqual({
      maxBodyBytes: 5,
      rateLimit: { requestsPerMinute: 7 },
      cors: { enabled: false, allowAnyOriginWithoutToken: true },
    });
  });

  it("treats null values as absent", () => {
    expect(readProxySection({ host: null, port: null, token: null, tokens: null, max_body_bytes: null, cors: null, rate_limit: null, relay: null })).toEqual({});
    expect(readProxySection({ cors: { enabled: null, allowed_origins: null }, rate_limit: { requests_per_minute: null }, relay: { enabled: null, allow_hosts: null, timeout_ms: null } })).toEqual({
      cors: { enabled: false },
      relay: {},
    });
  });

  it("takes a single token or a list, each alone", () => {
    expect(readProxySection({ token: "only-token" })).toEqual({ tokens: ["only-token"] });
    expect(readProxySection({ tokens: ["listed-token"] })).toEqual({ tokens: ["listed-token"] });
    expect(readProxySection({ tokens: [] })).toEqual({});
  });

  it("switches CORS on when origins are listed, unless told enabled: false", () => {
    expect(readProxySection({ cors: { allowed_origins: ["*"] } }).cors).toEqual({ enabled: true, allowedOrigins: ["*"] });
    expect(readProxySection({ cors: { enabled: false, allowed_origins: ["*"] } }).cors).toEqual({ enabled: false, allowedOrigins: ["*"] });
    expect(readProxySection({ cors: { enabled: true } }).cors).toEqual({ enabled: true });
    expect(readProxySection({ cors: {} }).cors).toEqual({ enabled: false });
  });

  it("accepts a port as digits in a string, and the ends of its range", () => {
    expect(readProxySection({ port: "8080" })).toEqual({ port: 8080 });
    expect(readProxySection({ port: 65_535 })).toEqual({ port: 65_535 });
    expect(readProxySection({ relay: { timeout_ms: Number.MAX_SAFE_INTEGER } }).relay).toEqual({ timeoutMs: Number.MAX_SAFE_INTEGER });
  });

  it("refuses a section that is not a mapping, naming it", () => {
    for (const value of ["proxy: 8080", 8080, ["port"], true]) expect(refusal(() => readProxySection(value)).message).toBe("proxy: must be a mapping");
    expect(refusal(() => readProxySection({ cors: ["*"] })).message).toBe("proxy.cors: must be a mapping");
    expect(refusal(() => readProxySection({ rate_limit: 60 })).message).toBe("proxy.rate_limit: must be a mapping");
    expect(refusal(() => readProxySection({ relay: "on" })).message).toBe("proxy.relay: must be a mapping");
  });

  it("refuses unknown keys with their path as written and the keys it knows", () => {
    const error = refusal(() => readProxySection({ prot: 8080 }));
    expect(error.message).toBe("proxy.prot: unknown key (expected one of: port, host, token, tokens, cors, maxBodyBytes, rateLimit, relay)");
    expect(error.path).toBe("proxy.prot");
    expect(refusal(() => readProxySection({ cors: { allowed_origin: ["*"] } })).message).toBe(
      "proxy.cors.allowed_origin: unknown key (expected one of: enabled, allowedOrigins, allowAnyOriginWithoutToken)",
    );
    expect(refusal(() => readProxySection({ rate_limit: { per_minute: 1 } })).message).toBe("proxy.rate_limit.per_minute: unknown key (expected one of: requestsPerMinute)");
    expect(refusal(() => readProxySection({ relay: { allow_host: [] } })).message).toBe(
      "proxy.relay.allow_host: unknown key (expected one of: enabled, allowHosts, allowPrivate, timeoutMs, idleTimeoutMs)",
    );
    // Only an underscore before a letter or digit starts a new word: "max__body" is not "maxBody".
    expect(() => readProxySection({ "max_body_bytes_": 1 })).toThrow(/unknown key/);
    expect(() => readProxySection({ "Max_body_bytes": 1 })).toThrow(/unknown key/);
  });

  it("refuses a host or token that is not a non-empty string", () => {
    expect(refusal(() => readProxySection({ host: "" })).message).toBe("proxy.host: must be a non-empty string");
    expect(refusal(() => readProxySection({ host: 127 })).message).toBe("proxy.host: must be a non-empty string");
    expect(refusal(() => readProxySection({ token: "" })).message).toBe("proxy.token: must be a non-empty string");
  });

  it("refuses numbers that are not whole or out of range, saying the range", () => {
    for (const port of [-1, 65_536, 1.5, "80a", " 80", "-1", true, "8e3"]) {
      expect(refusal(() => readProxySection({ port })).message).toBe("proxy.port: must be a whole number from 0 to 65535");
    }
    expect(refusal(() => readProxySection({ max_body_bytes: 0 })).message).toBe(`proxy.max_body_bytes: must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`);
    expect(refusal(() => readProxySection({ max_body_bytes: Number.MAX_SAFE_INTEGER + 1 })).message).toBe(
      `proxy.max_body_bytes: must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`,
    );
    expect(refusal(() => readProxySection({ rate_limit: { requests_per_minute: 0 } })).message).toBe(
      `proxy.rate_limit.requests_per_minute: must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`,
    );
    expect(() => readProxySection({ relay: { timeout_ms: 0 } })).toThrow(/proxy\.relay\.timeout_ms/);
    expect(() => readProxySection({ relay: { idle_timeout_ms: 0 } })).toThrow(/proxy\.relay\.idle_timeout_ms/);
  });

  it("refuses lists that are not lists of non-empty strings", () => {
    for (const tokens of ["one-token", ["ok-token", ""], ["ok-token", 7]]) {
      expect(refusal(() => readProxySection({ tokens })).message).toBe("proxy.tokens: must be a list of non-empty strings");
    }
    expect(() => readProxySection({ cors: { allowed_origins: "*" } })).toThrow(/proxy\.cors\.allowed_origins: must be a list/);
    expect(() => readProxySection({ relay: { allow_hosts: [""] } })).toThrow(/proxy\.relay\.allow_hosts: must be a list/);
    expect(() => readProxySection({ relay: { allow_private: "10.0.0.1" } })).toThrow(/proxy\.relay\.allow_private: must be a list/);
  });

  it("refuses switches that are not true or false", () => {
    expect(refusal(() => readProxySection({ cors: { enabled: "yes" } })).message).toBe("proxy.cors.enabled: must be true or false");
    expect(refusal(() => readProxySection({ cors: { allow_any_origin_without_token: 1 } })).message).toBe("proxy.cors.allow_any_origin_without_token: must be true or false");
    expect(refusal(() => readProxySection({ relay: { enabled: "false" } })).message).toBe("proxy.relay.enabled: must be true or false");
  });
});

describe("readEnvironment", () => {
  it("reads the prefixed host, port and comma-separated tokens, trimming and skipping empty entries", () => {
    expect(readEnvironment({ MODELMESH_PROXY_HOST: "0.0.0.0", MODELMESH_PROXY_PORT: "9090", MODELMESH_PROXY_TOKEN: " first , ,second,," })).toEqual({
      host: "0.0.0.0",
      port: 9090,
      tokens: ["first", "second"],
    });
    expect(readEnvironment({ MODELMESH_PROXY_PORT: "0" })).toEqual({ port: 0 });
  });

  it("ignores unset and empty variables, and unprefixed ones", () => {
    expect(readEnvironment({})).toEqual({});
    expect(readEnvironment({ MODELMESH_PROXY_HOST: "", MODELMESH_PROXY_PORT: "", MODELMESH_PROXY_TOKEN: " , " })).toEqual({});
    expect(readEnvironment({ HOST: "0.0.0.0", PORT: "80" })).toEqual({});
  });

  it("refuses a port that is not a whole number in range, naming the variable", () => {
    for (const port of ["eighty", "65536", "-1"]) {
      expect(refusal(() => readEnvironment({ MODELMESH_PROXY_PORT: port })).message).toBe("MODELMESH_PROXY_PORT: must be a whole number from 0 to 65535");
    }
  });
});

describe("mergeSettings", () => {
  it("starts from the defaults", () => {
    expect(mergeSettings()).toEqual({
      host: "127.0.0.1",
      port: 8787,
      tokens: [],
      cors: { enabled: false, allowedOrigins: [] },
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      rateLimit: undefined,
      relay: { enabled: true, allowHosts: [], allowPrivate: [] },
    });
    expect(DEFAULT_MAX_BODY_BYTES).toBe(26_214_400);
  });

  it("lets each later layer override key by key, merging the cors and relay sections", () => {
    const settings = mergeSettings(
      { host: "0.0.0.0", port: 1, tokens: ["a-token"], maxBodyBytes: 10, rateLimit: { requestsPerMinute: 5 }, cors: { enabled: true, allowedOrigins: ["https://a.example"] }, relay: { allowHosts: ["a.example"], timeoutMs: 9 } },
      { port: 2, cors: { allowAnyOriginWithoutToken: true }, relay: { enabled: false } },
      { tokens: ["b-token"], maxBodyBytes: 20, rateLimit: { requestsPerMinute: 6 } },
    );
    expect(settings).toEqual({
      host: "0.0.0.0",
      port: 2,
      tokens: ["b-token"],
      cors: { enabled: true, allowedOrigins: ["https://a.example"], allowAnyOriginWithoutToken: true },
      maxBodyBytes: 20,
      rateLimit: { requestsPerMinute: 6 },
      relay: { enabled: false, allowHosts: ["a.example"], allowPrivate: [], timeoutMs: 9 },
    });
  });

  it("keeps earlier values where a later layer leaves a key out", () => {
    const first = { host: "10.0.0.1", port: 3, tokens: ["kept-token"], maxBodyBytes: 4, rateLimit: { requestsPerMinute: 8 } };
    expect(mergeSettings(first, {})).toEqual(mergeSettings(first));
    expect(mergeSettings(first, {}).host).toBe("10.0.0.1");
    expect(mergeSettings(first, {}).rateLimit).toEqual({ requestsPerMinute: 8 });
  });
});
