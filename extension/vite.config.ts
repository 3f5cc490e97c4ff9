import { defineConfig } from "vite";
import { crx } from "@crxjs/vite-plugin";
import preact from "@preact/preset-vite";
import { manifest } from "./manifest.config.ts";

// The extension build: `vite build` writes an unpacked MV3 extension to dist/. The content script is a standalone
// file because a `document_start` script must be ready before the page's own scripts post their first message
// (crxjs's default loader imports it asynchronously). The consent window is not in the manifest, so it is listed
// as an extra input.
export default defineConfig({
  resolve: { conditions: ["modelmesh-source"] },
  plugins: [preact(), crx({ manifest, contentScripts: { standaloneFiles: ["src/content/bridge.ts"] } })],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "chrome116",
    rollupOptions: { input: { consent: "src/consent/index.html" } },
  },
});
