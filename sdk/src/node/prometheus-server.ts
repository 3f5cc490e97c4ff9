// The HTTP endpoint of `modelmesh.prometheus.v1`'s `port`/`path` (the FAQ's YAML), Node only: the sink loads this
// module by a computed import when it is given a port, so no browser bundle ever contains node:http.

/**
 * Where and how metrics are served.
 * @example
 * const options: MetricsServerOptions = { port: 9090, path: "/metrics", host: "0.0.0.0" };
 */
export interface MetricsServerOptions {
  /** 0 picks a free port (tests); read the chosen one from `port` of the result. */
  port: number;
  /** Default `/metrics`. */
  path?: string;
  /** Default `127.0.0.1`: metrics name models, pools and spend, so other hosts see them only when asked for. */
  host?: string;
  /** `Content-Type` of the answer (default the text exposition format's, version 0.0.4). */
  contentType?: string;
}

/**
 * A running metrics endpoint.
 * @example
 * const server = await serveMetrics(() => sink.render(), { port: 0 });
 * await fetch(server.url);
 * await server.close();
 */
export interface MetricsServer {
  /** Full address of the metrics path, e.g. `http://127.0.0.1:9090/metrics`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

// The slice of node:http this module uses, typed here: the package is built without Node's type definitions.
interface IncomingLike {
  method?: string;
  url?: string;
}
interface ResponseLike {
  writeHead(status: number, headers: Record<string, string>): ResponseLike;
  end(body?: string): void;
}
interface ServerLike {
  listen(port: number, host: string, callback: () => void): void;
  once(event: "error", listener: (error: Error) => void): void;
  off(event: "error", listener: (error: Error) => void): void;
  address(): { port: number } | string | null;
  close(callback: (error?: Error) => void): void;
  closeAllConnections?(): void;
}
interface HttpModule {
  createServer(handler: (request: IncomingLike, response: ResponseLike) => void): ServerLike;
}
const HTTP_MODULE = "node:http";

/** The text exposition format's content type. */
const EXPOSITION_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Serves `render()`'s text at `path` (GET and HEAD; 404 elsewhere, 405 for other methods). Resolves once listening;
 * rejects when the port cannot be bound (in use, not allowed).
 * @example
 * import { PrometheusObservability } from "modelmesh";
 * import { serveMetrics } from "modelmesh/node";
 * const metrics = new PrometheusObservability();
 * const server = await serveMetrics(() => metrics.render(), { port: 9090 });
 */
export async function serveMetrics(render: () => string, options: MetricsServerOptions): Promise<MetricsServer> {
  const path = options.path ?? "/metrics";
  const host = options.host ?? "127.0.0.1";
  const contentType = options.contentType ?? EXPOSITION_TYPE;
  const http = (await import(/* @vite-ignore */ HTTP_MODULE)) as HttpModule;
  const server = http.createServer((request, response) => {
    const pathname = (request.url ?? "/").split("?")[0];
    if (pathname !== path) return void response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
    if (request.method !== "GET" && request.method !== "HEAD") {
      return void response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
    }
    let body: string;
    try {
      body = render();
    } catch {
      return void response.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("metrics unavailable\n");
    }
    response.writeHead(200, { "content-type": contentType, "cache-control": "no-store" }).end(request.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once("error", failed);
    server.listen(options.port, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}${path}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Scrapers keep connections alive; without this close() would wait for them to time out.
        server.closeAllConnections?.();
      }),
  };
}
