import type { IncomingMessage } from "node:http";
import { startLocalServer, type LocalServer, type RequestHandler } from "../../../sdk/test/fakes/http.js";

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
