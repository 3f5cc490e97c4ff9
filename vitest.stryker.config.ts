import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vite.config.js";

// Stryker runs the suite in a sandbox copy of the repository, but node_modules is a symlink back to the
// original checkout, so `import "modelmesh"` would load the unmutated sdk/src (and a second copy of every
// class, breaking instanceof). The aliases point the package name at the sandbox's own sources.
const sdkSource = (path: string) => fileURLToPath(new URL(`./sdk/src/${path}`, import.meta.url));
// The wire schemas live beside the original checkout (../shared/wire), which the sandbox is not: find the
// checkout through the real path of an installed package (the sandbox reaches node_modules by a symlink).
const vitestPackage = realpathSync(createRequire(import.meta.url).resolve("vitest/package.json"));
const checkout = resolve(dirname(vitestPackage), "..", "..");
const wireSchemas = process.env["MODELMESH_WIRE_SCHEMAS"] ?? resolve(checkout, "..", "shared", "wire", "openai-schemas.json");

const config = mergeConfig(
  base,
  defineConfig({
    resolve: {
      alias: [
        { find: /^modelmesh\/testing$/, replacement: sdkSource("testing/index.ts") },
        { find: /^modelmesh\/node-fetch$/, replacement: sdkSource("node-fetch/index.ts") },
        { find: /^modelmesh\/node$/, replacement: sdkSource("node/index.ts") },
        { find: /^modelmesh\/lazy$/, replacement: sdkSource("lazy.ts") },
        { find: /^modelmesh\/static$/, replacement: sdkSource("static.ts") },
        { find: /^modelmesh\/extension$/, replacement: sdkSource("extension-client/index.ts") },
        { find: /^modelmesh$/, replacement: sdkSource("index.ts") },
      ],
    },
    test: {
      env: { MODELMESH_WIRE_SCHEMAS: wireSchemas },
      // Left out: tests that spawn tsc or a child Node process. A child process runs without Stryker's
      // instrumentation, so it cannot kill a mutant; it only makes every run slower.
      exclude: ["sdk/test/package.test.ts", "cors-proxy/test/cli.test.ts", "scripts/**"],
    },
  }),
);
// mergeConfig concatenates arrays: replace the reporters instead (Stryker reads results itself).
config.test = { ...config.test, reporters: ["dot"] };
// MUTATE_TESTS (comma-separated globs) limits a run to the test files that exercise the mutated file: a file like
// core/router.ts is imported by nearly every test, and the whole suite per mutant takes hours on 2 cores. A mutant
// these tests kill, the whole suite kills, so such a score is a lower bound.
const focus = (process.env["MUTATE_TESTS"] ?? "").split(",").map((glob) => glob.trim()).filter(Boolean);
if (focus.length > 0) config.test = { ...config.test, include: focus };

export default config;
