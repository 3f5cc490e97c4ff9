import { BrowserSecretStore } from "modelmesh/static";
import { PORT_ADMIN_CHAT, PORT_PAGE_REQUEST } from "../shared/protocol.ts";
import { configItem, keyMetadataItem, sitesItem } from "./items.ts";
import type { StorageAreaLike } from "./stored-item.ts";
import { KeyVault } from "./key-vault.ts";
import { MeshRuntime } from "./mesh-runtime.ts";
import { SiteRegistry } from "./sites.ts";
import { ActivityLog } from "./activity-log.ts";
import { buildMeshConfig } from "./mesh-config.ts";
import { createAdminHandlers, handleAdminMessage } from "./admin.ts";
import { serveAdminChatPort, servePagePort } from "./page-requests.ts";
import { registerExtensionConnectors } from "./connectors.ts";
import type { PortLike } from "./port.ts";

/** The browser APIs the worker uses (`webextension-polyfill`'s `browser`, or a fake in tests). */
export interface WorkerBrowser {
  runtime: {
    id: string;
    getPlatformInfo(): Promise<unknown>;
    getURL(path: string): string;
    onConnect: { addListener(listener: (port: PortLike) => void): void };
    onMessage: { addListener(listener: (message: unknown, sender: { id?: string; url?: string }) => Promise<unknown> | undefined): void };
  };
  storage: { local: StorageAreaLike };
  windows: {
    create(options: { url: string; type: "popup"; width: number; height: number; focused?: boolean }): Promise<{ id?: number }>;
    remove(windowId: number): Promise<void>;
    onRemoved: { addListener(listener: (windowId: number) => void): void };
  };
}

/** IndexedDB databases of the worker: the encrypted keys, the mesh's state, the activity log. */
export const DATABASES = { keys: "modelmesh-keys", state: "modelmesh-state", activity: "modelmesh-activity" } as const;

/**
 * Wires the service worker: every listener is added synchronously (Chrome delivers the event that woke a stopped
 * worker only to listeners added in its first turn); the mesh itself is built on first use.
 * @example
 * startWorker(browser); // in the service worker entry
 */
export function startWorker(browser: WorkerBrowser, options: { fetch?: typeof fetch } = {}) {
  registerExtensionConnectors();
  const area = browser.storage.local;
  const config = configItem(area);
  const vault = new KeyVault(new BrowserSecretStore({ database: DATABASES.keys }), keyMetadataItem(area));
  const grants = sitesItem(area);
  const meshConfig = async () => buildMeshConfig(await config.get(), await vault.providers(), await vault.metadataOf(), await grants.get());
  const runtime = new MeshRuntime({ vault, meshConfig, stateDatabase: DATABASES.state, ...(options.fetch ? { fetch: options.fetch } : {}) });
  // Chrome stops a worker after 30 s without extension events or API calls; a person may take longer to decide. While a
  // consent window waits, a cheap API call every 20 s keeps the worker (and the requests waiting on the decision) alive.
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const keepAliveWhilePending = () => {
    keepAlive ??= setInterval(() => {
      if (sites.pendingCount > 0) return void browser.runtime.getPlatformInfo().catch(() => undefined);
      clearInterval(keepAlive);
      keepAlive = undefined;
    }, 20_000);
  };
  const sites: SiteRegistry = new SiteRegistry(
    grants,
    {
      open: async (consentId) => {
        keepAliveWhilePending();
        const url = browser.runtime.getURL(`src/consent/index.html?consent=${encodeURIComponent(consentId)}`);
        return (await browser.windows.create({ url, type: "popup", width: 440, height: 600, focused: true })).id;
      },
      close: (windowId) => browser.windows.remove(windowId),
    },
    () => runtime.reload(),
  );
  const activity = new ActivityLog(DATABASES.activity);
  const handlers = createAdminHandlers({ vault, runtime, sites, activity, config, meshConfig, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const service = { runtime, sites, activity, logContent: async () => (await config.get()).logContent, extensionId: browser.runtime.id };
  const extensionOrigin = browser.runtime.getURL("");

  browser.runtime.onConnect.addListener((port) => {
    if (port.name === PORT_PAGE_REQUEST) servePagePort(port, service);
    else if (port.name === PORT_ADMIN_CHAT) serveAdminChatPort(port, service, extensionOrigin);
    else port.disconnect();
  });
  browser.runtime.onMessage.addListener((message, sender) => {
    // Returning undefined leaves the message unanswered (not ours); a promise answers it.
    if (sender.id !== browser.runtime.id || !sender.url?.startsWith(extensionOrigin)) return undefined;
    return handleAdminMessage(message, sender, handlers, browser.runtime.id);
  });
  browser.windows.onRemoved.addListener((windowId) => sites.windowClosed(windowId));
  return { runtime, sites, vault, activity, handlers };
}
