/**
 * Serves the example web app (examples/web-app) for `npm start` and the e2e run: the production build with
 * `vite preview` when `npm run build` made one, else the Vite dev server straight from the sources (the SDK's too),
 * so `npm start` shows the page on a fresh clone. Node-side only; nothing here reaches the page's bundle.
 */
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";

/** The web app's folder and the file its production build writes. */
export const WEB_APP_ROOT = fileURLToPath(new URL("../examples/web-app/", import.meta.url));
export const WEB_APP_BUILD = `${WEB_APP_ROOT}dist/index.html`;

/** A running web app server. */
export interface WebAppServer {
  /** `http://127.0.0.1:PORT/`: the page. */
  url: string;
  /** The page's origin, as a browser sends it in `Origin` (what the proxy's CORS list needs). */
  origin: string;
  /** "built": the production bundle (vite preview); "dev": the Vite dev server over the sources. */
  mode: "built" | "dev";
  close(): Promise<void>;
}

/** Where to listen; port 0 picks a free one, any other port moves on to the next free one when taken. */
export interface WebAppServerOptions {
  host?: string;
  port?: number;
  /** Serve the sources even when a build exists. */
  dev?: boolean;
}

function listeningUrl(server: Server | null | undefined, host: string): string {
  const address = server?.address() as AddressInfo | null | undefined;
  if (!address || typeof address !== "object") throw new Error("the web app server is not listening");
  return `http://${host}:${address.port}/`;
}

/**
 * Starts the web app's server.
 * @example
 * const webApp = await serveWebApp({ port: 0 });
 * console.log(webApp.url); // http://127.0.0.1:41234/
 * await webApp.close();
 */
export async function serveWebApp(options: WebAppServerOptions = {}): Promise<WebAppServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 5173;
  // Loaded here, not at the top: vite is a development dependency, and the proxy runs without it.
  const vite = await import("vite");
  const common = { configFile: `${WEB_APP_ROOT}vite.config.ts`, root: WEB_APP_ROOT, logLevel: "warn" as const };
  if (!options.dev && existsSync(WEB_APP_BUILD)) {
    const server = await vite.preview({ ...common, preview: { host, port, strictPort: false, open: false } });
    const url = listeningUrl(server.httpServer as Server, host);
    return { url, origin: new URL(url).origin, mode: "built", close: () => server.close() };
  }
  const server = await vite.createServer({ ...common, server: { host, port, strictPort: false, open: false, hmr: false } });
  await server.listen();
  const url = listeningUrl(server.httpServer as Server | null, host);
  return { url, origin: new URL(url).origin, mode: "dev", close: () => server.close() };
}
