import { defineConfig } from "vitest/config";

// The keyring suite runs only inside the headless Secret Service that keyring-secrets.test.ts starts
// (dbus-run-session + gnome-keyring-daemon); that test runs vitest again with this configuration.
export default defineConfig({
  resolve: { conditions: ["modelmesh-source"] },
  ssr: { resolve: { conditions: ["modelmesh-source"], externalConditions: ["modelmesh-source"] } },
  test: {
    root: new URL("../../..", import.meta.url).pathname,
    include: ["sdk/test/keyring/*.suite.ts"],
    testTimeout: 30_000,
    pool: "threads",
  },
});
