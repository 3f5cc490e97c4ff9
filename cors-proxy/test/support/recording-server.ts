import type { IncomingMessage } from "node:http";
import { afterEach } from "vitest";
import { startLocalServer, type LocalServer, type RequestHandler } from "../../../sdk/test/fakes/http.js";
import { createNodeFetch, type NodeFetch, type NodeFetchOptions } from "modelmesh/node-fetch";

/** One request as the fake server received it, body read whole. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  port: number;
}

/** A `startLocalServer` that reads each request's body and records it in `received` before `handler` answers. */
export function startRecordingServer(handler: RequestHandler, received: Received[]): Promise<LocalServer> {
  return startLocalServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    received.push({ method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(parts).toString(), port: request.socket.remotePort! });
    await handler(request, response);
  });
}

/**
 * For a test file: `serve(handler)` starts a recording server and a Node fetch (undici dispatcher); both are closed, and `received`
 * emptied, after each test (this registers its own `afterEach`). `server()` is the current test's server.
 * @example
 * const { serve, received } = recordingFetchPerTest();
 * const { url, fetch } = await serve((_request, response) => void response.end("ok"));
 */
export function recordingFetchPerTest() {
  const received: Received[] = [];
  let server: LocalServer | undefined;
  let nodeFetch: NodeFetch | undefined;
  afterEach(async () => {
    nodeFetch?.close();
    // A test may have closed its server already (to see a refused connection).
    await server?.close().catch(() => {});
    server = undefined;
    nodeFetch = undefined;
    received.length = 0;
  });
  const serve = async (handler: RequestHandler, options: NodeFetchOptions = {}): Promise<{ url: string; fetch: NodeFetch }> => {
    server = await startRecordingServer(handler, received);
    nodeFetch = createNodeFetch(options);
    return { url: server.url, fetch: nodeFetch };
  };
  return { serve, received, server: () => server! };
}
