import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { test as base, chromium, type BrowserContext, type Worker } from "@playwright/test";

const here = dirname(fileURLToPath(import.meta.url));
/** The unpacked extension `npm run build` writes. */
export const EXTENSION_DIST = resolve(here, "../extension/dist");
/** Where the run's screenshots go (README links them). */
export const SCREENSHOTS = resolve(here, "../docs/screenshots");
export const CHROMIUM = process.env.MODELMESH_CHROMIUM ?? "/usr/bin/chromium";

/** DESIGN.md's flags for Debian's Chromium on these machines. */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches headless Chromium with the built extension loaded; a fresh profile every time. */
export async function launchWithExtension(): Promise<{ context: BrowserContext; serviceWorker: Worker; extensionId: string }> {
  if (!existsSync(resolve(EXTENSION_DIST, "manifest.json"))) throw new Error(`No built extension at ${EXTENSION_DIST}: run "npm run build" first`);
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run "bash scripts/ensure-system-deps.sh" as root (apt-get install chromium)`);
  const context = await chromium.launchPersistentContext("", {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--disable-extensions-except=${EXTENSION_DIST}`, `--load-extension=${EXTENSION_DIST}`],
  });
  const serviceWorker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  return { context, serviceWorker, extensionId: new URL(serviceWorker.url()).host };
}

/** Stops every service worker through the DevTools protocol, as Chrome does when one idles (Playwright's attachment keeps it alive otherwise). */
export async function stopServiceWorkers(context: BrowserContext): Promise<void> {
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send("ServiceWorker.enable");
  await cdp.send("ServiceWorker.stopAllWorkers");
  await cdp.detach();
}

/** `test` with a browser that has the extension loaded, its worker and its id. */
export const test = base.extend<{ extension: { context: BrowserContext; serviceWorker: Worker; extensionId: string } }>({
  extension: async ({}, use) => {
    const launched = await launchWithExtension();
    try {
      await use(launched);
    } finally {
      await launched.context.close();
    }
  },
});
export { expect } from "@playwright/test";
