import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { BrowserContext, CDPSession, Page } from "@playwright/test";
import { startLocalServer, type LocalServer } from "../sdk/test/fakes/http.js";
import { startFakeOpenAI, type FakeOpenAI } from "../sdk/test/fakes/openai.js";
import { test } from "./fixtures.js";

// Helpers for the extension's e2e specs: a site served from 127.0.0.1 that loads `modelmesh/extension` as a page would,
// the extension's admin messages sent from one of its own pages, and recorders of every message a page and the
// content script receive.

const root = fileURLToPath(new URL("../", import.meta.url));
export const CHAT_CAPABILITY = "generation.text-generation.chat-completion";

/** The page client bundled as a site would ship it (IIFE exposing `window.ModelMesh`), from source. */
export async function bundlePageClient(): Promise<string> {
  const result = await build({
    stdin: { contents: 'export { connectExtension } from "modelmesh/extension";', resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    format: "iife",
    globalName: "ModelMesh",
    platform: "browser",
    conditions: ["modelmesh-source"],
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/**
 * A web site: `/` loads the page client and records every `message` event the page receives (`window.__recorded`);
 * `/frame?parent=...` is a page that posts a forged request to its parent.
 */
export async function startSite(client: string): Promise<LocalServer> {
  return startLocalServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://site");
    if (url.pathname === "/client.js") {
      response.writeHead(200, { "content-type": "text/javascript" });
      return void response.end(client);
    }
    if (url.pathname === "/frame") {
      response.writeHead(200, { "content-type": "text/html" });
      return void response.end(`<!doctype html><script>
        parent.postMessage({ source: "modelmesh-page", version: 1, kind: "request", id: "forged-1", method: "chat.completions.create",
          params: { model: "chat", messages: [{ role: "user", content: "forged" }] } }, "*");
        parent.postMessage({ source: "modelmesh-page", version: 1, kind: "hello" }, "*");
        document.title = "sent";
      </script>`);
    }
    response.writeHead(200, { "content-type": "text/html" });
    response.end(`<!doctype html><html><head><script>
      window.__recorded = [];
      addEventListener("message", (event) => { try { window.__recorded.push(JSON.stringify(event.data)); } catch { window.__recorded.push(String(event.data)); } });
    </script><script src="/client.js"></script></head><body><h1>A site</h1><pre id="out"></pre></body></html>`);
  });
}

/** Sends admin messages from the extension's options page (the way the options UI does). */
export async function adminOf(context: BrowserContext, extensionId: string): Promise<{ page: Page; call: <T = any>(type: string, params?: Record<string, unknown>) => Promise<T> }> {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extensionId}/src/options/index.html`);
  const call = async <T,>(type: string, params: Record<string, unknown> = {}): Promise<T> => {
    const reply = (await page.evaluate((message) => (globalThis as any).chrome.runtime.sendMessage(message), { type, ...params })) as { ok: boolean; value?: T; error?: { message: string } };
    if (!reply?.ok) throw new Error(`${type} failed: ${reply?.error?.message ?? "no reply"}`);
    return reply.value as T;
  };
  return { page, call };
}

/** Two OpenAI-compatible providers backed by fakes, in one chat pool (fake-a first), priced so budgets count. */
export async function configure(call: (type: string, params?: Record<string, unknown>) => Promise<unknown>, fakes: { a: FakeOpenAI; b: FakeOpenAI }, keys: { a: string; b: string }, pricing = { input: 1, output: 2 }) {
  const provider = (fake: FakeOpenAI, model: string) => ({
    connector: "openai-compatible",
    config: { base_url: fake.url, models: [{ id: model, capabilities: [CHAT_CAPABILITY], features: { streaming: true }, pricing }] },
  });
  const result = (await call("config.set", {
    config: {
      logContent: false,
      mesh: {
        providers: { "fake-a": provider(fakes.a, "alpha"), "fake-b": provider(fakes.b, "beta") },
        pools: { chat: { capability: "chat-completion", strategy: "stick-until-failure", providers: ["fake-a", "fake-b"], retry: { max_retries: 0 } } },
      },
    },
  })) as { errors: string[] };
  if (result.errors.length) throw new Error(result.errors.join("; "));
  await call("keys.set", { provider: "fake-a", apiKey: keys.a });
  await call("keys.set", { provider: "fake-b", apiKey: keys.b });
}

/** Waits for the consent window, optionally screenshots it, and clicks a decision. */
export async function answerConsent(context: BrowserContext, decision: "Always allow" | "Allow once" | "Deny", screenshot?: string): Promise<Page> {
  const consent = context.pages().find((page) => page.url().includes("/src/consent/")) ?? (await context.waitForEvent("page", { predicate: (page) => page.url().includes("/src/consent/"), timeout: 10_000 }));
  await consent.getByRole("button", { name: decision }).waitFor();
  if (screenshot) await consent.screenshot({ path: screenshot });
  await consent.getByRole("button", { name: decision }).click();
  return consent;
}

/** Runs a streamed chat in the page; returns the text or the revived error's name, code and message. */
export function streamInPage(page: Page, options: { budget?: Record<string, number>; content?: string; model?: string } = {}) {
  return page.evaluate(async ({ budget, content, model }) => {
    try {
      const client = await (window as any).ModelMesh.connectExtension(budget ? { budget } : {});
      const started = performance.now();
      const stream = await client.chat.completions.create({ model: model ?? "chat", messages: [{ role: "user", content: content ?? "Hello there" }], stream: true });
      let text = "";
      let chunks = 0;
      let firstChunkMs: number | undefined;
      for await (const chunk of stream) {
        firstChunkMs ??= performance.now() - started;
        chunks += 1;
        text += chunk.choices[0]?.delta?.content ?? "";
      }
      return { ok: true as const, text, chunks, firstChunkMs: firstChunkMs ?? -1 };
    } catch (error: any) {
      return { ok: false as const, name: String(error?.name), code: String(error?.code), message: String(error?.message) };
    }
  }, options);
}

/**
 * Records every message the page's content script receives from the service worker: in the content script's own
 * (isolated) world, `chrome.runtime.connect` is wrapped so each port's messages are kept. Read with `read()`.
 */
export async function recordContentScript(context: BrowserContext, page: Page): Promise<{ read: () => Promise<string[]>; cdp: CDPSession }> {
  const cdp = await context.newCDPSession(page);
  const contexts: Array<{ id: number; name: string; auxData?: { type?: string; isDefault?: boolean; frameId?: string } }> = [];
  cdp.on("Runtime.executionContextCreated", (event: any) => contexts.push(event.context));
  await cdp.send("Runtime.enable");
  const { frameTree } = (await cdp.send("Page.getFrameTree")) as { frameTree: { frame: { id: string } } };
  const isolated = contexts.find((item) => item.auxData?.type === "isolated" && item.name === "ModelMesh" && item.auxData.frameId === frameTree.frame.id);
  if (!isolated) throw new Error(`no ModelMesh content-script world in the page (worlds: ${contexts.map((item) => item.name).join(", ")})`);
  await cdp.send("Runtime.evaluate", {
    contextId: isolated.id,
    expression: `(() => {
      globalThis.__portMessages = [];
      const connect = chrome.runtime.connect.bind(chrome.runtime);
      chrome.runtime.connect = (info) => {
        const port = connect(info);
        port.onMessage.addListener((message) => globalThis.__portMessages.push(JSON.stringify(message)));
        return port;
      };
      return true;
    })()`,
  });
  return {
    cdp,
    read: async () => {
      const result = (await cdp.send("Runtime.evaluate", { contextId: isolated.id, expression: "globalThis.__portMessages", returnByValue: true })) as { result: { value: string[] } };
      return result.result.value;
    },
  };
}

/** Two fake providers with their own keys and two local sites serving the page client: what the page specs share. */
export interface PageWorld {
  keys: { a: string; b: string };
  fakes: { a: FakeOpenAI; b: FakeOpenAI };
  site: LocalServer;
  otherSite: LocalServer;
}

/**
 * Registers the spec file's hooks that start (beforeAll), reset (beforeEach) and stop (afterAll) a `PageWorld`, and
 * returns it; its fields are set once `beforeAll` has run. Keys are built at run time so no key-shaped literal sits in
 * the tree, and are unique per run so a scan cannot match by accident.
 * @example
 * const world = pageWorld();
 * test("...", async () => { await configure(call, world.fakes, world.keys); });
 */
export function pageWorld(): PageWorld {
  const world = {
    keys: {
      a: ["sk", "e2e", "alpha", Math.random().toString(36).slice(2), "0123456789abcdef"].join("-"),
      b: ["sk", "e2e", "beta", Math.random().toString(36).slice(2), "fedcba9876543210"].join("-"),
    },
  } as PageWorld;
  test.beforeAll(async () => {
    world.fakes = { a: await startFakeOpenAI({ name: "a", models: ["alpha"], apiKeys: [world.keys.a] }), b: await startFakeOpenAI({ name: "b", models: ["beta"], apiKeys: [world.keys.b] }) };
    const client = await bundlePageClient();
    world.site = await startSite(client);
    world.otherSite = await startSite(client);
  });
  test.afterAll(async () => {
    await Promise.all([world.fakes?.a.close(), world.fakes?.b.close(), world.site?.close(), world.otherSite?.close()]);
  });
  test.beforeEach(() => {
    world.fakes.a.reset();
    world.fakes.b.reset();
  });
  return world;
}
