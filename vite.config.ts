import { defineConfig } from "vitest/config";
import { SummaryReporter } from "./scripts/summary-reporter.js";

// One config for every unit-test project. The "modelmesh-source" condition makes `import "modelmesh"`
// resolve to sdk/src, so workspaces test against the code, not a stale build.
export default defineConfig({
  resolve: { conditions: ["modelmesh-source"] },
  ssr: { resolve: { conditions: ["modelmesh-source"], externalConditions: ["modelmesh-source"] } },
  test: {
    include: ["sdk/src/**/*.test.ts", "sdk/test/**/*.test.ts", "cors-proxy/**/*.test.ts", "scripts/**/*.test.ts", "bench/**/*.test.ts", "extension/src/**/*.test.{ts,tsx}"],
    exclude: ["**/node_modules/**", "**/dist/**", "e2e/**"],
    testTimeout: 15_000,
    // Child processes, not worker threads: Node 20 aborts the whole run ("Assertion failed: (req_wrap_async) !=
    // nullptr") when a worker thread is ended while an fs promise (Vite's, in the bundle tests) is pending; seen once
    // on 2026-12-05 (a vitejs/vite CI hit the same). Forks cost about 5 % more time here (288 s against 273 s).
    pool: "forks",
    reporters: ["default", new SummaryReporter()],
  },
});
