/**
 * `npm start`: the proxy with providers discovered from the environment (or ./modelmesh.yaml, MODELMESH_CONFIG,
 * --config); with no key found, or MODELMESH_OFFLINE=1, on two local fake providers, so everything can be tried
 * offline. Accepts the CLI's flags: `npm start -- --port 9000`.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CallbackObservability, ConfigError, create, isModelMeshErrorOf, PrometheusObservability, type MeshClient, type MeshEvent } from "modelmesh";
import { describeRunning, loadInvocation, serve, stopOnSignals, withSink } from "./cli.js";
import { createNodeFetch } from "modelmesh/node-fetch";
import { startOfflineProviders, type OfflineProviders } from "../../sdk/test/fakes/demo-providers.js";

const REPOSITORY = fileURLToPath(new URL("../../", import.meta.url));
// Where the other workspaces put what they build; printed only when present, never guessed as a URL.
const EXTENSION_BUILDS = ["extension/dist/manifest.json", "dist/extension/manifest.json"];
const DEMO_SCRIPT = "scripts/demo.ts";
const WEB_APP_SCRIPT = "scripts/serve-web-app.ts";

type Log = (line: string) => void;

/** The offline demo's `runDemo`, when the repository has one. */
type RunDemo = (client: MeshClient, providers: OfflineProviders, log: Log, events: MeshEvent[]) => Promise<void>;

async function loadDemo(): Promise<RunDemo | undefined> {
  if (!existsSync(`${REPOSITORY}${DEMO_SCRIPT}`)) return undefined;
  try {
    const module = (await import(new URL(`../../${DEMO_SCRIPT}`, import.meta.url).href)) as { runDemo?: unknown };
    return typeof module.runDemo === "function" ? (module.runDemo as RunDemo) : undefined;
  } catch {
    return undefined;
  }
}

type ServeWebApp = typeof import("../../scripts/serve-web-app.js").serveWebApp;

/** The example web app's server (examples/web-app), when the repository has it and Vite is installed. */
async function loadWebAppServer(): Promise<ServeWebApp | undefined> {
  if (!existsSync(`${REPOSITORY}${WEB_APP_SCRIPT}`)) return undefined;
  try {
    return ((await import(new URL(`../../${WEB_APP_SCRIPT}`, import.meta.url).href)) as { serveWebApp: ServeWebApp }).serveWebApp;
  } catch {
    return undefined;
  }
}

/**
 * The web app's address with the form pre-filled for the offline fakes (never a key: the page refuses one from
 * its URL, and the fakes accept any).
 * @example
 * offlineWebAppUrl("http://127.0.0.1:5173/", "http://127.0.0.1:8787", "http://127.0.0.1:40001/v1");
 */
export function offlineWebAppUrl(pageUrl: string, proxyUrl: string, fakeBaseUrl: string): string {
  const url = new URL(pageUrl);
  url.search = new URLSearchParams({ baseUrl: fakeBaseUrl, proxyUrl: `${proxyUrl}/proxy/`, model: "alpha-chat", priceInput: "0.15", priceOutput: "0.6" }).toString();
  return url.href;
}

function firstExisting(candidates: string[]): string | undefined {
  return candidates.map((candidate) => `${REPOSITORY}${candidate}`).find((path) => existsSync(path));
}

/** Starts the mesh; false when it has no provider (none configured, none discovered), other failures propagate. */
async function hasProviders(client: MeshClient): Promise<boolean> {
  try {
    await client.ready();
  } catch (error) {
    if (isModelMeshErrorOf(error, ConfigError) && error.path === "providers") return false;
    throw error;
  }
  return client.mesh.describe().providers.length > 0;
}

const CHAT_CAPABILITY = "generation.text-generation.chat-completion";

/**
 * The pool a first chat request should name: a configured chat pool, else the implicit one per capability
 * ("chat-completion"), else any text-generation pool; undefined when the mesh serves no chat at all.
 * @example
 * chatPoolOf(client.describe()); // "chat-completion" with only OPENAI_API_KEY set
 */
export function chatPoolOf(description: { pools: Record<string, { capability: string; configured: boolean; total: number }> }): string | undefined {
  const pools = Object.entries(description.pools).filter(([, pool]) => pool.total > 0);
  const chat = pools.filter(([, pool]) => pool.capability === CHAT_CAPABILITY);
  const pick = chat.find(([, pool]) => pool.configured) ?? chat[0] ?? pools.find(([, pool]) => pool.capability.startsWith("generation.text-generation."));
  return pick?.[0];
}

/**
 * Names (never values) of the provider keys set in the environment, so a person sees which of their keys were used.
 * @example
 * foundKeys({ OPENAI_API_KEY: "sk-...", HOME: "/root" }); // ["OPENAI_API_KEY"]
 */
export function foundKeys(env: Record<string, string | undefined>): string[] {
  return Object.keys(env)
    .filter((name) => /_API_KEY$/.test(name) && (env[name] ?? "").trim() !== "")
    .sort();
}

/**
 * The lines after the server's own: how to call it (naming a chat pool that exists), and where the web app and the
 * extension are (if built). `chatPool` has no default: undefined (no chat pool) must print the models call, not a
 * chat call naming a pool that does not exist.
 */
export function nextSteps(url: string, hasToken: boolean, chatPool: string | undefined, webApp?: string): string[] {
  // A placeholder, never the token itself: console output ends up in logs.
  const auth = hasToken ? ' -H "Authorization: Bearer <your proxy token>"' : "";
  const extension = firstExisting(EXTENSION_BUILDS);
  const call = chatPool
    ? `  curl ${url}/v1/chat/completions -H "Content-Type: application/json"${auth} -d '${JSON.stringify({ model: chatPool, messages: [{ role: "user", content: "Hello" }] })}'`
    : `  curl ${url}/v1/models${auth}   (no chat model was found; this lists what the mesh serves)`;
  return [
    "Try it:",
    call,
    `  or any OpenAI client with baseURL ${url}/v1`,
    `Demo web app: ${webApp ?? "not started"}`,
    `Browser extension: ${extension ? `${extension.replace(/manifest\.json$/, "")} (load it as an unpacked extension)` : "not built yet"}`,
  ];
}

/**
 * Starts everything and prints what it started; resolves once the server listens.
 * @example
 * const running = await start(process.argv.slice(2), process.env, console.log);
 */
export async function start(argv: string[], env: Record<string, string | undefined>, log: Log) {
  const invocation = await loadInvocation(argv, env, log);
  if (!invocation) return undefined;
  const { raw, settings, path } = invocation;
  const metrics = new PrometheusObservability({ minSeverity: "debug" });
  let offline: OfflineProviders | undefined;
  let client: MeshClient | undefined;
  if (env.MODELMESH_OFFLINE !== "1") {
    client = create({ config: withSink(raw, metrics), fetch: createNodeFetch() });
    if (!(await hasProviders(client))) {
      await client.close();
      client = undefined;
    }
  }
  if (!client) {
    const why = env.MODELMESH_OFFLINE === "1" ? "MODELMESH_OFFLINE=1 is set" : "no provider key was found in the environment (set OPENAI_API_KEY, GROQ_API_KEY, ... for real providers)";
    log(`ModelMesh is running on LOCAL FAKE providers, offline: ${why}. Nothing leaves 127.0.0.1 and no key is needed.`);
    offline = await startOfflineProviders();
    log(`  fake providers: ${offline.fakes.map((fake) => fake.url).join("  ")}`);
    const events: MeshEvent[] = [];
    let collecting = true;
    const recorder = new CallbackObservability({ callback: (event) => void (collecting && events.push(event)), minSeverity: "debug" });
    const config = withSink(offline.config, metrics);
    client = create({ config: { ...config, observability: [...(config.observability as object[]), { instance: recorder }] }, fetch: createNodeFetch() });
    await client.ready();
    const runDemo = env.MODELMESH_SKIP_DEMO === "1" ? undefined : await loadDemo();
    if (runDemo) {
      log("A short demo of routing and failover on the fakes, before serving:");
      await runDemo(client, offline, (line) => log(`  ${line}`), events).catch((error: unknown) => log(`  (the demo failed: ${error instanceof Error ? error.message : String(error)})`));
    }
    collecting = false;
    events.length = 0;
  } else {
    log(`ModelMesh proxy with providers from ${path ?? "the environment"}: ${client.mesh.describe().providers.map((provider) => provider.id).join(", ")}`);
    const keys = foundKeys(env);
    if (keys.length) log(`  keys found in the environment: ${keys.join(", ")}`);
    log(`  pools: ${Object.entries(client.poolStatus()).map(([name, status]) => `${name} (${status.active}/${status.total} models active)`).join(", ") || "none"}`);
  }
  // The web app is another origin than the proxy: its page may call the proxy (CORS for exactly that origin), and in
  // the offline demo the relay may reach the fakes on 127.0.0.1 (named one by one, with their ports: the relay's
  // refusal of private addresses stays in force for everything else).
  let noWebApp = "not started (MODELMESH_NO_WEB_APP=1)";
  let webApp: Awaited<ReturnType<ServeWebApp>> | undefined;
  if (env.MODELMESH_NO_WEB_APP !== "1") {
    const serveWebApp = await loadWebAppServer();
    noWebApp = "not available (it needs this repository's examples/web-app and Vite: npm install)";
    webApp = await serveWebApp?.({ port: settings.port === 0 ? 0 : 5173 }).catch((error: unknown) => {
      noWebApp = `did not start: ${error instanceof Error ? error.message : String(error)}`;
      return undefined;
    });
  }
  if (webApp) settings.cors = { ...settings.cors, enabled: true, allowedOrigins: [...settings.cors.allowedOrigins, webApp.origin] };
  if (offline) settings.relay = { ...settings.relay, allowPrivate: [...settings.relay.allowPrivate, ...offline.fakes.map((fake) => new URL(fake.url).host)] };
  let running;
  try {
    running = await serve(settings, client, metrics);
  } catch (error) {
    await client.close();
    await offline?.close();
    await webApp?.close();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") throw new Error(`port ${settings.port} is in use: pass --port (npm start -- --port 9000) or set MODELMESH_PROXY_PORT`);
    throw error;
  }
  const stopProxy = running.stop;
  running.stop = async () => {
    await stopProxy();
    await offline?.close();
    await webApp?.close();
  };
  for (const line of describeRunning(running)) log(line);
  const page = !webApp
    ? noWebApp
    : offline
      ? `${offlineWebAppUrl(webApp.url, running.server.url, offline.fakes[0]!.url)}  (any key works with the fakes)`
      : `${webApp.url}?${new URLSearchParams({ proxyUrl: `${running.server.url}/proxy/` })}  (type your provider key in the page)`;
  for (const line of nextSteps(running.server.url, settings.tokens.length > 0, chatPoolOf(client.mesh.describe()), page)) log(line);
  return running;
}

async function main(): Promise<void> {
  try {
    const running = await start(process.argv.slice(2), process.env, console.log);
    if (running) stopOnSignals(running, console.log);
  } catch (error) {
    console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
