import { describe, expect, it } from "vitest";
import { TARGET_CACHE_LIMIT, TargetCache, targetOf } from "../../sdk/src/node-fetch/targets.js";

describe("the Node transport's parsed URLs", () => {
  it("reads origin, path with query, href and protocol of a URL", () => {
    expect(targetOf(new URL("https://api.example.com:8443/v1/chat/completions?x=1&y=a%20b#part"))).toEqual({
      href: "https://api.example.com:8443/v1/chat/completions?x=1&y=a%20b#part",
      origin: "https://api.example.com:8443",
      path: "/v1/chat/completions?x=1&y=a%20b",
      protocol: "https:",
    });
  });

  it("parses a URL text once and answers the same target after, until it holds its limit; then it starts over", () => {
    const targets = new TargetCache();
    const first = targets.of("http://127.0.0.1:1/v1/item/0");
    expect(targets.of("http://127.0.0.1:1/v1/item/0")).toBe(first);
    for (let index = 1; index < TARGET_CACHE_LIMIT; index++) targets.of(`http://127.0.0.1:1/v1/item/${index}`);
    expect(targets.size).toBe(TARGET_CACHE_LIMIT);
    // Full: still the kept target, and nothing dropped by a lookup.
    expect(targets.of("http://127.0.0.1:1/v1/item/0")).toBe(first);
    expect(targets.size).toBe(TARGET_CACHE_LIMIT);
    // One more text empties it and keeps only the new one; the first is parsed again (an equal, new target).
    targets.of("http://127.0.0.1:1/v1/item/new");
    expect(targets.size).toBe(1);
    const again = targets.of("http://127.0.0.1:1/v1/item/0");
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(targets.size).toBe(2);
  });

  it("throws as new URL does for a text that is not an absolute URL, and keeps nothing for it", () => {
    const targets = new TargetCache();
    expect(() => targets.of("/v1/relative")).toThrow(TypeError);
    expect(targets.size).toBe(0);
  });
});
