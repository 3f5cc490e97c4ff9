import { describe, expect, it } from "vitest";
import { buildSync, transformSync } from "esbuild";
import { fileURLToPath } from "node:url";
import { knockOutRoute, ROUTE_LINE } from "./knockout.js";

describe("bench/knockout.ts: the layers copy of the CLI", () => {
  // The proxy's routes bundled as the CLI's build bundles them (not minified): the line the tool replaces must be there.
  const bundle = buildSync({ entryPoints: [fileURLToPath(new URL("../cors-proxy/src/mesh-routes.ts", import.meta.url))], bundle: true, write: false, format: "esm", platform: "node", packages: "external", logLevel: "silent" }).outputFiles[0]!.text;

  it("sends the chat route's parsed body to globalThis.__knockoutJson instead of the SDK, answering with the bundle's JsonReply", () => {
    const copy = knockOutRoute(bundle);
    expect(copy).not.toContain(ROUTE_LINE);
    expect(copy.split("globalThis.__knockoutJson(body, (text) => new JsonReply(200, text))")).toHaveLength(2);
    // Streams still go through the SDK; only the JSON answer is knocked out.
    expect(copy).toContain("client.chat.completions.create(body, { signal: context.signal, [KEEP_RAW_CHUNKS]: true");
    expect(() => transformSync(copy, { format: "esm", loader: "js" })).not.toThrow();
  });

  it("stops and names the line when the bundle no longer has it exactly once", () => {
    expect(() => knockOutRoute(bundle.replace(ROUTE_LINE, ""))).toThrow(/chat route's line .* exactly once; update ROUTE_LINE/);
    expect(() => knockOutRoute(`${bundle}\n${ROUTE_LINE}`)).toThrow(/exactly once/);
  });
});
