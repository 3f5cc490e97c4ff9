import { fakeBrowser } from "@webext-core/fake-browser";
import { BrowserSecretStore, IndexedDBStorage } from "modelmesh/static";
import type { PortLike, PortSender } from "./port.ts";
import type { PortReply } from "../shared/protocol.ts";
import { configItem, keyMetadataItem, sitesItem } from "./items.ts";
import { KeyVault } from "./key-vault.ts";
import { MeshRuntime } from "./mesh-runtime.ts";
import { SiteRegistry } from "./sites.ts";
import { ActivityLog } from "./activity-log.ts";
import { buildMeshConfig } from "./mesh-config.ts";
import { createAdminHandlers } from "./admin.ts";
import { registerExtensionConnectors } from "./connectors.ts";
import type { FakeOpenAI } from "../../../sdk/test/fakes/openai.ts";

// Unit-test wiring of the worker's modules over fake-indexeddb, @webext-core/fake-browser's storage and a fake port.

export const EXTENSION_ID = "abcdefghijklmnopabcdefghijklmnop";
export const CHAT = "generation.text-generation.chat-completion";

/** A port as Chrome hands it to the worker, recording what the worker posts and whether it disconnected. */
export function fakePort(name: string, sender: PortSender) {
  const messageListeners: Array<(message: unknown) => void> = [];
  const disconnectListeners: Array<() => void> = [];
  const port = {
    name,
    sender,
    posted: [] as PortReply[],
    disconnected: false,
    postMessage(message: unknown) {
      if (port.disconnected) throw new Error("Attempting to use a disconnected port object");
      // Ports carry JSON: what cannot be serialised would fail in Chrome too.
      port.posted.push(JSON.parse(JSON.stringify(message)));
    },
    disconnect() {
      port.disconnected = true;
    },
    onMessage: { addListener: (listener: (message: unknown) => void) => void messageListeners.push(listener) },
    onDisconnect: { addListener: (listener: () => void) => void disconnectListeners.push(listener) },
    /** The content script sends a message. */
    send: (message: unknown) => messageListeners.forEach((listener) => listener(JSON.parse(JSON.stringify(message)))),
    /** The content script goes away (tab closed, page aborted the request). */
    hangUp: () => {
      port.disconnected = true;
      disconnectListeners.forEach((listener) => listener());
    },
    /** Resolves with the final reply (result, end or error). */
    final: async (timeoutMs = 10_000): Promise<PortReply> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const last = port.posted.at(-1);
        if (last && last.kind !== "chunk") return last;
        if (Date.now() > deadline) throw new Error(`no final reply; posted: ${JSON.stringify(port.posted)}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
  return port satisfies PortLike;
}

let databases = 0;

/** The worker's modules wired as in worker.ts, over fresh databases; windows recorded instead of opened. */
export function workerModules(restartOf?: { suffix: string }) {
  registerExtensionConnectors();
  // A restarted worker keeps chrome.storage and IndexedDB; only its memory is new.
  if (!restartOf) fakeBrowser.reset();
  const suffix = restartOf?.suffix ?? `${++databases}-${Math.random().toString(36).slice(2)}`;
  const area = fakeBrowser.storage.local;
  const config = configItem(area);
  const store = new BrowserSecretStore({ database: `keys-${suffix}` });
  const vault = new KeyVault(store, keyMetadataItem(area));
  const grants = sitesItem(area);
  const meshConfig = async () => buildMeshConfig(await config.get(), await vault.providers(), await vault.metadataOf(), await grants.get());
  const stateDatabase = `state-${suffix}`;
  // No timed saves: what is on disk is what the worker wrote on purpose (persist before "done").
  const runtime = new MeshRuntime({ vault, meshConfig, stateDatabase, persistDelayMs: 3_600_000 });
  const windows: string[] = [];
  const sites = new SiteRegistry(grants, { open: async (id) => (windows.push(id), windows.length), close: async () => undefined }, () => runtime.reload());
  const activity = new ActivityLog(`activity-${suffix}`);
  const handlers = createAdminHandlers({ vault, runtime, sites, activity, config, meshConfig });
  const service = { runtime, sites, activity, logContent: async () => (await config.get()).logContent, extensionId: EXTENSION_ID };
  /** The mesh state as saved in IndexedDB (what a restarted worker would restore). */
  const savedState = async () => ((await new IndexedDBStorage({ database: stateDatabase }).load("modelmesh/state")) as { data?: { usage?: { requests: number; totalCost: number } } } | null)?.data;
  return { suffix, area, config, vault, store, runtime, sites, activity, handlers, service, windows, savedState, grants };
}

/** Two fakes as providers of one chat pool, keys in the vault, and `origin` allowed always (optionally with a budget). */
export async function configureWorker(modules: ReturnType<typeof workerModules>, fakes: { a: FakeOpenAI; b?: FakeOpenAI }, keys: { a: string; b?: string }, origin?: string, budget: { dailyLimit?: number } = {}) {
  const provider = (fake: FakeOpenAI, model: string) => ({ connector: "openai-compatible", config: { base_url: fake.url, models: [{ id: model, capabilities: [CHAT], features: { streaming: true }, pricing: { input: 1, output: 2 } }] } });
  const providers: Record<string, unknown> = { "fake-a": provider(fakes.a, "alpha") };
  if (fakes.b) providers["fake-b"] = provider(fakes.b, "beta");
  const result = await modules.handlers["config.set"]({ config: { logContent: false, mesh: { providers, pools: { chat: { capability: "chat-completion", providers: Object.keys(providers), retry: { max_retries: 0 } } } } } });
  if (result.errors.length) throw new Error(result.errors.join("; "));
  await modules.handlers["keys.set"]({ provider: "fake-a", apiKey: keys.a });
  if (keys.b) await modules.handlers["keys.set"]({ provider: "fake-b", apiKey: keys.b });
  if (origin) await modules.grants.set({ [origin]: { origin, grant: "always", budget, pools: [], grantedAt: 0 } });
  await modules.runtime.reload();
}
