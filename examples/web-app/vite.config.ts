import { isBuiltin } from "node:module";
import { defineConfig, defaultClientConditions, type Plugin } from "vite";

/**
 * Fails the build when the page's code reaches a Node built-in. Vite's default is a warning and an empty stand-in
 * module ("externalized for browser compatibility"), which leaves no trace in the output for a later check to find.
 */
function refuseNodeBuiltins(): Plugin {
  return {
    name: "refuse-node-builtins",
    enforce: "pre",
    resolveId(source, importer) {
      if (source.startsWith("node:") || isBuiltin(source)) this.error(`"${source}" is a Node built-in and cannot be in a browser bundle (imported by ${importer ?? "an entry"})`);
      return null;
    },
  };
}

// Built by the root's Vite: `vite build -c examples/web-app/vite.config.ts`. `modelmesh` resolves as in any app
// (node_modules/modelmesh, its exports map): the built package (dist) for `vite build`; the dev server also takes the
// SDK's sources (the "modelmesh-source" condition), so `npm start` can serve the page before anything is built.
export default defineConfig(({ command }) => ({
  root: import.meta.dirname,
  base: "./",
  plugins: [refuseNodeBuiltins()],
  resolve: { conditions: command === "serve" ? ["modelmesh-source", ...defaultClientConditions] : [...defaultClientConditions] },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", manifest: true },
  server: { host: "127.0.0.1", strictPort: false },
  preview: { host: "127.0.0.1" },
  logLevel: "warn",
}));
