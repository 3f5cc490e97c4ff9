/**
 * The relay's cheap path on Node. A transport that can hand the relay its upstream's `IncomingMessage` and raw
 * header pairs offers it under `DIRECT_EXCHANGE`; the relay then builds no `Response`, `Headers`, `AbortController`
 * or web stream for the exchange, and the node adapter pipes the upstream's stream into the client's socket.
 * The transport's own call (which returns a `Response`) stays what every other caller uses.
 */
import type { Readable } from "node:stream";

/** The key under which a `RelayTransport` offers a `DirectTransport`. */
export const DIRECT_EXCHANGE: unique symbol = Symbol("modelmesh.relay.directExchange");

/** What the relay hands a direct transport: as `RelayRequest`, without a signal (the relay calls `cut`). */
export interface DirectRequest {
  method: string;
  headers: Array<[string, string]>;
  body: ReadableStream<Uint8Array> | Uint8Array | null;
  allowPrivateAddresses: boolean;
}

/** The upstream's answer as the wire gave it. */
export interface DirectUpstream {
  status: number;
  statusText: string;
  /** Name, value, name, value, ... as received (`IncomingMessage.rawHeaders`). */
  rawHeaders: readonly string[];
  /** Null where HTTP has no body (HEAD, 204, 205, 304). */
  body: Readable | null;
}

/** One exchange in flight. */
export interface DirectExchange {
  /** The answer's head; rejects as the transport's own call would (BlockedAddressError included). */
  response: Promise<DirectUpstream>;
  /** Ends the exchange at once, whatever its stage: the request, the connection and the body if one started. */
  cut(reason: Error): void;
}

/** Starts an exchange (see `DIRECT_EXCHANGE`). */
export type DirectTransport = (target: URL, request: DirectRequest) => DirectExchange;
