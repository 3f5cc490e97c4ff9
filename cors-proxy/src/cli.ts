/**
 * `modelmesh-proxy`: the mesh as an OpenAI-compatible server plus the browser relay, from the command line.
 * Settings come from the YAML's `proxy:` section, then MODELMESH_PROXY_* variables, then flags (each overriding).
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { create, ConfigError, isModelMeshErrorOf, MeshConfig, PrometheusObservability, type MeshClient, type MeshConfigObject } from "modelmesh";
import { registerNodeConnectors } from "modelmesh/node";
import { mergeSettings, readEnvironment, readProxySection, type ProxySettings, type ProxySettingsLayer } from "./config.js";
import { requireTokenBeyondLoopback } from "./auth.js";
import { startProxyServer, type ProxyServer } from "./node-adapter.js";
import { createNodeFetch } from "modelmesh/node-fetch";

export const USAGE = `Usage: modelmesh-proxy [--config modelmesh.yaml] [--host 127.0.0.1] [--port 8787] [--token TOKEN ...]

Serves the ModelMesh mesh as an OpenAI-compatible API (/v1/...) and a CORS relay for browsers (/proxy/<url>).

  --config PATH    YAML or JSON configuration (default: $MODELMESH_CONFIG, else ./modelmesh.yaml if present,
                   else providers discovered from environment variables such as OPENAI_API_KEY)
  --host HOST      interface to listen on (default 127.0.0.1; anything else requires a token)
  --port PORT      port (default 8787; 0 picks a free one)
  --token TOKEN    accepted bearer token; repeat for several (also proxy.token / proxy.tokens, MODELMESH_PROXY_TOKEN)
  --relay-only     no mesh: serve only the relay, /health, /ready and /metrics
  --help           this text

Flags override MODELMESH_PROXY_HOST / MODELMESH_PROXY_PORT / MODELMESH_PROXY_TOKEN, which override the YAML's proxy: section.`;

/** What the command line asked for. */
export interface CliArguments {
  help: boolean;
  relayOnly: boolean;
  config: string | undefined;
  layer: ProxySettingsLayer;
}

/**
 * Parses the command line (without `node` and the script).
 * @example
 * parseCliArguments(["--port", "9000", "--token", "a", "--token", "b"]).layer; // { port: 9000, tokens: ["a", "b"] }
 */
export function parseCliArguments(argv: string[]): CliArguments {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        token: { type: "string", multiple: true },
        "relay-only": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError("", `${(error as Error).message}\n\n${USAGE}`);
  }
  const layer: ProxySettingsLayer = {};
  if (values.host) layer.host = values.host;
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65_535) throw new ConfigError("--port", `must be a port number from 0 to 65535, got "${values.port}"`);
    layer.port = port;
  }
  if (values.token?.length) layer.tokens = values.token;
  return { help: values.help === true, relayOnly: values["relay-only"] === true, config: values.config, layer };
}

/** The configuration file to use: the flag, MODELMESH_CONFIG, or ./modelmesh.yaml(.yml) when present. */
export function configPath(flag: string | undefined, env: Record<string, string | undefined>, cwd = process.cwd()): string | undefined {
  if (flag) return flag;
  if (env.MODELMESH_CONFIG) return env.MODELMESH_CONFIG;
  for (const name of ["modelmesh.yaml", "modelmesh.yml"]) if (existsSync(`${cwd}/${name}`)) return `${cwd}/${name}`;
  return undefined;
}

/** A configuration object with one more observability sink added to whatever it already lists. */
export function withSink(config: MeshConfigObject, sink: PrometheusObservability): MeshConfigObject {
  const existing = config.observability;
  const list = existing === undefined || existing === null ? [] : Array.isArray(existing) ? existing : [existing];
  return { ...config, observability: [...list, { instance: sink }] };
}

/** A started proxy and what to stop when it ends. */
export interface RunningProxy {
  server: ProxyServer;
  client: MeshClient | undefined;
  settings: ProxySettings;
  /** Closes the server (grace period for requests in flight), then the mesh (which writes its state). */
  stop(): Promise<void>;
}

/**
 * Starts the server for already-merged settings and an optional mesh. Used by the CLI and `npm start`.
 * @example
 * const running = await serve(mergeSettings({ port: 0 }), create({ config }), metrics);
 */
export async function serve(settings: ProxySettings, client: MeshClient | undefined, meshMetrics?: PrometheusObservability): Promise<RunningProxy> {
  requireTokenBeyondLoopback(settings.host, settings.tokens);
  const server = await startProxyServer({
    host: settings.host,
    port: settings.port,
    tokens: settings.tokens,
    cors: settings.cors,
    maxBodyBytes: settings.maxBodyBytes,
    ...(settings.rateLimit ? { rateLimit: settings.rateLimit } : {}),
    relay: settings.relay,
    ...(client ? { mesh: client } : {}),
    ...(meshMetrics ? { meshMetrics } : {}),
  });
  let stopping: Promise<void> | undefined;
  return {
    server,
    client,
    settings,
    stop: () =>
      (stopping ??= (async () => {
        await server.close();
        await client?.close();
      })()),
  };
}

/** Lines describing a running proxy, for people. */
export function describeRunning(running: RunningProxy): string[] {
  const { server, client, settings } = running;
  const lines = [`modelmesh-proxy listening on ${server.url}${server.host === "0.0.0.0" || server.host === "::" ? " (all interfaces)" : ""}`];
  if (client) {
    const pools = Object.keys(client.poolStatus());
    lines.push(`  OpenAI-compatible API: ${server.url}/v1  (pools: ${pools.join(", ") || "none"})`);
  }
  if (settings.relay.enabled) lines.push(`  browser relay:         ${server.url}/proxy/https://api.openai.com/v1/...`);
  lines.push(`  health, readiness, metrics: ${server.url}/health  ${server.url}/ready  ${server.url}/metrics`);
  lines.push(settings.tokens.length ? `  auth: bearer token required (${settings.tokens.length} configured)` : "  auth: none (loopback only)");
  return lines;
}

/** Stops the proxy on SIGINT/SIGTERM; a second signal exits at once. */
export function stopOnSignals(running: RunningProxy, log: (line: string) => void): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = true;
    log(`${signal}: closing (requests in flight may finish, state is saved)...`);
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/**
 * The CLI: parse, load the configuration, start the mesh and the server.
 * @example
 * const running = await runCli(["--config", "modelmesh.yaml", "--port", "0"]);
 */
/**
 * Flags, then `MODELMESH_PROXY_*` variables, then the YAML's `proxy:` section: the settings both entry points start
 * from, or undefined after printing the usage for `--help`.
 */
export async function loadInvocation(argv: string[], env: Record<string, string | undefined>, log: (line: string) => void) {
  const args = parseCliArguments(argv);
  if (args.help) {
    log(USAGE);
    return undefined;
  }
  const path = configPath(args.config, env);
  const raw: MeshConfigObject = path ? (await MeshConfig.fromFile(path)).raw : {};
  const settings = mergeSettings(readProxySection(raw.proxy), readEnvironment(env), args.layer);
  return { args, raw, settings, path };
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env, log: (line: string) => void = console.log): Promise<RunningProxy | undefined> {
  const invocation = await loadInvocation(argv, env, log);
  if (!invocation) return undefined;
  const { args, raw, settings } = invocation;
  // Refuse an unprotected public listener before anything starts.
  requireTokenBeyondLoopback(settings.host, settings.tokens);
  if (args.relayOnly) return serve(settings, undefined);
  const metrics = new PrometheusObservability({ minSeverity: "debug" });
  // As classes, so the bundled CLI (Docker: one file) can name sqlite, local-file and redis storage in its YAML.
  registerNodeConnectors();
  // Providers are reached over undici's dispatcher (keep-alive pools), not a `fetch`: see node-fetch.ts for the measured cost.
  const client = create({ config: withSink(raw, metrics), fetch: createNodeFetch() });
  try {
    await client.ready().catch((error: unknown) => {
      if (isModelMeshErrorOf(error, ConfigError) && error.path === "providers") throw noProviders();
      throw error;
    });
    if (client.mesh.describe().providers.length === 0) throw noProviders();
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  return serve(settings, client, metrics);
}

function noProviders(): ConfigError {
  return new ConfigError(
    "providers",
    "no providers configured or found: pass --config modelmesh.yaml, set a key such as OPENAI_API_KEY, use --relay-only, or run `npm start` to try everything offline on local fake providers",
  );
}

async function main(): Promise<void> {
  try {
    const running = await runCli(process.argv.slice(2));
    if (!running) return;
    for (const line of describeRunning(running)) console.log(line);
    stopOnSignals(running, console.log);
  } catch (error) {
    console.error(`modelmesh-proxy: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();

export { main };
