import { defineConfig } from "@playwright/test";

// Real Chromium from Debian (never `npx playwright install`), headless, one worker: the specs share 2 cores with
// the fake providers and the proxy, and each spec launches its own browser with the built extension.
export default defineConfig({
  testDir: ".",
  testMatch: /.*\.spec\.ts$/,
  outputDir: "../e2e-results",
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: { trace: "off", screenshot: "off" },
});
