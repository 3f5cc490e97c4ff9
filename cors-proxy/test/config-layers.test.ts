import { describe, expect, it } from "vitest";
import { mergeSettings, readEnvironment, readProxySection } from "../src/config.js";

// A settings layer holds only the keys its source set: a key present with the value undefined would, once merged,
// replace an earlier layer's value or a default (the relay's `enabled: true`) with nothing.

describe("settings layers carry only what was set", () => {
  it("leaves out every key the YAML did not set, also inside cors and relay", () => {
    expect(readProxySection({ token: "only-token" })).toStrictEqual({ tokens: ["only-token"] });
    expect(readProxySection({ host: "0.0.0.0" })).toStrictEqual({ host: "0.0.0.0" });
    expect(readProxySection({ relay: { allow_hosts: ["api.example.com"] } })).toStrictEqual({ relay: { allowHosts: ["api.example.com"] } });
    expect(readProxySection({ relay: { enabled: false } })).toStrictEqual({ relay: { enabled: false } });
    expect(readProxySection({ cors: { allowed_origins: ["*"] } })).toStrictEqual({ cors: { enabled: true, allowedOrigins: ["*"] } });
    expect(readEnvironment({ MODELMESH_PROXY_TOKEN: "env-token" })).toStrictEqual({ tokens: ["env-token"] });
  });

  it("treats keys set to undefined (a JavaScript object, not YAML) as absent", () => {
    expect(readProxySection({ host: undefined, port: undefined, tokens: undefined, max_body_bytes: undefined })).toStrictEqual({});
    expect(readProxySection({ cors: { enabled: undefined, allowed_origins: undefined } })).toStrictEqual({ cors: { enabled: false } });
  });

  it("keeps the defaults and earlier layers under a later layer that sets only part of a section", () => {
    const relay = mergeSettings(readProxySection({ relay: { allow_hosts: ["api.example.com"] } })).relay;
    expect(relay).toStrictEqual({ enabled: true, allowHosts: ["api.example.com"], allowPrivate: [] });
    const relayOff = mergeSettings(readProxySection({ relay: { enabled: false, timeout_ms: 5 } }), readProxySection({ relay: { allow_private: ["127.0.0.1:11434"] } })).relay;
    expect(relayOff).toStrictEqual({ enabled: false, allowHosts: [], allowPrivate: ["127.0.0.1:11434"], timeoutMs: 5 });
    const cors = mergeSettings(
      readProxySection({ cors: { allowed_origins: ["*"], allow_any_origin_without_token: true } }),
      readProxySection({ cors: { allowed_origins: ["https://app.example"] } }),
    ).cors;
    expect(cors).toStrictEqual({ enabled: true, allowedOrigins: ["https://app.example"], allowAnyOriginWithoutToken: true });
  });
});
